"""Local preview: serve the built site and answer old URLs the way the production redirects will.

Old URLs reach the preview either with an old township host in the `Host` header (point the old
host names at 127.0.0.1 in a hosts file) or under `/_old/<old host>/<path>`. A 301 points at the
new page on this preview server, so a browser stays on the preview.
"""

from __future__ import annotations

import html
import mimetypes
import posixpath
import shutil
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from migrate.errors import UserError
from migrate.redirects import (RedirectTable, channel_home, gone_page, load_redirects,
                               normalise_host, not_found_page)

OLD_PREFIX = "/_old/"
# Types mimetypes does not know, common among township attachments.
EXTRA_TYPES = {
    ".wps": "application/kswps", ".et": "application/kset", ".dps": "application/ksdps",
    ".ofd": "application/ofd", ".ceb": "application/octet-stream", ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed", ".webp": "image/webp", ".woff2": "font/woff2",
}
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/xml")
LOCATION_SAFE = "!#$%&'()*+,/:;=?@[]~"


def content_type(name: str) -> str:
    suffix = posixpath.splitext(name)[1].lower()
    kind = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(TEXT_TYPES) else kind


def _raw_bytes(raw_path: str) -> bytes:
    """http.server hands over the request line decoded as latin-1; get the bytes back."""
    return raw_path.encode("latin-1") if all(ord(c) < 256 for c in raw_path) else raw_path.encode()


def _page(title: str, message: str, link: str, link_text: str) -> str:
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head>"
            "<body style='font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.7'>"
            f"<h1>{html.escape(title)}</h1><p>{message}</p>"
            f"<p><a href='{html.escape(link)}'>{html.escape(link_text)}</a></p></body></html>")


