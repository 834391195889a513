"""The crawl report (`output/reports/crawl-<town>.html` and `.json`) of the sample sites."""

import json

import lxml.html
import pytest

from migrate.crawl import crawl_towns
from migrate.crawl.columns import column_key
from migrate.crawl.report import summary_line, write_crawl_report
from migrate.extract.stage import extract_town
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.samples.server import start_sample_server
from tests.test_crawl_samples import fast_config

TOWNS = ("taoyuan", "qingshi", "liuhe")


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    config = fast_config(tmp_path_factory.mktemp("report"))
    with start_sample_server() as server:
        stats = crawl_towns(config, config.townships, proxy=server.proxy_url)
    reports = {t: json.loads((config.reports_dir / f"crawl-{t}.json").read_text(encoding="utf-8")) for t in TOWNS}
    return config, stats, reports


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node["children"])


@pytest.mark.parametrize("town", TOWNS)
def test_report_files_and_summary_match_the_ledger(reported, town):
    config, stats, reports = reported
    report, summary = reports[town], stats[town]["report"]
    with Ledger(config.ledger_path) as ledger:
        counts = ledger.counts(town)
    assert summary["fetched"] == counts["fetched"] == sum(row["count"] for row in report["by_status"])
    assert summary["excluded"] == counts.get("excluded", 0) == sum(g["count"] for g in report["exclusions"])
    assert summary["pages"] == stats[town]["pages"] and summary["html"].endswith(f"crawl-{town}.html")
    assert sum(row["count"] for row in report["by_content_type"]) == counts["fetched"]
    html = lxml.html.parse(summary["html"]).getroot()
    headings = [h.text_content() for h in html.iter("h2")]
    assert headings[:4] == ["概况", "按状态码", "按内容类型", "按类别"]
    assert {"排除的地址（按规则）", "旧站失效链接", "栏目结构", "最大的文件"} <= set(headings)
    assert report["largest_files"] and report["largest_files"][0]["length"] >= report["largest_files"][-1]["length"]
    line = summary_line("柳河街道", summary)
    assert line.startswith("柳河街道：归档 ") and summary["html"] in line


def test_exclusions_by_rule_with_examples(reported):
    _, _, reports = reported
    rules = {g["rule"]: g for g in reports["liuhe"]["exclusions"]}
    assert {"trap:calendar", "trap:print", "trap:session-id", "robots", "offsite"} <= set(rules)
    calendar = rules["trap:calendar"]
    assert calendar["label"].startswith("日历陷阱") and calendar["examples"]
    assert all("calendar.asp" in e["url"] for e in calendar["examples"])
    assert {e["url"] for e in calendar["examples"]} & truth.trap_urls_linked("liuhe")


def test_broken_links_name_the_pages_that_link_them(reported):
    _, _, reports = reported
    broken = {b["url"]: b for b in reports["liuhe"]["broken_links"]}
    assert set(broken) == truth.broken_urls_linked("liuhe")
    (dead,) = broken.values()
    linking = {l["src"] for l in dead["linked_from"]}
    article = next(a for a in truth.ARTICLES if a["town"] == "liuhe" and a["title"] == "柳河街道开展消防安全宣传进社区活动")
    assert article["url"] in linking and dead["why"] == "HTTP 404"
    assert all(b["linked_from"] for t in TOWNS for b in reported[2][t]["broken_links"])


def test_column_tree_from_urls_is_named_by_the_site_menus(reported):
    _, _, reports = reported
    taoyuan = reports["taoyuan"]
    assert taoyuan["columns_from"] == "urls"
    by_key = {n["key"]: n for n in walk(taoyuan["columns"])}
    zwgk = by_key["http://www.taoyuan.yunxi.gov.cn/zwgk/"]
    assert zwgk["name"] == "政务公开"
    assert {c["name"] for c in zwgk["children"]} == {"通知公告", "政策文件", "财政预决算", "政府信息公开年报"}
    news = by_key["http://www.taoyuan.yunxi.gov.cn/zwdt/"]
    assert news["name"] == "镇务动态" and news["pages"] >= 14
    assert {u.rsplit("/", 1)[1] for u in news["list_urls"]} == {"", "index.html", "index_1.html", "index_2.html"}
    qingshi = {n["name"]: n for n in walk(reports["qingshi"]["columns"])}
    assert qingshi["工作动态"]["list_pages"] == 3            # the first page and two dataproxy answers
    liuhe = {n["name"]: n for n in walk(reports["liuhe"]["columns"])}
    assert {"街道动态", "通知公告", "便民服务"} <= set(liuhe)
    assert liuhe["街道动态"]["key"] == "http://www.liuhe.yunxi.gov.cn/list.asp?classid=4"


def test_column_tree_after_extraction_follows_the_breadcrumbs(reported):
    config, _, _ = reported
    with Ledger(config.ledger_path) as ledger:
        extract_town(config, ledger, "qingshi")
        write_crawl_report(config, ledger, "qingshi")
    report = json.loads((config.reports_dir / "crawl-qingshi.json").read_text(encoding="utf-8"))
    assert report["columns_from"] == "records"
    names = {tuple(n["key"].split(" > ")): n for n in walk(report["columns"])}
    for column in truth.SITES["qingshi"]["columns"]:
        for node in [column, *column["children"]]:
            path = tuple(node["path"])
            assert path in names, path
            assert names[path]["pages"] == node["articles"], path


@pytest.mark.parametrize("url, key", [
    ("http://h/zwdt/index_2.html", "http://h/zwdt/"),
    ("http://h/zwgk/tzgg/", "http://h/zwgk/tzgg/"),
    ("http://h/col/col5543/index.html", "http://h/col/col5543/"),
    ("http://h/list.asp?classid=4&page=3", "http://h/list.asp?classid=4"),
    ("http://h/index.html", None),
    ("http://h/show.asp?id=3", None),
    ("http://h/zwdt/202401/t20240105_1.html", None),
])
def test_column_keys(url, key):
    assert column_key(url) == key
