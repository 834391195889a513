"""What the processes of a distributed crawl share in Redis, one township at a time.

Keys live under `<namespace>:<town>:` (the namespace is one per `crawl_distributed` call and is
deleted at its end; everything in it can be rebuilt from the ledger and the archive):

- `requests`  sorted set: the shared request queue (scrapy-redis `PriorityQueue`, score −priority,
  i.e. breadth-first by depth).
- `seen`      set of canonical URLs: a URL's discovery is claimed here (SADD) before any Request
  is built, so exactly one process records and requests it.
- `busy`      set of worker ids holding popped requests; with an empty queue and no busy worker
  the township is done.
- `counts`    hash of per-worker `scheduled:<id>` / `bytes:<id>`, summed for the crawl caps.
- `robots`    hash origin → robots.txt (`1`+body, or `0` for no rules); `parked:<origin>` lists
  requests waiting for another worker's robots.txt.
- `originals` hash payload digest → first record (JSON), for revisit records across workers.
- `start`     the pickled `CrawlStart` the coordinator computed (resume state).

Small Lua scripts make each multi-step change atomic and one round trip.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import time
from dataclasses import asdict, dataclass

from scrapy.dupefilters import BaseDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from migrate.crawl.ledgerwriter import DISCOVERY_COLUMNS, LedgerBatch, LedgerWriter
from migrate.crawl.middlewares import WarcRecorderMiddleware
from migrate.crawl.pipelines import LedgerPipeline
from migrate.crawl.warc import Original

logger = logging.getLogger(__name__)
SHARED_SETTING = "SITEMIGRATE_SHARED"
SHARED_DEDUP_BYTES = 32 * 1024    # see SharedOriginals

# ARGV: worker, scheduled, bytes, keys… → [claimed flags], scheduled total, bytes total
CLAIM_SCRIPT = """
local claimed = {}
for i = 4, #ARGV do claimed[#claimed + 1] = redis.call('SADD', KEYS[1], ARGV[i]) end
redis.call('HSET', KEYS[2], 'scheduled:' .. ARGV[1], ARGV[2], 'bytes:' .. ARGV[1], ARGV[3])
local scheduled, bytes = 0, 0
local counts = redis.call('HGETALL', KEYS[2])
for i = 1, #counts, 2 do
  if string.sub(counts[i], 1, 10) == 'scheduled:' then scheduled = scheduled + tonumber(counts[i + 1])
  else bytes = bytes + tonumber(counts[i + 1]) end
end
return {claimed, scheduled, bytes}
"""
# Queue requests (ARGV[3], ARGV[4], … score/request pairs), then pop the best ones (up to
# ARGV[2]) and mark the worker busy, in one step: no other worker can see an empty queue and
# an idle crawl in between.
POP_SCRIPT = """
for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
local found = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if #found > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #found - 1)
  redis.call('SADD', KEYS[2], ARGV[1])
