"""The asyncio engine's HTTP client against real sockets on 127.0.0.1 with servers that misbehave
the way old township servers do: HTTP/1.0 bodies that end at close, kept-alive connections the
server drops while idle, interim 100 answers, chunks and headers split across packets,
truncated bodies, garbage, silence. Each server is a few lines of asyncio speaking raw bytes,
so every byte the client sees is the test's."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import ssl

import pytest
from scrapy.exceptions import (DownloadCancelledError, DownloadConnectionRefusedError, DownloadFailedError,
                               DownloadTimeoutError, ResponseDataLossError)
from scrapy.http import FormRequest, Request

from migrate.crawl import http1
from migrate.crawl.fetcher import Fetcher

HEADERS = {"User-Agent": "sitemigrate-test", "Accept-Encoding": "identity"}


class RawServer:
    """A server on 127.0.0.1 that answers each request with `script(request_head, body)`:
    a list of byte strings written with a short pause between them, then maybe a close."""

    def __init__(self, script, close_after_each=False):
        self.script = script
        self.close_after_each = close_after_each
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                self.requests.append((head, body))
                close = False
                for part in self.script(head, body):
                    if part is None:            # hang up here
                        close = True
                        break
                    writer.write(part)
                    await writer.drain()
                    await asyncio.sleep(0.01)
                if close or self.close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def run(coroutine):
    return asyncio.run(coroutine)


async def fetch_all(fetcher: Fetcher, *requests: Request):
    await fetcher.open()
    try:
        return [await fetcher.fetch(request) for request in requests]
    finally:
        await fetcher.close()


def ok(body: bytes, *extra: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), b"".join(extra), body)


def test_keep_alive_reuses_one_connection():
    async def go():
        async with RawServer(lambda head, body: [ok(b"hello")]) as server:
            responses = await fetch_all(Fetcher(5, None, HEADERS),
                                        *(Request(f"{server.url}/p{i}.html") for i in range(3)))
            return server, responses
    server, responses = run(go())
    assert [r.body for r in responses] == [b"hello"] * 3
    assert server.connections == 1
    assert [head.split(b"\r\n")[0] for head, _ in server.requests] == [
        b"GET /p0.html HTTP/1.1", b"GET /p1.html HTTP/1.1", b"GET /p2.html HTTP/1.1"]
    first = server.requests[0][0].decode("latin-1")
    assert f"Host: 127.0.0.1:{server.port}\r\n" in first and "User-Agent: sitemigrate-test\r\n" in first


def test_a_kept_alive_connection_the_server_dropped_is_replaced():
    # The server closes every connection after one answer without saying so (as IIS does after
    # its idle timeout): the next request finds the old connection dead and is sent again.
    async def go():
        async with RawServer(lambda head, body: [ok(b"again")], close_after_each=True) as server:
            fetcher = Fetcher(5, None, HEADERS)
            await fetcher.open()
            try:
                first = await fetcher.fetch(Request(server.url + "/a"))
                await asyncio.sleep(0.1)            # the server's close reaches us
                second = await fetcher.fetch(Request(server.url + "/b"))
            finally:
                await fetcher.close()
            return server, first, second
    server, first, second = run(go())
    assert first.body == second.body == b"again"
    assert server.connections == 2


def test_a_request_the_server_drops_unanswered_on_a_kept_alive_connection_is_sent_again():
    # The race behind the case above: the server's idle timeout fires just as our next request
    # arrives, and it closes without a byte of answer. Nothing was answered, so asking again
    # on a new connection is safe (and is what aiohttp and browsers do).
    async def go():
        connections = []

        async def serve(reader, writer):
            connections.append(writer)
            answered = 0
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while True:
                    await reader.readuntil(b"\r\n\r\n")
                    if answered:                    # the second request on a connection
                        break
                    writer.write(ok(b"answered"))
                    await writer.drain()
                    answered += 1
            writer.close()
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        try:
            responses = await fetch_all(Fetcher(5, None, HEADERS), Request(url + "/1"), Request(url + "/2"))
        finally:
            server.close()
        return len(connections), responses
    connections, responses = run(go())
    assert [r.body for r in responses] == [b"answered", b"answered"]
    assert connections == 2


def test_connection_close_is_honoured_even_if_the_server_keeps_the_socket_open():
    async def go():
        async with RawServer(lambda head, body: [ok(b"bye", b"Connection: close\r\n")]) as server:
            await fetch_all(Fetcher(5, None, HEADERS), Request(server.url + "/1"), Request(server.url + "/2"))
            return server
    assert run(go()).connections == 2


def test_http_1_0_body_without_length_ends_at_close():
    body = "一个没有长度的旧页面".encode("gbk") * 500
    script = lambda head, _: [b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=gb2312\r\n\r\n",
                              body[:1000], body[1000:], None]

    async def go():
        async with RawServer(script) as server:
            return await fetch_all(Fetcher(5, None, HEADERS), Request(server.url + "/old.asp"))
    [response] = run(go())
    assert response.status == 200 and response.body == body and response.protocol == "HTTP/1.0"


def test_interim_100_continue_chunks_and_split_headers():
    script = lambda head, _: [b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 200 OK\r\nTransfer-Enc",
                              b"oding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Name: ",
                              "附件.doc".encode("gbk") + b"\r\n\r\n5\r\nhel", b"lo\r\n6\r\n world\r\n0\r\n\r\n"]

    async def go():
        async with RawServer(script) as server:
            return await fetch_all(Fetcher(5, None, HEADERS), Request(server.url + "/chunked"))
    [response] = run(go())
    assert response.status == 200 and response.body == b"hello world"
    assert response.headers.getlist("Set-Cookie") == [b"a=1", b"b=2"]
    assert response.headers["X-Name"] == "附件.doc".encode("gbk")          # bytes as sent


def test_204_and_304_have_no_body_and_keep_the_connection():
    answers = iter([b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n",
                    ok(b"after")])

    async def go():
        async with RawServer(lambda head, body: [next(answers)]) as server:
            responses = await fetch_all(Fetcher(5, None, HEADERS),
                                        *(Request(f"{server.url}/{i}") for i in range(3)))
            return server, responses
    server, responses = run(go())
    assert [(r.status, r.body) for r in responses] == [(304, b""), (204, b""), (200, b"after")]
    assert server.connections == 1


@pytest.mark.parametrize("script, error", [
    (lambda head, _: [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b"only this", None], ResponseDataLossError),
    (lambda head, _: [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", None],
     ResponseDataLossError),
    (lambda head, _: [b"this is not HTTP\r\n\r\n"], DownloadFailedError),
    (lambda head, _: [b"HTTP/1.1 200 OK\r\nContent-Le", None], DownloadFailedError),
    (lambda head, _: [None], DownloadFailedError),
    (lambda head, _: [b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n", b"x" * 300000], DownloadCancelledError),
    (lambda head, _: [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                      *(b"10000\r\n" + b"y" * 0x10000 + b"\r\n" for _ in range(5)), b"0\r\n\r\n"], DownloadCancelledError),
], ids=["truncated", "truncated-chunked", "garbage", "cut-in-headers", "closed-at-once", "too-large-announced",
        "too-large-streamed"])
def test_broken_answers_raise_what_scrapy_raises(script, error):
    async def go():
        async with RawServer(script) as server:
            fetcher = Fetcher(5, 200_000, HEADERS)
            with pytest.raises(error):
                await fetch_all(fetcher, Request(server.url + "/broken"))
            assert not fetcher.pool.open             # a broken connection is never reused
            # and the next request is answered on a new connection as if nothing happened
            server.script = lambda head, _: [ok(b"fine")]
            [after] = await fetch_all(fetcher, Request(server.url + "/fine"))
            return after
    assert run(go()).body == b"fine"


def test_silence_times_out_and_a_closed_port_refuses():
    async def go():
        async with RawServer(lambda head, _: [b"HTTP/1.1 200 OK\r\n"]) as server:   # never finishes
            with pytest.raises(DownloadTimeoutError):
                await fetch_all(Fetcher(0.5, None, HEADERS), Request(server.url + "/slow"))
        with pytest.raises(DownloadConnectionRefusedError):
            await fetch_all(Fetcher(5, None, HEADERS), Request(server.url + "/gone"))
    run(go())


def test_post_sends_its_form_and_cookies_follow_the_session():
    # An ASP site: the first answer sets a session cookie (and one for /admin only); later
    # requests carry it, and so does the archived request (request.headers).
    def script(head, body):
        if head.startswith(b"GET /login"):
            return [ok(b"in", b"Set-Cookie: ASPSESSIONIDQ=abc123; path=/\r\n",
                       b"Set-Cookie: admin=1; path=/admin\r\n")]
        return [ok(b"ok")]

    async def go():
        async with RawServer(script) as server:
            form = FormRequest(server.url + "/list.asp", formdata={"page": "2", "lm": "新闻"}, encoding="gbk")
            responses = await fetch_all(Fetcher(5, None, HEADERS), Request(server.url + "/login"), form,
                                        Request(server.url + "/admin/x"))
            return server, form, responses
    server, form, _ = run(go())
    (_, _), (post_head, post_body), (admin_head, _) = server.requests
    assert post_head.startswith(b"POST /list.asp HTTP/1.1\r\n")
    assert post_body == b"page=2&lm=%D0%C2%CE%C5"
    assert b"\r\nContent-Length: %d\r\n" % len(post_body) in post_head
    assert b"\r\nCookie: ASPSESSIONIDQ=abc123\r\n" in post_head
    assert form.headers["Cookie"] == b"ASPSESSIONIDQ=abc123"
    cookies = next(line for line in admin_head.split(b"\r\n") if line.startswith(b"Cookie: "))
    assert sorted(cookies[8:].split(b"; ")) == [b"ASPSESSIONIDQ=abc123", b"admin=1"]


def test_http_through_a_proxy_goes_as_an_absolute_uri_with_credentials():
    async def go():
        async with RawServer(lambda head, _: [ok(b"via proxy")]) as proxy:
            request = Request("http://www.taoyuan.yunxi.gov.cn/xxgk/index.html?a=1",
                              meta={"proxy": f"http://county:p%40ss@127.0.0.1:{proxy.port}"})
            [response] = await fetch_all(Fetcher(5, None, HEADERS), request)
            return proxy, response
    proxy, response = run(go())
    head = proxy.requests[0][0].decode("latin-1")
    assert response.body == b"via proxy"
    assert head.startswith("GET http://www.taoyuan.yunxi.gov.cn/xxgk/index.html?a=1 HTTP/1.1\r\n")
    assert "\r\nHost: www.taoyuan.yunxi.gov.cn\r\n" in head
    assert "\r\nProxy-Authorization: Basic " + base64.b64encode(b"county:p@ss").decode() + "\r\n" in head


def test_what_our_client_sends_and_what_it_leaves_to_aiohttp():
    assert http1.is_plain("GET", "http://a.gov.cn/x", None)
    assert http1.is_plain("POST", "https://a.gov.cn/x", None)
    assert http1.is_plain("GET", "http://a.gov.cn/x", "http://proxy:3128")
    assert not http1.is_plain("GET", "https://a.gov.cn/x", "http://proxy:3128")      # needs CONNECT
    assert not http1.is_plain("GET", "http://user:pw@a.gov.cn/x", None)
    assert not http1.is_plain("HEAD", "http://a.gov.cn/x", None)
    assert http1.host_header("http://a.gov.cn:80/x") == "a.gov.cn"
    assert http1.host_header("https://a.gov.cn:8443/x") == "a.gov.cn:8443"
    assert http1.host_header("http://[::1]:8080/x") == "[::1]:8080"


def test_credentials_in_the_url_go_through_aiohttp():
    async def go():
        async with RawServer(lambda head, _: [ok(b"secret")]) as server:
            url = server.url.replace("http://", "http://editor:pw@") + "/admin/"
            [response] = await fetch_all(Fetcher(5, None, HEADERS), Request(url))
            return server, response
    server, response = run(go())
    assert response.body == b"secret"
    assert b"\r\nAuthorization: Basic " + base64.b64encode(b"editor:pw") + b"\r\n" in server.requests[0][0]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate that expired yesterday, as on many an old township site."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.gov.cn")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=400))
            .not_valid_after(now - datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def test_https_with_an_expired_self_signed_certificate_is_archived(certificate):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def go():
        async def serve(reader, writer):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(ok("过期证书的乡镇网站".encode("utf-8")))
            await writer.drain()
            with contextlib.suppress(ConnectionError):
                writer.close()
        server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        try:
            return await fetch_all(Fetcher(5, None, HEADERS), Request(f"https://127.0.0.1:{port}/"))
        finally:
            server.close()
    [response] = run(go())
    assert response.body.decode("utf-8") == "过期证书的乡镇网站"
