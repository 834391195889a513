"""The asyncio engine (migrate.crawl.engine) and its sidecar process, against Scrapy's engine.

Every other crawl test runs on the default engine (asyncio, sidecar only for big crawls); these
pin what the engines must share and what only the asyncio engine has: the sidecar, per-host
pacing and the failure of its second process.
"""

import gzip
import hashlib
import http.server
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from migrate.archive import read_stored_payload
from migrate.archive_verify import verify_archive
from migrate.config import load_config
from migrate.crawl import crawl_towns
from migrate.crawl.sidecar import PROCESS_NAME
from migrate.errors import ConfigError, UserError
from migrate.ledger import Ledger
from test_crawl import FixtureSite, make_workspace, rows_by_url

# Ledger fields that do not depend on the order responses arrive in (first discovery, revisit
# direction, file offsets and fetch times do).
STABLE_FIELDS = ("state", "status", "kind", "content_type", "payload_digest", "sha256", "length", "rule",
                 "filename", "redirect_to")


def archive_ok(config) -> bool:
    with Ledger(config.ledger_path) as ledger:
        report = verify_archive(config, ledger)
    assert report.ok, report.problems
    return True


def stable_rows(config) -> dict[str, tuple]:
    return {url: tuple(row[f] for f in STABLE_FIELDS) for url, row in rows_by_url(config).items()}


def link_set(config) -> set[tuple]:
    with Ledger(config.ledger_path) as ledger:
        return set(ledger.db.execute("SELECT src, dst FROM links WHERE town='fixture'"))


def crawl_fixture(path: Path, monkeypatch, engine: str, sidecar: str) -> object:
    monkeypatch.setenv("SITEMIGRATE_SIDECAR_BACKLOG", sidecar)
    config = make_workspace(path)
    config.crawl.engine = engine
    with FixtureSite() as site:
        crawl_towns(config, config.townships, proxy=site.proxy_url)
    return config


def test_engines_archive_the_same(tmp_path, monkeypatch):
    scrapy = crawl_fixture(tmp_path / "scrapy", monkeypatch, "scrapy", "never")
    alone = crawl_fixture(tmp_path / "alone", monkeypatch, "asyncio", "never")
    sidecar = crawl_fixture(tmp_path / "sidecar", monkeypatch, "asyncio", "0")
    expected = stable_rows(scrapy)
    assert len(expected) > 40
    for config in (alone, sidecar):
        rows = stable_rows(config)
        assert rows.keys() == expected.keys()
        assert {u: r for u, r in rows.items() if r != expected[u]} == {}
        assert link_set(config) == link_set(scrapy)
        assert archive_ok(config)


def test_sidecar_writes_its_own_files_and_closes_them(tmp_path, monkeypatch):
    config = crawl_fixture(tmp_path / "ws", monkeypatch, "asyncio", "0")
    files = sorted(config.archive_dir("fixture").glob("*.warc.gz*"))
    assert files and not [f for f in files if f.name.endswith(".open")]
    # the ledger points only into final files, and every fetched URL has its record
    with Ledger(config.ledger_path) as ledger:
        fetched = [r for r in ledger.rows("fixture") if r["state"] == "fetched"]
    assert fetched and all(r["warc_file"] and not r["warc_file"].endswith(".open") for r in fetched)


class PacedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.arrivals.append((time.monotonic(), self.path))
        time.sleep(0.05)
        links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(12)) if self.path == "/" else ""
        body = f"<html><head><title>t</title></head><body>{links}<p>{self.path}</p></body></html>".encode()
        self.send_response(404 if self.path == "/robots.txt" else 200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def paced_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PacedHandler)
    server.arrivals = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def paced_workspace(path: Path, port: int, delay: float, concurrency: int):
    path.mkdir(parents=True)
    (path / "sitemigrate.yaml").write_text(
        (Path(__file__).parent / "fixtures" / "engine_paced.yaml").read_text(encoding="utf-8").format(
            port=port, delay=delay, concurrency=concurrency), encoding="utf-8")
    return load_config(path / "sitemigrate.yaml")


def test_requests_to_a_host_keep_the_configured_spacing(tmp_path, paced_server):
    config = paced_workspace(tmp_path / "ws", paced_server.server_port, delay=0.3, concurrency=2)
    crawl_towns(config, config.townships)
    times = sorted(t for t, _ in paced_server.arrivals)
    assert len(times) >= 14            # robots.txt, sitemap.xml, home, 12 pages
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.3 - 0.02, gaps
    assert max(gaps) < 0.3 + 0.25, gaps     # and no slower than the delay asks (bar latency)


