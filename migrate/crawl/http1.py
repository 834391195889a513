"""A lean HTTP/1.1 client for the engine's direct GET and POST requests.

aiohttp's `ClientSession.request` costs about 110 µs of CPU per request (URL objects, header
multidicts, tracing hooks, its stream reader), three times what the same exchange costs over
an asyncio protocol with httptools (llhttp, the parser uvicorn uses) doing the parsing. On a
fast site that is a tenth of the whole crawl, in the process that starts every fetch. So plain
requests take this path: one keep-alive connection pool per server, one write per request, the
answer's raw header lines and body bytes as received. http:// URLs through an http:// proxy
(a county's outbound proxy, the test sites) go the same way, as absolute-URI requests to the
proxy. Everything else (https through a proxy, which needs a CONNECT tunnel; credentials in the
URL; other methods) goes through aiohttp (`migrate.crawl.http_aiohttp`).

TLS certificates are not verified, as Scrapy does not verify them: a township site about to be
switched off often has an expired or self-signed certificate, and the archive must still get
its pages (the WARC records what was served, from which address).

Answers to what the parser cannot tell alone:
- a body without Content-Length or chunking ends when the server closes the connection
  (HTTP/1.0 servers, old IIS scripts): it is complete then, not truncated;
- a reused connection the server closed while it sat idle fails before any byte of an answer:
  the request is sent once more on a new connection (as aiohttp and browsers do);
- interim 1xx answers are skipped.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from urllib.parse import unquote, urlsplit

import httptools

DEFAULT_PORTS = {"http": 80, "https": 443}
IDLE_PER_SERVER = 64            # kept-alive connections a pool holds for one server


class ConnectionGone(ConnectionError):
    """The server closed the connection before answering (an idle keep-alive one, or at once)."""


class ResponseCut(ConnectionError):
    """The connection ended inside the answer's body."""


class BodyTooLarge(Exception):
    """The body is larger than the fetcher's limit."""


class Answer:
    """One HTTP response as received: status, raw header lines, body, protocol and peer."""

    __slots__ = ("status", "headers", "body", "protocol", "peer")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, protocol: str, peer):
        self.status = status
        self.headers = headers
        self.body = body
        self.protocol = protocol
        self.peer = peer


