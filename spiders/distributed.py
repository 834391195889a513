"""The spider side of a distributed crawl: any `GovSiteSpider`, sharing its state in Redis.

`distributed(spidercls)` returns a subclass of the township's spider (the generic one or the
township's own) that several worker processes run at once on one shared request queue
(`migrate.crawl.shared`). It changes only what must be shared:

- the seen-set: before a link becomes a Request, its canonical URL is claimed in Redis (one
  round trip per page for all its new links); a URL another worker claimed is skipped;
- the caps (`max_pages`, `max_bytes`): checked against every worker's counts;
- robots.txt: read by one worker and shared; requests for a host whose robots.txt is not known
  yet are parked in Redis and released by whichever worker fetches it;
- the end: a worker with nothing to do stays open while the queue has requests or another
  worker is busy (it may still find links), and closes when none is.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.request import request_from_dict
from scrapy_redis import picklecompat

from migrate.crawl.discovery import FoundLink
from migrate.crawl.ledgerwriter import LedgerBatch
from migrate.crawl.shared import SHARED_SETTING, SharedCrawl
from migrate.crawl.state import origin_of
from spiders.generic import GovSiteSpider, canonical_key

# How often an idle worker looks at the shared queue again (Scrapy's own heartbeat is 5 s).
IDLE_POLL_SECONDS = 0.1
ROBOTS_PATH = "/robots.txt"


class DistributedSpider:
    """Mixin for a `GovSiteSpider` subclass; see the module docstring."""

    shared: SharedCrawl

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.others_scheduled = 0      # other workers' counts, as of this worker's last claim
        self.others_bytes = 0
        self.robots_claimed: set[str] = set()   # robots.txt URLs this worker fetches

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.shared = SharedCrawl(crawler.settings[SHARED_SETTING])
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_engine_started, signal=signals.engine_started)
        return spider

    # ------------------------------------------------------------------ seen-set and caps

    def link_key(self, link: FoundLink) -> str:
        """The key `GovSiteSpider.discover` files `link` under."""
        url = self.scope.to_primary(link.url) if self.scope.mirrors else link.url
        return canonical_key(url)

    def discover(self, parent: str | None, depth: int, links: Iterable[FoundLink],
                 batch: LedgerBatch) -> list:
        links = list(links)
        self.claim([self.link_key(link) for link in links])
        return super().discover(parent, depth, links, batch)

    def claim(self, keys: list[str]):
        """Claim the keys not known here yet; those another worker has are marked seen, so
        `discover` skips them and requests exactly the ones this worker won."""
        new = [key for key in dict.fromkeys(keys) if key not in self.seen]
        if not new:
            return
        won, scheduled, fetched = self.shared.claim(new, self.scheduled, self.fetched_bytes)
        self.others_scheduled = scheduled - self.scheduled
        self.others_bytes = fetched - self.fetched_bytes
        for key, mine in zip(new, won):
            if not mine:
                self.seen.add(key)
            elif key.endswith(ROBOTS_PATH):
                self.robots_claimed.add(key)

    @contextmanager
    def all_workers_counted(self):
        """Let the caps see every worker's scheduled URLs and bytes, not only this one's."""
        own = self.scheduled, self.fetched_bytes
        self.scheduled += self.others_scheduled
        self.fetched_bytes += self.others_bytes
        try:
            yield
        finally:
            self.scheduled, self.fetched_bytes = own

    def exclusion(self, key: str, depth: int) -> str | None:
        with self.all_workers_counted():
            return super().exclusion(key, depth)

    def cap_rule(self) -> str | None:
        with self.all_workers_counted():
            return super().cap_rule()

    # ------------------------------------------------------------------ robots.txt

    def robots_parser(self, body: bytes | None):
        parser = super().robots_parser(body)
        if parser is not None:
            parser.source_body = body      # to share it with the other workers
        return parser

    def load_shared_robots(self, origin: str):
        known, body = self.shared.robots(origin)
        if known:
            self.robots[origin] = self.robots_parser(body)

    def gate(self, request, batch: LedgerBatch) -> list:
        """Requests wait for their host's robots.txt in Redis, never in this worker: the
        robots.txt request sits in the shared queue, and whichever worker fetches it releases
        them all. (Held here, they were lost when another worker took that request: no worker
        was busy, the queue was empty, the crawl ended with them unfetched.)"""
        origin = origin_of(request.meta["key"])
        if origin not in self.robots:
            self.load_shared_robots(origin)
        if origin in self.robots:
            return super().gate(request, batch)
        robots_url = origin + ROBOTS_PATH
        requests = self.discover(None, 0, [FoundLink(robots_url, "", "robots")], batch)
        if canonical_key(robots_url) in self.robots_claimed and origin not in self.robots_in_flight:
            self.robots[origin] = None                      # claimed here, left out by a cap
            return requests + self.release(origin, batch) + super().gate(request, batch)
        if self.shared.park(origin, self.park_data(request)):
            return requests
        self.load_shared_robots(origin)                     # it answered in the meantime
        return requests + super().gate(request, batch)

    def release(self, origin: str, batch: LedgerBatch) -> list:
        """Requests waiting for `origin`'s robots.txt, here and in the other workers."""
        released = super().release(origin, batch)
        body = getattr(self.robots.get(origin), "source_body", None)
        for data in self.shared.publish_robots(origin, body):
            request = self.unpark(data)
            if self.robots_allow(origin, request.url):
                released.append(request)
            else:
                self.exclude_by_robots(request, batch)
        return released

    def park_data(self, request) -> bytes:
        return picklecompat.dumps(request.to_dict(spider=self))

    def unpark(self, data: bytes):
        return request_from_dict(picklecompat.loads(data), spider=self)

    # ------------------------------------------------------------------ the end

    def on_engine_started(self):
        # Scrapy looks for new requests every 5 s when idle; other workers fill the queue. (A
        # lone worker fills it itself, which wakes its engine at once.)
        if self.shared.keys.workers > 1:
            self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = IDLE_POLL_SECONDS

    def on_idle(self, spider=None):
        if not self.shared.idle_and_done():
            raise DontCloseSpider


def distributed(spidercls: type[GovSiteSpider]) -> type[GovSiteSpider]:
    """`spidercls` with its state shared between the workers of a distributed crawl."""
    return type(f"Distributed{spidercls.__name__}", (DistributedSpider, spidercls), {})
