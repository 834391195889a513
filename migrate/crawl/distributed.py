"""`crawl_distributed`: several crawler processes sharing every township's queue in Redis.

For a province-wide migration (thousands of sites) or a fast site that one process cannot keep
up with: N worker processes (`python -m migrate.crawl.distributed`), each running one Scrapy
crawler per township in one reactor, so all the townships are crawled at once and every
township is shared by all workers. What they share lives in one Redis server
(`migrate.crawl.shared`): each township's request queue (scrapy-redis scheduler and priority
queue) and seen-set, robots.txt answers, counts for the caps and the payload digests behind
revisit records.

Each worker writes its own WARC files (`<town>-w<N>-….warc.gz`) and all of them write the one
SQLite ledger, so the result has the same shape as `crawl_towns`': the same ledger rows and
archived URL set, each URL fetched once. Politeness holds for the whole crawl, not per worker:
with N workers each uses `delay × N` and `concurrency_per_host ÷ N` (at least 1).

The coordinator prepares each township exactly as a single-process crawl does (fresh start or
resume from ledger and archive: `migrate.crawl.state`; re-crawls are single-process only), puts
that state into Redis under a namespace of its own, runs the workers, and deletes the namespace
at the end; so a crawl interrupted here resumes from the ledger, distributed or not.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pickle
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from migrate.config import Config, Township
from migrate.crawl import events
from migrate.crawl.job import CrawlJob
from migrate.crawl.runner import (DETACH, STOP_GRACE_SECONDS, STOP_SIGNAL, WorkerProcess, after_crawl, begin_run,
                                  child_env, crawl_towns, end_run, town_stats, unreachable_start)
from migrate.crawl.shared import SHARED_SETTING, SharedKeys, connect, encode_robots
from migrate.crawl.state import CrawlStart, crawl_start, origin_of
from migrate.errors import UserError
from migrate.ledger import Ledger

logger = logging.getLogger("migrate.crawl.distributed")
SEED_CHUNK = 10_000
TOWNS_AT_ONCE = 100
FULL_START, SHARED_START = "start:full", "start:shared"


# ---------------------------------------------------------------------- Redis

def redis_server(redis_url: str):
    """A connection to the Redis server, or a UserError saying what to check."""
    import redis

    try:
        server = connect(redis_url)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        raise UserError(f"无法连接分布式抓取所用的 Redis 服务器 {redis_url}：{exc}",
                        hint="请确认 redis-server 已启动、地址和端口正确（形如 redis://127.0.0.1:6379/0），"
                             "或改用不需要 Redis 的单进程抓取。") from exc
    return server


def worker_share(start: CrawlStart) -> CrawlStart:
    """What every worker but the first starts with: the known URLs, robots.txt answers and
    archived-but-unrecorded responses (whoever claims such a URL replays it from the archive),
    but none of the interrupted run's queue (worker 0 re-queues that) and none of its counts."""
    return dataclasses.replace(start, pending=[], scheduled=0, done=0, fetched_bytes=0,
                               **({"recheck": []} if hasattr(start, "recheck") else {}))


def shared_robots(start: CrawlStart) -> dict[str, bytes | None]:
    """robots.txt answers a resumed crawl knows, plus "no rules" for hosts whose robots.txt an
    earlier run left out (a cap) and nobody will fetch: a single-process crawl reads those so."""
    robots = dict(start.robots)
    pending = {p.url for p in start.pending}
    for url in start.seen:
        if urlsplit(url).path == "/robots.txt" and url not in pending:
            robots.setdefault(origin_of(url), None)
    return robots


def seed(server, keys: SharedKeys, start: CrawlStart):
    """Put one township's starting state into Redis, every worker marked busy until it has
    looked at the queue once (so none finishes before worker 0 has queued the start URLs)."""
    server.set(keys.key(FULL_START), pickle.dumps(start))
    server.set(keys.key(SHARED_START), pickle.dumps(worker_share(start)))
    seen = list(start.seen)
    for i in range(0, len(seen), SEED_CHUNK):
        server.sadd(keys.key("seen"), *seen[i:i + SEED_CHUNK])
    robots = {origin: encode_robots(body) for origin, body in shared_robots(start).items()}
    if robots:
        server.hset(keys.key("robots"), mapping=robots)
    originals = {digest: json.dumps(dataclasses.asdict(o)) for digest, o in start.originals.items()}
    if originals:
        server.hset(keys.key("originals"), mapping=originals)
    server.sadd(keys.key("busy"), *[str(i) for i in range(keys.workers)])


