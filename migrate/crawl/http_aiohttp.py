"""The requests our own client (`migrate.crawl.http1`) does not send: https through a proxy,
credentials in the URL, other methods. One aiohttp session, imported and opened on first use
(most crawls never need it, and importing aiohttp costs a tenth of a second)."""

from __future__ import annotations

import asyncio

import aiohttp
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, ResponseDataLossError)
from scrapy.http import Request
from yarl import URL

READ_CHUNK = 1 << 16


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


class AiohttpClient:
    def __init__(self):
        # Our engine limits connections per host; aiohttp's own limits would only queue behind
        # it. Cookies are the fetcher's (its jar writes them into the request's headers);
        # certificates are not verified, as by `http1` (see there).
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300, ssl=False),
            auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("Accept-Encoding", "User-Agent"), read_bufsize=READ_CHUNK)

    async def close(self):
        await self.session.close()

    async def fetch(self, request: Request, headers: dict[str, str], timeout: float | None,
                    max_bytes: int | None):
        """(status, raw header lines, body, protocol, peer address) of the answer."""
        try:
            return await self._fetch(request, headers, timeout, max_bytes)
        except (DownloadCancelledError, ResponseDataLossError):
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise scrapy_error(exc) from exc

    async def _fetch(self, request, headers, timeout, max_bytes):
        async with self.session.request(
                request.method, URL(request.url, encoded=True), headers=headers,
                data=request.body or None, proxy=request.meta.get("proxy"), allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            transport = resp.connection.transport if resp.connection else None
            peer = transport.get_extra_info("peername") if transport else None
            body = await read_body(resp, max_bytes)
            protocol = f"HTTP/{resp.version.major}.{resp.version.minor}" if resp.version else "HTTP/1.1"
            return resp.status, resp.raw_headers, body, protocol, peer[0] if peer else None


async def read_body(resp: aiohttp.ClientResponse, limit: int | None) -> bytes:
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
