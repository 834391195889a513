"""Real Scrapy crawls of the fixture site (tests/fixtures/crawl/site.py) through its proxy."""

import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from migrate.archive import iter_records, read_record
from migrate.config import load_config
from migrate.crawl import crawl_towns
from migrate.crawl.job import CrawlJob
from migrate.crawl.runner import child_env
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.urls import canonical_url

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
_spec = importlib.util.spec_from_file_location("crawl_fixture_site", FIXTURES / "site.py")
site_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_module)
FixtureSite = site_module.FixtureSite

CONFIG = """\
county:
  name: 云溪县
  site_name: 云溪县人民政府
  base_url: https://www.yunxi.gov.cn
  site_id: "4309990001"
  icp: 湘ICP备20001234号-1
  police_record: 湘公网安备43099902000123号
  sponsor: 云溪县人民政府办公室
crawl:
  concurrency_per_host: {concurrency}
  delay: 0
  retries: 2
  timeout: 10
  max_file_bytes: 200000
townships:
  - slug: fixture
    name: 示例镇
    old_site:
      start_urls: [http://www.fixture.test/]
      hosts: [www.fixture.test, fixture.test, "www.fixture.test:8080", xxgk.fixture.test]
{extra}"""


def make_workspace(path: Path, concurrency: int = 8, extra: str = ""):
    path.mkdir(parents=True, exist_ok=True)
    (path / "sitemigrate.yaml").write_text(CONFIG.format(concurrency=concurrency, extra=extra), encoding="utf-8")
    return load_config(path / "sitemigrate.yaml")


def rows_by_url(config) -> dict[str, dict]:
    with Ledger(config.ledger_path) as ledger:
        return {r["url"]: r for r in ledger.rows("fixture")}


def warc_files(config) -> list[Path]:
    return sorted(config.archive_dir("fixture").glob("*.warc.gz*"))


def response_records(config) -> Counter:
    """How many response/revisit records each canonical URL has across the live WARC files."""
    counts = Counter()
    for path in warc_files(config):
        for entry in iter_records(path):
            if entry.rec_type in ("response", "revisit"):
                counts[canonical_url(entry.url)] += 1
    return counts


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("crawl"))
    updates = []
    with FixtureSite() as site:
        started = time.monotonic()
        stats = crawl_towns(config, config.townships, proxy=site.proxy_url,
                            progress=lambda done, total, label: updates.append((done, total, label)))
        elapsed = time.monotonic() - started
    return config, stats, site, updates, elapsed


# ---------------------------------------------------------------------- one full crawl

def test_everything_reachable_is_archived_once(crawled):
    config, stats, site, updates, _ = crawled
    rows = rows_by_url(config)
    fetched = {u for u, r in rows.items() if r["state"] == "fetched"}
    host = "http://www.fixture.test"
    expected_pages = {
        "/", "/top.htm", "/main.htm", "/go.htm",                          # frames, window.location
        "/tzgg/index_1.html", "/tzgg/index_2.html",                       # createPageHTML
        "/zwdt/index_1.shtml", "/zwdt/d1.html",                           # countPage + 6-arg call
        "/art/2024/1/2/art_12_2.html", "/art/2024/1/8/art_12_8.html",     # datastore, dataproxy
        "/list.asp?classid=5&page=3", "/show.asp?id=30",                  # page=N gaps filled
        "/art/popup.html", "/art/onclick.html", "/art/refresh.html", "/art/written.html",
        "/art/a2.html",                                                   # session id stripped
        "/only-in-sitemap.html", "/flaky.html",                           # sitemap, retried 503
        "/col/col13/index.html", "/art/2024/2/3/art_13_3.html",           # <nextgroup> GET chain
        "/bare.html", "/port.html",                                       # linked on mirror hosts
    }
    assert {host + p for p in expected_pages} <= fetched
    assert {"http://xxgk.fixture.test/gk.html", "http://xxgk.fixture.test/robots.txt"} <= fetched
    assert not {u for u in rows_by_url(config) if "//fixture.test" in u or ":8080" in u}
    assert stats["fixture"]["pages"] >= 40 and stats["fixture"]["attachments"] == 5
    assert stats["fixture"]["failed"] == 1 and stats["fixture"]["revisits"] >= 1
    # one response record per URL (the 503 and its retry are two responses of one URL)
    counts = response_records(config)
    assert set(counts) == fetched | {u for u, r in rows.items() if r["state"] == "failed" and r["warc_file"]}
    assert {u: n for u, n in counts.items() if n > 1} == {host + "/flaky.html": 2}
    assert updates and updates[-1][0] == updates[-1][1] == sum(
        1 for r in rows.values() if r["state"] in ("fetched", "failed"))