def test_concurrency_per_host_is_a_ceiling(tmp_path, paced_server):
    config = paced_workspace(tmp_path / "ws", paced_server.server_port, delay=0, concurrency=3)
    crawl_towns(config, config.townships)
    # each answer takes 50 ms: count requests that arrived while three others were unanswered
    times = sorted(t for t, _ in paced_server.arrivals)
    overlapping = max(sum(1 for u in times if t - 0.045 < u <= t) for t in times)
    assert overlapping <= 3


def test_an_unknown_engine_is_a_config_error(tmp_path):
    make_workspace(tmp_path)
    path = tmp_path / "sitemigrate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  delay: 0\n", "  delay: 0\n  engine: turbo\n"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "crawl.engine" in caught.value.message and caught.value.line


def sidecar_pids() -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
                comm = Path(f"/proc/{entry.name}/comm").read_text().strip()
            except OSError:
                continue
            # forked (named by prctl) or spawned (where fork is missing)
            if comm == PROCESS_NAME or b"migrate.crawl.sidecar" in cmdline:
                pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the sidecar")
def test_a_dead_sidecar_stops_the_crawl_with_a_message_and_resume_finishes(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEMIGRATE_SIDECAR_BACKLOG", "0")
    config = make_workspace(tmp_path / "ws", concurrency=1)
    before = set(sidecar_pids())

    def sidecar_is_archiving() -> bool:
        # the sidecar takes over before the first response (backlog 0), so an open file with
        # records in it is the sidecar's
        return any(f.stat().st_size > 4096 for f in config.archive_dir("fixture").glob("*.warc.gz.open"))

    def kill_sidecar():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ours = set(sidecar_pids()) - before
            if ours and sidecar_is_archiving():
                for pid in ours:
                    os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.02)

    with FixtureSite(delay=0.05) as site:
        killer = threading.Thread(target=kill_sidecar)
        killer.start()
        with pytest.raises(UserError) as caught:
            crawl_towns(config, config.townships, proxy=site.proxy_url)
        killer.join()
        assert "归档" in caught.value.message and "--resume" in (caught.value.hint or "")
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)
    rows = rows_by_url(config)
    assert not [u for u, r in rows.items() if r["state"] == "queued"]
    assert archive_ok(config)


