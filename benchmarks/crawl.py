"""Crawl benchmark: sitemigrate against `wget --mirror`, and ten polite crawls at once.

    python benchmarks/crawl.py                      # both runs, default sizes
    python benchmarks/crawl.py --run fast --variants asyncio,scrapy,distributed
    python benchmarks/crawl.py --run polite --sites 10 --site-articles 300

Run 1 (fast): a generated TRS-like site (benchmarks/sites/trs.py: 5,000 articles, about 5,300
HTML pages and 2,700 images, attachments, styles) served by nginx on 127.0.0.1, everything (site,
nginx, archives, wget's copy) on tmpfs (/dev/shm) so disk timing does not blur the figures. The
site is crawled by sitemigrate with the FAST settings below (default engine, asyncio; also Scrapy's
engine and, with `--variants`, the distributed mode), then mirrored by `wget --mirror`.
Printed for each: pages/s, bytes/s, CPU seconds, peak memory and the URLs found.

Run 2 (polite): ten generated sites, each answering every request 100 ms late
(benchmarks/sites/servers.py `SlowSites`), crawled at once with the default politeness of
sitemigrate.yaml (2 concurrent requests and 0.25 s delay per host), two ways: the distributed
mode (one Redis queue) and the default engine with all ten townships at once
(`crawl.towns_at_once`); each total time is compared with the politeness-limited ideal (see
`polite_ideal`).

Peak memory is the largest summed RSS of the crawl's whole process tree (the child we start and
all its descendants), sampled from /proc every 50 ms; `ru_maxrss` from `os.wait4` (the largest
single process of the tree) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sites.servers import Nginx, SlowSites  # noqa: E402
from sites.trs import generate  # noqa: E402

TMPFS = Path("/dev/shm")
# FAST: for a site that can take it (a mirror on the LAN, a local copy); never for a live
# township server. Delay 0, 16 requests at a time to the host, robots.txt still obeyed.
FAST = {"concurrency_per_host": 16, "delay": 0, "obey_robots": True, "max_pages": 1_000_000}
# The defaults a county ships (sitemigrate.yaml): 2 at a time per host, 0.25 s apart.
POLITE = {"concurrency_per_host": 2, "delay": 0.25, "obey_robots": True}
# Rows of run 1: label, crawl engine, crawler processes (more than one: the distributed mode,
# which runs on Scrapy's engine and shares its queue in Redis).
VARIANTS = {
    "asyncio": ("sitemigrate (asyncio engine)", "asyncio", 1),
    "scrapy": ("sitemigrate (Scrapy engine)", "scrapy", 1),
    "distributed": ("sitemigrate, 2 workers (distributed)", "scrapy", 2),
}
COUNTY = {"name": "测试县", "site_name": "测试县人民政府", "base_url": "https://www.ce.gov.cn",
          "site_id": "4309990001", "icp": "x", "police_record": "y", "sponsor": "z"}


# ---------------------------------------------------------------------- measuring a child

@dataclass
class Measured:
    seconds: float
    cpu: float            # user + system seconds of the whole tree (os.wait4)
    peak_rss: int         # bytes: largest summed RSS of the tree (/proc samples)
    max_rss: int          # bytes: largest single process (ru_maxrss)
    code: int


def _children_table() -> dict[int, list[int]]:
    table: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        table.setdefault(ppid, []).append(int(entry.name))
    return table


def tree_rss(pid: int) -> int:
    """Summed resident memory of `pid` and all its descendants, in bytes."""
    table, total, todo = _children_table(), 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except OSError:
            continue
        todo.extend(table.get(current, []))
    return total


def measure(command: list[str], **popen) -> Measured:
    started = time.monotonic()
    process = subprocess.Popen(command, **popen)
    peak, done = 0, threading.Event()

    def sample():
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(seconds, usage.ru_utime + usage.ru_stime, peak, usage.ru_maxrss * 1024,
                    process.returncode)


# ---------------------------------------------------------------------- sitemigrate side

def write_workspace(folder: Path, sites: list[tuple[str, str]], crawl: dict) -> Path:
    """A workspace with one township per (slug, start URL)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    towns = [{"slug": slug, "name": f"测试镇{i}", "old_site": {"start_urls": [url]}}
             for i, (slug, url) in enumerate(sites)]
    config = {"county": COUNTY, "crawl": crawl, "townships": towns}
    path = folder / "sitemigrate.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def crawl_child(config_path: str, workers: int, redis_url: str | None) -> int:
    """In the measured child: the library call `sitemigrate crawl` makes (distributed with a
    Redis URL: all townships at once)."""
    from migrate.config import load_config

    config = load_config(config_path)
    if redis_url:
        from migrate.crawl.distributed import crawl_distributed

        stats = crawl_distributed(config, config.townships, redis_url=redis_url, workers=workers)
    else:
        from migrate.crawl import crawl_towns

        stats = crawl_towns(config, config.townships)
    print(json.dumps(stats, ensure_ascii=False))
    return 0