def test_traps_offsite_and_robots_are_excluded_with_their_rule_and_never_requested(crawled):
    config, _, site, _, _ = crawled
    rows = rows_by_url(config)
    for url, rule in site_module.EXPECTED_EXCLUDED.items():
        assert (rows[url]["state"], rows[url]["rule"]) == ("excluded", rule), url
    for fragment in site_module.NEVER_REQUESTED:
        assert site.requested(fragment) == [], fragment
    assert not any(r["state"] == "queued" for r in rows.values())


def test_ledger_rows_describe_each_response(crawled):
    config, _, _, _, _ = crawled
    rows = rows_by_url(config)
    host = "http://www.fixture.test"
    redirect = rows[host + "/old.asp?id=1"]
    assert (redirect["status"], redirect["redirect_to"]) == (301, host + "/art/a1.html")
    assert rows[host + "/missing.html"]["status"] == 404 and rows[host + "/missing.html"]["kind"] == "page"
    assert rows[host + "/download.asp?id=7"]["filename"] == "2024年预算.xls"           # GBK header bytes
    assert rows[host + "/uploads/%D6%D0%CE%C4.doc"]["filename"] == "中文.doc"          # GBK %-escapes
    assert rows[host + "/files/utf8.doc"]["filename"] == "报告.doc"                    # RFC 5987
    assert rows[host + "/images/logo.gif"]["kind"] == "image"
    assert rows[host + "/css/style.css"]["kind"] == "asset"
    big = rows[host + "/files/big.zip"]
    assert (big["state"], big["rule"]) == ("failed", "too-large")
    copies = {rows[host + "/files/report.pdf"]["revisit_of"], rows[host + "/files/report-copy.pdf"]["revisit_of"]}
    assert copies in ({None, host + "/files/report.pdf"}, {None, host + "/files/report-copy.pdf"})
    top = rows[host + "/top.htm"]
    assert (top["found_on"], top["depth"], top["content_type"]) == (host + "/", 1, "text/html")
    article = rows[host + "/art/2024/1/7/art_12_7.html"]
    assert article["found_on"].startswith(host + "/module/web/jpage/dataproxy.jsp?")
    assert article["link_text"] == "公开信息7"
    feed = rows[article["found_on"]]
    assert feed["found_on"] == host + "/col/col12/index.html" and feed["content_type"] == "text/xml"
    assert all(r["warc_file"].startswith("archive/fixture/") for r in rows.values() if r["state"] == "fetched")


def test_links_table_holds_on_site_links_with_anchor_text(crawled):
    config, _, _, _, _ = crawled
    host = "http://www.fixture.test"
    with Ledger(config.ledger_path) as ledger:
        assert {"src": host + "/top.htm", "text": "通知公告"} in ledger.linked_from("fixture", host + "/tzgg/index.html")
        assert ledger.linked_from("fixture", host + "/art/2024/1/2/art_12_2.html") == [
            {"src": host + "/col/col12/index.html", "text": "公开信息2"}]
        assert ledger.linked_from("fixture", "http://www.other.test/") == []        # offsite: no link row
        assert ledger.linked_from("fixture", host + "/css/style.css") == []          # template resource


def test_archived_bytes_are_the_served_bytes_and_warcs_check(crawled):
    config, _, _, _, _ = crawled
    routes = site_module.static_routes()
    rows = rows_by_url(config)
    for (host, path), (status, _, body) in routes.items():
        row = rows.get(canonical_url(f"http://{host}{path}"))
        if row is None or row["state"] != "fetched":
            continue
        assert row["sha256"] == hashlib.sha256(body).hexdigest(), path
        archived = read_record(config.workdir, row["warc_file"], row["warc_offset"])
        assert (archived.status, archived.body) == (status, body), path
    for path in warc_files(config):
        assert path.name.endswith(".warc.gz")
        assert subprocess.run(["warcio", "check", str(path)], capture_output=True).returncode == 0


