"""The preview server, over real HTTP on 127.0.0.1: new pages, and old URLs answered as in production."""

import http.client
import threading
import time
from urllib.parse import quote, urlsplit

import pytest

from migrate.errors import UserError
from migrate.preview import make_server
from migrate.redirects import Redirect, write_redirects
from tests.test_verify import (ATTACHMENT_NAME, DROP_REASON, OLD_ARTICLE, OLD_ATTACHMENT,
                               OLD_LIUHE_ARTICLE, make_workspace)

TAOYUAN_HOST = "www.taoyuan.yunxi.gov.cn"
GBK_NAME = quote(ATTACHMENT_NAME.encode("gbk"))
UTF8_NAME = quote(ATTACHMENT_NAME)


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "county")


@pytest.fixture
def preview(ws):
    server = make_server(ws.config, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def request(server, uri, host=None, method="GET"):
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, uri, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def own(server, path=""):
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_serves_the_built_site(preview, ws):
    response, body = request(preview, "/")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "云溪县人民政府" in body.decode("utf-8")
    response, _ = request(preview, "/xzjd/taoyuan")
    assert response.status == 301 and response.getheader("Location") == "/xzjd/taoyuan/"
    response, body = request(preview, "/xzjd/taoyuan/")
    assert response.status == 200 and "桃源镇" in body.decode("utf-8")
    css, _ = request(preview, "/theme/site.css")
    assert css.getheader("Content-Type") == "text/css; charset=utf-8"


def test_serves_chinese_file_names(preview, ws):
    path = quote(ws.targets[OLD_ATTACHMENT])
    assert ATTACHMENT_NAME not in path and UTF8_NAME in path
    response, body = request(preview, path)
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/pdf"
    assert body == ws.site_file(OLD_ATTACHMENT).read_bytes()
    head, head_body = request(preview, path, method="HEAD")
    assert head.status == 200 and head_body == b"" and head.getheader("Content-Length") == str(len(body))


def test_missing_pages_and_escapes_get_a_chinese_404(preview):
    for uri in ["/xzjd/taoyuan/nothing.html", "/../sitemigrate.yaml", "/%2e%2e/sitemigrate.yaml",
                "/%D6%D0.html"]:
        response, body = request(preview, uri)
        assert response.status == 404, uri
        assert "页面不存在" in body.decode("utf-8")


@pytest.mark.parametrize("uri", [f"/uploads/{GBK_NAME}", f"/uploads/{UTF8_NAME}"])
def test_old_host_gets_301_to_the_preview_copy(preview, ws, uri):
    response, _ = request(preview, uri, host=TAOYUAN_HOST)
    assert response.status == 301
    location = response.getheader("Location")
    assert location == own(preview, quote(ws.targets[OLD_ATTACHMENT]))
    followed, body = request(preview, urlsplit(location).path)
    assert followed.status == 200 and body == ws.site_file(OLD_ATTACHMENT).read_bytes()


def test_old_urls_under_the_old_prefix(preview, ws):
    response, _ = request(preview, "/_old/www.taoyuan.yunxi.gov.cn/gzdt/202301/t20230105_1234.html")
    assert response.status == 301
    assert response.getheader("Location") == own(preview, ws.targets[OLD_ARTICLE])
    # Parameters in another order, on a host with a port; the Location keeps the Host used.
    response, _ = request(preview, "/_old/www.liuhe.yunxi.gov.cn/show.asp?id=12&classid=3",
                          host="localhost:1234")
    assert response.getheader("Location") == "http://localhost:1234" + ws.targets[OLD_LIUHE_ARTICLE]
    response, _ = request(preview, "/_old/bad:host/x.html")
    assert response.status == 404
    response, body = request(preview, "/_old/")
    assert response.status == 200 and "www.liuhe.yunxi.gov.cn:8080" in body.decode("utf-8")


def test_dropped_and_unknown_old_urls(preview):
    response, body = request(preview, "/ldxx/index.html", host=TAOYUAN_HOST)
    text = body.decode("utf-8")
    assert response.status == 410
    assert DROP_REASON in text and f"href='{own(preview, '/xzjd/taoyuan/')}'" in text
    response, body = request(preview, "/gzdt/202301/unknown.html", host="TAOYUAN.yunxi.gov.cn:80")
    assert response.status == 404
    assert "没有找到" in body.decode("utf-8") and own(preview, "/xzjd/taoyuan/") in body.decode("utf-8")


def test_rewritten_redirect_table_is_picked_up(preview, ws):
    response, _ = request(preview, "/new-page.html", host=TAOYUAN_HOST)
    assert response.status == 404
    time.sleep(0.01)      # a new mtime even on coarse file systems
    extra = Redirect("http://www.taoyuan.yunxi.gov.cn/new-page.html",
                     "https://www.yunxi.gov.cn/xzjd/taoyuan/", 301, "栏目迁移")
    write_redirects(ws.config, ws.redirects + [extra])
    response, _ = request(preview, "/new-page.html", host=TAOYUAN_HOST)
    assert response.status == 301 and response.getheader("Location") == own(preview, "/xzjd/taoyuan/")


def test_startup_errors_are_user_errors(ws, preview):
    with pytest.raises(UserError, match="端口"):
        make_server(ws.config, port=preview.server_address[1])
    ws.config.output = ws.root / "nowhere"
    with pytest.raises(UserError, match="build"):
        make_server(ws.config, port=0)
