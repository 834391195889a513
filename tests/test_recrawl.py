"""Re-crawl: only what is new or changed is fetched again; the changes table says what happened.

A sample township (liuhe) is crawled, then the sample server changes it as a real site changes
between two crawls (one article edited, a list page linking a new article, one article deleted)
and the township is re-crawled with conditional requests."""

import re

import pytest

from migrate.archive import iter_records, read_record
from migrate.crawl import changes, crawl_towns
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.samples.server import start_sample_server
from migrate.urls import canonical_url
from tests.test_crawl import FixtureSite, make_workspace
from tests.test_crawl_samples import fast_config

LIUHE = "http://www.liuhe.yunxi.gov.cn"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def ledger_rows(config, town: str) -> dict[str, dict]:
    with Ledger(config.ledger_path) as ledger:
        return {r["url"]: r for r in ledger.rows(town)}


def records_by_file(config, town: str) -> dict[str, list]:
    return {p.name: list(iter_records(p)) for p in sorted(config.archive_dir(town).glob("*.warc.gz"))}


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory):
    config = fast_config(tmp_path_factory.mktemp("recrawl"))
    config.townships = [config.township("liuhe")]
    news = sorted((a for a in truth.ARTICLES if a["town"] == "liuhe" and a["column_path"] == ["街道动态"]),
                  key=lambda a: a["url"])
    edited, deleted = news[0]["url"], news[1]["url"]
    listing, added = canonical_url(LIUHE + "/list.asp?classid=5"), canonical_url(LIUHE + "/show.asp?id=900")
    with start_sample_server() as server:
        crawl_towns(config, config.townships, proxy=server.proxy_url)
        before = ledger_rows(config, "liuhe")
        files_before = set(records_by_file(config, "liuhe"))
        old_listing = read_record(config.workdir, before[listing]["warc_file"], before[listing]["warc_offset"]).body
        server.serve(edited, "<html><head><title>已更正</title></head><body><h1>已更正的稿件</h1></body></html>".encode("gbk"),
                     "text/html")
        new_rows = '<TR><TD><a href="show.asp?id=900">新增通知</a> <a href="admin/login.asp">后台</a>\n</TABLE>'
        server.serve(listing, old_listing.replace(b"</TABLE>", new_rows.encode("gbk"), 1), "text/html")
        server.serve(added, "<html><head><title>新增通知</title></head><body><h1>新增通知</h1></body></html>".encode("gbk"),
                     "text/html")
        server.remove(deleted)
        stats = crawl_towns(config, config.townships, proxy=server.proxy_url, recrawl=True)
    return {"config": config, "stats": stats["liuhe"], "before": before, "after": ledger_rows(config, "liuhe"),
            "files_before": files_before, "edited": edited, "deleted": deleted, "listing": listing, "added": added}


def test_all_four_outcomes_are_recorded(recrawled):
    r = recrawled
    with Ledger(r["config"].ledger_path) as ledger:
        assert changes.changed_urls(ledger, "liuhe", "new") == [r["added"]]
        assert changes.changed_urls(ledger, "liuhe", "changed") == sorted([r["edited"], r["listing"]])
        assert changes.changed_urls(ledger, "liuhe", "gone") == [r["deleted"]]
        unchanged = set(changes.changed_urls(ledger, "liuhe", "unchanged"))
    previously = {u for u, row in r["before"].items() if row["state"] == "fetched"}
    assert unchanged == previously - {r["edited"], r["listing"], r["deleted"]}
    assert r["stats"]["changes"] == {"new": 1, "changed": 2, "unchanged": len(unchanged), "gone": 1}
    # robots.txt answered 304: its archived rules still keep the crawl out of /admin/
    admin = r["after"][canonical_url(LIUHE + "/admin/login.asp")]
    assert (admin["state"], admin["rule"]) == ("excluded", "robots")


