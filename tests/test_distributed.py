"""Distributed crawl: real redis-server, real worker processes, the bundled sample sites."""

import os
import re
import shutil
import signal
import socket
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
from migrate.crawl.distributed import crawl_distributed
from migrate.crawl.runner import child_env
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.samples.server import start_sample_server

ROOT = Path(__file__).resolve().parents[1]
TOWN = "taoyuan"
COMPARED = ("state", "rule", "status", "content_type", "kind", "length", "payload_digest", "sha256", "filename",
            "redirect_to")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian package redis-server): distributed crawls need it")
    folder, port = tmp_path_factory.mktemp("redis"), free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def workspace(folder: Path, concurrency: int = 8, delay: float = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "sitemigrate.yaml").read_text(encoding="utf-8")
    text = re.sub(r"concurrency_per_host: \d+", f"concurrency_per_host: {concurrency}", text)
    text = re.sub(r"delay: [\d.]+", f"delay: {delay}", text)
    (folder / "sitemigrate.yaml").write_text(text, encoding="utf-8")
    return folder / "sitemigrate.yaml"


def rows(config, town=TOWN) -> dict[str, dict]:
    with Ledger(config.ledger_path) as ledger:
        return {r["url"]: r for r in ledger.rows(town)}


def links(config, town=TOWN) -> set[tuple]:
    with Ledger(config.ledger_path) as ledger:
        return set(ledger.db.execute("SELECT src, dst, text FROM links WHERE town=?", (town,)).fetchall())


def records(config, town=TOWN, rec_type="request") -> tuple[Counter, Counter]:
    """How often each URL has a `rec_type` record, and how many records each worker's files hold."""
    per_url, per_worker = Counter(), Counter()
    for path in sorted(config.archive_dir(town).glob("*.warc.gz")):
        worker = re.search(r"-(w\d+)-", path.name)
        for entry in iter_records(path):
            if entry.rec_type == rec_type:
                per_url[entry.url] += 1
                per_worker[worker.group(1) if worker else "single"] += 1
    return per_url, per_worker


def archived_site_urls(config, town=TOWN) -> set[str]:
    """Archived 200 answers, without robots.txt and sitemaps (not pages of the site)."""
    return {url for url, row in rows(config, town).items()
            if row["state"] == "fetched" and row["status"] == 200 and url.split("/", 3)[-1] != "robots.txt"
            and "sitemap" not in url.rsplit("/", 1)[-1]}


@pytest.fixture(scope="module")
def sample_server():
    with start_sample_server() as server:
        yield server


@pytest.fixture(scope="module")
def two_workers(redis_url, sample_server, tmp_path_factory):
    config = load_config(workspace(tmp_path_factory.mktemp("distributed")))
    updates = []
    stats = crawl_distributed(config, [config.township(TOWN)], redis_url, workers=2, proxy=sample_server.proxy_url,
                              progress=lambda done, total, label: updates.append((done, total, label)))
    return config, stats, updates


def test_two_workers_fetch_every_url_once_and_miss_none(two_workers):
    config, stats, updates = two_workers
    per_url, per_worker = records(config)
    assert per_url and {url: n for url, n in per_url.items() if n != 1} == {}
    assert archived_site_urls(config) == truth.expected_archivable_urls(TOWN)
    assert not [u for u, r in rows(config).items() if r["state"] in ("queued", "failed")]
    assert stats[TOWN]["fetched"] == sum(per_worker.values())
    assert updates and updates[-1][0] == stats[TOWN]["fetched"]
    assert stats[TOWN]["report"] and (config.reports_dir / f"crawl-{TOWN}.html").exists()


def test_both_workers_did_work_in_files_of_their_own(two_workers):
    config, _, _ = two_workers
    _, per_worker = records(config)
    # Each worker writes its own file. A "single" file may follow: the straggler pass that
    # finishes URLs a worker race left unfetched (see finish_stragglers); it stays small.
    assert {"w0", "w1"} <= set(per_worker) <= {"w0", "w1", "single"}
    assert per_worker["w0"] >= 10 and per_worker["w1"] >= 10
    assert per_worker.get("single", 0) < min(per_worker["w0"], per_worker["w1"])
    assert not list(config.archive_dir(TOWN).glob("*.open"))


