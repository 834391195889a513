"""Downloader middlewares of the crawl, one job each.

- `WarcRecorderMiddleware` (next to the downloader): writes every response, as received, with its
  request into the township's WARC files and tells the spider where it went (`meta["warc"]`).
- `ArchiveReplayMiddleware` (first in line): answers a request from the archive when a resumed
  crawl adopts a response the interrupted run had archived but not yet recorded.
- `CapsMiddleware` (right after the replay): once the township's time or byte budget is spent,
  requests still queued are not sent (those already waiting for a host's turn are stopped by
  `migrate.crawl.handlers`); the spider records each as excluded by `max-time` or `max-bytes`.
- `ConditionalMiddleware`: in a re-crawl, asks for a URL archived before with `If-None-Match` /
  `If-Modified-Since` (read from the archive when the request is sent, not all at start).
- `BackoffRetryMiddleware` (in place of Scrapy's RetryMiddleware): the same retries for
  timeouts and 5xx, each after a growing pause, so a struggling township server can recover.
"""

from __future__ import annotations

import asyncio
import hashlib
from importlib.metadata import version
from pathlib import Path

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from migrate.archive import read_record, read_stored_payload
from migrate.crawl.warc import HttpExchange, Original, StoredRecord, WarcArchive, payload_digest

JOB_SETTING = "SITEMIGRATE_JOB"
PREVIOUS_META = "previous_record"   # (earlier record, its payload digest) that a 304 confirms


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    # dict's own items: Scrapy's look every key up again through its normalisation
    return [(name, value) for name, values in dict.items(headers) for value in values]


def exchange_of(request: Request, response) -> HttpExchange:
    # Behind a proxy the peer address is the proxy's, not the township server's.
    ip = None if request.meta.get("proxy") or response.ip_address is None else str(response.ip_address)
    return HttpExchange(
        url=request.url, method=request.method, request_headers=_header_pairs(request.headers),
        request_body=request.body or b"", status=response.status,
        response_headers=_header_pairs(response.headers), body=response.body,
        protocol=response.protocol or "HTTP/1.1", ip_address=ip,
    )


def _engine_name(job) -> str:
    if job.settings.engine == "scrapy":
        return "Scrapy engine"
    return f"asyncio engine, httptools {version('httptools')}, aiohttp {version('aiohttp')}"


def warcinfo_fields(job) -> dict:
    return {
        "software": f"sitemigrate ({_engine_name(job)}, Scrapy {version('scrapy')}, warcio {version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": job.town,
        "description": f"{job.town_name}旧网站归档（乡镇网站关停上移）",
        "robots": "obey" if job.obey_robots else "ignore",
        "http-header-user-agent": job.settings.user_agent,
    }


def job_archive(job, originals: dict[str, Original]) -> WarcArchive:
    """The township's WARC archive for this run, knowing the payloads archived before (so
    identical ones become revisit records)."""
    archive = WarcArchive(Path(job.archive_dir), Path(job.workdir), job.town,
                          rotate_bytes=job.rotate_bytes, info=warcinfo_fields(job))
    for digest, original in originals.items():
        archive.remember(digest, original)
    return archive


def adoption(request) -> tuple[str, Original] | None:
    """(digest, original) when a replayed response becomes the reference for later identical
    payloads (revisit records), else None."""
    stored: StoredRecord = request.meta["warc"]
    if not stored.revisit_of and stored.length and request.meta.get("replayed_status") == 200:
        return stored.payload_digest, Original(request.url, stored.warc_file, stored.warc_offset)
    return None


