"""The redirect table and every server format generated from it, including a real nginx."""

import http.client
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from migrate.errors import UserError
from migrate.redirects import (Redirect, RedirectTable, load_redirects, request_key, server_keys,
                               url_key, wire_forms, write_redirects)
from tests.test_verify import (ATTACHMENT_NAME, BASE, DROP_REASON, LIUHE, OLD_ARTICLE,
                               OLD_ATTACHMENT, OLD_COLUMN, OLD_DROPPED, OLD_LIUHE_ARTICLE, TAOYUAN,
                               make_workspace)

GBK_NAME = quote(ATTACHMENT_NAME.encode("gbk"))
UTF8_NAME = quote(ATTACHMENT_NAME.encode("utf-8"))
TAOYUAN_HOST = "www.taoyuan.yunxi.gov.cn"


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "county")


def read_outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def attachment_target(ws) -> str:
    return BASE + quote(ws.targets[OLD_ATTACHMENT])


# --------------------------------------------------------------------------- keys and lookups

def test_url_key_unifies_gbk_utf8_and_raw_spellings():
    expected = f"{TAOYUAN_HOST}/uploads/{UTF8_NAME}"
    assert url_key(f"{TAOYUAN}/uploads/{GBK_NAME}") == expected
    assert url_key(f"{TAOYUAN}/uploads/{UTF8_NAME}") == expected
    assert url_key(f"HTTP://WWW.Taoyuan.yunxi.gov.cn:80/uploads/{ATTACHMENT_NAME}#p2") == expected
    assert request_key("WWW.Taoyuan.yunxi.gov.cn:80", f"/uploads/{GBK_NAME}#p2") == expected
    # ASCII escapes keep their meaning: %2F is not a path separator.
    assert url_key("http://a.cn/x%2Fy?b=2&a=1") == "a.cn/x%2Fy?a=1&b=2"
    # GBK bytes of 通知 are also valid two-byte UTF-8; the Chinese reading wins.
    assert url_key("http://a.cn/" + quote("通知".encode("gbk"))) == "a.cn/" + quote("通知")


def test_wire_forms_cover_encodings_and_query_orders():
    forms = wire_forms(f"a.cn/show.asp?id=1&t={quote('通知'.encode('gbk'))}")
    assert f"a.cn/show.asp?id=1&t={quote('通知')}" in forms
    assert f"a.cn/show.asp?t={quote('通知'.encode('gbk'))}&id=1" in forms
    assert "a.cn/show.asp?t=通知&id=1" in forms
    assert len(forms) == 6


def test_lookup_accepts_every_spelling_of_a_request(ws):
    table = RedirectTable.for_config(ws.config, ws.redirects)
    target = attachment_target(ws)
    for uri in [f"/uploads/{GBK_NAME}", f"/uploads/{UTF8_NAME}", f"/uploads/{UTF8_NAME.lower()}",
                "/uploads/" + ATTACHMENT_NAME.encode("gbk").decode("latin-1"),   # raw, http.server style
                ("/uploads/" + ATTACHMENT_NAME).encode("utf-8"), f"/uploads/{ATTACHMENT_NAME}"]:
        found = table.lookup(TAOYUAN_HOST.upper() + ":80", uri)
        assert found is not None and found.new_url == target, uri
    # Query parameters in any order; an absolute-form request target.
    assert table.lookup(LIUHE[7:], "/show.asp?id=12&classid=3").old_url == OLD_LIUHE_ARTICLE
    assert table.lookup("x", OLD_LIUHE_ARTICLE).old_url == OLD_LIUHE_ARTICLE
    # Directory pages: /gzdt/, /gzdt and /gzdt/index.htm are the recorded /gzdt/index.html.
    for uri in ["/gzdt/", "/gzdt", "/gzdt/index.htm", "/gzdt/default.asp"]:
        assert table.lookup(TAOYUAN_HOST, uri).old_url == OLD_COLUMN, uri
    # The other host names of the same site answer too.
    assert table.lookup("taoyuan.yunxi.gov.cn", "/gzdt/202301/t20230105_1234.html").old_url == OLD_ARTICLE
    assert table.lookup("www.liuhe.yunxi.gov.cn:8080", "/show.asp?classid=3&id=12") is not None
    assert table.lookup(TAOYUAN_HOST, "/ldxx/").status == 410
    assert table.lookup(TAOYUAN_HOST, "/gzdt/202301/nothing.html") is None
    assert table.lookup("www.unknown.cn", "/gzdt/index.html") is None
    assert table.lookup("www.taoyuan.yunxi.gov.cn:port", "/gzdt/") is None
    assert table.lookup("", "gzdt/index.html") is None