SCRAPY_BASELINE = {"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                   "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False}


def scrapy_baseline_child(kind: str, start_url: str, paths_file: str) -> int:
    """In the measured child, for scale: plain Scrapy on the same site.

    `floor`: fetches the site's URLs, given, and does nothing with them (no parsing, archive
    or ledger; one item worker, no dupefilter, no cookies): the most one Scrapy process does on
    this machine. `crawlspider`: the textbook CrawlSpider (LinkExtractor, defaults), which
    finds the pages itself and skips files by extension; it archives nothing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    urls = [start_url.rstrip("/") + line.strip() for line in open(paths_file, encoding="utf-8")]

    class Floor(scrapy.Spider):
        name = "floor"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response):
            return None

    class Textbook(CrawlSpider):
        name = "textbook"
        start_urls = [start_url]
        allowed_domains = [urlsplit(start_url).hostname]
        rules = [Rule(LinkExtractor(), follow=True)]

    settings = dict(SCRAPY_BASELINE)
    if kind == "floor":
        settings.update({"CONCURRENT_ITEMS": 1, "COOKIES_ENABLED": False,
                         "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter"})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Floor if kind == "floor" else Textbook)
    process.crawl(crawler)
    process.start()
    print(json.dumps({"responses": crawler.stats.get_value("response_received_count", 0)}))
    return 0


def run_scrapy_baseline(kind: str, start_url: str, paths: set[str], folder: Path) -> tuple[Measured, int]:
    """(measurement, responses received)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(sorted(paths)), encoding="utf-8")
    out = folder / f"{kind}.json"
    with open(out, "wb") as fh:
        measured = measure([sys.executable, __file__, "--baseline", kind, start_url, str(paths_file)], stdout=fh)
    return measured, json.loads(out.read_text().strip().splitlines()[-1])["responses"]


def run_sitemigrate(config_path: Path, workers: int, redis_url: str | None) -> Measured:
    command = [sys.executable, __file__, "--child", str(config_path), "--workers", str(workers)]
    if redis_url:
        command += ["--redis", redis_url]
    measured = measure(command, stdout=subprocess.DEVNULL)
    if measured.code != 0:
        raise SystemExit(f"sitemigrate crawl failed (exit {measured.code})")
    return measured


def ledger_summary(config_path: Path) -> dict:
    db = sqlite3.connect(config_path.parent / "work" / "state.sqlite")
    rows = db.execute("SELECT town, url, state, status, kind, length FROM urls").fetchall()
    db.close()
    summary: dict = {}
    for town, url, state, status, kind, length in rows:
        town_sum = summary.setdefault(town, {"requests": 0, "pages": 0, "bytes": 0, "paths": set()})
        if state in ("fetched", "failed"):
            town_sum["requests"] += 1
        if state == "fetched":
            town_sum["bytes"] += length or 0
            if status == 200:
                town_sum["paths"].add(urlsplit(url).path or "/")
                town_sum["pages"] += kind == "page"
    return summary


# ---------------------------------------------------------------------- wget side