def test_revisits_point_at_a_record_of_the_same_payload_in_any_workers_file(two_workers):
    config, _, _ = two_workers
    ledger_rows = rows(config)
    revisits = [r for r in ledger_rows.values() if r["revisit_of"]]
    assert revisits
    for row in revisits:
        original = ledger_rows[row["revisit_of"]]
        assert original["payload_digest"] == row["payload_digest"] and not original["revisit_of"], row["url"]
        assert read_record(config.workdir, row["warc_file"], row["warc_offset"]).body == \
            read_record(config.workdir, original["warc_file"], original["warc_offset"]).body


def test_ledger_is_the_single_process_ledger(two_workers, sample_server, tmp_path):
    config, _, _ = two_workers
    single = load_config(workspace(tmp_path / "single"))
    crawl_towns(single, [single.township(TOWN)], proxy=sample_server.proxy_url)
    ours, theirs = rows(config), rows(single)
    assert set(ours) == set(theirs)
    assert {u: tuple(r[c] for c in COMPARED) for u, r in ours.items()} == \
           {u: tuple(r[c] for c in COMPARED) for u, r in theirs.items()}
    assert all(r["raw_url"] and r["depth"] is not None for r in ours.values())
    assert links(config) == links(single)


@pytest.mark.parametrize("workers, towns_at_once", [(1, 2), (2, 100)])
def test_all_townships_at_once(redis_url, sample_server, tmp_path, workers, towns_at_once):
    config = load_config(workspace(tmp_path / "all"))
    stats = crawl_distributed(config, config.townships, redis_url, workers=workers, proxy=sample_server.proxy_url,
                              towns_at_once=towns_at_once)
    assert set(stats) == {town.slug for town in config.townships}
    for town in config.townships:
        per_url, _ = records(config, town.slug)
        assert {url: n for url, n in per_url.items() if n != 1} == {}, town.slug
        assert archived_site_urls(config, town.slug) == truth.expected_archivable_urls(town.slug)


# A two-worker crawl of 桃源镇 in a child process: exit 3 on Ctrl-C, 2 on a reported failure.
DISTRIBUTED_CHILD = textwrap.dedent("""
    import sys
    from migrate.config import load_config
    from migrate.crawl.distributed import crawl_distributed
    from migrate.errors import UserError
    config = load_config(sys.argv[1])
    def progress(done, total, label):
        print("progress", done, flush=True)
    try:
        crawl_distributed(config, [config.township("taoyuan")], sys.argv[2], workers=2, proxy=sys.argv[3],
                          progress=progress)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    except UserError as exc:
        print("failed", exc.message, flush=True)
        sys.exit(2)
""")


def start_distributed_crawl(config_path, redis_url: str, proxy_url: str, until: int = 30) -> subprocess.Popen:
    """The child crawl, returned once it has archived `until` URLs."""
    child = subprocess.Popen([sys.executable, "-c", DISTRIBUTED_CHILD, str(config_path), redis_url, proxy_url],
                             stdout=subprocess.PIPE, text=True, env=child_env())
    for line in child.stdout:
        if line.startswith("progress") and int(line.split()[1]) >= until:
            break
    return child


def test_ctrl_c_then_resume_finishes_without_fetching_twice(redis_url, sample_server, tmp_path):
    config_path = workspace(tmp_path / "ws", concurrency=2, delay=0.05)
    child = start_distributed_crawl(config_path, redis_url, sample_server.proxy_url)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=90)
    assert child.returncode == 3 and "interrupted" in out
    config = load_config(config_path)
    assert not list(config.archive_dir(TOWN).glob("*.open"))
    assert any(r["state"] == "queued" for r in rows(config).values())
    crawl_distributed(config, [config.township(TOWN)], redis_url, workers=2, proxy=sample_server.proxy_url,
                      resume=True)
    per_url, _ = records(config, rec_type="response")
    revisits, _ = records(config, rec_type="revisit")
    assert {url: n for url, n in (per_url + revisits).items() if n != 1} == {}
    assert archived_site_urls(config) == truth.expected_archivable_urls(TOWN)
    assert not [u for u, r in rows(config).items() if r["state"] in ("queued", "failed")]