class WarcRecorderMiddleware:
    def __init__(self, archive: WarcArchive):
        self.archive = archive

    @classmethod
    def for_job(cls, job, spider) -> "WarcRecorderMiddleware":
        return cls(job_archive(job, spider.start_state.originals))

    @classmethod
    def from_crawler(cls, crawler):
        # The spider exists before the engine builds its middlewares.
        middleware = cls.for_job(crawler.settings[JOB_SETTING], crawler.spider)
        # spider_closed comes after the item pipelines have closed, i.e. after the ledger's
        # last write: only then may the files get their final names.
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request, response, spider=None):
        if request.meta.get("replayed"):
            adopted = adoption(request)
            if adopted:
                self.archive.remember(*adopted)
        else:
            previous = request.meta.get(PREVIOUS_META)
            request.meta["warc"] = self.archive.write(exchange_of(request, response),
                                                      *(previous if previous else ()))
        return response


    def spider_closed(self, spider=None):
        self.archive.close()


class ArchiveReplayMiddleware:
    def __init__(self, workdir: Path):
        self.workdir = workdir

    @classmethod
    def for_job(cls, job) -> "ArchiveReplayMiddleware":
        return cls(Path(job.workdir))

    @classmethod
    def from_crawler(cls, crawler):
        return cls.for_job(crawler.settings[JOB_SETTING])

    def process_request(self, request, spider=None):
        where = request.meta.get("replay")
        if not where:
            return None
        warc_file, offset = where
        archived = read_record(self.workdir, warc_file, offset)
        # The archive hands back the decoded body; drop the header that would decode it twice.
        headers = Headers([(k, v) for k, v in archived.headers if k.lower() != "content-encoding"])
        cls = responsetypes.from_args(headers=headers, url=request.url, body=archived.body)
        request.meta["replayed"] = True
        request.meta["replayed_status"] = archived.status
        stored = archived.body
        if any(k.lower() == "content-encoding" for k, _ in archived.headers):
            stored = read_stored_payload(self.workdir, warc_file, offset)    # as sent, not decoded
        request.meta["warc"] = StoredRecord(
            warc_file, offset, archived.payload_digest or payload_digest(stored),
            hashlib.sha256(stored).hexdigest(), len(stored),
            revisit_of=archived.refers_to_url if archived.record_type == "revisit" else None)
        return cls(url=request.url, status=archived.status, headers=headers, body=archived.body,
                   request=request, protocol="HTTP/1.1")


class SpiderStateMiddleware:
    """A middleware that asks the running spider (Scrapy no longer passes it in)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider


class CapsMiddleware(SpiderStateMiddleware):
    """Stops requests the crawl has no budget left for (the spider's `cap_rule` decides)."""

    CAP_META = "cap"

    def process_request(self, request, spider=None):
        rule = self.spider.cap_rule() if hasattr(self.spider, "cap_rule") else None
        if rule:
            request.meta[self.CAP_META] = rule
            raise IgnoreRequest(rule)
        return None


class ConditionalMiddleware(SpiderStateMiddleware):
    """Conditional GETs for what a re-crawl has archived before (the spider's `recrawl`)."""

    def process_request(self, request, spider=None):
        recrawl = getattr(self.spider, "recrawl", None)
        if recrawl is None or request.method != "GET" or PREVIOUS_META in request.meta:
            return None
        found = recrawl.conditional(request.meta.get("key") or request.url)
        if found:
            headers, previous = found
            for name, value in headers.items():
                request.headers.setdefault(name, value)
            request.meta[PREVIOUS_META] = previous
        return None


MAX_RETRY_PAUSE = 60.0


def retry_pause(base: float, attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): doubling from `base`."""
    return min(base * 2 ** (attempt - 1), MAX_RETRY_PAUSE) if base > 0 else 0.0


class BackoffRetryMiddleware(RetryMiddleware):
    BASE_SETTING = "SITEMIGRATE_RETRY_BACKOFF"

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat(self.BASE_SETTING, 1.0)

    async def _pause(self, retry):
        if isinstance(retry, Request) and self.base > 0:
            await asyncio.sleep(retry_pause(self.base, retry.meta.get("retry_times", 1)))
        return retry

    async def process_response(self, request, response, spider=None):
        return await self._pause(super().process_response(request, response))

    async def process_exception(self, request, exception, spider=None):
        return await self._pause(super().process_exception(request, exception))
