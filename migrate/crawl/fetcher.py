"""HTTP for the asyncio engine: answers as Scrapy `Response` objects.

Direct GET and POST requests go over our lean keep-alive pool (`migrate.crawl.http1`, parsed by
httptools); the rest (a proxy, credentials in the URL, other methods) over an aiohttp session
(`migrate.crawl.http_aiohttp`, imported only then). Cookies live in one jar for both, Scrapy's
(`scrapy.http.cookies.CookieJar`, the one its CookiesMiddleware keeps), so a session cookie set
on a direct answer goes out through the proxy too, and the Scrapy engine treats them alike.

The spider and the WARC middleware see exactly what Scrapy's downloader would give them: a
`Response` of the class Scrapy picks (`HtmlResponse`, `TextResponse`, …) with the status, the
headers, the body as received (bytes not decoded; `Accept-Encoding: identity` is asked for), the
peer address and protocol; failures are raised as the exceptions Scrapy's handlers raise, so
the spider's errback (`failure_reason`) names them the same way.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib

from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, ResponseDataLossError)
from scrapy.http import Headers, Request, Response
from scrapy.http.cookies import CookieJar
from scrapy.responsetypes import responsetypes
from scrapy.utils.gz import gunzip

from migrate.crawl import http1

CACHE_MAX = 1024          # entries in each cache below (bounded, in case a server makes names up)
# Scrapy's key for each header name seen (a site sends the same few names every time).
_HEADER_KEYS: dict[bytes, bytes] = {}


def header_key(name: bytes) -> bytes:
    key = _HEADER_KEYS.get(name)
    if key is None:
        key = Headers().normkey(name)
        if len(_HEADER_KEYS) < CACHE_MAX:
            _HEADER_KEYS[name] = key
    return key


def response_headers(raw: tuple[tuple[bytes, bytes], ...]) -> Headers:
    """Scrapy `Headers` keeping every value of a repeated header (Set-Cookie, Link, …).

    Filled as `Headers.update` would fill it (normalised key → list of byte values), without
    normalising each value again: they are bytes already, and this runs for every response."""
    grouped: dict[bytes, list[bytes]] = {}
    for name, value in raw:
        grouped.setdefault(header_key(name), []).append(value)
    headers = Headers()
    dict.update(headers, grouped)
    return headers


# What `responsetypes.from_headers` decided, by the three headers it reads.
_CLASS_BY_HEADERS: dict[tuple, type[Response]] = {}
CLASS_HEADERS = (b"Content-Type", b"Content-Encoding", b"Content-Disposition")


def response_class(headers: Headers, url: str, body: bytes) -> type[Response]:
    """`responsetypes.from_args(headers, url, body)`, its reading of the headers cached."""
    key = tuple((name in headers, headers.get(name)) for name in CLASS_HEADERS)
    cls = _CLASS_BY_HEADERS.get(key)
    if cls is None:
        cls = responsetypes.from_headers(headers)
        if len(_CLASS_BY_HEADERS) < CACHE_MAX:
            _CLASS_BY_HEADERS[key] = cls
    if cls is Response:          # the headers did not decide: the URL, then the body
        cls = responsetypes.from_args(url=url, body=body)
    return cls


def make_response(request: Request, status: int, headers: Headers, body: bytes,
                  protocol: str = "HTTP/1.1", ip_address=None) -> Response:
    cls = response_class(headers, request.url, body)
    response = cls(url=request.url, status=status, body=body, request=request,
                   protocol=protocol, ip_address=ip_address)
    response.headers = headers        # as built: Response() would copy them once more
    return response


def _inflate(body: bytes) -> bytes:
    try:
        return zlib.decompress(body)
    except zlib.error:            # raw deflate, as some servers send it
        return zlib.decompress(body, -zlib.MAX_WBITS)


def _unbrotli(body: bytes) -> bytes:
    import brotli

    return brotli.decompress(body)


DECODERS = {b"gzip": gunzip, b"x-gzip": gunzip, b"deflate": _inflate, b"br": _unbrotli}


def decoded_for_spider(response: Response) -> Response:
    """A body a server compressed although asked not to, decoded for the spider (the archive
    keeps the bytes as sent), as Scrapy's HttpCompressionMiddleware does."""
    encoding = (response.headers.get(b"Content-Encoding") or b"").strip().lower()
    decoder = DECODERS.get(encoding)
    if decoder is None or not response.body:
        return response
    try:
        body = decoder(response.body)
    except Exception:  # noqa: BLE001 - a body that does not decode stays as it came
        return response
    headers = Headers({k: v for k, v in response.headers.items() if k.lower() != b"content-encoding"})
    return make_response(response.request, response.status, headers, body, response.protocol,
                         response.ip_address)


