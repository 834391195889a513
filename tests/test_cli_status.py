"""`sitemigrate status`: per township what is archived, what is left, and how to finish it."""

import shutil

from migrate.config import load_config
from migrate.ledger import Ledger
from tests.conftest import ROOT, run_cli


def test_status_says_what_is_left_and_how_to_finish(tmp_path):
    shutil.copy(ROOT / "sitemigrate.yaml", tmp_path / "sitemigrate.yaml")
    config = load_config(tmp_path / "sitemigrate.yaml")
    with Ledger(config.ledger_path) as ledger:
        for n in range(3):
            ledger.upsert_url("taoyuan", f"http://www.taoyuan.yunxi.gov.cn/{n}.html", state="fetched", status=200)
        for n in range(2):
            ledger.upsert_url("taoyuan", f"http://www.taoyuan.yunxi.gov.cn/q{n}.html", state="queued")
        ledger.upsert_url("liuhe", "http://www.liuhe.yunxi.gov.cn/", state="fetched", status=200, fate="page")
        ledger.db.executemany("INSERT INTO runs (town, stage, started_at, ended_at, outcome) VALUES (?, 'crawl', ?, ?, ?)",
                              [("taoyuan", "2026-11-27T22:00:00Z", "2026-11-27T22:05:00Z", "interrupted"),
                               ("liuhe", "2026-11-27T22:00:00Z", "2026-11-27T22:01:00Z", "done")])
    result = run_cli("status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "桃源镇（taoyuan）：已归档 3，排除 0，失败 0，待抓取 2；去向 尚未构建 3"
    assert lines[1] == ("  上次归档（开始于 2026-11-27T22:00:00Z）被中断："
                        "运行 `sitemigrate crawl --resume taoyuan` 接着抓完。")
    assert lines[2] == "青石乡（qingshi）：尚未归档（运行 `sitemigrate crawl qingshi`）。"
    assert lines[3] == "柳河街道（liuhe）：已归档 1，排除 0，失败 0；去向 新站页面 1"
    assert len(lines) == 4
