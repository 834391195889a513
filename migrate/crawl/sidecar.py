"""The crawl's second process: writes the WARC records and reads the pages.

One Python process fetching, archiving and parsing uses one core; archiving (digests, gzip) and
reading pages (decoding, lxml, link discovery) are about half of a fast crawl's work and need
nothing but the response, so the asyncio engine hands them to this process and keeps fetching.
Threads would not help: the GIL serialises the Python parts and stalls the event loop.

The engine keeps the ledger: it writes a page's rows after the sidecar has answered that the
page's records are written, so a ledger row never points at a record that is not on disk, and
it flushes the ledger before it asks the sidecar to close, so files get their final names
only once the ledger holds all of them. (Writing the ledger here too left this process the
busier of the two.)

Protocol: length-prefixed pickles over a socket pair, answered strictly in order (one
process, one queue). Requests are `("init", job_json, originals)`, `("write", exchange,
previous, analyse_meta, response_block)` (answer: `(StoredRecord, PageAnalysis | None)`; the
engine hashes the response, see `migrate.crawl.warc.ResponseBlock`), `("remember",
digest, original)` and `("close",)`; answers are `("ok", value)` or `("error", message)`.

The sidecar ignores SIGINT/SIGTERM: the engine decides when the crawl stops and closes the
archive through it. If the engine dies, the sidecar dies with it (Linux) or exits when the
socket closes, leaving the open WARC file for `--resume` to seal.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass

HEADER = struct.Struct("!I")
RECEIVE_SIZE = 1 << 20
# Socket buffers for the pair (the kernel caps them at net.core.wmem_max/rmem_max). The engine
# sends every response body this way; with Linux's default 208 KiB a frame of a few hundred KiB
# is sent in pieces, each a wake-up of both processes and a copy into asyncio's buffer.
# Measured on the benchmark with 4 MiB allowed: 0.85, 0.90 (6 and 8 pairs), 0.7–0.9 s less CPU.
SOCKET_BUFFER = 4 << 20
logger = logging.getLogger(__name__)
PROCESS_NAME = "migrate-sidecar"    # its /proc/<pid>/comm (at most 15 bytes)


@dataclass
class PageAnalysis:
    """What the spider's `is_soft_404` and `page_links` say of one HTML response."""
    soft_404: bool
    # (url, text, source) of each FoundLink, as plain tuples: a named tuple costs ten times
    # as much to pickle. None for a soft 404 (its links are not followed).
    links: list[tuple[str, str, str]] | None


class SidecarError(RuntimeError):
    pass


# ---------------------------------------------------------------------- engine side

