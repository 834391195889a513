"""A real crawl of a server that lies (tests/fixtures/crawl/liars.py): each lie is recorded as what
it is, nothing partial is archived as if complete, and the crawl goes on."""

import importlib.util
from pathlib import Path

import pytest
import yaml

from migrate.archive import iter_records, read_record
from migrate.config import load_config
from migrate.crawl import crawl_towns
from migrate.crawl.verdicts import effective_type, is_soft_404, redirect_loops, sniff_binary
from migrate.ledger import Ledger
from migrate.urls import canonical_url

_spec = importlib.util.spec_from_file_location("crawl_liars", Path(__file__).parent / "fixtures" / "crawl" / "liars.py")
liars = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(liars)

HOST = "http://www.liar.test"


def liar_config(path: Path):
    path.mkdir(parents=True, exist_ok=True)
    data = {
        "county": {"name": "云溪县", "site_name": "云溪县人民政府", "base_url": "https://www.yunxi.gov.cn",
                   "site_id": "4309990001", "icp": "湘ICP备20001234号-1", "police_record": "湘公网安备43099902000123号",
                   "sponsor": "云溪县人民政府办公室"},
        "crawl": {"concurrency_per_host": 8, "delay": 0, "retries": 1, "timeout": 1, "max_file_bytes": 200_000},
        "townships": [{"slug": "liar", "name": "撒谎镇",
                       "old_site": {"start_urls": [liars.START], "hosts": [liars.HOST]}}],
    }
    (path / "sitemigrate.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path / "sitemigrate.yaml")


@pytest.fixture(scope="module")
def lied_to(tmp_path_factory):
    config = liar_config(tmp_path_factory.mktemp("liars"))
    with liars.LiarSite() as site:
        stats = crawl_towns(config, config.townships, proxy=site.proxy_url)
    with Ledger(config.ledger_path) as ledger:
        rows = {r["url"]: r for r in ledger.rows("liar")}
    archived = {canonical_url(e.url) for p in sorted(config.archive_dir("liar").glob("*.warc.gz"))
                for e in iter_records(p) if e.rec_type in ("response", "revisit")}
    return config, stats, rows, archived


def row_of(rows, lie: str) -> dict:
    return rows[canonical_url(HOST + liars.LIES[lie])]


def test_binary_sent_as_html_is_an_attachment_of_its_real_type(lied_to):
    config, _, rows, _ = lied_to
    row = row_of(rows, "binary-as-html")
    assert (row["state"], row["status"], row["kind"]) == ("fetched", 200, "attachment")
    assert (row["content_type"], row["rule"]) == ("application/pdf", "mislabelled:text/html")
    assert read_record(config.workdir, row["warc_file"], row["warc_offset"]).body == liars.PDF


def test_page_sent_as_octet_stream_is_a_page_and_its_links_are_followed(lied_to):
    _, _, rows, _ = lied_to
    row = row_of(rows, "html-as-octet-stream")
    assert (row["kind"], row["content_type"], row["rule"]) == ("page", "text/html", "mislabelled:application/octet-stream")
    behind = rows[HOST + liars.BEHIND_OCTET_STREAM]
    assert (behind["state"], behind["status"], behind["kind"]) == ("fetched", 200, "page")


@pytest.mark.parametrize("lie", ["soft-404", "soft-404-after-redirect"])
def test_soft_404_is_archived_but_marked_and_never_a_page(lied_to, lie):
    _, _, rows, archived = lied_to
    row = row_of(rows, lie)
    if lie == "soft-404-after-redirect":
        assert (row["status"], row["redirect_to"]) == (302, HOST + "/404.html")
        row = rows[row["redirect_to"]]
    assert (row["state"], row["status"], row["kind"], row["rule"]) == ("fetched", 200, "other", "soft-404")
    assert row["url"] in archived
    real = rows[HOST + "/notice-real.html"]
    assert (real["kind"], real["rule"]) == ("page", None)        # talks about missing pages, is not one


@pytest.mark.parametrize("lie", ["redirect-loop", "redirect-to-itself"])
def test_redirect_loops_are_marked(lied_to, lie):
    _, _, rows, _ = lied_to
    row = row_of(rows, lie)
    assert (row["state"], row["rule"]) == ("fetched", "redirect-loop")
    if lie == "redirect-loop":
        assert rows[HOST + "/loop-b.asp"]["rule"] == "redirect-loop"


@pytest.mark.parametrize("lie, rule", [("truncated", "truncated"), ("slow", "timeout"),
                                       ("too-large-announced", "too-large"), ("too-large-streamed", "too-large")])
def test_failed_downloads_store_nothing_partial(lied_to, lie, rule):
    _, _, rows, archived = lied_to
    row = row_of(rows, lie)
    assert (row["state"], row["rule"]) == ("failed", rule)
    assert row["warc_file"] is None and row["payload_digest"] is None
    assert row["url"] not in archived


def test_the_crawl_goes_on_and_counts_every_lie(lied_to):
    _, stats, rows, _ = lied_to
    assert not [u for u, r in rows.items() if r["state"] == "queued"]
    assert stats["liar"]["failed"] == 4
    home = rows[HOST + "/"]
    assert (home["state"], home["status"], home["kind"]) == ("fetched", 200, "page")


# ---------------------------------------------------------------------- the rules as functions

@pytest.mark.parametrize("body, media", [
    (b"%PDF-1.7 ...", "application/pdf"), (b"PK\x03\x04docx", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xls", "application/vnd.ms-office"), (b"GIF89a..", "image/gif"),
    (b"\xff\xd8\xff\xe0jpeg", "image/jpeg"), (b"abc\x00def", "application/octet-stream"),
    (b"<html><body>\xe4\xbd\xa0</body></html>", None), (b"\xff\xfe<\x00h\x00", None)])
def test_sniff_binary(body, media):
    assert sniff_binary(body) == media


@pytest.mark.parametrize("declared, body, attachment, expected", [
    ("text/html", b"%PDF-1.4", False, ("application/pdf", "text/html")),
    ("text/html", b"<html>", False, ("text/html", None)),
    ("application/octet-stream", b"\xef\xbb\xbf <!DOCTYPE html><html>", False, ("text/html", "application/octet-stream")),
    (None, b"<!-- saved --><html>", False, ("text/html", "none")),
    ("application/octet-stream", b"<html>", True, ("application/octet-stream", None)),   # a download is a file
    ("text/plain", b"plain words", False, ("text/plain", None)),
    ("image/png", b"%PDF-", False, ("image/png", None)),
])
def test_effective_type(declared, body, attachment, expected):
    assert effective_type(declared, body, attachment) == expected


@pytest.mark.parametrize("title, headings, text, soft", [
    ("404 Not Found", [], "", True),
    ("错误404", [], "", True),
    ("提示信息", ["页面不存在"], "", True),
    ("页面不存在 - 桃源镇人民政府门户网站", [], "", True),
    ("提示", ["对不起，您访问的页面不存在或已被删除！"], "", True),
    ("通知", ["关于清理网站“页面不存在”等无效链接的通知"], "正文" * 300, False),
    ("桃源镇人民政府", [], "对不起，您访问的页面不存在！ 返回首页", True),
    ("关于清理“页面不存在”等无效链接的通知", [], "通知正文……" * 200, False),
    ("2024年404个项目完成验收", [], "正文" * 300, False),
    ("桃源镇人民政府", [], "首页 政务公开 " * 100 + "页面不存在", False),
])
def test_soft_404_rules(title, headings, text, soft):
    assert is_soft_404(title, headings, text) is soft


@pytest.mark.parametrize("scripts", ["", '<script src="/js/stat.js"></script>',
                                     '<script>var s = 1;</script><style>p {}</style><script src="a.js"></script>'])
def test_a_soft_404_page_is_found_whatever_scripts_it_carries(scripts):
    """An external `<script src>` (no text) once spaced the page's text out, hiding the message."""
    from migrate.crawl.discovery import parse_html
    from migrate.crawl.verdicts import document_is_soft_404

    html = (f"<html><head><title>桃源镇人民政府</title></head><body>{scripts}"
            "<div>对不起，您访问的页面不存在！</div><a href='/'>返回首页</a></body></html>")
    assert document_is_soft_404(parse_html(html), len(html))


def test_redirect_loop_rule():
    targets = {"a": "b", "b": "a", "c": "a", "d": "e", "self": "self", "x": "y", "y": None}
    assert redirect_loops(targets) == {"a", "b", "c", "self"}
    chain = {str(i): str(i + 1) for i in range(30)}      # 30 hops from "0", 21 from "9", 20 from "10"
    assert redirect_loops(chain) == {str(i) for i in range(10)}


def test_the_crawl_report_lists_the_lies_and_failures(lied_to):
    import json

    config, stats, _, _ = lied_to
    report = json.loads((config.reports_dir / "crawl-liar.json").read_text(encoding="utf-8"))
    anomalies = {a["url"]: a["rule"] for a in report["anomalies"]}
    assert anomalies[canonical_url(HOST + liars.LIES["binary-as-html"])] == "mislabelled:text/html"
    assert anomalies[HOST + "/news/old.html"] == anomalies[HOST + "/404.html"] == "soft-404"
    assert anomalies[HOST + "/self.asp"] == "redirect-loop"
    failures = {f["url"]: f["label"] for f in report["failures"]}
    assert failures[HOST + "/slow.html"] == "超时无响应"
    assert failures[HOST + "/files/huge.zip"].startswith("文件超过单个文件大小上限")
    broken = {b["url"] for b in report["broken_links"]}
    assert {HOST + "/news/old.html", HOST + "/slow.html"} <= broken
    assert stats["liar"]["report"]["anomalies"] == len(report["anomalies"])
