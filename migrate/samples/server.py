"""HTTP server for the sample sites: name-based virtual hosting and a forward proxy in one.

A request is answered for the host named in an absolute-form request line
(`GET http://www.taoyuan.yunxi.gov.cn/index.html HTTP/1.1`, as a client sends to a proxy) or,
otherwise, in its `Host` header. Responses carry Content-Length, Last-Modified and ETag, and
conditional requests get 304. Tests can change the sites while the server runs (`serve`,
`remove`), as between two crawls. Run it in the foreground with
`python -m migrate.samples.server --port 8901`.
"""

from __future__ import annotations

import argparse
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime, timezone
from urllib.parse import urlsplit

from migrate.samples.model import Resource
from migrate.samples.sites import sample_sites, site_for_host
from migrate.urls import canonical_url

SERVER_NAMES = {"taoyuan": "Apache/2.2.15 (CentOS)", "qingshi": "Apache-Coyote/1.1", "liuhe": "Microsoft-IIS/6.0"}
NOT_FOUND = ("<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>"
             "<p>您访问的页面不存在。</p></body></html>").encode("utf-8")
MAX_BODY = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30                      # idle keep-alive connections end after this many seconds
    disable_nagle_algorithm = True    # headers and body go out in separate writes: no 40 ms stalls

    def do_GET(self):
        self._answer(head=False)

    def do_HEAD(self):
        self._answer(head=True)

    def do_POST(self):
        self._answer(head=False)

    def _target(self) -> tuple[str | None, str, str]:
        """(host, path, query) from an absolute-form request line or the Host header."""
        if self.path.lower().startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            return parts.netloc, parts.path or "/", parts.query
        path, _, query = self.path.partition("?")
        return self.headers.get("Host"), path or "/", query

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _answer(self, head: bool):
        body = self._read_body()
        host, path, query = self._target()
        site = site_for_host(host)
        key = override_key(site, path, query) if site else None
        if key in self.server.overrides:
            resource = self.server.overrides[key]
        else:
            resource = site.resolve(path, query, body) if site else None
        if resource is None:
            self._send(404, Resource(NOT_FOUND, "text/html; charset=utf-8", "error"), head, site)
        elif self._not_modified(resource):
            self._send(304, resource, True, site)
        else:
            self._send(resource.status, resource, head, site)

    def _not_modified(self, resource: Resource) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return tags.strip() == "*" or resource.etag in [t.strip().removeprefix("W/") for t in tags.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since and resource.modified is not None:
            try:
                return resource.modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, resource: Resource, head: bool, site):
        self.send_response(status)
        self.send_header("Server", SERVER_NAMES.get(site.slug, "Apache") if site else "Apache")
        if status != 304 and resource.content_type:
            self.send_header("Content-Type", resource.content_type)
        if status != 304:
            self.send_header("Content-Length", str(len(resource.body)))
        if status != 404:
            self.send_header("ETag", resource.etag)
            if resource.last_modified:
                self.send_header("Last-Modified", resource.last_modified)
            for name, value in resource.headers:
                self.send_header(name, value)
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(resource.body)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    verbose = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.overrides: dict[str, Resource | None] = {}


def override_key(site, path: str, query: str) -> str:
    """The canonical www-host URL a request names (how overrides are keyed)."""
    return canonical_url(site.url(path) + (f"?{query}" if query else ""))


class SampleServer:
    """A running sample server; a context manager that stops it on exit."""

    def __init__(self, httpd: _Server, thread: threading.Thread | None):
        self._httpd = httpd
        self._thread = thread

    @property
    def host(self) -> str:
        return self._httpd.server_address[0]

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # Test hooks: make a site change as a real one does between two crawls.

    def serve(self, url: str, body: bytes, content_type: str = "text/html; charset=utf-8"):
        """From now on answer `url` (on a sample site) with `body`: a changed or a new page."""
        self._httpd.overrides[canonical_url(url)] = Resource(
            body, content_type, "override", datetime.now(timezone.utc).replace(microsecond=0))

    def remove(self, url: str):
        """From now on answer `url` with 404, as if the page had been deleted."""
        self._httpd.overrides[canonical_url(url)] = None

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SampleServer":
        return self

    def __exit__(self, *exc):
        self.stop()


def _make_server(host: str, port: int, verbose: bool) -> _Server:
    sample_sites()                  # build every page before the first request arrives
    httpd = _Server((host, port), _Handler)
    httpd.verbose = verbose
    return httpd


def start_sample_server(host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> SampleServer:
    """Serve the three sample sites from a background thread; `port=0` picks a free port."""
    httpd = _make_server(host, port, verbose)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                              name="sample-sites", daemon=True)
    thread.start()
    return SampleServer(httpd, thread)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m migrate.samples.server",
                                     description="在本机运行三个示例乡镇旧网站（虚拟主机 + HTTP 代理）。")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8901, help="监听端口（默认 8901）")
    parser.add_argument("--verbose", action="store_true", help="逐条打印访问记录")
    args = parser.parse_args(argv)
    try:
        httpd = _make_server(args.host, args.port, args.verbose)
    except OSError as exc:
        parser.exit(2, f"无法在 {args.host}:{args.port} 上监听：{exc}。请换一个端口（--port）。\n")
    print(f"示例乡镇网站已启动：代理地址 http://{args.host}:{httpd.server_address[1]}")
    for site in sample_sites().values():
        print(f"  {site.name}：{site.start_url}（域名 {'、'.join(site.hosts)}）")
    print("浏览器或爬虫把 HTTP 代理设为上面的地址即可访问；按 Ctrl+C 停止。")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