class Sidecar:
    """The engine's handle on the sidecar process; every call is answered in order."""

    def __init__(self):
        self.process: subprocess.Popen | None = None     # spawned (no fork on this system)
        self.pid: int | None = None                       # forked
        self.socket: socket.socket | None = None          # our end of the socket pair
        self.channel: Channel | None = None
        self.waiting: deque[asyncio.Future] = deque()
        self.outbox: list[bytes] = []           # frames of this turn of the event loop

    @property
    def launched(self) -> bool:
        return self.socket is not None

    @property
    def open(self) -> bool:
        return self.channel is not None and not self.channel.lost

    def launch(self):
        """Create the process (it then waits for the engine to connect). Forked where the
        system can, before the engine opens its event loop or the ledger: the child has every
        module loaded already and is ready at once, instead of after a second of imports."""
        ours, theirs = socket.socketpair()
        for end in (ours, theirs):
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                try:
                    end.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
                except OSError:         # the system's default size works, only slower
                    pass
        try:
            if hasattr(os, "fork"):
                self.pid = fork_sidecar(theirs)
            else:
                self.process = spawn_sidecar(theirs)
        except OSError as exc:
            ours.close()
            raise SidecarError(f"无法启动归档进程：{exc}") from exc
        finally:
            theirs.close()
        self.socket = ours

    async def start(self):
        """Launch the process unless it was, and return once it says it is ready."""
        if not self.launched:
            self.launch()
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        self.waiting.append(ready)              # its first answer says it is ready
        _, self.channel = await loop.create_unix_connection(lambda: Channel(self), sock=self.socket)
        await ready

    def call(self, *request) -> asyncio.Future:
        """Send one request; the future holds its answer (answers come in order)."""
        future = asyncio.get_running_loop().create_future()
        if not self.open:
            future.set_exception(SidecarError("归档进程已退出"))
            return future
        if not self.outbox:
            asyncio.get_running_loop().call_soon(self._send_outbox)
        self.outbox.append(_frame(request))
        self.waiting.append(future)
        return future

    def _send_outbox(self):
        """One write per turn of the event loop: each send wakes the sidecar, which costs more
        than the bytes."""
        frames, self.outbox = self.outbox, []
        if frames and self.open:
            self.channel.transport.write(b"".join(frames))

    def answered(self, status: str, value):
        future = self.waiting.popleft()
        if future.done():
            return
        if status == "ok":
            future.set_result(value)
        else:
            future.set_exception(SidecarError(value))

    def fail_all(self, error: Exception):
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)

    async def close(self):
        """Close the archive (final file names) and let the process end."""
        try:
            if self.open:
                await self.call("close")
        finally:
            if self.channel is not None:
                self.channel.transport.close()
            elif self.socket is not None:       # launched, never given work: it ends on EOF
                self.socket.close()
            if self.process is not None or self.pid is not None:
                await asyncio.get_running_loop().run_in_executor(None, self._reap)

    def _reap(self, grace: float = 30.0):
        if self.process is not None:
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            return
        deadline = time.monotonic() + grace
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                return
            time.sleep(0.01)


class Channel(asyncio.Protocol):
    """The engine's end of the socket: frames in, answers handed to the Sidecar in order."""

    def __init__(self, sidecar: Sidecar):
        self.sidecar = sidecar
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.lost = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        self.buffer += data
        try:
            for status, value in _frames(self.buffer):
                self.sidecar.answered(status, value)
        except Exception as exc:  # noqa: BLE001 - a garbled channel fails every waiting call
            self.transport.close()
            self.connection_lost(exc)

    def connection_lost(self, exc):
        if not self.lost:
            self.lost = True
            cause = f"{type(exc).__name__}: {exc}" if exc else "连接已关闭"
            self.sidecar.fail_all(SidecarError(f"归档进程意外退出（{cause}）"))


