"""Bad input gets one clear Chinese paragraph naming file and line, and a non-zero exit."""

import textwrap

from tests.conftest import ROOT, run_cli


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def assert_clean_error(result, *needles):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip()
    assert message.startswith("错误："), message
    assert len(message.splitlines()) == 1, message
    for needle in needles:
        assert needle in message, message


def test_missing_config(tmp_path):
    result = run_cli("map", "check", cwd=tmp_path)
    assert_clean_error(result, "sitemigrate.yaml", "找不到")


def test_config_bad_site_id_names_key_and_line(tmp_path):
    text = (ROOT / "sitemigrate.yaml").read_text(encoding="utf-8").replace('"4309990001"', '"43099"')
    config = tmp_path / "sitemigrate.yaml"
    config.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "site_id:" in l)
    result = run_cli("map", "check", cwd=tmp_path)
    assert_clean_error(result, str(config), f"第 {line} 行", "county.site_id", "10 位")


def test_config_unknown_key_and_missing_start_urls(tmp_path):
    write(tmp_path / "sitemigrate.yaml", """\
        county: {name: 县, site_name: 县政府, base_url: "https://www.x.gov.cn", site_id: "1234560001",
                 icp: x, police_record: y, sponsor: z}
        townships:
          - slug: a
            name: 甲镇
            old_site: {hosts: [a.gov.cn]}
        """)
    result = run_cli("map", "check", cwd=tmp_path)
    assert_clean_error(result, "第 6 行", "townships.0.old_site.start_urls", "缺失")
    write(tmp_path / "sitemigrate.yaml", """\
        county: {name: 县, site_name: 县政府, base_url: "https://www.x.gov.cn", site_id: "1234560001",
                 icp: x, police_record: y, sponsor: z, colour: red}
        townships: []
        """)
    assert_clean_error(run_cli("map", "check", cwd=tmp_path), "county.colour", "不是可识别的配置项")


def test_config_yaml_syntax_error(tmp_path):
    write(tmp_path / "sitemigrate.yaml", "county:\n  name: [县\ntownships: []\n")
    assert_clean_error(run_cli("status", cwd=tmp_path), "YAML 语法错误", "sitemigrate.yaml")


def test_mapping_yaml_syntax_error_names_file_and_line(workspace):
    bad = workspace / "mappings" / "taoyuan.yaml"
    lines = bad.read_text(encoding="utf-8").splitlines()
    insert_at = next(i for i, l in enumerate(lines) if l.startswith("columns:")) + 1
    lines.insert(insert_at, '  "未闭合的引号: gzdt')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("map", "check", cwd=workspace)
    assert_clean_error(result, "taoyuan.yaml", "YAML 语法错误", "第 ")


def test_mapping_unknown_slug_names_file_line_and_suggests(workspace):
    path = workspace / "mappings" / "taoyuan.yaml"
    text = path.read_text(encoding="utf-8")
    key_line = next(l for l in text.splitlines() if l.startswith("  ") and ": tzgg" in l)
    path.write_text(text.replace(key_line, key_line.replace(": tzgg", ": tzggg"), 1), encoding="utf-8")
    line = next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "tzggg" in l)
    result = run_cli("map", "check", cwd=workspace)
    assert_clean_error(result, "taoyuan.yaml", f"第 {line} 行", "tzggg", "是否想写 “tzgg”")


def test_mapping_group_column_and_drop_without_reason(workspace):
    path = workspace / "mappings" / "qingshi.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(": xxgkzn", ": zfxxgk", 1), encoding="utf-8")
    assert_clean_error(run_cli("map", "check", "qingshi", cwd=workspace), "qingshi.yaml", "栏目分组", "xxgkzn")
    path.write_text(text.replace(": jgzn", ": {drop: \"\"}", 1), encoding="utf-8")
    assert_clean_error(run_cli("map", "check", "qingshi", cwd=workspace), "qingshi.yaml", "没有写理由")


def test_missing_mapping_file_says_how_to_make_one(workspace):
    (workspace / "mappings" / "liuhe.yaml").unlink()
    assert_clean_error(run_cli("map", "check", cwd=workspace), "liuhe.yaml", "map suggest liuhe")


def test_unknown_township(tmp_path):
    (tmp_path / "sitemigrate.yaml").write_text((ROOT / "sitemigrate.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    assert_clean_error(run_cli("crawl", "nosuchtown", cwd=tmp_path), "nosuchtown", "taoyuan")


def test_extract_missing_file(tmp_path):
    assert_clean_error(run_cli("extract", "nope.html", cwd=tmp_path), "nope.html")


def test_townships_at_once_must_be_at_least_one(tmp_path):
    text = (ROOT / "sitemigrate.yaml").read_text(encoding="utf-8")
    config = tmp_path / "sitemigrate.yaml"
    config.write_text(text.replace("\ncrawl:\n", "\ncrawl:\n  towns_at_once: 0\n", 1), encoding="utf-8")
    assert_clean_error(run_cli("crawl", cwd=tmp_path), "crawl.towns_at_once", "至少为 1")
    config.write_text(text, encoding="utf-8")
    assert_clean_error(run_cli("crawl", "--jobs", "0", cwd=tmp_path), "--jobs", "至少为 1")