def run_wget(start_url: str, folder: Path) -> tuple[Measured, set[str], int]:
    if not shutil.which("wget"):
        raise SystemExit("wget 未安装：apt-get install -y wget")
    command = ["wget", "--mirror", "--no-verbose", "--no-host-directories", "-P", str(folder), start_url]
    measured = measure(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    paths, size = set(), 0
    for file in folder.rglob("*"):
        if file.is_file():
            paths.add("/" + file.relative_to(folder).as_posix())
            size += file.stat().st_size
    return measured, paths, size


# ---------------------------------------------------------------------- reports

def rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def print_row(name: str, m: Measured, pages: int, urls: int, size: int | None):
    per_second = f"{mib(rate(size, m.seconds))}/s" if size is not None else "(bytes n/a)"
    print(f"  {name:<22} {m.seconds:7.2f} s  {rate(pages, m.seconds):7.0f} pages/s  "
          f"{rate(urls, m.seconds):7.0f} URLs/s  {per_second}  CPU {m.cpu:6.2f} s  "
          f"peak tree RSS {mib(m.peak_rss)} (largest process {mib(m.max_rss)})")


def compare_paths(expected: set[str], found: dict[str, set[str]]):
    for name, paths in found.items():
        missing, extra = expected - paths, paths - expected
        print(f"  {name:<22} found {len(paths & expected)} of {len(expected)} site URLs; "
              f"missing {len(missing)}{' e.g. ' + min(missing) if missing else ''}; "
              f"other {len(extra)}{' e.g. ' + min(extra) if extra else ''}")


# ---------------------------------------------------------------------- run 1: fast

def run_fast(args, scratch: Path):
    site = generate(scratch / "site", args.articles)
    expected = site.paths | {"/"}
    print(f"Run 1 — one site, {len(site.pages)} HTML pages + {len(site.files)} other files, "
          f"{mib(site.bytes)}, nginx on tmpfs; FAST settings {FAST}")
    results = []
    with Nginx(scratch / "site", scratch / "nginx") as nginx:
        for variant in args.variants:
            label, engine, workers = VARIANTS[variant]
            with redis_for(workers > 1, scratch / f"redis-{variant}") as redis_url:
                config_path = write_workspace(scratch / f"ws-{variant}", [("bench", nginx.url)],
                                              {**FAST, "engine": engine})
                measured = run_sitemigrate(config_path, workers, redis_url)
            results.append((label, measured, ledger_summary(config_path)["bench"]))
        theirs, wget_paths, wget_bytes = run_wget(nginx.url, scratch / "wget")
        floor, floor_urls = run_scrapy_baseline("floor", nginx.url, expected, scratch / "floor")
        textbook, textbook_urls = run_scrapy_baseline("crawlspider", nginx.url, expected, scratch / "floor")
    wget_pages = sum(1 for p in wget_paths if p.endswith(".html"))
    for label, measured, summary in results:
        print_row(label, measured, summary["pages"], summary["requests"], summary["bytes"])
    print_row("bare Scrapy (no work)", floor, len(site.pages), floor_urls, site.bytes)
    # The CrawlSpider skips files by extension: its responses are (nearly all) the HTML pages.
    print_row("Scrapy CrawlSpider", textbook, textbook_urls, textbook_urls, None)
    print_row("wget --mirror", theirs, wget_pages, len(wget_paths), wget_bytes)
    compare_paths(expected, {**{label: summary["paths"] for label, _, summary in results},
                             "wget --mirror": wget_paths | {"/"}})
    for label, measured, summary in results:
        ratio = rate(summary["pages"], measured.seconds) / rate(wget_pages, theirs.seconds)
        print(f"  {label}: pages/s {ratio:.2f} × wget's (target ≥ 0.50), peak memory {mib(measured.peak_rss)} "
              f"(target < 500 MiB)")
    if args.pairs > 1:
        print_pairs(args, site, scratch)


def print_pairs(args, site, scratch: Path):
    """The first variant and wget again, one right after the other, `--pairs` times in all:
    this machine's speed drifts by ±15 % within minutes, so a ratio taken from neighbouring
    runs, and the median of several, says more than one pair."""
    label, engine, workers = VARIANTS[args.variants[0]]
    ratios, peaks = [], []
    with Nginx(scratch / "site", scratch / "nginx") as nginx:
        for number in range(args.pairs):
            config_path = write_workspace(scratch / f"pair-{number}", [("bench", nginx.url)], {**FAST, "engine": engine})
            ours = run_sitemigrate(config_path, workers, None)
            pages = ledger_summary(config_path)["bench"]["pages"]
            theirs, wget_paths, _ = run_wget(nginx.url, scratch / f"pair-wget-{number}")
            wget_pages = sum(1 for p in wget_paths if p.endswith(".html"))
            ratios.append(rate(pages, ours.seconds) / rate(wget_pages, theirs.seconds))
            peaks.append(ours.peak_rss)
            print(f"  pair {number + 1}: {label} {ours.seconds:.2f} s, wget {theirs.seconds:.2f} s: {ratios[-1]:.2f} × wget",
                  flush=True)
            shutil.rmtree(scratch / f"pair-{number}", ignore_errors=True)
            shutil.rmtree(scratch / f"pair-wget-{number}", ignore_errors=True)
    print(f"  {label}, {args.pairs} pairs: median {statistics.median(ratios):.2f} × wget's pages/s "
          f"(lowest {min(ratios):.2f}), peak memory at most {mib(max(peaks))}")


# ---------------------------------------------------------------------- run 2: polite

def polite_ideal(requests: int, delay: float, latency: float, concurrency: int) -> float:
    """Shortest time Scrapy's per-host politeness allows for `requests` requests to one host.

    Scrapy keeps one download slot per host name. With DOWNLOAD_DELAY d > 0 the slot starts at
    most one request per pass and only when d has passed since it last started one (the wait is
    drawn from 0.5·d…1.5·d, mean d, with RANDOMIZE_DOWNLOAD_DELAY); at most c
    (CONCURRENT_REQUESTS_PER_DOMAIN) are in flight, and each takes the latency L. Requests thus
    start every max(d, L/c) seconds at best, and the last one still needs L to come back:
    ideal = (requests − 1) · max(d, L/c) + L.
    """
    return (requests - 1) * max(delay, latency / concurrency) + latency


def run_polite(args, scratch: Path):
    roots = [scratch / f"site{i}" for i in range(args.sites)]
    for i, root in enumerate(roots):
        generate(root, args.site_articles, seed=100 + i)
    rows = []
    with SlowSites(roots, latency=args.latency) as sites, redis_for(True, scratch / "redis-polite") as redis_url:
        towns = [(f"site{i}", f"http://{sites.host(i)}/") for i in range(args.sites)]
        # the same ten townships twice: one queue in Redis, then the default engine with every
        # township at once (`crawl.towns_at_once`), each in its own workspace
        shared = write_workspace(scratch / "ws-polite", towns, POLITE)
        rows.append((f"distributed, {args.polite_workers} worker(s)", shared,
                     run_sitemigrate(shared, args.polite_workers, redis_url)))
        at_once = write_workspace(scratch / "ws-polite-at-once", towns, {**POLITE, "towns_at_once": args.sites})
        rows.append((f"{args.sites} townships at once (crawl.towns_at_once)", at_once,
                     run_sitemigrate(at_once, 1, None)))
    summary = ledger_summary(shared)
    ideals = {town: polite_ideal(s["requests"], POLITE["delay"], args.latency, POLITE["concurrency_per_host"])
              for town, s in summary.items()}
    ideal = max(ideals.values())
    requests = sum(s["requests"] for s in summary.values())
    print(f"Run 2 — {args.sites} sites at once, {requests} requests in all "
          f"({min(s['requests'] for s in summary.values())}–{max(s['requests'] for s in summary.values())} a site), "
          f"{args.latency * 1000:.0f} ms added latency, delay {POLITE['delay']} s, {POLITE['concurrency_per_host']} per host")
    for label, config_path, ours in rows:
        fetched = sum(s["requests"] for s in ledger_summary(config_path).values())
        print(f"  {label:45} {ours.seconds:6.1f} s against the politeness-limited ideal {ideal:.1f} s "
              f"(the largest site's) = {ours.seconds / ideal:.2f}×  (target ≤ 1.15×); {fetched} requests; "
              f"CPU {ours.cpu:.1f} s, peak tree RSS {mib(ours.peak_rss)}")


# ---------------------------------------------------------------------- main

class redis_for:
    """A private redis-server on tmpfs for a distributed crawl (None when not needed)."""

    def __init__(self, enabled: bool, folder: Path):
        self.enabled = enabled
        self.folder = folder
        self.process = None

    def __enter__(self) -> str | None:
        if not self.enabled:
            return None
        from sites.servers import free_port, wait_for_port

        self.folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=subprocess.DEVNULL)
        wait_for_port("127.0.0.1", port)
        return f"redis://127.0.0.1:{port}/0"

    def __exit__(self, *exc):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", choices=["fast", "polite", "both"], default="both")
    parser.add_argument("--articles", type=int, default=5000, help="articles of the fast site")
    parser.add_argument("--pairs", type=int, default=5,
                        help="runs of the first variant and wget, alternating, for the median ratio (1: none)")
    parser.add_argument("--variants", type=lambda v: v.split(","), default=["asyncio", "scrapy"],
                        help=f"sitemigrate rows of the fast run, of {','.join(VARIANTS)}")
    parser.add_argument("--polite-workers", type=int, default=1, help="crawler processes for the ten sites")
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--site-articles", type=int, default=300, help="articles of each polite site")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.exit(crawl_child(args.child, args.workers, args.redis))
    if args.baseline:
        sys.exit(scrapy_baseline_child(*args.baseline))
    scratch = Path(tempfile.mkdtemp(prefix="sitemigrate-crawl-bench-", dir=TMPFS if TMPFS.is_dir() else None))
    try:
        if args.run in ("fast", "both"):
            run_fast(args, scratch)
        if args.run in ("polite", "both"):
            run_polite(args, scratch)
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