def drop_namespace(server, namespace: str):
    for key in server.scan_iter(match=f"{namespace}:*", count=1000):
        server.delete(key)


# ---------------------------------------------------------------------- worker processes

class SharedWorker(WorkerProcess):
    """One `python -m migrate.crawl.distributed` child (all townships, one worker id)."""

    def __init__(self, spec: dict, first_job: CrawlJob, log_path: Path):
        super().__init__(first_job, log_path)
        self.spec = spec
        self.child: subprocess.Popen | None = None

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=log, env=child_env(), **DETACH)
        self.child.stdin.write(json.dumps(self.spec, ensure_ascii=False).encode("utf-8"))
        self.child.stdin.close()

    def follow(self, progress, exits: queue.Queue):
        self._relay(self.child, progress)
        exits.put((self, self.child.wait()))

    def failure(self, code: int) -> UserError:
        if (self.error or {}).get("message"):
            return super().failure(code)
        return UserError(f"分布式抓取的第 {self.spec['worker']} 号抓取进程意外退出（退出码 {code}）。",
                         hint=f"详细日志见 {self.log_path}。")


class ProgressSum:
    """Adds up the workers' progress per township (each counts the URLs it handled)."""

    def __init__(self, progress):
        self.progress = progress
        self.lock = threading.Lock()
        self.counts: dict[tuple[int, str], tuple[int, int]] = {}

    def for_worker(self, worker: int):
        def report(done: int, total, label: str):
            with self.lock:
                self.counts[worker, label] = (done, total or 0)
                parts = [v for (_, name), v in self.counts.items() if name == label]
                self.progress(sum(d for d, _ in parts), sum(t for _, t in parts), label)
        return report if self.progress else None


def stop_all(workers: list[SharedWorker]):
    """Ask every worker still running to stop; kill those that do not within the grace time."""
    running = [w.child for w in workers if w.child and w.child.poll() is None]
    for child in running:
        child.send_signal(STOP_SIGNAL)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in running:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_workers(specs: list[dict], jobs: list[CrawlJob], log_dir: Path, progress=None):
    workers = [SharedWorker(spec, jobs[0], log_dir / f"crawl-distributed-w{spec['worker']}.log")
               for spec in specs]
    summed, exits = ProgressSum(progress), queue.Queue()
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            threading.Thread(target=worker.follow, args=(summed.for_worker(worker.spec["worker"]), exits),
                             daemon=True).start()
        for _ in workers:
            worker, code = exits.get()
            if code != 0:      # the others would wait for it for ever
                stop_all(workers)
                raise worker.failure(code)
    except BaseException:
        stop_all(workers)
        raise


# ---------------------------------------------------------------------- entry point

def prepare_town(config: Config, town: Township, server, keys: SharedKeys, resume: bool,
                 proxy: str | None) -> tuple[CrawlJob, int]:
    """Start one township as a single-process crawl would (fresh or resumed), into Redis."""
    job = CrawlJob.for_town(config, town, resume=resume, proxy=proxy)
    with Ledger(job.ledger_path) as ledger:
        run_id = job.run_id = begin_run(ledger, town.slug)
        start = crawl_start(job, ledger)
    seed(server, keys, start)
    return job, run_id


def crawl_batch(config: Config, towns: list[Township], redis_url: str, workers: int, resume: bool,
                progress, proxy: str | None) -> dict[str, dict]:
    """All `towns` at once, on `workers` processes, under a Redis namespace of their own."""
    server = redis_server(redis_url)
    namespace = f"sitemigrate:{uuid.uuid4().hex[:12]}"
    jobs, runs, results = [], {}, {}
    try:
        for town in towns:
            job, runs[town.slug] = prepare_town(config, town, server, SharedKeys(
                redis_url, f"{namespace}:{town.slug}", 0, workers), resume, proxy)
            jobs.append(job)
        specs = [{"redis_url": redis_url, "namespace": namespace, "worker": i, "workers": workers,
                  "jobs": [json.loads(job.to_json()) for job in jobs]} for i in range(workers)]
        started, outcome = time.monotonic(), "failed"
        try:
            run_workers(specs, jobs, Path(config.workdir) / "logs", progress)
            outcome = "done"
        except KeyboardInterrupt:
            outcome = "interrupted"
            raise
        finally:
            with Ledger(config.ledger_path) as ledger:
                for job in jobs:
                    results[job.town] = stats = town_stats(ledger, job.town)
                    stats["seconds"] = round(time.monotonic() - started, 2)
                    end_run(ledger, runs[job.town], outcome, stats)
    finally:
        drop_namespace(server, namespace)
    with Ledger(config.ledger_path) as ledger:
        for town in towns:
            results[town.slug]["report"] = after_crawl(config, ledger, town.slug)
    return results


