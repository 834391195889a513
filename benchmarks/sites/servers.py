"""Local servers for the crawl benchmark: nginx for the fast site, an asyncio server that
answers every request 100 ms late for the polite ten-site run. Both listen on 127.0.0.x only."""

from __future__ import annotations

import asyncio
import mimetypes
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

NGINX_CONF = """daemon off;
master_process off;
user root;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen {host}:{port};
        root {root};
        index index.html;
    }}
}}
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on {host}:{port}")


class Nginx:
    """nginx serving `root` on host:port, configured and run from `run_dir` (e.g. on /dev/shm).

    One worker (`master_process off`), no access log: a static server that costs the machine's
    second core as little as possible."""

    def __init__(self, root: Path, run_dir: Path, host: str = "127.0.0.1"):
        if not shutil.which("nginx"):
            raise SystemExit("nginx 未安装：apt-get install -y nginx")
        self.root, self.run_dir, self.host = Path(root), Path(run_dir), host
        self.port = free_port(host)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def __enter__(self) -> "Nginx":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(run=self.run_dir, host=self.host, port=self.port, root=self.root))
        self.process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(self.run_dir), "-e",
                                         str(self.run_dir / "error.log")])
        wait_for_port(self.host, self.port)
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class SlowSites:
    """Static sites that each answer after `latency` seconds: site i on 127.0.0.(i+1):port.

    Separate addresses (the whole 127/8 is loopback on Linux) give separate host names, so
    Scrapy keeps one download slot, one delay and one concurrency limit per site, as it would
    for real township servers. The pause is an `asyncio.sleep` per request, before the answer."""

    def __init__(self, roots: list[Path], latency: float = 0.1):
        self.roots = [Path(r) for r in roots]
        self.latency = latency
        self.port = free_port("127.0.0.1")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.servers = []
        self.requests = 0

    def host(self, index: int) -> str:
        return f"127.0.0.{index + 1}:{self.port}"

    def __enter__(self) -> "SlowSites":
        self.thread.start()
        for i, root in enumerate(self.roots):
            future = asyncio.run_coroutine_threadsafe(self._listen(f"127.0.0.{i + 1}", root), self.loop)
            self.servers.append(future.result(timeout=10))
        return self

    def __exit__(self, *exc):
        for server in self.servers:
            self.loop.call_soon_threadsafe(server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _listen(self, address: str, root: Path):
        return await asyncio.start_server(lambda r, w: self._connection(r, w, root), address, self.port)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, root: Path):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target = head.split(b" ", 2)[:2]
                await asyncio.sleep(self.latency)
                self.requests += 1
                writer.write(self._answer(root, method, target.decode("latin-1")))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    @staticmethod
    def _answer(root: Path, method: bytes, target: str) -> bytes:
        path = unquote(urlsplit(target).path)
        if path.endswith("/"):
            path += "index.html"
        file = (root / path.lstrip("/")).resolve()
        if root.resolve() in file.parents and file.is_file():
            status, body = "200 OK", file.read_bytes()
            ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        else:
            status, body, ctype = "404 Not Found", b"<html><body>404 Not Found</body></html>", "text/html"
        head = (f"HTTP/1.1 {status}\r\nServer: slow-bench\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        return head if method == b"HEAD" else head + body