def test_server_keys_are_unique_ignoring_case_and_prefer_exact_urls():
    redirects = [Redirect("http://a.cn/A.html", "https://n.cn/1.html", 301, "文章迁移"),
                 Redirect("http://a.cn/a.html", "https://n.cn/2.html", 301, "文章迁移"),
                 Redirect("http://a.cn/col/", "https://n.cn/col/", 301, "栏目迁移"),
                 Redirect("http://a.cn/col/index.htm", "https://n.cn/other/", 301, "栏目迁移")]
    keys, clashes = server_keys(redirects)
    folded = [k.lower() for k in keys]
    assert len(folded) == len(set(folded))
    assert clashes == 1 and keys["a.cn/A.html"].new_url == "https://n.cn/1.html"
    # /col/index.htm is a real old URL: its own row wins over the alternate spelling of /col/.
    assert keys["a.cn/col/index.htm"].new_url == "https://n.cn/other/"
    assert keys["a.cn/col/index.html"].new_url == "https://n.cn/col/"


# --------------------------------------------------------------------------- the CSV

def test_csv_is_excel_friendly_sorted_and_round_trips(ws):
    data = (ws.config.redirects_dir / "redirects.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfold_url,new_url,status,reason\r\n")
    loaded = load_redirects(ws.config.redirects_dir / "redirects.csv")
    assert [r.old_url for r in loaded] == sorted(r.old_url for r in ws.redirects)
    assert {(r.old_url, r.new_url, r.status, r.reason) for r in loaded} == \
        {(r.old_url, r.new_url, r.status, r.reason) for r in ws.redirects}
    gone = next(r for r in loaded if r.status == 410)
    assert (gone.old_url, gone.new_url, gone.reason) == (OLD_DROPPED, None, DROP_REASON)


def test_output_is_deterministic_and_repeats_are_merged(ws):
    out = ws.config.redirects_dir
    first = read_outputs(out)
    counts = write_redirects(ws.config, list(reversed(ws.redirects)) + ws.redirects[:2])
    assert read_outputs(out) == first
    assert counts["redirects"] == 8 and counts["moved"] == 7 and counts["gone"] == 1
    assert counts["query_urls"] == 1 and counts["hosts"] == 4


def test_one_old_url_with_two_fates_is_refused(ws):
    clash = Redirect(OLD_ARTICLE.replace("http://www.", "http://WWW."), None, 410, "重复")
    with pytest.raises(UserError, match="两个不同的去向"):
        write_redirects(ws.config, ws.redirects + [clash])


@pytest.mark.parametrize("row, needle", [
    ("http://a.cn/x.html,https://n.cn/,302,文章迁移", "301 或 410"),
    ("http://a.cn/x.html,,301,文章迁移", "new_url 应为绝对地址"),
    ("/x.html,https://n.cn/,301,文章迁移", "old_url"),
    ("http://a.cn/x.html,https://n.cn/,410,下线", "new_url 应为空"),
    ("http://a.cn/x.html,https://n.cn/", "应有 4 列"),
    ("http://a.cn/x.html,https://n.cn/,301,", "reason"),
    ("http://a.cn:port/x.html,https://n.cn/,301,文章迁移", "无法解析"),
])
def test_bad_rows_name_file_and_line(tmp_path, row, needle):
    path = tmp_path / "redirects.csv"
    path.write_text("old_url,new_url,status,reason\nhttp://a.cn/ok.html,https://n.cn/,301,文章迁移\n"
                    f"{row}\n", encoding="utf-8-sig")
    with pytest.raises(UserError) as info:
        load_redirects(path)
    message = str(info.value)
    assert str(path) in message and "第 3 行" in message and needle in message