def ip_or_none(address: str | None):
    try:
        return ipaddress.ip_address(address) if address else None
    except ValueError:
        return None


def scrapy_error(exc: BaseException) -> Exception:
    """The Scrapy exception Scrapy's own download handlers raise for the same failure of the
    direct client (the aiohttp one translates its own)."""
    if isinstance(exc, TimeoutError):
        return DownloadTimeoutError(str(exc) or "timeout")
    if isinstance(exc, http1.BodyTooLarge):
        return DownloadCancelledError(str(exc))
    if isinstance(exc, http1.ResponseCut):
        return ResponseDataLossError(str(exc))
    if isinstance(exc, socket.gaierror):
        return CannotResolveHostError(str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return DownloadConnectionRefusedError(str(exc))
    return DownloadFailedError(f"{type(exc).__name__}: {exc}")


def has_set_cookie(raw: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"set-cookie" for name, _ in raw)


class Fetcher:
    """Sends Scrapy requests: by our own client (`http1`) or through aiohttp (the rest)."""

    def __init__(self, timeout: float, max_bytes: int | None, default_headers: dict[str, str]):
        self.timeout = timeout or None
        self.max_bytes = max_bytes or None
        self.default_headers = default_headers
        self.default_header_values = [(header_key(name.encode("latin-1")), value.encode("latin-1"))
                                      for name, value in default_headers.items()]
        self.cookies = CookieJar()
        self.pool = http1.Pool()
        self.other = None              # the aiohttp client, made on first use

    async def open(self):
        """Nothing to open until the first request: connections are made as needed."""

    async def close(self):
        self.pool.close()
        if self.other is not None:
            await self.other.close()

    def outgoing_headers(self, request: Request) -> dict[str, str]:
        """The request's headers over our defaults; the defaults are also written into the
        request, so the archived request record says what went out."""
        headers = dict(self.default_headers)
        # dict's own views and setdefault: Scrapy's re-normalise every key and value
        for key, values in dict.items(request.headers):
            if values:
                headers[key.decode("latin-1")] = values[-1].decode("latin-1")
        for key, value in self.default_header_values:
            dict.setdefault(request.headers, key, [value])
        return headers

    async def fetch(self, request: Request) -> Response:
        # The jar's cookies are written into the request, so its archived record has them.
        self.cookies.add_cookie_header(request)
        if http1.is_plain(request.method, request.url, request.meta.get("proxy")):
            try:
                status, raw, body, protocol, peer = await self._fetch_direct(request)
            except (OSError, TimeoutError, http1.BodyTooLarge) as exc:
                raise scrapy_error(exc) from exc
        else:
            status, raw, body, protocol, peer = await self._client().fetch(
                request, self.outgoing_headers(request), self.timeout, self.max_bytes)
        response = make_response(request, status, response_headers(raw), body, protocol, ip_or_none(peer))
        if has_set_cookie(raw):
            self.cookies.extract_cookies(response, request)
        return response

    async def _fetch_direct(self, request: Request):
        scheme, host, port, message = http1.request_message(
            request.method, request.url, self.outgoing_headers(request), request.body, request.meta.get("proxy"))
        async with asyncio.timeout(self.timeout):
            answer = await self.pool.request(scheme, host, port, message, self.max_bytes)
        return answer.status, answer.headers, answer.body, answer.protocol, answer.peer

    def _client(self):
        if self.other is None:
            from migrate.crawl.http_aiohttp import AiohttpClient

            self.other = AiohttpClient()
        return self.other
