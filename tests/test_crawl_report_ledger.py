"""The crawl report's column tree and counts, read from small hand-made ledgers (no crawl)."""

import random
from urllib.parse import urlsplit

import pytest

from migrate.config import load_config
from migrate.crawl.columns import MAYBE_LIST, _column_key, tree_from_ledger
from migrate.crawl.report import crawl_report
from migrate.ledger import Ledger

SITE = "http://www.hx.gov.cn"
CONFIG = f"""
county: {{name: 测试县, site_name: 测试县人民政府, base_url: "https://www.ce.gov.cn", site_id: "4309990001",
          icp: x, police_record: y, sponsor: z}}
townships:
  - {{slug: hx, name: 河西镇, old_site: {{start_urls: ["{SITE}/"]}}}}
"""


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "state.sqlite") as opened:
        yield opened


def page(ledger, url, town="hx", content_type="text/html", status=200, **fields):
    ledger.upsert_url(town, url, state="fetched", status=status, content_type=content_type, **fields)


def tree(ledger, town="hx"):
    def flat(nodes):
        for node in nodes:
            yield node
            yield from flat(node.children)
    return {node.key: node for node in flat(tree_from_ledger(ledger, town, {f"{SITE}/"}))}


def test_a_column_is_named_by_its_most_used_anchor_text_and_ties_go_to_the_first_met(ledger):
    news, notices = f"{SITE}/xwzx/", f"{SITE}/tzgg/"
    for url in (f"{SITE}/", news, f"{news}index_1.html", notices, f"{notices}index_1.html"):
        page(ledger, url)
    for n in range(4):
        page(ledger, f"{SITE}/a{n}.html")
    # News: "更多" is the most used text but names nothing; "新闻" is used as often as "要闻"
    # but on the list page whose URL sorts first, so it is met first.
    ledger.add_links("hx", f"{SITE}/a0.html", [(f"{news}index_1.html", "要闻"), (news, "更多")])
    ledger.add_links("hx", f"{SITE}/a1.html", [(news, "新闻"), (f"{news}index_1.html", "更多")])
    ledger.add_links("hx", f"{SITE}/a2.html", [(news, "更多"), (f"{news}index_1.html", "")])
    # Notices: the same list page under two texts equally often: the first one stored wins,
    # unless another text is used more often.
    ledger.add_links("hx", f"{SITE}/a0.html", [(notices, "公告")])
    ledger.add_links("hx", f"{SITE}/a1.html", [(notices, "通知")])
    assert tree(ledger)[news].name == "新闻"
    assert tree(ledger)[notices].name == "公告"
    ledger.add_links("hx", f"{SITE}/a2.html", [(f"{notices}index_1.html", "通知")])
    assert tree(ledger)[notices].name == "通知"


def test_a_column_without_a_usable_anchor_text_is_named_by_its_path(ledger):
    column = f"{SITE}/list.asp?classid=7"
    page(ledger, f"{column}&page=2")
    page(ledger, f"{SITE}/a.html")
    ledger.add_links("hx", f"{SITE}/a.html", [(f"{column}&page=2", "2")])
    ledger.add_links("hx", f"{SITE}/b.html", [(f"{column}&page=2", None)])
    assert tree(ledger)[column].name == "/list.asp?classid=7"


def test_a_column_counts_the_pages_its_lists_link_to_but_not_the_templates(ledger):
    columns = [f"{SITE}/c{n}/" for n in range(3)]
    for url in columns:
        page(ledger, url)
    for name in ("only-c0", "c0-and-c1", "everywhere", "list-of-c2"):
        page(ledger, f"{SITE}/{name}.html")
    page(ledger, f"{SITE}/file.pdf", content_type="application/pdf")
    page(ledger, f"{SITE}/gone.html", status=404)
    ledger.add_links("hx", columns[0], [(f"{SITE}/only-c0.html", "a"), (f"{SITE}/c0-and-c1.html", "b"),
                                        (f"{SITE}/everywhere.html", "c"), (f"{SITE}/file.pdf", "d"),
                                        (f"{SITE}/gone.html", "e"), (columns[1], "f"), (f"{SITE}/", "g")])
    ledger.add_links("hx", columns[1], [(f"{SITE}/c0-and-c1.html", "b"), (f"{SITE}/everywhere.html", "c")])
    ledger.add_links("hx", columns[2], [(f"{SITE}/everywhere.html", "c")])
    ledger.add_links("hx", f"{SITE}/list-of-c2.html", [(f"{SITE}/only-c0.html", "a")])
    found = tree(ledger)
    assert [found[url].pages for url in columns] == [2, 1, 0]