end
return found
"""
# Register originals (ARGV[2], ARGV[3], … digest/record pairs) and look one up (ARGV[1]).
ORIGINALS_SCRIPT = """
for i = 2, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[1] == '' then return false end
return redis.call('HGET', KEYS[1], ARGV[1])
"""
IDLE_SCRIPT = """
redis.call('SREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('SCARD', KEYS[2]) == 0 then return 1 end
return 0
"""
PARK_SCRIPT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
"""
PUBLISH_SCRIPT = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local parked = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return parked
"""


@functools.lru_cache(maxsize=None)
def connect(url: str):
    """One client (and connection pool) per Redis URL and process, whatever the number of
    townships a worker crawls."""
    import redis

    return redis.Redis.from_url(url)


@dataclass
class SharedKeys:
    """Where one township's shared state lives, and which worker is asking."""
    redis_url: str
    prefix: str          # <namespace>:<town>
    worker: int
    workers: int

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def parked(self, origin: str) -> str:
        return self.key(f"parked:{origin}")


def encode_robots(body: bytes | None) -> bytes:
    return b"0" if body is None else b"1" + body


def decode_robots(value: bytes) -> bytes | None:
    return None if value[:1] == b"0" else value[1:]


class SharedCrawl:
    """A worker's handle on one township's shared state (one Redis connection)."""

    def __init__(self, keys: SharedKeys):
        self.keys = keys
        self.server = connect(keys.redis_url)
        self._claim = self.server.register_script(CLAIM_SCRIPT)
        self._pop = self.server.register_script(POP_SCRIPT)
        self._originals = self.server.register_script(ORIGINALS_SCRIPT)
        self._idle = self.server.register_script(IDLE_SCRIPT)
        self._park = self.server.register_script(PARK_SCRIPT)
        self._publish = self.server.register_script(PUBLISH_SCRIPT)

    @property
    def worker(self) -> str:
        return str(self.keys.worker)

    def claim(self, urls: list[str], scheduled: int, fetched_bytes: int) -> tuple[list[bool], int, int]:
        """Claim each URL's discovery; also publish this worker's counts and read the totals."""
        claimed, total_scheduled, total_bytes = self._claim(
            keys=[self.keys.key("seen"), self.keys.key("counts")],
            args=[self.worker, scheduled, fetched_bytes, *urls])
        return [bool(flag) for flag in claimed], int(total_scheduled), int(total_bytes)

    def pop(self, count: int, pushes: list[tuple[float, bytes]] = ()) -> list[bytes]:
        """Queue `pushes` (score, request) and take up to `count` requests: one round trip."""
        flat = [item for push in pushes for item in push]
        return self._pop(keys=[self.keys.key("requests"), self.keys.key("busy")], args=[self.worker, count, *flat])

    def push(self, pushes: list[tuple[float, bytes]]):
        self.server.zadd(self.keys.key("requests"), {data: score for score, data in pushes})

    def originals(self, digest: str, register: list[str]) -> bytes | None:
        """Register (digest, record JSON, …) pairs and look `digest` up: one round trip."""
        return self._originals(keys=[self.keys.key("originals")], args=[digest, *register])

    def idle_and_done(self) -> bool:
        """This worker has nothing left; True when no worker has and the queue is empty."""
        return bool(self._idle(keys=[self.keys.key("requests"), self.keys.key("busy")], args=[self.worker]))

    def robots(self, origin: str) -> tuple[bool, bytes | None]:
        value = self.server.hget(self.keys.key("robots"), origin)
        return (False, None) if value is None else (True, decode_robots(value))

    def park(self, origin: str, request_data: bytes) -> bool:
        """Hold a request until another worker has read `origin`'s robots.txt (False: it
        already has)."""
        return bool(self._park(keys=[self.keys.key("robots"), self.keys.parked(origin)],
                               args=[origin, request_data]))

    def publish_robots(self, origin: str, body: bytes | None) -> list[bytes]:
        """Share `origin`'s robots.txt; returns the requests other workers parked for it."""
        return self._publish(keys=[self.keys.key("robots"), self.keys.parked(origin)],
                             args=[origin, encode_robots(body)])


# ---------------------------------------------------------------------- scheduler

class SharedQueue(PriorityQueue):
    """scrapy-redis's priority queue, with fewer round trips on the crawl's hot path.

    Requests a callback yields together are queued together, at the end of that reactor turn
    (or with the next pop, in the same round trip); a pop takes a few requests at once and
    marks the worker busy (see POP_SCRIPT). Requests taken but not yet sent belong to this
    worker: if it stops, the ledger still lists them as queued for a resume."""

    POP_COUNT = 8

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pushes: list[tuple[float, bytes]] = []
        self.taken: list[bytes] = []
        self.flush_call = None

    def __len__(self):
        return len(self.pushes) + len(self.taken) + super().__len__()

    def push(self, request):
        self.pushes.append((-request.priority, self._encode_request(request)))
        if self.flush_call is None:
            from twisted.internet import reactor

            self.flush_call = reactor.callLater(0, self.flush)

    def flush(self):
        self.flush_call = None
        pushes, self.pushes = self.pushes, []
        if pushes:
            self.spider.shared.push(pushes)

    def pop(self, timeout=0):
        if not self.taken:
            pushes, self.pushes = self.pushes, []
            self.taken = list(reversed(self.spider.shared.pop(self.POP_COUNT, pushes)))
        return self._decode_request(self.taken.pop()) if self.taken else None


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler on the township's shared queue.

    No dupefilter: every request is built once, after its URL was claimed in the shared seen-set
    (the spider's), so scrapy-redis's request fingerprints would only repeat that check."""

    @classmethod
    def from_crawler(cls, crawler):
        keys: SharedKeys = crawler.settings[SHARED_SETTING]
        scheduler = cls(server=connect(keys.redis_url), persist=True, queue_key=keys.key("requests"),
                        queue_cls=f"{__name__}.SharedQueue", dupefilter=BaseDupeFilter())
        scheduler.stats = None      # Scrapy's own scheduler stats are kept; scrapy-redis's add nothing
        return scheduler

    def close(self, reason):
        self.queue.flush()
        super().close(reason)


# ---------------------------------------------------------------------- archive

class SharedOriginals(dict):
    """Payload digest → first record, across workers: a payload another worker archived first
    is written as a revisit of its record (in that worker's file).

    Only payloads of SHARED_DEDUP_BYTES or more are looked up and registered in Redis (one
    round trip per response); smaller ones, pages mostly, are deduplicated within the worker,
    since storing one twice costs less than asking every time (and exact duplicate pages are
    merged by `migrate.dedupe` whatever the archive holds). A new original is registered with
    the worker's next look-up; until then another worker fetching the same payload stores it
    in full, which costs space, not correctness."""

    def __init__(self, shared: "SharedCrawl", local: dict):
        super().__init__(local)
        self.shared = shared
        self.unregistered: list[str] = []
        self.consult_shared = True     # set for each response by SharedWarcRecorder

    def get(self, digest, default=None):
        found = super().get(digest)
        if found is None and self.consult_shared:
            raw = self.shared.originals(digest, self.unregistered)
            self.unregistered = []
            if raw:
                found = Original(**json.loads(raw))
                super().__setitem__(digest, found)
        return default if found is None else found

    def __setitem__(self, digest, original: Original):
        super().__setitem__(digest, original)
        if self.consult_shared:
            self.unregistered += [digest, json.dumps(asdict(original))]

    def setdefault(self, digest, original=None):
        found = self.get(digest)
        if found is None:
            self[digest] = found = original
        return found


class SharedWarcRecorder(WarcRecorderMiddleware):
    """The WARC recorder writing this worker's own files (`<town>-w<id>-…`) and sharing the
    payload originals."""

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        keys: SharedKeys = crawler.settings[SHARED_SETTING]
        archive = middleware.archive
        archive.prefix = f"{archive.prefix}-w{keys.worker}"
        archive.originals = SharedOriginals(SharedCrawl(keys), archive.originals)
        return middleware

    def process_response(self, request, response, spider=None):
        self.archive.originals.consult_shared = len(response.body) >= SHARED_DEDUP_BYTES
        return super().process_response(request, response, spider)


# ---------------------------------------------------------------------- ledger

# Another worker may record a URL's outcome before the discovering worker records its
# discovery: then the discovery fills in where the URL was found (the outcome left it empty).
SHARED_DISCOVER_SQL = (
    f"INSERT INTO urls (town, url, {', '.join(DISCOVERY_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in range(len(DISCOVERY_COLUMNS) + 2))}) "
    "ON CONFLICT(town, url) DO UPDATE SET raw_url=excluded.raw_url, found_on=excluded.found_on, "
    "link_text=excluded.link_text, depth=excluded.depth WHERE urls.raw_url IS NULL")
LOCK_RETRIES = 20


def is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class SharedLedgerWriter(LedgerWriter):
    """The ledger writer of one of several processes writing one SQLite file (WAL).

    SQLite waits up to the connection's timeout for the write lock; past that, a batch is
    retried rather than lost. Discoveries are written first, in their own transaction: a
    crash in between leaves queued children of a page not yet marked fetched, which a resumed
    crawl handles as it would after any crash."""

    def flush(self):
        batch = self.pending
        if batch.discovered:
            self._retrying(self._write_discoveries, batch.discovered)
            batch.discovered = []
        self._retrying(self._flush_rest, batch)

    def _flush_rest(self, batch: LedgerBatch):
        try:
            super().flush()
        except sqlite3.OperationalError:
            self.pending = batch          # the transaction rolled back: keep the batch
            raise

    def _write_discoveries(self, rows: list[dict]):
        with self.ledger.transaction() as db:
            db.executemany(SHARED_DISCOVER_SQL, [(self.town, row["url"], *(row.get(c) for c in DISCOVERY_COLUMNS))
                                                 for row in rows])

    @staticmethod
    def _retrying(write, argument):
        for attempt in range(LOCK_RETRIES):
            try:
                return write(argument)
            except sqlite3.OperationalError as exc:
                if not is_lock_error(exc) or attempt == LOCK_RETRIES - 1:
                    raise
                logger.warning("ledger busy (%s), retrying", exc)
                time.sleep(min(0.2 * (attempt + 1), 2.0))


class SharedLedgerPipeline(LedgerPipeline):
    def open_spider(self, spider=None):
        super().open_spider(spider)
        self.writer = SharedLedgerWriter(self.ledger, self.town)