def test_unchanged_urls_keep_their_record_and_nothing_is_stored_twice(recrawled):
    r = recrawled
    config, before, after = r["config"], r["before"], r["after"]
    moved = {u for u, row in after.items() if row["state"] == "fetched" and u in before
             and (row["warc_file"], row["warc_offset"]) != (before[u]["warc_file"], before[u]["warc_offset"])}
    assert moved == {r["edited"], r["listing"], r["deleted"]}
    new_files = {name: recs for name, recs in records_by_file(config, "liuhe").items() if name not in r["files_before"]}
    assert new_files and r["files_before"] <= set(records_by_file(config, "liuhe"))     # earlier files kept
    records = [rec for recs in new_files.values() for rec in recs]
    payloads = {canonical_url(rec.url) for rec in records if rec.rec_type == "response" and rec.status == 200}
    assert payloads == {r["edited"], r["listing"], r["added"]}
    confirmed = [rec for rec in records if rec.rec_type == "revisit" and rec.status == 304]
    assert confirmed and all(rec.refers_to.get("Sitemigrate-Refers-To-File") for rec in confirmed)
    assert len(confirmed) >= len([u for u, row in before.items() if row["status"] == 200]) - 3
    unchanged_page = next(u for u, row in before.items() if row["status"] == 200 and u.endswith("show.asp?id=1"))
    body = read_record(config.workdir, after[unchanged_page]["warc_file"], after[unchanged_page]["warc_offset"]).body
    assert body == read_record(config.workdir, before[unchanged_page]["warc_file"], before[unchanged_page]["warc_offset"]).body


def test_conditional_requests_and_not_modified_records(recrawled):
    config = recrawled["config"]
    new_files = [p for p in sorted(config.archive_dir("liuhe").glob("*.warc.gz")) if p.name not in recrawled["files_before"]]
    with open(new_files[0], "rb") as fh:
        raw = fh.read()
    import gzip
    text = gzip.decompress(raw).decode("latin-1")
    assert "If-None-Match: " in text and "If-Modified-Since: " in text
    assert f"WARC-Profile: {NOT_MODIFIED}" in text


def test_changed_and_gone_pages_can_still_be_read_as_they_were(recrawled):
    r = recrawled
    config = r["config"]
    with Ledger(config.ledger_path) as ledger:
        gone = ledger.db.execute("SELECT old_warc_file, old_warc_offset FROM changes WHERE town='liuhe' AND url=?",
                                 (r["deleted"],)).fetchone()
        assert {l["src"] for l in ledger.linked_from("liuhe", r["added"])} == {r["listing"]}
    assert r["after"][r["deleted"]]["status"] == 404
    old = read_record(config.workdir, gone[0], gone[1])
    assert old.status == 200 and re.search(rb"<title>", old.body)
    assert r["after"][r["edited"]]["sha256"] != r["before"][r["edited"]]["sha256"]


def test_without_validators_payload_digests_decide(tmp_path):
    """The fixture server sends no ETag or Last-Modified: a re-crawl compares payloads."""
    config = make_workspace(tmp_path / "ws")
    with FixtureSite() as site:
        crawl_towns(config, config.townships, proxy=site.proxy_url)
    before = ledger_rows(config, "fixture")
    files_before = {p.name for p in config.archive_dir("fixture").glob("*.warc.gz")}
    with FixtureSite() as site:
        stats = crawl_towns(config, config.townships, proxy=site.proxy_url, recrawl=True)
    after = ledger_rows(config, "fixture")
    assert stats["fixture"]["changes"]["new"] == stats["fixture"]["changes"]["changed"] == 0
    assert stats["fixture"]["changes"]["gone"] == 0
    fetched = {u for u, row in before.items() if row["state"] == "fetched"}
    assert stats["fixture"]["changes"]["unchanged"] == len(fetched)
    assert all((after[u]["warc_file"], after[u]["warc_offset"]) == (before[u]["warc_file"], before[u]["warc_offset"])
               for u in fetched)
    new_records = [rec for p in sorted(config.archive_dir("fixture").glob("*.warc.gz")) if p.name not in files_before
                   for rec in iter_records(p)]
    assert not [rec for rec in new_records if rec.rec_type == "response" and rec.status == 200]


def test_recrawl_and_resume_together_is_a_user_error(tmp_path):
    config = make_workspace(tmp_path / "ws")
    with pytest.raises(UserError):
        crawl_towns(config, config.townships, resume=True, recrawl=True)


def test_archive_stays_consistent_after_a_recrawl(recrawled):
    import subprocess

    from migrate.archive_verify import verify_archive

    config = recrawled["config"]
    with Ledger(config.ledger_path) as ledger:
        report = verify_archive(config, ledger, ["liuhe"])
    assert report.ok, report
    for path in sorted(config.archive_dir("liuhe").glob("*.warc.gz")):
        assert subprocess.run(["warcio", "check", str(path)], capture_output=True).returncode == 0, path