def test_feed_pages_join_the_column_that_asked_for_them_and_other_towns_do_not_count(ledger):
    column = f"{SITE}/col/col12/"
    feed, feed_2 = f"{SITE}/module/dataproxy.jsp?page=1", f"{SITE}/module/dataproxy.jsp?page=2"
    page(ledger, f"{column}index.html")
    page(ledger, feed, content_type="text/xml", found_on=f"{column}index.html")
    page(ledger, feed_2, content_type="application/xml", found_on=feed)
    page(ledger, f"{SITE}/art/1.html")
    ledger.add_links("hx", f"{SITE}/art/1.html", [(feed_2, "工作动态")])
    ledger.add_links("hx", feed, [(f"{SITE}/art/1.html", "某文章")])
    page(ledger, f"{column}index.html", town="other")
    page(ledger, f"{SITE}/art/2.html", town="other")
    ledger.add_links("other", f"{SITE}/art/2.html", [(f"{column}index.html", "别镇栏目")])
    ledger.add_links("other", f"{SITE}/art/1.html", [(f"{column}index.html", "别镇栏目")])
    ledger.add_links("other", f"{column}index.html", [(f"{SITE}/art/2.html", "x")])
    node = tree(ledger)[column]
    assert (node.name, node.list_urls, node.pages) == ("工作动态", [f"{column}index.html", feed, feed_2], 1)


PIECES = ["http://h", "https://H:8080", "", "//h", "/", "/", "/", "col", "col5", "/col/col12", "index",
          "Index_3", "default", "LIST", "more", ".html", ".SHTML", ".asp", ".jsp", ".htm", "a", "?", "&", "=",
          "classid", "CatID", "2", "#", "#x", " ", "\t", "\n", ";", "%20", "..", "_", "x.doc"]


def test_urls_the_quick_test_passes_over_are_never_list_pages():
    shuffle = random.Random(7)
    urls = ["".join(shuffle.choice(PIECES) for _ in range(shuffle.randint(1, 9))) for _ in range(30000)]
    passed_over = [url for url in urls if not MAYBE_LIST.search(url)]
    assert len(passed_over) > 5000
    assert [url for url in passed_over if _column_key(urlsplit(url))] == []


def test_report_counts_by_state_status_type_and_kind(tmp_path):
    (tmp_path / "sitemigrate.yaml").write_text(CONFIG, encoding="utf-8")
    config = load_config(tmp_path / "sitemigrate.yaml")
    with Ledger(config.ledger_path) as ledger:
        for n, (status, content_type, kind, length) in enumerate([
                (200, "text/html", "page", 10), (200, "text/html", "page", None), (200, "image/png", "image", 5),
                (200, None, "other", 7), (404, "text/html", "other", 3), (301, None, None, None),
                (200, "application/pdf", "attachment", 100)]):
            page(ledger, f"{SITE}/{n}", status=status, content_type=content_type, kind=kind, length=length)
        ledger.upsert_url("hx", f"{SITE}/x", state="excluded", rule="offsite", length=50)
        ledger.upsert_url("hx", f"{SITE}/q", state="queued")
        report = crawl_report(config, ledger, "hx")
    assert [(row["state"], row["count"]) for row in report["by_state"]] == [
        ("excluded", 1), ("fetched", 7), ("queued", 1)]
    assert [(row["value"], row["count"], row["bytes"]) for row in report["by_status"]] == [
        (200, 5, 122), (301, 1, 0), (404, 1, 3)]
    assert [(row["value"], row["count"], row["bytes"]) for row in report["by_content_type"]] == [
        ("text/html", 3, 13), (None, 2, 7), ("application/pdf", 1, 100), ("image/png", 1, 5)]
    assert [(row["value"], row["count"]) for row in report["by_kind"]] == [
        ("other", 2), ("page", 2), (None, 1), ("attachment", 1), ("image", 1)]
    assert report["summary"]["urls"] == 9