def crawl_distributed(config: Config, towns: list[Township], redis_url: str, workers: int = 2,
                      resume: bool = False, progress=None, proxy: str | None = None,
                      towns_at_once: int = TOWNS_AT_ONCE) -> dict[str, dict]:
    """Archive the townships' old sites with `workers` processes sharing one Redis server,
    `towns_at_once` townships at a time (each worker holds a crawler, a WARC file and
    connections per township it crawls).

    Returns per-township counts (and crawl report summaries) as `crawl_towns` does."""
    if workers < 1 or towns_at_once < 1:
        raise UserError(f"分布式抓取的进程数和同时抓取的乡镇数都应至少为 1，实际是 {workers} 和 {towns_at_once}。")
    redis_server(redis_url)
    results = {}
    for i in range(0, len(towns), towns_at_once):
        results.update(crawl_batch(config, towns[i:i + towns_at_once], redis_url, workers, resume, progress, proxy))
    results.update(finish_stragglers(config, towns, progress, proxy))
    with Ledger(config.ledger_path) as ledger:
        unreachable = [p for p in (unreachable_start(ledger, town) for town in towns) if p]
    if unreachable:
        raise UserError(" ".join(unreachable),
                        hint="请检查 sitemigrate.yaml 中的 start_urls、网络连接或代理设置（--proxy），然后重新运行 `sitemigrate crawl`。")
    return results


def finish_stragglers(config: Config, towns: list[Township], progress, proxy) -> dict[str, dict]:
    """URLs the workers admitted but none fetched (a worker that went idle while a request was
    in flight between them) are finished by a single-process resume: nothing is missed, and
    nothing already archived is fetched again."""
    with Ledger(config.ledger_path) as ledger:
        left = [town for town in towns if ledger.counts(town.slug).get("queued")]
    if not left:
        return {}
    return crawl_towns(config, left, resume=True, progress=progress, proxy=proxy)


# ---------------------------------------------------------------------- worker side

def worker_settings(job: CrawlJob, keys: SharedKeys) -> dict:
    """The single-process settings, on the shared scheduler, with politeness split N ways."""
    from migrate.crawl.settings import scrapy_settings

    settings = scrapy_settings(job)
    crawl = job.settings
    settings.update({
        "SCHEDULER": "migrate.crawl.shared.SharedScheduler",
        SHARED_SETTING: keys,
        "DOWNLOAD_DELAY": crawl.delay * keys.workers,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, crawl.concurrency_per_host // keys.workers),
        "ITEM_PIPELINES": {"migrate.crawl.shared.SharedLedgerPipeline": 100},
        "DOWNLOADER_MIDDLEWARES": {**settings["DOWNLOADER_MIDDLEWARES"],
                                   "migrate.crawl.middlewares.WarcRecorderMiddleware": None,
                                   "migrate.crawl.shared.SharedWarcRecorder": 950},
    })
    return settings


def run_worker(spec: dict):
    """Every township's crawler, in one reactor, as worker `spec["worker"]`."""
    from scrapy.crawler import CrawlerProcess

    from migrate.crawl.worker import load_spider_class
    from spiders.distributed import distributed

    jobs = [CrawlJob.from_json(json.dumps(job)) for job in spec["jobs"]]
    server = connect(spec["redis_url"])
    keys = [SharedKeys(spec["redis_url"], f"{spec['namespace']}:{job.town}", spec["worker"], spec["workers"])
            for job in jobs]
    process = CrawlerProcess(worker_settings(jobs[0], keys[0]))
    crawlers = []
    for job, town_keys in zip(jobs, keys):
        crawler = process.create_crawler(distributed(load_spider_class(process.spider_loader, job.spider)))
        # above the process's (first township's) settings, which the process merges in
        crawler.settings.setdict(worker_settings(job, town_keys), priority="spider")
        start = pickle.loads(server.get(town_keys.key(FULL_START if spec["worker"] == 0 else SHARED_START)))
        process.crawl(crawler, job=job, start=start)
        crawlers.append((job, crawler))
    process.start()
    for job, crawler in crawlers:
        if not (crawler.stats and crawler.stats.get_value("finish_reason")):
            raise RuntimeError(f"the crawler of {job.town} did not run to its end (see the log above)")


def main() -> int:
    spec = json.loads(sys.stdin.read())
    return events.run_reporting(lambda: run_worker(spec), f"分布式抓取进程 {spec.get('worker')} 出现内部错误", logger)


if __name__ == "__main__":
    sys.exit(main())