class PreviewServer(ThreadingHTTPServer):
    """Serves `config.site_dir`; answers old URLs from `output/redirects/redirects.csv`."""

    daemon_threads = True

    def __init__(self, config, address: tuple[str, int], quiet: bool = False):
        self.config = config
        self.site_dir = Path(config.site_dir).resolve()
        self.csv_path = Path(config.redirects_dir) / "redirects.csv"
        self.old_hosts = config.town_host_index()
        self.quiet = quiet
        self._table: RedirectTable | None = None
        self._table_stamp = None
        self._lock = threading.Lock()
        super().__init__(address, PreviewHandler)

    @property
    def own_base(self) -> str:
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"

    def redirect_table(self) -> RedirectTable | None:
        """The redirect table, re-read when redirects.csv changes (a rebuild while previewing)."""
        try:
            stat = self.csv_path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._table_stamp:
                self._table = RedirectTable.for_config(self.config, load_redirects(self.csv_path))
                self._table_stamp = stamp
            return self._table


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "sitemigrate-preview"

    def do_GET(self):
        self._respond(send_body=True)

    def do_HEAD(self):
        self._respond(send_body=False)

    def log_message(self, format, *args):
        if not self.server.quiet:
            sys.stderr.write(f"[预览] {self.address_string()} {format % args}\n")

    # ------------------------------------------------------------------ routing

    def _respond(self, send_body: bool):
        self.send_body = send_body
        host = normalise_host(self.headers.get("Host", ""))
        try:
            if host in self.server.old_hosts:
                return self._old_url(host, self.path)
            path = self.path.split("?", 1)[0]
            if path.startswith(OLD_PREFIX) and len(path) > len(OLD_PREFIX):
                old_host, _, rest = self.path[len(OLD_PREFIX):].partition("/")
                return self._old_url(normalise_host(old_host), "/" + rest)
            if path.rstrip("/") == OLD_PREFIX.rstrip("/"):
                return self._old_index()
            return self._site_file(path)
        except UserError as exc:
            self._send_html(HTTPStatus.INTERNAL_SERVER_ERROR,
                            _page("重定向表有误", html.escape(str(exc)), "/", "返回首页"))

    def _preview_url(self, url: str) -> str:
        """A county URL → the same page on this preview server."""
        base = self.server.config.county.base_url
        host = normalise_host(self.headers.get("Host", ""))
        own = f"http://{host}" if host and host not in self.server.old_hosts else self.server.own_base
        if url == base or url.startswith(base + "/"):
            url = own + (url[len(base):] or "/")
        return quote(url, safe=LOCATION_SAFE)

    # ------------------------------------------------------------------ old URLs

    def _old_url(self, host: str, request_uri: str):
        town = self.server.old_hosts.get(host)
        home = self._preview_url(channel_home(self.server.config, town))
        table = self.server.redirect_table()
        if table is None:
            message = "尚未生成重定向表（output/redirects/redirects.csv），请先运行 sitemigrate build。"
            return self._send_html(HTTPStatus.NOT_FOUND, _page("没有重定向表", message, home, "频道首页"))
        redirect = table.lookup(host, request_uri)
        if redirect is None:
            return self._send_html(HTTPStatus.NOT_FOUND, not_found_page(self.server.config, town, home))
        if redirect.status == 410:
            page = gone_page(self.server.config, town, redirect.reason, home)
            return self._send_html(HTTPStatus.GONE, page)
        location = self._preview_url(redirect.new_url)
        body = _page("页面已迁移", f"本页面已迁移（{html.escape(redirect.reason)}）。", location, location)
        self._send_html(HTTPStatus.MOVED_PERMANENTLY, body, [("Location", location)])

    def _old_index(self):
        towns = {t.slug: t.name for t in self.server.config.townships}
        items = "".join(
            f"<li>{html.escape(towns[slug])}：<a href='{OLD_PREFIX}{html.escape(host)}/'>"
            f"{html.escape(host)}</a></li>"
            for host, slug in sorted(self.server.old_hosts.items()))
        body = ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>旧站地址预览</title>"
                "</head><body><h1>旧站地址预览</h1><p>在下列地址后加上旧站路径，即可查看该旧地址会跳转到哪里，"
                f"例如 {OLD_PREFIX}旧站主机名/2023/t20230105_1.html。</p><ul>{items}</ul></body></html>")
        self._send_html(HTTPStatus.OK, body)

    # ------------------------------------------------------------------ the new site

    def _site_file(self, raw_path: str):
        target = self._translate(raw_path)
        if target is not None and target.is_dir():
            if not raw_path.endswith("/"):
                location = quote(_raw_bytes(raw_path) + b"/", safe=LOCATION_SAFE)
                return self._send_html(HTTPStatus.MOVED_PERMANENTLY, "", [("Location", location)])
            target = target / "index.html"
        if target is None or not target.is_file():
            page = _page("页面不存在", "新站点中没有这个页面。", "/", self.server.config.county.site_name)
            return self._send_html(HTTPStatus.NOT_FOUND, page)
        self._send_file(target)

    def _translate(self, raw_path: str) -> Path | None:
        """Request path (UTF-8 percent-escapes, or raw bytes as latin-1) → a file under the site."""
        try:
            path = unquote_to_bytes(_raw_bytes(raw_path)).decode("utf-8")
        except UnicodeDecodeError:
            return None
        parts = [p for p in posixpath.normpath("/" + path).split("/") if p]
        if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
            return None
        return self.server.site_dir.joinpath(*parts)

    # ------------------------------------------------------------------ sending

    def _send_file(self, path: Path):
        size = path.stat().st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(path.name))
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.send_body:
            with path.open("rb") as f:
                shutil.copyfileobj(f, self.wfile)

    def _send_html(self, status: HTTPStatus, page: str, headers=()):
        body = page.encode("utf-8")
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.send_body:
            self.wfile.write(body)


def make_server(config, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False) -> PreviewServer:
    """A preview server bound to host:port (port 0: any free port); call `serve_forever()`."""
    if not Path(config.site_dir).is_dir():
        raise UserError("新站点目录不存在，无法预览。", path=config.site_dir, hint="请先运行 sitemigrate build 生成站点。")
    try:
        return PreviewServer(config, (host, port), quiet=quiet)
    except OSError as exc:
        raise UserError(f"无法在 {host}:{port} 上启动预览服务（{exc.strerror or exc}）。",
                        hint="该端口可能已被占用，请用 --port 换一个端口。") from None