def spawn_sidecar(theirs: socket.socket) -> subprocess.Popen:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "migrate.crawl.sidecar", str(theirs.fileno())],
        pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def fork_sidecar(theirs: socket.socket) -> int:
    """Fork the sidecar off the engine's process. Call it with no SQLite connection open (a
    forked SQLite keeps its parent's lock bookkeeping) and before any thread starts.

    The child keeps only its end of the socket pair and stderr (the log): an inherited copy of
    the engine's files would keep them open after the engine closes them. It leaves with
    `os._exit`, so nothing of the engine's (buffered files) is flushed or closed twice."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        gc.freeze()                     # the engine's objects are never collected (or closed) here
        signal.set_wakeup_fd(-1)
        keep = theirs.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
        become_sidecar(PROCESS_NAME)
        serve(theirs)
        code = 0
    except BaseException:  # noqa: BLE001 - the engine sees the closed socket and reports it
        logger.exception("sidecar failed")
    finally:
        os._exit(code)


# ---------------------------------------------------------------------- sidecar side

class SidecarWork:
    """The sidecar's state: the township's WARC archive and a spider to read pages with."""

    def __init__(self, job_json: str, originals: dict):
        from migrate.crawl.job import CrawlJob
        from migrate.crawl.middlewares import job_archive
        from migrate.crawl.state import CrawlStart
        from migrate.crawl.worker import load_spider_class, spider_loader

        job = CrawlJob.from_json(job_json)
        self.archive = job_archive(job, originals)
        self.spider = load_spider_class(spider_loader(), job.spider)(job=job, start=CrawlStart())

    def write(self, exchange, previous, analyse_meta, block=None):
        stored = self.archive.write(exchange, *(previous or (None, None)), block=block)
        analysis = self.analyse(exchange, analyse_meta) if analyse_meta is not None else None
        return stored, analysis

    def analyse(self, exchange, meta: dict) -> PageAnalysis:
        from migrate.crawl.fetcher import make_response, response_headers
        from scrapy.http import Request

        # the URL as it was requested: Scrapy need not make it safe again
        request = Request(exchange.url, meta={**meta, "verbatim_url": True}, dont_filter=True)
        response = make_response(request, exchange.status, response_headers(exchange.response_headers),
                                 exchange.body, exchange.protocol)
        if self.spider.is_soft_404(response):
            return PageAnalysis(True, None)
        return PageAnalysis(False, [tuple(link) for link in self.spider.page_links(response)])

    def remember(self, digest, original):
        self.archive.remember(digest, original)

    def close(self):
        """Give the files their final names: the engine has flushed the ledger before asking
        (see WarcArchive.close)."""
        self.archive.close()


def _frame(message: tuple) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def _frames(buffer: bytearray):
    """Pop every complete frame's message off the front of `buffer`."""
    start = 0
    while len(buffer) - start >= HEADER.size:
        size = HEADER.unpack_from(buffer, start)[0]
        end = start + HEADER.size + size
        if end > len(buffer):
            break
        yield pickle.loads(memoryview(buffer)[start + HEADER.size:end])
        start = end
    del buffer[:start]


def serve(sock: socket.socket):
    """Answer requests in order, each as soon as it is handled (the engine is waiting for it)."""
    # Load what the work needs before saying we are ready: the engine keeps archiving in its
    # own process until then.
    import migrate.crawl.warc  # noqa: F401
    import spiders.generic  # noqa: F401

    sock.sendall(_frame(("ok", "ready")))
    buffer = bytearray()
    work: SidecarWork | None = None
    while True:
        data = sock.recv(RECEIVE_SIZE)
        if not data:
            # The engine is gone: the files stay `.open`, and `--resume` adopts the responses
            # the ledger never heard of.
            return
        buffer += data
        for op, *args in _frames(buffer):
            try:
                if op == "init":
                    work = SidecarWork(*args)
                    value = None
                else:       # `work` is None if closed before it was given any work
                    value = getattr(work, op)(*args) if work is not None else None
                answer = ("ok", value)
            except Exception as exc:  # noqa: BLE001 - reported to the engine, which stops the crawl
                logger.exception("sidecar %s failed", op)
                answer = ("error", f"{type(exc).__name__}: {exc}")
            sock.sendall(_frame(answer))
            if op == "close":
                return


def become_sidecar(name: str | None = None):
    """What both ways of starting the sidecar do first: leave stopping to the engine (which
    closes the archive through us), and die with it."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    die_with_parent(name)


def die_with_parent(name: str | None = None):
    """Linux: be killed when the engine's process dies, however it dies. After a `kill -9` of
    the engine, `--resume` may start at once and seal the open WARC file: nobody may still be
    appending to it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    PR_SET_NAME = 15
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if name:            # a forked sidecar shares the engine's command line; `ps -o comm` tells them apart
            libc.prctl(PR_SET_NAME, name.encode("ascii"))
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:          # the engine died before we asked
        os._exit(1)


def main() -> int:
    become_sidecar()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    # Run as `-m`, this file is `__main__`; answers must pickle under the module's real name.
    from migrate.crawl.sidecar import serve as serve_in_module

    serve_in_module(socket.socket(fileno=int(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
