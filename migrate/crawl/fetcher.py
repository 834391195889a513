"""HTTP for the asyncio engine: one aiohttp session, answers as Scrapy `Response` objects.

The spider and the WARC middleware see exactly what Scrapy's downloader would give them: a
`Response` of the class Scrapy picks (`HtmlResponse`, `TextResponse`, …) with the status, the
headers, the body as received (bytes not decoded; `Accept-Encoding: identity` is asked for), the
peer address and protocol; failures are raised as the exceptions Scrapy's handlers raise, so
the spider's errback (`failure_reason`) names them the same way.
"""

from __future__ import annotations

import asyncio
import ipaddress
import zlib

import aiohttp
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, ResponseDataLossError)
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.gz import gunzip
from yarl import URL

READ_CHUNK = 1 << 16


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


def _peer_address(resp: aiohttp.ClientResponse):
    transport = resp.connection.transport if resp.connection else None
    peer = transport.get_extra_info("peername") if transport else None
    try:
        return ipaddress.ip_address(peer[0]) if peer else None
    except ValueError:
        return None


def scrapy_error(exc: BaseException) -> Exception:
    """The Scrapy exception Scrapy's own download handlers raise for the same failure."""
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return DownloadTimeoutError(str(exc) or "timeout")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return CannotResolveHostError(str(exc))
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return DownloadConnectionRefusedError(str(exc))
        return DownloadFailedError(str(exc))
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ResponseDataLossError(str(exc))
    return DownloadFailedError(f"{type(exc).__name__}: {exc}")


class Fetcher:
    """Sends Scrapy requests over one aiohttp session (keep-alive, cookies, proxies)."""

    def __init__(self, timeout: float, max_bytes: int | None, default_headers: dict[str, str]):
        self.timeout = aiohttp.ClientTimeout(total=timeout or None)
        self.max_bytes = max_bytes or None
        self.default_headers = default_headers
        self.default_header_values = [(header_key(name.encode("latin-1")), value.encode("latin-1"))
                                      for name, value in default_headers.items()]
        self.session: aiohttp.ClientSession | None = None

    async def open(self):
        # Our engine limits connections per host; aiohttp's own limits would only queue behind it.
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, cookie_jar=aiohttp.CookieJar(unsafe=True),
            skip_auto_headers=("Accept-Encoding", "User-Agent"), read_bufsize=READ_CHUNK)

    async def close(self):
        if self.session is not None:
            await self.session.close()

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
        try:
            return await self._fetch(request)
        except (DownloadCancelledError, ResponseDataLossError):
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise scrapy_error(exc) from exc

    async def _fetch(self, request: Request) -> Response:
        async with self.session.request(
                request.method, URL(request.url, encoded=True), headers=self.outgoing_headers(request),
                data=request.body or None, proxy=request.meta.get("proxy"), allow_redirects=False,
                timeout=self.timeout) as resp:
            ip_address = _peer_address(resp)
            body = await self._read(resp)
            cookie = resp.request_info.headers.get("Cookie")     # from the session's jar
            if cookie:
                request.headers["Cookie"] = cookie
            protocol = f"HTTP/{resp.version.major}.{resp.version.minor}" if resp.version else "HTTP/1.1"
            return make_response(request, resp.status, response_headers(resp.raw_headers), body,
                                 protocol, ip_address)

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_bytes
        length = resp.content_length
        if limit and length is not None and length > limit:
            raise DownloadCancelledError(f"Content-Length {length} > {limit}")
        if not limit or (length is not None and length <= limit):
            return await resp.read()
        chunks, size = [], 0
        async for chunk in resp.content.iter_chunked(READ_CHUNK):
            size += len(chunk)
            if size > limit:
                raise DownloadCancelledError(f"body over {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