def test_duplicate_rows_header_and_encoding_errors(tmp_path):
    path = tmp_path / "redirects.csv"
    path.write_text("old_url,new_url,status,reason\nhttp://a.cn/x.html,https://n.cn/,301,文章迁移\n\n"
                    "http://A.cn/x.html#top,https://n.cn/,301,文章迁移\n", encoding="utf-8")
    with pytest.raises(UserError, match="第 4 行.*与第 2 行重复"):
        load_redirects(path)
    path.write_text("旧地址,新地址\n", encoding="utf-8")
    with pytest.raises(UserError, match="第 1 行应为表头"):
        load_redirects(path)
    path.write_bytes("old_url,new_url,status,reason\nhttp://a.cn/x,https://n.cn/,301,文章迁移\n".encode("gbk"))
    with pytest.raises(UserError, match="第 2 行.*UTF-8"):
        load_redirects(path)
    with pytest.raises(UserError, match="找不到重定向表"):
        load_redirects(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- server formats

def test_nginx_map_holds_gbk_utf8_and_raw_keys(ws):
    text = (ws.config.redirects_dir / "nginx.conf").read_text(encoding="utf-8")
    target = attachment_target(ws)
    for name in (GBK_NAME, UTF8_NAME, ATTACHMENT_NAME):
        assert f'"{TAOYUAN_HOST}/uploads/{name}" "{target}";' in text
    assert f'"{TAOYUAN_HOST}/ldxx/index.html" "gone";' in text
    assert re.search(r"map_hash_max_size \d+;", text) and re.search(r"map_hash_bucket_size \d+;", text)
    assert text.count("server {") == 4
    assert "listen 8080;" in text and 'set $sitemigrate_site "www.liuhe.yunxi.gov.cn:8080";' in text
    assert 'set $sitemigrate_site "taoyuan.yunxi.gov.cn"; }' in text    # sibling fallback


def test_apache_map_and_rules(ws):
    out = ws.config.redirects_dir
    map_lines = (out / "apache-map.txt").read_text(encoding="utf-8").splitlines()
    target = attachment_target(ws)
    assert f"{TAOYUAN_HOST}/uploads/{GBK_NAME} {target}" in map_lines
    assert f"{TAOYUAN_HOST}/uploads/{UTF8_NAME} {target}" in map_lines
    assert f"{TAOYUAN_HOST}/ldxx/index.html GONE" in map_lines
    assert all(len(line.split()) == 2 for line in map_lines[1:])
    conf = (out / "apache.conf").read_text(encoding="utf-8")
    assert "RewriteMap sitemigrate \"txt:${SITEMIGRATE_REDIRECTS}/apache-map.txt\"" in conf
    assert conf.count("<VirtualHost") == 4 and "<VirtualHost *:8080>" in conf
    assert "[R=301,NE,QSD,L]" in conf and "[G,L]" in conf


def test_static_stubs(ws):
    stubs = ws.config.redirects_dir / "stubs"
    article = (stubs / TAOYUAN_HOST / "gzdt/202301/t20230105_1234.html").read_text(encoding="utf-8")
    target = BASE + ws.targets[OLD_ARTICLE]
    assert f"url={target}" in article and f'location.replace("{target}")' in article
    assert f"href='{target}'" in article
    assert (stubs / TAOYUAN_HOST / "uploads" / ATTACHMENT_NAME).exists()     # decoded GBK name
    assert (stubs / TAOYUAN_HOST / "index.html").exists()
    assert (stubs / "www.liuhe.yunxi.gov.cn_8080" / "index.html").exists()
    assert DROP_REASON in (stubs / TAOYUAN_HOST / "ldxx/index.html").read_text(encoding="utf-8")
    assert not list(stubs.rglob("show.asp*"))
    query_index = (stubs / "query-urls.csv").read_text(encoding="utf-8-sig")
    assert OLD_LIUHE_ARTICLE in query_index
    assert ATTACHMENT_NAME not in (stubs / "non-html-stubs.csv").read_text(encoding="utf-8-sig")
    assert OLD_ATTACHMENT in (stubs / "non-html-stubs.csv").read_text(encoding="utf-8-sig")
    assert "query-urls.csv" in (stubs / "README.txt").read_text(encoding="utf-8")


def test_stale_stubs_are_removed(ws):
    stubs = ws.config.redirects_dir / "stubs"
    write_redirects(ws.config, [r for r in ws.redirects if r.old_url != OLD_ARTICLE])
    assert not (stubs / TAOYUAN_HOST / "gzdt/202301/t20230105_1234.html").exists()
    assert (stubs / TAOYUAN_HOST / "gzdt/index.html").exists()


# --------------------------------------------------------------------------- real nginx

needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None,
                                 reason="nginx 不在 PATH 上（apt-get install nginx 后可运行）")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_wrapper(ws, tmp_path: Path, port: int) -> Path:
    """An nginx main config around the generated snippet, listening on 127.0.0.1:port only."""
    run = tmp_path / "nginx"
    (run / "tmp").mkdir(parents=True)
    snippet = (ws.config.redirects_dir / "nginx.conf").read_text(encoding="utf-8")
    # The only change to the generated file: where it listens. Drop the :8080 host, whose block
    # would otherwise share the test port with the port-80 block of the same name.
    snippet = re.sub(r"\n# [^\n]*:8080\nserver \{.*?\n\}\n", "\n", snippet, flags=re.S)
    snippet = re.sub(r"listen \d+;", f"listen 127.0.0.1:{port};", snippet)
    (run / "redirects.conf").write_text(snippet, encoding="utf-8")
    temp_paths = " ".join(f"{kind}_temp_path {run / 'tmp'};" for kind in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    wrapper = run / "nginx.conf"
    wrapper.write_text(f"""daemon off;
master_process off;
pid {run / 'nginx.pid'};
error_log {run / 'error.log'};
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp_paths}
    include {run / 'redirects.conf'};
}}
""", encoding="utf-8")
    return wrapper


@needs_nginx
def test_nginx_accepts_the_config(ws, tmp_path):
    wrapper = nginx_wrapper(ws, tmp_path, free_port())
    result = subprocess.run(["nginx", "-t", "-p", str(wrapper.parent), "-e", "stderr", "-c", str(wrapper)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def get(port: int, host: str, uri: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", uri, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode("utf-8", errors="replace")
    conn.close()
    return response.status, response.getheader("Location"), body


@needs_nginx
def test_real_nginx_answers_gbk_and_utf8_requests(ws, tmp_path):
    port = free_port()
    wrapper = nginx_wrapper(ws, tmp_path, port)
    server = subprocess.Popen(["nginx", "-p", str(wrapper.parent), "-e", "stderr", "-c", str(wrapper)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        target = attachment_target(ws)
        assert get(port, TAOYUAN_HOST, f"/uploads/{GBK_NAME}")[:2] == (301, target)
        assert get(port, TAOYUAN_HOST, f"/uploads/{UTF8_NAME}")[:2] == (301, target)
        assert get(port, TAOYUAN_HOST, f"/uploads/{UTF8_NAME.lower()}")[:2] == (301, target)
        assert get(port, "WWW.TAOYUAN.yunxi.gov.cn", f"/uploads/{GBK_NAME}")[:2] == (301, target)
        status, _, body = get(port, TAOYUAN_HOST, "/ldxx/index.html")
        assert status == 410 and f"{BASE}/xzjd/taoyuan/" in body and "已下线" in body
        assert get(port, TAOYUAN_HOST, "/gzdt/")[:2] == (301, BASE + "/xzjd/taoyuan/gzdt/")
        # Same site under its other name; query parameters in another order.
        assert get(port, "taoyuan.yunxi.gov.cn", "/gzdt/202301/t20230105_1234.html")[:2] == \
            (301, BASE + ws.targets[OLD_ARTICLE])
        assert get(port, "www.liuhe.yunxi.gov.cn", "/show.asp?id=12&classid=3")[:2] == \
            (301, BASE + ws.targets[OLD_LIUHE_ARTICLE])
        status, _, body = get(port, TAOYUAN_HOST, "/gzdt/202301/unknown.html")
        assert status == 404 and "页面不存在" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
