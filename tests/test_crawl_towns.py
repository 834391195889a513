"""Several townships crawled at once (`crawl.towns_at_once`, `sitemigrate crawl --jobs`), through
the sample sites' server: never two that share a server, Ctrl-C stops them all cleanly."""

import re
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import datetime

import pytest

from migrate.config import OldSite, Township, load_config
from migrate.crawl import crawl_towns
from migrate.crawl.runner import child_env
from migrate.crawl.towns import CombinedProgress, next_startable, servers_of
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.samples.server import start_sample_server
from tests.conftest import ROOT

LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")


def town(slug: str, *hosts: str) -> Township:
    return Township(slug, slug, OldSite(start_urls=[f"http://{hosts[0]}/"], hosts=list(hosts)))


def test_townships_on_one_server_wait_for_each_other():
    county = town("county", "www.yunxi.gov.cn")
    same_site = town("folder", "yunxi.gov.cn")                  # bare domain of a running one
    other_port = town("port", "www.yunxi.gov.cn:8080")          # another port, the same machine
    elsewhere = town("liuhe", "www.liuhe.yunxi.gov.cn")
    assert servers_of(county) == servers_of(same_site) == servers_of(other_port) == {"yunxi.gov.cn"}
    assert next_startable([same_site, other_port, elsewhere], [county]) is elsewhere
    assert next_startable([same_site, other_port], [county, elsewhere]) is None
    assert next_startable([same_site, elsewhere], []) is same_site


def test_one_progress_line_for_the_townships_running():
    shown = []
    combined = CombinedProgress(lambda done, total, label: shown.append((done, total, label)))
    a, b = town("a", "a.gov.cn"), town("b", "b.gov.cn")
    report_a, report_b = combined.for_town(a), combined.for_town(b)
    report_a(1, 1, "归档 a")            # b has no total yet: not the end of anything
    report_b(5, 40, "归档 b")
    report_a(30, 60, "归档 a")
    combined.finished(a)
    report_b(40, 40, "归档 b")
    assert shown == [(1, None, "同时归档 2 个乡镇（a、b）"), (6, 41, "同时归档 2 个乡镇（a、b）"),
                     (35, 100, "同时归档 2 个乡镇（a、b）"), (40, 40, "同时归档 1 个乡镇（b）")]


def test_a_new_ledger_opened_by_several_at_once(tmp_path):
    """SQLite refuses the switch to WAL at once ("database is locked") while other connections
    open the same new file; every township's first connection must still get the ledger."""
    for trial in range(20):
        path, errors = tmp_path / f"{trial}.sqlite", []
        barrier = threading.Barrier(6)

        def open_ledger():
            barrier.wait()
            try:
                with Ledger(path) as ledger:
                    ledger.db.execute("SELECT COUNT(*) FROM urls").fetchone()
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=open_ledger) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [], trial


def sample_config(path, delay: float = 0.0, concurrency: int = 8, at_once: int | None = None, extra: str = ""):
    """The bundled county config with its three sample townships (plus `extra` YAML ones)."""
    path.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "sitemigrate.yaml").read_text(encoding="utf-8")
    text = re.sub(r"concurrency_per_host: \d+", f"concurrency_per_host: {concurrency}", text)
    text = re.sub(r"delay: [\d.]+", f"delay: {delay}", text)
    if at_once is not None:
        text = text.replace("\ncrawl:\n", f"\ncrawl:\n  towns_at_once: {at_once}\n", 1)
    (path / "sitemigrate.yaml").write_text(text + extra, encoding="utf-8")
    return load_config(path / "sitemigrate.yaml")


def crawl_span(config, slug: str) -> tuple[datetime, datetime]:
    """When the township's crawl process started and finished crawling, from its log."""
    lines = (config.workdir / "logs" / f"crawl-{slug}.log").read_text(encoding="utf-8").splitlines()
    stamps = [datetime.strptime(LOG_TIME.match(line).group(1), "%Y-%m-%d %H:%M:%S,%f")
              for line in lines if LOG_TIME.match(line) and ("开始归档" in line or "结束" in line)]
    return stamps[0], stamps[-1]


def archived(config, slug: str) -> set[str]:
    with Ledger(config.ledger_path) as ledger:
        return {r["url"] for r in ledger.rows(slug, "fetched") if r["status"] == 200}


