"""The asyncio crawl engine: our spiders, without Scrapy's engine, scheduler and downloader.

Scrapy's engine costs about a millisecond of CPU per URL on its own (scheduler, signals, the
middleware chains, Twisted's HTTP client); on a fast site that is most of a crawl's time. This
engine keeps the parts of Scrapy the crawl is written against — spider classes and their
callbacks, `Request`/`Response` objects, our downloader middlewares and item pipeline — and does
the rest in one asyncio loop over our keep-alive HTTP client (`migrate.crawl.fetcher`):

- requests wait in one priority queue (Scrapy's order: higher priority first, then FIFO), then in
  a queue per host, which starts them at most `concurrency_per_host` at a time and `delay`
  seconds apart (Scrapy's download slots, without jitter);
- each request passes our middlewares as in `migrate.crawl.settings`: replay from the archive,
  caps, conditional re-crawl headers; every response is archived (`WarcRecorderMiddleware`)
  before anything else looks at it, then retried with backoff if it is a 5xx/408/429 (as are
  timeouts and broken connections);
- callbacks run as soon as their response is in; what they yield goes to the ledger pipeline
  (`LedgerBatch`) or back into the queue (`Request`, with the page as Referer);
- SIGINT/SIGTERM stop the crawl gracefully: downloads in flight are abandoned (their URLs stay
  `queued` in the ledger), the ledger is flushed, the WARC files are closed; `--resume` goes on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from twisted.python.failure import Failure

from migrate.crawl import events
from migrate.crawl.discovery import FoundLink
from migrate.crawl.fetcher import Fetcher, decoded_for_spider
from migrate.crawl.job import CrawlJob
from migrate.crawl.ledgerwriter import LedgerBatch
from migrate.crawl.middlewares import (PREVIOUS_META, ArchiveReplayMiddleware, CapsMiddleware,
                                       ConditionalMiddleware, WarcRecorderMiddleware, adoption, exchange_of,
                                       retry_pause)
from migrate.crawl.pipelines import LedgerPipeline
from migrate.crawl.settings import DEFAULT_REQUEST_HEADERS, RETRY_HTTP_CODES, retry_backoff_base
from migrate.crawl.sidecar import PageAnalysis, Sidecar, SidecarError
from migrate.crawl.warc import response_block
from migrate.errors import UserError

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5
SIDECAR_BACKLOG = 200
# Answered responses that may wait to be archived and read, per request allowed in flight: a
# deeper queue keeps both processes busy (measured on the benchmark: 4 beats 1 by 5–20 %; 8 was
# 3 % slower than 4 in ten paired runs).
ARCHIVE_AHEAD = 4
# ... and no new request starts while this many of their bytes wait: a run of 200 MB attachments
# must not all sit in memory waiting for the archive (those in flight still come in).
ARCHIVE_AHEAD_BYTES = 64 * 1024 * 1024
# With the sidecar at work, the engine writes the ledger while the archive is behind and it has
# nothing to start (once it holds this many rows), not in the middle of its work: a write of
# 2,000 rows stalls it 10–15 ms, and the sidecar runs out of work meanwhile (measured: 4–9 %
# faster on the benchmark). It still writes at once when it holds LEDGER_ROWS_AT_MOST rows.
LEDGER_ROWS_WHILE_WAITING = 300
LEDGER_ROWS_AT_MOST = 8000
ANALYSIS = "_page_analysis"      # response.meta key: the sidecar's PageAnalysis of the page
# The request meta a spider reads pages with (the sidecar gets these, not the callbacks).
ANALYSIS_META = ("key", "depth", "text", "source", "role")


def with_sidecar_analysis(spidercls: type) -> type:
    """The spider class, taking `is_soft_404` and `page_links` from the sidecar's reading of a
    page when there is one (the same methods of the same class, run in the sidecar)."""

    class SidecarRead(spidercls):
        def is_soft_404(self, response):
            analysis: PageAnalysis | None = response.meta.get(ANALYSIS)
            return analysis.soft_404 if analysis is not None else super().is_soft_404(response)

        def page_links(self, response):
            analysis: PageAnalysis | None = response.meta.get(ANALYSIS)
            if analysis is not None and analysis.links is not None:
                return [FoundLink._make(link) for link in analysis.links]
            return super().page_links(response)

    SidecarRead.__name__ = SidecarRead.__qualname__ = spidercls.__name__
    return SidecarRead


@dataclass
class HostSlot:
    """Requests for one host: at most `concurrency` in flight, started `delay` s apart."""
    concurrency: int
    delay: float
    queue: deque = field(default_factory=deque)
    active: int = 0
    last_start: float = float("-inf")
    timer: asyncio.TimerHandle | None = None


@dataclass
class Lease:
    """One request's place in its host's slot, given back when the server has answered."""
    slot: HostSlot
    released: bool = False
    size: int = 0                       # bytes of the answer, waiting for the archive


@dataclass
class SpiderHandle:
    """What the middlewares ask of the crawl (Scrapy passes them the crawler for this)."""
    spider: object


class Engine:
    """Runs `spider` for `job` (a spider of a class made by `with_sidecar_analysis`).

    Once `sidecar_backlog` URLs wait to be fetched (a big site, not a small one, whose crawl
    would only pay for the hand-over), WARC writing and page reading move to a second process
    (`migrate.crawl.sidecar`), forked idle when the crawl starts (or started then, where fork is
    missing); the ledger stays here. None: never (also on one core)."""

    def __init__(self, job: CrawlJob, spider, sidecar_backlog: int | None = SIDECAR_BACKLOG):
        settings = job.settings
        self.job = job
        self.spider = spider
        self.per_host = max(1, settings.concurrency_per_host)
        self.delay = max(0.0, settings.delay)
        self.max_active = max(16, self.per_host * max(1, len(job.hosts)))
        self.retries = max(0, settings.retries)
        self.backoff = retry_backoff_base(settings)
        self.fetcher = Fetcher(settings.timeout, settings.max_file_bytes,
                               {**DEFAULT_REQUEST_HEADERS, "User-Agent": settings.user_agent})
        handle = SpiderHandle(spider)
        self.replay = ArchiveReplayMiddleware.for_job(job)
        self.caps = CapsMiddleware(handle)
        self.conditional = ConditionalMiddleware(handle)
        self.recorder = WarcRecorderMiddleware.for_job(job, spider)
        self.pipeline = LedgerPipeline(job.ledger_path, job.town)
        self.queue: list = []                  # heap of (-priority, order, request)
        self.order = itertools.count()
        self.slots: dict[str, HostSlot] = {}
        self.in_slots = 0                      # requests handed to a slot, queued or in flight
        self.archiving = 0                     # answered, being archived and read
        self.archiving_bytes = 0               # their bodies' bytes
        self.waiting_retries = 0
        self.tasks: set[asyncio.Task] = set()
        self.finished: asyncio.Event | None = None
        self.stopping = False
        self.last_progress = 0.0
        self.label = f"归档 {job.town_name}"
        if (os.cpu_count() or 1) < 2:
            sidecar_backlog = None
        self.sidecar_backlog = sidecar_backlog
        self.sidecar: Sidecar | None = None
        self.sidecar_starting: asyncio.Task | None = None
        self.in_sidecar = False                # archiving and page reading moved there
        self.reads_in_sidecar = getattr(spider, "pages_read_in_sidecar", True)
        self.fatal: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def run(self) -> str:
        """Crawl until nothing is left (or a stop signal); returns "finished" or "shutdown"."""
        if self.sidecar_backlog is not None and hasattr(os, "fork"):
            self._fork_sidecar()
        return asyncio.run(self._run())

    def _fork_sidecar(self):
        """Fork the sidecar now, while this process has no event loop, thread or ledger
        connection open; it waits, idle, until the backlog calls for it (or the crawl ends)."""
        sidecar = Sidecar()
        try:
            sidecar.launch()
        except SidecarError as exc:
            logger.warning("第二个进程未能启动，继续在本进程内归档：%s", exc)
            return
        self.sidecar = sidecar

    async def _run(self) -> str:
        loop = asyncio.get_running_loop()
        self.finished = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop)
        logger.info("开始归档 %s（asyncio 引擎）", self.job.town_name)
        self.pipeline.open_spider()
        await self.fetcher.open()
        try:
            if self.sidecar_backlog == 0:
                self._start_sidecar()
            async for output in self.spider.start():
                self._take(output, None)
            self._check_finished()
            await self.finished.wait()
        finally:
            await self._shutdown()
        if self.fatal:
            raise UserError(f"归档 {self.job.town_name} 时写入归档失败：{self.fatal}",
                            hint="请检查磁盘空间和归档目录的写权限，然后用 `sitemigrate crawl --resume` 续抓。")
        reason = "shutdown" if self.stopping else "finished"
        closed = getattr(self.spider, "closed", None)      # Scrapy's hook for a closing spider
        if callable(closed):
            closed(reason)
        logger.info("归档 %s 结束（%s）：%d 个网址已处理", self.job.town_name, reason, self.spider.done)
        events.emit("closed", reason=reason)
        return reason

    def stop(self):
        """First stop signal: abandon what is in flight and close cleanly."""
        if self.stopping:
            return
        logger.info("收到停止信号：正在保存已抓取的内容，稍后可用 --resume 续抓")
        self.stopping = True
        for task in list(self.tasks):
            task.cancel()
        self.finished.set()

    async def _shutdown(self):
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        for slot in self.slots.values():
            if slot.timer:
                slot.timer.cancel()
        await self.fetcher.close()
        if self.sidecar_starting is not None:
            self.sidecar_starting.cancel()
            await asyncio.gather(self.sidecar_starting, return_exceptions=True)
        # The ledger first, then the WARC files get their final names (as Scrapy's order).
        self.pipeline.close_spider()
        if not self.in_sidecar:
            self.recorder.spider_closed()
        if self.sidecar is not None:
            try:
                await self.sidecar.close()
            except SidecarError as exc:     # its files stay `.open`: `--resume` seals and adopts them
                if self.in_sidecar:
                    self.fatal = self.fatal or str(exc)
        self._report_progress(force=True)

    def _check_finished(self):
        if not self.queue and not self.in_slots and not self.waiting_retries and not self.tasks:
            self.finished.set()

    # ------------------------------------------------------------------ scheduling

    def schedule(self, request: Request):
        if self.stopping:
            return
        heapq.heappush(self.queue, (-request.priority, next(self.order), request))
        self._pump()

    def _slot_for(self, request: Request) -> HostSlot:
        # Scrapy's download slots: one per host name (whatever the port)
        host = request.meta.get("download_slot") or urlsplit(request.url).hostname or ""
        slot = self.slots.get(host)
        if slot is None:
            slot = self.slots[host] = HostSlot(self.per_host, self.delay)
        return slot

    def _pump(self):
        if self.archiving >= self.max_active * ARCHIVE_AHEAD or self.archiving_bytes >= ARCHIVE_AHEAD_BYTES:
            # the archive is behind: let it catch up, and write the ledger meanwhile
            if self.in_sidecar and self.pipeline.writer.rows_pending() >= LEDGER_ROWS_WHILE_WAITING:
                self.pipeline.writer.flush()
            return
        while self.queue and self.in_slots < self.max_active:
            request = heapq.heappop(self.queue)[2]
            self._slot_for(request).queue.append(request)
            self.in_slots += 1
        for slot in self.slots.values():
            if slot.queue:
                self._start_from(slot)

    def _start_from(self, slot: HostSlot):
        loop = asyncio.get_running_loop()
        while slot.queue and slot.active < slot.concurrency and not self.stopping:
            now = loop.time()
            if slot.delay:
                wait = slot.last_start + slot.delay - now
                if wait > 0:
                    if slot.timer is None:
                        slot.timer = loop.call_later(wait, self._wake, slot)
                    return
            request = slot.queue.popleft()
            slot.active += 1
            slot.last_start = now
            lease = Lease(slot)
            task = loop.create_task(self._handle(request, lease))
            self.tasks.add(task)
            task.add_done_callback(lambda t, held=lease: self._done(t, held))

    def _wake(self, slot: HostSlot):
        slot.timer = None
        self._start_from(slot)

    def _release(self, lease: Lease, size: int = 0):
        """The server has answered (or failed): the host's next request may start while this
        one (`size` bytes) is archived and read, as Scrapy frees a download slot before the
        spider runs."""
        if lease.released:
            return
        lease.released = True
        lease.size = size
        lease.slot.active -= 1
        self.in_slots -= 1
        self.archiving += 1
        self.archiving_bytes += size
        if not self.stopping:
            self._pump()

    def _done(self, task: asyncio.Task, lease: Lease):
        self.tasks.discard(task)
        if lease.released:
            self.archiving -= 1
            self.archiving_bytes -= lease.size
        else:
            lease.slot.active -= 1
            self.in_slots -= 1
        if not task.cancelled() and task.exception() is not None:
            logger.error("内部错误", exc_info=task.exception())
        if not self.stopping:
            self._pump()
            self._check_finished()

    # ------------------------------------------------------------------ one request

    async def _handle(self, request: Request, lease: Lease):
        try:
            response = await self._download(request, lease)
        except SidecarError as exc:
            self.fatal = str(exc)
            self.stop()
            return
        except IgnoreRequest as exc:
            self._errback(request, exc)
            return
        except Exception as exc:  # noqa: BLE001 - every download failure goes to the errback
            if not isinstance(exc, DownloadCancelledError) and self._retry(request, type(exc).__name__):
                return
            self._errback(request, exc)
            return
        if not request.meta.get("replayed") and response.status in RETRY_HTTP_CODES \
                and self._retry(request, f"HTTP {response.status}"):
            return
        self._callback(request, response)

    async def _download(self, request: Request, lease: Lease) -> Response:
        replayed = self.replay.process_request(request)
        if replayed is not None:
            self._release(lease)
            return await self._record(request, replayed)
        self.caps.process_request(request)
        self.conditional.process_request(request)
        response = None
        try:
            response = await self.fetcher.fetch(request)
        finally:
            self._release(lease, len(response.body) if response is not None else 0)
        return decoded_for_spider(await self._record(request, response))

    def _start_sidecar(self):
        self.sidecar = self.sidecar or Sidecar()
        self.sidecar_starting = asyncio.get_running_loop().create_task(self._move_to_sidecar())

    async def _move_to_sidecar(self):
        """Start the sidecar, then hand it archiving and page reading. Every record written
        here so far has had its callback run (both happen without a pause in between), so once
        the ledger is flushed our files may get their final names; the sidecar starts new ones
        and knows every payload written so far (for revisit records). A sidecar that cannot
        start costs nothing but speed: the crawl goes on here."""
        try:
            await self.sidecar.start()
        except SidecarError as exc:
            logger.warning("第二个进程未能启动，继续在本进程内归档：%s", exc)
            failed, self.sidecar = self.sidecar, None
            await failed.close()            # its socket closed, the process reaped
            return
        if self.stopping:
            return
        self.pipeline.writer.flush()
        originals = dict(self.recorder.archive.originals)
        self.recorder.spider_closed()
        self.sidecar.call("init", self.job.to_json(), originals).add_done_callback(self._sidecar_answer)
        self.in_sidecar = True
        self.pipeline.writer.max_rows = LEDGER_ROWS_AT_MOST       # written while waiting instead
        logger.info("待抓取网址较多：归档写入和页面解析改由第二个进程完成")

    def _sidecar_answer(self, future: asyncio.Future):
        """An answer nobody awaits: only a failure matters, and it stops the crawl."""
        if not future.cancelled() and future.exception() is not None and not self.fatal:
            self.fatal = str(future.exception())
            self.stop()

    def _maybe_start_sidecar(self):
        backlog = self.sidecar_backlog
        if self.sidecar_starting is None and backlog is not None and not self.stopping \
                and self.spider.scheduled - self.spider.done >= backlog:
            self._start_sidecar()

    async def _record(self, request: Request, response: Response) -> Response:
        """Archive the response before anything else looks at it (`meta["warc"]` says where)."""
        if not self.in_sidecar:
            return self.recorder.process_response(request, response)
        if request.meta.get("replayed"):
            adopted = adoption(request)
            if adopted:
                await self.sidecar.call("remember", *adopted)
            return response
        meta = request.meta
        read = {k: meta[k] for k in ANALYSIS_META if k in meta} if self._sidecar_reads(request, response) else None
        exchange = exchange_of(request, response)
        stored, analysis = await self.sidecar.call("write", exchange, meta.get(PREVIOUS_META), read,
                                                   response_block(exchange))
        meta["warc"] = stored
        if analysis is not None:
            meta[ANALYSIS] = analysis
        return response

    def _sidecar_reads(self, request: Request, response: Response) -> bool:
        """Pages the spider will read (HTML, 200, as sent) are read in the sidecar."""
        return (self.reads_in_sidecar and response.status == 200 and isinstance(response, HtmlResponse)
                and getattr(request.callback, "__name__", "") == "parse_page"
                and b"Content-Encoding" not in response.headers)

    def _retry(self, request: Request, reason: str) -> bool:
        """Ask again after a growing pause, up to `retries` times; False once they are spent."""
        attempt = request.meta.get("retry_times", 0) + 1
        if attempt > self.retries or self.stopping:
            return False
        retry = request.copy()
        retry.meta["retry_times"] = attempt
        retry.priority = request.priority - 1
        pause = retry_pause(self.backoff, attempt)
        logger.debug("重试 %s（第 %d 次，%s）", request.url, attempt, reason)
        self.waiting_retries += 1
        asyncio.get_running_loop().call_later(pause, self._requeue, retry)
        return True

    def _requeue(self, request: Request):
        self.waiting_retries -= 1
        self.schedule(request)
        self._check_finished()

    def _callback(self, request: Request, response: Response):
        callback = request.callback or self.spider.parse
        try:
            for output in callback(response) or ():
                self._take(output, response)
        except Exception:  # noqa: BLE001 - one bad page must not end the crawl (Scrapy logs it too)
            logger.exception("处理 %s 时出错", response.url)
        self._report_progress()
        self._maybe_start_sidecar()

    def _errback(self, request: Request, exc: Exception):
        if request.errback is None:
            logger.warning("下载失败 %s：%s", request.url, exc)
            return
        failure = Failure(exc)
        failure.request = request
        try:
            for output in request.errback(failure) or ():
                self._take(output, None)
        except Exception:  # noqa: BLE001
            logger.exception("处理下载失败 %s 时出错", request.url)
        self._report_progress()

    def _take(self, output, response: Response | None):
        if isinstance(output, Request):
            if response is not None and b"Referer" not in output.headers:
                output.headers[b"Referer"] = response.url
            self.schedule(output)
        elif isinstance(output, LedgerBatch):
            self.pipeline.process_item(output)

    def _report_progress(self, force: bool = False):
        now = time.monotonic()
        if force or now - self.last_progress >= PROGRESS_INTERVAL:
            self.last_progress = now
            events.emit("progress", done=self.spider.done,
                        total=max(self.spider.scheduled, self.spider.done), label=self.label)