class Connection(asyncio.Protocol):
    """One connection to one server, answering one request at a time."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.reusable = False
        self.max_bytes: int | None = None
        self._reset()

    def _reset(self):
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.received = False          # any byte of the current answer
        self.headers_done = False
        self.keep_alive = False
        self.complete = False

    # -- asyncio

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        self.received = True
        if self.waiter is None or self.waiter.done():
            self.abort()               # bytes nobody asked for: the connection cannot be trusted
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionError("server switched protocols"))
        except httptools.HttpParserError as exc:
            # an exception of ours inside a parser callback arrives as the context of its own
            cause = exc.__context__
            self._fail(cause if isinstance(cause, BodyTooLarge) else ConnectionError(f"malformed HTTP answer: {exc}"))

    def eof_received(self):
        return False                   # close our side too

    def connection_lost(self, exc):
        self.closed = True
        self.reusable = False
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.headers_done and self._ends_at_close():
            self._finish()
        elif not self.received:
            waiter.set_exception(ConnectionGone(str(exc) if exc else "connection closed by the server"))
        elif self.headers_done:
            waiter.set_exception(ResponseCut(f"connection closed after {self.size} bytes of the body"))
        else:
            waiter.set_exception(ConnectionError("connection closed inside the answer's headers"))

    # -- httptools

    def on_header(self, name: bytes, value: bytes):
        self.headers.append((name, value))

    def on_headers_complete(self):
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()
        if self.max_bytes is not None:
            length = self._header(b"content-length")
            if length is not None and length.strip().isdigit() and int(length) > self.max_bytes:
                raise BodyTooLarge(f"Content-Length {int(length)} > {self.max_bytes}")

    def on_body(self, body: bytes):
        self.size += len(body)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise BodyTooLarge(f"body over {self.max_bytes} bytes")
        self.chunks.append(body)

    def on_message_complete(self):
        status = self.parser.get_status_code()
        if 100 <= status < 200:        # 100 Continue and friends: the real answer follows
            self._reset()
            self.received = True
            return
        self.reusable = self.keep_alive
        self._finish()

    # -- helpers

    def _header(self, lower_name: bytes) -> bytes | None:
        for name, value in self.headers:
            if name.lower() == lower_name:
                return value
        return None

    def _ends_at_close(self) -> bool:
        """A body with neither Content-Length nor chunking runs until the connection closes."""
        if self.complete:
            return False
        status = self.parser.get_status_code()
        if status in (204, 304) or 100 <= status < 200:
            return False
        coding = self._header(b"transfer-encoding")
        return self._header(b"content-length") is None and not (coding and b"chunked" in coding.lower())

    def _finish(self):
        self.complete = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            peer = self.transport.get_extra_info("peername") if self.transport else None
            waiter.set_result(Answer(self.parser.get_status_code(), self.headers, b"".join(self.chunks),
                                     f"HTTP/{self.parser.get_http_version()}", peer[0] if peer else None))

    def _fail(self, exc: BaseException):
        self.reusable = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.abort()

    def abort(self):
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.transport.abort()
        self.closed = True

    # -- one exchange

    async def exchange(self, message: bytes, max_bytes: int | None) -> Answer:
        self._reset()
        self.max_bytes = max_bytes
        self.reusable = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(message)
        try:
            return await self.waiter
        finally:
            self.waiter = None


class Pool:
    """Kept-alive connections by (scheme, host, port); asks for new ones as needed."""

    def __init__(self):
        self.idle: dict[tuple, list[Connection]] = {}
        self.ssl_context: ssl.SSLContext | None = None      # made on the first https connection
        self.open: set[Connection] = set()

    def _ssl(self):
        if self.ssl_context is None:
            self.ssl_context = unverified_tls()
        return self.ssl_context

    async def _connect(self, scheme: str, host: str, port: int) -> Connection:
        loop = asyncio.get_running_loop()
        secure = scheme == "https"
        _, connection = await loop.create_connection(
            Connection, host, port, ssl=self._ssl() if secure else None,
            server_hostname=host if secure else None)
        self.open.add(connection)
        return connection

    def _idle_connection(self, key: tuple) -> Connection | None:
        idle = self.idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed and not connection.transport.is_closing():
                return connection
            self.open.discard(connection)
        return None

    def _give_back(self, key: tuple, connection: Connection):
        idle = self.idle.setdefault(key, [])
        if connection.reusable and not connection.closed and len(idle) < IDLE_PER_SERVER:
            idle.append(connection)
        else:
            connection.abort()
            self.open.discard(connection)

    async def request(self, scheme: str, host: str, port: int, message: bytes,
                      max_bytes: int | None) -> Answer:
        """Send `message` (a whole request) and return the answer. A kept-alive connection
        that turns out to be closed is replaced once."""
        key = (scheme, host, port)
        connection = self._idle_connection(key)
        reused = connection is not None
        while True:
            if connection is None:
                connection = await self._connect(scheme, host, port)
            try:
                answer = await connection.exchange(message, max_bytes)
            except ConnectionGone:
                self.open.discard(connection)
                if not reused:
                    raise
                connection, reused = None, False
                continue
            except BaseException:     # cancelled, timed out, cut: the connection is not reused
                connection.abort()
                self.open.discard(connection)
                raise
            self._give_back(key, connection)
            return answer

    def close(self):
        for connection in list(self.open):
            connection.abort()
        self.open.clear()
        self.idle.clear()


def unverified_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def request_message(method: str, url: str, headers: dict[str, str], body: bytes | None,
                    proxy: str | None = None) -> tuple[str, str, int, bytes]:
    """(scheme, host, port) to connect to and the request's bytes, for an absolute http(s) URL
    sent directly or, for an http:// URL, through an http:// proxy."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    endpoint = parts
    if proxy:                          # the proxy is asked for the whole URL
        endpoint = urlsplit(proxy)
        target = f"{parts.scheme.lower()}://{parts.netloc}{target}"
    lines = [f"{method} {target} HTTP/1.1"]
    if proxy and endpoint.username is not None:
        credentials = f"{unquote(endpoint.username)}:{unquote(endpoint.password or '')}"
        lines.append("Proxy-Authorization: Basic " + base64.b64encode(credentials.encode("utf-8")).decode("ascii"))
    if not any(name.lower() == "host" for name in headers):
        lines.append(f"Host: {host_header(url)}")
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body or b'')}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    scheme = endpoint.scheme.lower()
    return scheme, endpoint.hostname or "", endpoint.port or DEFAULT_PORTS[scheme], head + (body or b"")


def host_header(url: str) -> str:
    """Host as a browser sends it: the URL's host, with its port unless it is the default."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    if parts.port is not None and parts.port == DEFAULT_PORTS.get(parts.scheme.lower()):
        netloc = netloc.rpartition(":")[0]
    return netloc


def is_plain(method: str, url: str, proxy: str | None) -> bool:
    """Whether this client can send the request (else aiohttp does)."""
    if method not in ("GET", "POST"):
        return False
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or "@" in parts.netloc or not (parts.hostname or "").isascii():
        return False
    return not proxy or (parts.scheme == "http" and urlsplit(proxy).scheme == "http")