class GzipHandler(http.server.BaseHTTPRequestHandler):
    """A server that compresses its home page although asked for `identity`."""

    def do_GET(self):
        if self.path == "/":
            body = gzip.compress('<html><body><a href="/inner.html">内页</a></body></html>'.encode())
            extra = [("Content-Encoding", "gzip")]
        else:
            body, extra = f"<html><body><p>{self.path}</p></body></html>".encode(), []
        self.send_response(404 if self.path in ("/robots.txt", "/sitemap.xml") else 200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_compressed_answer_is_archived_as_sent_and_read_decoded_also_on_resume(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GzipHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = paced_workspace(tmp_path / "ws", server.server_port, delay=0, concurrency=2)
        home = f"http://127.0.0.1:{server.server_port}/"
        crawl_towns(config, config.townships)
        with Ledger(config.ledger_path) as ledger:
            first = ledger.get("paced", home)
            assert ledger.get("paced", home + "inner.html")["state"] == "fetched"   # links read decoded
        sent = read_stored_payload(config.workdir, first["warc_file"], first["warc_offset"])
        assert sent[:2] == b"\x1f\x8b" and first["sha256"] == hashlib.sha256(sent).hexdigest()

        # a kill -9 before the ledger write: the records are there, the rows are not
        with Ledger(config.ledger_path) as ledger:
            ledger.db.execute("DELETE FROM urls")
            ledger.db.execute("DELETE FROM links")
        for path in config.archive_dir("paced").glob("*.warc.gz"):
            path.rename(path.with_name(path.name + ".open"))
        crawl_towns(config, config.townships, resume=True)
    finally:
        server.shutdown()
        server.server_close()
    with Ledger(config.ledger_path) as ledger:
        adopted = ledger.get("paced", home)
        report = verify_archive(config, ledger)
    assert adopted["sha256"] == first["sha256"] and adopted["length"] == len(sent)
    assert report.ok, report.problems


def test_a_failed_request_is_answered_with_its_error_and_the_channel_goes_on(tmp_path):
    """A write the sidecar cannot do comes back as a SidecarError naming the cause (the engine
    stops the crawl on it); the requests after it are still answered in order."""
    import asyncio

    from migrate.crawl.job import CrawlJob
    from migrate.crawl.sidecar import Sidecar, SidecarError

    job = CrawlJob(town="t", town_name="测试镇", start_urls=["http://127.0.0.1:9/"], hosts=["127.0.0.1:9"],
                   workdir=str(tmp_path), ledger_path=str(tmp_path / "state.sqlite"),
                   archive_dir=str(tmp_path / "archive"))

    async def scenario():
        sidecar = Sidecar()
        await sidecar.start()
        await sidecar.call("init", job.to_json(), {})
        failing = sidecar.call("write", "not an exchange", None, None)
        after = sidecar.call("remember", "sha1:X", None)
        with pytest.raises(SidecarError, match="AttributeError"):
            await failing
        assert await after is None
        await sidecar.close()

    asyncio.run(scenario())


def test_answers_waiting_for_the_archive_hold_back_new_requests_by_number_and_by_bytes(tmp_path):
    """A slow archive must not let answers pile up in memory: new requests wait while
    `ARCHIVE_AHEAD` answers per request in flight, or `ARCHIVE_AHEAD_BYTES` of them, are
    waiting to be archived and read."""
    import asyncio

    from scrapy.http import Request

    from migrate.crawl import engine as engine_module
    from migrate.crawl.job import CrawlJob
    from migrate.crawl.state import CrawlStart
    from spiders.generic import GovSiteSpider

    job = CrawlJob(town="t", town_name="T", start_urls=["http://h/"], hosts=["h"], workdir=str(tmp_path),
                   ledger_path=str(tmp_path / "l.sqlite"), archive_dir=str(tmp_path / "a"))
    job.settings.delay, job.settings.concurrency_per_host = 0, 16
    mib = 1024 * 1024

    async def crawl(requests: int, size: int):
        """Start `requests` whose server answers at once with `size` bytes, which the archive
        takes its time over; returns how many started before and after the archive caught up."""
        engine = engine_module.Engine(job, GovSiteSpider(job=job, start=CrawlStart()), sidecar_backlog=None)
        engine.finished = asyncio.Event()
        archived = asyncio.Event()
        started = []

        async def handle(request, lease):
            started.append(request.url)
            engine._release(lease, size)
            await archived.wait()

        engine._handle = handle
        for number in range(requests):
            engine.schedule(Request(f"http://h/{number}"))
        await asyncio.sleep(0.05)
        before = len(started)
        archived.set()
        await asyncio.sleep(0.05)
        return before, len(started), engine

    # Requests already in flight (at most `max_active`) still bring their answers in: the
    # bound is on what is started while the archive is behind.
    before, after, engine = asyncio.run(crawl(60, 40 * mib))
    assert engine_module.ARCHIVE_AHEAD_BYTES == 64 * mib
    assert engine.max_active <= before <= engine.max_active + 2 and after == 60
    assert engine.archiving_bytes == 0 and engine.archiving == 0
    limit = engine.max_active * engine_module.ARCHIVE_AHEAD
    before, after, engine = asyncio.run(crawl(limit * 2, 1000))
    assert limit <= before <= limit + engine.max_active and after == limit * 2


def test_the_ledger_is_written_while_the_engine_waits_for_the_archive(tmp_path):
    """With the sidecar at work, rows wait in the engine until the archive is behind (the
    engine has nothing to start then), not written in the middle of its work."""
    from migrate.crawl import engine as engine_module
    from migrate.crawl.job import CrawlJob
    from migrate.crawl.ledgerwriter import LedgerBatch
    from migrate.crawl.state import CrawlStart
    from spiders.generic import GovSiteSpider

    job = CrawlJob(town="t", town_name="T", start_urls=["http://h/"], hosts=["h"], workdir=str(tmp_path),
                   ledger_path=str(tmp_path / "l.sqlite"), archive_dir=str(tmp_path / "a"))
    engine = engine_module.Engine(job, GovSiteSpider(job=job, start=CrawlStart()), sidecar_backlog=None)
    engine.pipeline.open_spider()
    engine.in_sidecar = True
    engine.pipeline.writer.max_rows = engine_module.LEDGER_ROWS_AT_MOST
    rows = [{"url": f"http://h/{n}.html", "state": "queued", "depth": 1} for n in range(engine_module.LEDGER_ROWS_WHILE_WAITING)]
    engine.pipeline.process_item(LedgerBatch(discovered=rows))

    def written() -> int:
        with Ledger(job.ledger_path) as ledger:
            return ledger.db.execute("SELECT COUNT(*) FROM urls WHERE town='t'").fetchone()[0]

    engine._pump()                                  # the archive keeps up: no write now
    assert written() == 0 and engine.pipeline.writer.rows_pending() == len(rows)
    engine.archiving = engine.max_active * engine_module.ARCHIVE_AHEAD
    engine._pump()                                  # behind: the rows are written meanwhile
    assert written() == len(rows) and engine.pipeline.writer.rows_pending() == 0
    engine.pipeline.close_spider()