def test_recrawl_from_scratch_supersedes_and_replaces(crawled, tmp_path):
    config, _, _, _, _ = crawled
    before = rows_by_url(config)
    old_files = warc_files(config)
    with FixtureSite() as site:       # a second crawl in the same process (fresh reactor in a child)
        crawl_towns(config, config.townships, proxy=site.proxy_url)
    after = rows_by_url(config)
    assert {u: r["state"] for u, r in after.items()} == {u: r["state"] for u, r in before.items()}
    live = warc_files(config)
    assert not set(live) & set(old_files)
    superseded = list((config.archive_dir("fixture") / "superseded").glob("*/*.warc.gz"))
    assert {p.name for p in superseded} >= {p.name for p in old_files}
    assert {r["warc_file"].rsplit("/", 1)[1] for r in after.values() if r["warc_file"]} <= {p.name for p in live}
    with Ledger(config.ledger_path) as ledger:
        outcomes = [r[0] for r in ledger.db.execute("SELECT outcome FROM runs WHERE town='fixture' ORDER BY id")]
    assert outcomes[-2:] == ["done", "done"]


def test_caps_and_robots_override(tmp_path):
    config = make_workspace(tmp_path / "ws")
    config.crawl.max_depth = 2
    config.townships[0].old_site.obey_robots = False       # the county's own site: robots ignored
    with FixtureSite() as site:
        crawl_towns(config, config.townships, proxy=site.proxy_url)
    rows = rows_by_url(config)
    host = "http://www.fixture.test"
    assert {u for u, r in rows.items() if r["state"] == "fetched" and r["depth"] > 2} == set()
    assert rows[host + "/tzgg/202401/t20240105_0.html"]["rule"] == "max-depth"
    assert (rows[host + "/private/secret.html"]["state"], rows[host + "/private/secret.html"]["status"]) == ("fetched", 404)

    capped = make_workspace(tmp_path / "capped")
    capped.crawl.max_pages = 5
    with FixtureSite() as site:
        crawl_towns(capped, capped.townships, proxy=site.proxy_url)
    rows = rows_by_url(capped)
    assert sum(1 for r in rows.values() if r["state"] != "excluded") == 5
    assert any(r["rule"] == "max-pages" for r in rows.values())
    assert not any(r["state"] == "queued" for r in rows.values())


# ---------------------------------------------------------------------- errors

def test_unreachable_site_is_a_user_error(tmp_path):
    config = make_workspace(tmp_path / "ws")
    config.crawl.retries = 0
    with pytest.raises(UserError) as error:
        crawl_towns(config, config.townships, proxy="http://127.0.0.1:9")   # nothing listens
    assert "示例镇" in error.value.message and "http://www.fixture.test/" in error.value.message
    assert "connection-refused" in error.value.message


def test_unknown_spider_is_a_user_error(tmp_path):
    config = make_workspace(tmp_path / "ws")
    config.townships[0].old_site.spider = "nosuchspider"
    with pytest.raises(UserError) as error:
        crawl_towns(config, config.townships, proxy="http://127.0.0.1:9")
    assert "nosuchspider" in error.value.message and "generic" in error.value.hint


# ---------------------------------------------------------------------- interruption and resume