def test_townships_crawl_side_by_side_and_each_is_complete(tmp_path):
    config = sample_config(tmp_path / "ws", delay=0.05, concurrency=2)    # a few seconds a site
    with start_sample_server() as server:
        stats = crawl_towns(config, config.townships, proxy=server.proxy_url, jobs=3)
    spans = [crawl_span(config, t.slug) for t in config.townships]
    assert max(start for start, _ in spans) < min(end for _, end in spans)      # all three at once
    for slug in ("liuhe", "taoyuan", "qingshi"):
        assert stats[slug]["report"]["fetched"] == stats[slug]["fetched"] > 0
        assert truth.expected_archivable_urls(slug) <= archived(config, slug)
    with Ledger(config.ledger_path) as ledger:
        outcomes = [row["outcome"] for row in ledger.db.execute("SELECT outcome FROM runs WHERE stage='crawl'")]
    assert outcomes == ["done"] * 3


def test_one_at_a_time_when_asked(tmp_path):
    config = sample_config(tmp_path / "ws", at_once=1)
    with start_sample_server() as server:
        crawl_towns(config, config.townships[:2], proxy=server.proxy_url)
    (_, first_end), (second_start, _) = (crawl_span(config, t.slug) for t in config.townships[:2])
    assert first_end <= second_start


SAME_SERVER_TOWN = """\
  - slug: liuhe2
    name: 柳河街道（旧栏目）
    old_site:
      start_urls: ["http://liuhe.yunxi.gov.cn/main.asp"]
      hosts: [liuhe.yunxi.gov.cn]
"""


def test_two_townships_on_one_server_are_never_crawled_together(tmp_path):
    config = sample_config(tmp_path / "ws", delay=0.005, extra=SAME_SERVER_TOWN)
    liuhe, liuhe2 = config.township("liuhe"), config.township("liuhe2")
    with start_sample_server() as server:
        crawl_towns(config, [liuhe, liuhe2], proxy=server.proxy_url, jobs=4)
    spans = sorted(crawl_span(config, slug) for slug in ("liuhe", "liuhe2"))
    assert spans[0][1] <= spans[1][0]
    assert archived(config, "liuhe") and archived(config, "liuhe2")


def test_a_failing_township_lets_the_others_finish(tmp_path):
    extra = """\
  - slug: gone
    name: 已关停镇
    old_site:
      start_urls: ["http://gone.yunxi.gov.cn/"]
      hosts: [gone.yunxi.gov.cn]
"""
    config = sample_config(tmp_path / "ws", extra=extra)
    towns = [config.township("gone"), config.township("taoyuan")]
    with start_sample_server() as server, pytest.raises(UserError) as raised:
        crawl_towns(config, towns, proxy=server.proxy_url, jobs=2)
    assert "已关停镇" in str(raised.value)
    assert truth.expected_archivable_urls("taoyuan") <= archived(config, "taoyuan")


CTRL_C_SCRIPT = textwrap.dedent("""
    import sys
    from migrate.config import load_config
    from migrate.crawl import crawl_towns
    config = load_config(sys.argv[1])
    def progress(done, total, label):
        print("progress", done, label, flush=True)
    try:
        crawl_towns(config, config.townships, proxy=sys.argv[2], progress=progress, jobs=3)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
""")


def test_ctrl_c_stops_every_running_township_and_resume_finishes_them(tmp_path):
    config = sample_config(tmp_path / "ws", delay=0.03, concurrency=1)
    with start_sample_server() as server:
        child = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT, str(config.path), server.proxy_url],
                                 stdout=subprocess.PIPE, text=True, env=child_env())
        labels = set()
        for line in child.stdout:
            if line.startswith("progress"):
                labels.add(line.split(maxsplit=2)[2].strip())
                if int(line.split()[1]) >= 60:
                    break
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=90)
        assert child.returncode == 3 and "interrupted" in out
        assert any("同时归档 3 个乡镇" in label for label in labels)
        for township in config.townships:
            assert not list(config.archive_dir(township.slug).glob("*.open")), township.slug
        with Ledger(config.ledger_path) as ledger:
            outcomes = {row["town"]: row["outcome"] for row in ledger.db.execute("SELECT town, outcome FROM runs")}
        assert outcomes == {"liuhe": "interrupted", "taoyuan": "interrupted", "qingshi": "interrupted"}

        config.crawl.delay, config.crawl.concurrency_per_host = 0.0, 8
        crawl_towns(config, config.townships, proxy=server.proxy_url, resume=True)
    for township in config.townships:
        assert truth.expected_archivable_urls(township.slug) <= archived(config, township.slug)