def child_pids(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker processes through /proc")
def test_a_killed_worker_stops_the_crawl_and_resume_repairs_it(redis_url, sample_server, tmp_path):
    config_path = workspace(tmp_path / "ws", concurrency=2, delay=0.05)
    child = start_distributed_crawl(config_path, redis_url, sample_server.proxy_url)
    workers = [pid for pid in child_pids(child.pid) if "migrate.crawl.distributed" in
               Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    out, _ = child.communicate(timeout=90)          # the other worker is stopped, not left waiting
    assert child.returncode == 2 and "抓取进程意外退出" in out
    config = load_config(config_path)
    crawl_distributed(config, [config.township(TOWN)], redis_url, workers=2, proxy=sample_server.proxy_url,
                      resume=True)
    responses, _ = records(config, rec_type="response")
    revisits, _ = records(config, rec_type="revisit")
    assert {url: n for url, n in (responses + revisits).items() if n != 1} == {}
    assert archived_site_urls(config) == truth.expected_archivable_urls(TOWN)


def shared_spiders(config, redis_url: str, count: int = 2) -> list:
    """The spiders of `count` workers on one township, as the workers build them (no engine)."""
    from migrate.crawl.job import CrawlJob
    from migrate.crawl.shared import SharedCrawl, SharedKeys
    from migrate.crawl.state import CrawlStart
    from spiders.distributed import distributed
    from spiders.generic import GovSiteSpider

    job = CrawlJob.for_town(config, config.township(TOWN))
    prefix = f"test:{time.monotonic_ns()}:{TOWN}"
    spiders = []
    for worker in range(count):
        spider = distributed(GovSiteSpider)(job=job, start=CrawlStart())
        spider.shared = SharedCrawl(SharedKeys(redis_url, prefix, worker, count))
        spiders.append(spider)
    return spiders


def test_robots_txt_is_read_once_and_parked_requests_follow_its_rules(redis_url, tmp_path):
    from migrate.crawl.discovery import FoundLink
    from migrate.crawl.ledgerwriter import LedgerBatch

    config = load_config(workspace(tmp_path))
    first, second = shared_spiders(config, redis_url)
    host = "http://www.taoyuan.yunxi.gov.cn"
    batch = LedgerBatch()
    asked = first.discover(None, 0, [FoundLink(host + "/", "", "start")], batch)
    assert [r.url for r in asked] == [host + "/robots.txt"]           # the page waits for it
    # the other worker finds two pages of the same host: robots.txt is not asked twice, they wait
    found = [FoundLink(host + "/public.html", "", "a"), FoundLink(host + "/private/x.html", "", "a"),
             FoundLink(host + "/", "", "a")]
    assert second.discover(host + "/", 1, found, batch) == []
    # robots.txt answers at the first worker: its own page and the parked ones are released
    first.robots[host] = first.robots_parser(b"User-agent: *\nDisallow: /private/\n")
    first.robots_in_flight.discard(host)
    released = first.release(host, batch)
    assert sorted(r.url for r in released) == [host + "/", host + "/public.html"]
    assert {"url": host + "/private/x.html", "state": "excluded", "rule": "robots"} in batch.outcomes
    # later requests of the second worker read the shared answer at once
    later = second.discover(host + "/", 1, [FoundLink(host + "/private/y.html", "", "a"),
                                            FoundLink(host + "/other.html", "", "a")], batch)
    assert [r.url for r in later] == [host + "/other.html"]


def test_each_link_is_admitted_by_one_worker_only(redis_url, tmp_path):
    from migrate.crawl.discovery import FoundLink
    from migrate.crawl.ledgerwriter import LedgerBatch

    config = load_config(workspace(tmp_path))
    spiders = shared_spiders(config, redis_url, count=3)
    host = "http://www.taoyuan.yunxi.gov.cn"
    for spider in spiders:
        spider.robots[host] = None
    links = [FoundLink(f"{host}/art/{i}.html", "", "a") for i in range(30)]
    admitted = Counter()
    for offset, spider in enumerate(spiders):
        batch = LedgerBatch()
        spider.discover(host + "/", 1, links[offset * 5:] + links[:offset * 5], batch)
        admitted.update(row["url"] for row in batch.discovered)
        assert len(batch.links) == 30                  # every worker still records the page's links
    assert len(admitted) == 30 and set(admitted.values()) == {1}


def test_unreachable_redis_is_a_user_error(tmp_path):
    config = load_config(workspace(tmp_path))
    with pytest.raises(UserError, match="Redis"):
        crawl_distributed(config, config.townships, f"redis://127.0.0.1:{free_port()}/0", workers=2)