def start_worker(config, proxy: str) -> subprocess.Popen:
    job = CrawlJob.for_town(config, config.townships[0], proxy=proxy)
    child = subprocess.Popen([sys.executable, "-m", "migrate.crawl.worker"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=child_env())
    child.stdin.write(job.to_json().encode())
    child.stdin.close()
    return child


def wait_for_progress(stream, at_least: int):
    for line in stream:
        event = json.loads(line)
        if event["event"] == "progress" and event["done"] >= at_least:
            return event
    raise AssertionError("the crawl ended before it could be interrupted")


def assert_complete_and_unique(config, reference: set[str]):
    rows = rows_by_url(config)
    assert {u for u, r in rows.items() if r["state"] == "fetched"} == reference
    assert not [u for u, r in rows.items() if r["state"] == "queued"]
    counts = response_records(config)
    assert {u: n for u, n in counts.items() if n > 1 and not u.endswith("/flaky.html")} == {}
    for path in warc_files(config):
        assert path.name.endswith(".warc.gz")
        assert subprocess.run(["warcio", "check", str(path)], capture_output=True).returncode == 0
    for row in rows.values():
        if row["state"] == "fetched":
            body = read_record(config.workdir, row["warc_file"], row["warc_offset"]).body
            assert hashlib.sha256(body).hexdigest() == row["sha256"], row["url"]


def test_resume_after_kill_9_loses_and_repeats_nothing(crawled, tmp_path):
    reference = {u for u, r in rows_by_url(crawled[0]).items() if r["state"] == "fetched"}
    config = make_workspace(tmp_path / "ws", concurrency=2)
    with FixtureSite(delay=0.05) as site:
        child = start_worker(config, site.proxy_url)
        wait_for_progress(child.stdout, 35)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert list(config.archive_dir("fixture").glob("*.open"))        # killed mid-file
        recorded = {u for u, r in rows_by_url(config).items() if r["state"] == "fetched"}
        archived = set(response_records(config))
        assert recorded < reference
        first_run = len(site.requests)
        config.crawl.concurrency_per_host = 8
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)
        second_run = {canonical_url(f"http://{h}{p}") for _, h, p, _ in site.requests[first_run:]}
    assert not second_run & recorded          # fetched before the kill: not asked again
    assert not second_run & (archived - {"http://www.fixture.test/flaky.html"})   # adopted from the WARC
    assert_complete_and_unique(config, reference)


def test_ctrl_c_stops_cleanly_and_resume_finishes(crawled, tmp_path):
    reference = {u for u, r in rows_by_url(crawled[0]).items() if r["state"] == "fetched"}
    workspace = tmp_path / "ws"
    config = make_workspace(workspace, concurrency=1)
    script = textwrap.dedent("""
        import sys
        from migrate.config import load_config
        from migrate.crawl import crawl_towns
        config = load_config(sys.argv[1])
        def progress(done, total, label):
            print("progress", done, flush=True)
        try:
            crawl_towns(config, config.townships, proxy=sys.argv[2], progress=progress)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
    """)
    with FixtureSite(delay=0.1) as site:
        child = subprocess.Popen([sys.executable, "-c", script, str(workspace / "sitemigrate.yaml"), site.proxy_url],
                                 stdout=subprocess.PIPE, text=True, env=child_env())
        for line in child.stdout:
            if line.startswith("progress") and int(line.split()[1]) >= 5:
                break
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 3 and "interrupted" in out
        assert not list(config.archive_dir("fixture").glob("*.open"))    # files closed cleanly
        rows = rows_by_url(config)
        assert any(r["state"] == "queued" for r in rows.values())
        with Ledger(config.ledger_path) as ledger:
            assert ledger.db.execute("SELECT outcome FROM runs ORDER BY id DESC").fetchone()[0] == "interrupted"
        site.delay, config.crawl.concurrency_per_host = 0, 8
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)
    assert_complete_and_unique(config, reference)


def test_resume_adopts_archived_responses_the_ledger_never_recorded(crawled, tmp_path):
    """The state a kill -9 before the first ledger write leaves: WARC records (one torn), no rows."""
    reference = {u for u, r in rows_by_url(crawled[0]).items() if r["state"] == "fetched"}
    config = make_workspace(tmp_path / "ws")
    with FixtureSite() as site:
        crawl_towns(config, config.townships, proxy=site.proxy_url)
        with Ledger(config.ledger_path) as ledger:
            ledger.db.execute("DELETE FROM urls")
            ledger.db.execute("DELETE FROM links")
        (path,) = warc_files(config)
        unfinished = path.with_name(path.name + ".open")
        unfinished.write_bytes(path.read_bytes() + b"\x1f\x8b\x08\x00torn")
        path.unlink()
        first_run = len(site.requests)
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)
        asked = {canonical_url(f"http://{h}{p}") for _, h, p, _ in site.requests[first_run:]}
    # only what has no response in the archive: the file over the size cap
    assert asked == {"http://www.fixture.test/files/big.zip"}
    assert_complete_and_unique(config, reference)
    with Ledger(config.ledger_path) as ledger:
        assert ledger.linked_from("fixture", "http://www.fixture.test/art/2024/1/2/art_12_2.html") == [
            {"src": "http://www.fixture.test/col/col12/index.html", "text": "公开信息2"}]
