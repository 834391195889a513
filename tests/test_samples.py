"""The bundled sample township sites: what the server answers, and that the truth matches it."""

from __future__ import annotations

import hashlib
import http.client
import io
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from xml.etree import ElementTree

import pytest

from migrate.samples import truth
from migrate.samples.content import id_check_digit
from migrate.samples.liuhe import Liuhe
from migrate.samples.qingshi import Qingshi
from migrate.samples.server import start_sample_server
from migrate.samples.sites import sample_sites
from migrate.samples.taoyuan import Taoyuan

ROOT = Path(__file__).resolve().parents[1]
TAOYUAN, QINGSHI, LIUHE = (f"http://www.{t}.yunxi.gov.cn" for t in ("taoyuan", "qingshi", "liuhe"))


@pytest.fixture(scope="module")
def server():
    with start_sample_server() as running:
        yield running


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def text(self) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            return self.body.decode("gb18030")


def proxied(server, url: str, data: bytes | None = None, headers: dict | None = None) -> Response:
    """Fetch through the server as an HTTP proxy, the way the crawler does."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as reply:
            return Response(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def by_host(server, host: str, path: str, method: str = "GET", headers: dict | None = None,
            body: bytes | None = None) -> Response:
    """Fetch from the server directly, naming the site in the Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
    reply = conn.getresponse()
    result = Response(reply.status, reply.headers, reply.read())
    conn.close()
    return result


def articles(town: str, **match) -> list[dict]:
    return [a for a in truth.ARTICLES if a["town"] == town and all(a[k] == v for k, v in match.items())]


def site_article(site_slug: str, url: str):
    site = sample_sites()[site_slug]
    return next(a for a in site.articles if truth.canonical_url(a.url) == url)


# ---------------------------------------------------------------- hosting

def test_proxy_and_host_header_and_aliases_answer_the_same_site(server):
    via_proxy = proxied(server, TAOYUAN + "/index.html")
    via_host = by_host(server, "www.taoyuan.yunxi.gov.cn", "/index.html")
    bare = by_host(server, "taoyuan.yunxi.gov.cn", "/")
    assert via_proxy.status == via_host.status == bare.status == 200
    assert via_proxy.body == via_host.body == bare.body
    assert "桃源镇人民政府" in via_proxy.text()
    liuhe_8080 = proxied(server, "http://www.liuhe.yunxi.gov.cn:8080/main.asp")
    assert liuhe_8080.status == 200 and liuhe_8080.body == proxied(server, LIUHE + "/main.asp").body
    assert by_host(server, "www.qingshi.yunxi.gov.cn:80", "/index.html").status == 200
    assert by_host(server, "www.example.gov.cn", "/").status == 404
    assert proxied(server, "http://www.unknown.yunxi.gov.cn/").status == 404
    assert proxied(server, TAOYUAN + "/no/such/page.html").status == 404


def test_robots_and_sitemap(server):
    for base in (TAOYUAN, QINGSHI, LIUHE):
        robots = proxied(server, base + "/robots.txt")
        assert robots.status == 200 and "Disallow: /admin/" in robots.text()
    sitemap = proxied(server, TAOYUAN + "/sitemap.xml")
    locs = {e.text for e in ElementTree.fromstring(sitemap.body).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {a["url"] for a in articles("taoyuan")} <= locs


def test_conditional_requests_head_and_keep_alive(server):
    first = by_host(server, "www.taoyuan.yunxi.gov.cn", "/zwdt/index.html")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified and int(first.headers["Content-Length"]) == len(first.body)
    again = by_host(server, "www.taoyuan.yunxi.gov.cn", "/zwdt/index.html", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    since = by_host(server, "www.taoyuan.yunxi.gov.cn", "/zwdt/index.html", headers={"If-Modified-Since": modified})
    assert since.status == 304
    older = by_host(server, "www.taoyuan.yunxi.gov.cn", "/zwdt/index.html",
                    headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})
    assert older.status == 200 and older.body == first.body
    stale_tag = by_host(server, "www.taoyuan.yunxi.gov.cn", "/zwdt/index.html", headers={"If-None-Match": '"0000"'})
    assert stale_tag.status == 200
    head = by_host(server, "www.taoyuan.yunxi.gov.cn", "/zwdt/index.html", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["Content-Length"] == str(len(first.body))

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    urls = [a["url"] for a in truth.ARTICLES]
    started = time.perf_counter()
    for i in range(300):
        conn.request("GET", urls[i % len(urls)])          # absolute form, one kept-alive connection
        reply = conn.getresponse()
        assert reply.status == 200 and reply.read()
    rate = 300 / (time.perf_counter() - started)
    conn.close()
    assert rate > 100, f"only {rate:.0f} requests/s"


def test_foreground_command_serves_until_stopped():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "migrate.samples.server", "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert f"127.0.0.1:{port}" in process.stdout.readline()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", QINGSHI + "/index.html")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---------------------------------------------------------------- taoyuan (TRS, GBK)

def test_taoyuan_pages_are_gbk_whatever_the_header_says(server):
    lying = silent = 0
    for article in articles("taoyuan"):
        reply = proxied(server, article["url"])
        content_type = reply.headers["Content-Type"]
        assert b"charset=gb2312" in reply.body[:400]
        if "UTF-8" in content_type:
            lying += 1
            with pytest.raises(UnicodeDecodeError):
                reply.body.decode("utf-8")
        else:
            assert content_type == "text/html"
            silent += 1
        assert article["title"] in reply.body.decode("gb18030")
    assert lying >= 5 and silent >= 5
    leader = proxied(server, articles("taoyuan", title="王镕")[0]["url"])
    assert "王镕".encode("gbk") in leader.body           # 镕 is GBK, not GB2312
    with pytest.raises(UnicodeEncodeError):
        "镕".encode("gb2312")


def test_taoyuan_page_count_only_in_create_page_html(server):
    news = proxied(server, TAOYUAN + "/zwdt/index.html").text()
    assert 'createPageHTML(3, 0, "index", "html");' in news
    assert "index_1.html" not in news and "index_2.html" not in news
    for page in ("index_1.html", "index_2.html"):
        assert proxied(server, TAOYUAN + "/zwdt/" + page).status == 200
    assert proxied(server, TAOYUAN + "/zwdt/index_3.html").status == 404
    assert 'createPageHTML("page_div", 2, 1, "index", "html", 7);' in proxied(server, TAOYUAN + "/zwgk/zcwj/index.html").text()
    assert "var countPage = 2//共多少页" in proxied(server, TAOYUAN + "/zwgk/czyjs/index.html").text()
    pictures = proxied(server, TAOYUAN + "/tpxw/index.html").text()
    commented, real = '//createPageHTML(1, 0, "index", "html");', 'createPageHTML(2, 0, "index", "html");'
    assert pictures.index(commented) < pictures.index(real)


def test_taoyuan_urls_split_article_and_encoded_attachment_names(server):
    for article in articles("taoyuan"):
        assert re.search(r"/\d{6}/t\d{8}_\d+\.html$", article["url"])
    split = [a for a in articles("taoyuan") if a["extra_pages"]]
    assert len(split) == 1 and split[0]["extra_pages"][0].endswith(split[0]["url"].rsplit("/", 1)[1][:-5] + "_1.html")
    second = proxied(server, split[0]["extra_pages"][0])
    assert second.status == 200 and 'class="TRS_Editor"' in second.text()
    names = {a["url"]: a["name"] for a in truth.ATTACHMENTS if a["town"] == "taoyuan"}
    gbk = [u for u in names if "%CC%D2" in u]
    utf8 = [u for u in names if "%E5%B9%B4" in u]
    assert gbk and utf8
    assert unquote_to_bytes(urlsplit(gbk[0]).path.rsplit("/", 1)[1]).decode("gbk") == names[gbk[0]]
    assert unquote(urlsplit(utf8[0]).path.rsplit("/", 1)[1]) == names[utf8[0]]
    assert all(re.search(r"/P0\d{8}\d{12}\.\w+$", u) for u in names if "%" not in u)
    assert {u.rsplit(".", 1)[1] for u in names} >= {"pdf", "doc", "xls", "docx", "xlsx", "zip", "wps"}


# ---------------------------------------------------------------- qingshi (Hanweb)

def _records(xml_text: str) -> list[str]:
    return re.findall(r'href="(/art/[^"]+)"', xml_text)


def test_qingshi_later_list_pages_only_through_dataproxy(server):
    first = proxied(server, QINGSHI + "/col/col5543/index.html").text()
    assert '<script type="text/xml"><datastore>' in first and "totalRecord: 21" in first and "perPage: 10" in first
    embedded = _records(first)
    assert len(embedded) == 10
    page2 = proxied(server, truth.dataproxy_url(5543, 2))
    assert page2.status == 200 and page2.headers["Content-Type"].startswith("text/xml")
    store = ElementTree.fromstring(page2.body)
    assert store.findtext("totalrecord") == "21" and store.findtext("totalpage") == "3"
    got = [re.search(r'href="([^"]+)"', r.text).group(1) for r in store.iter("record")]
    assert len(got) == 10 and not set(got) & set(embedded)
    form = (b"col=1&appid=1&webid=87&path=%2F&columnid=5543&unitid=31245&permissiontype=0"
            b"&webname=%E9%9D%92%E7%9F%B3%E4%B9%A1%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C")
    posted = proxied(server, QINGSHI + "/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10", data=form)
    assert _records(posted.text()) == got
    all_fields = proxied(server, QINGSHI + "/module/web/jpage/dataproxy.jsp",
                         data=b"startrecord=21&endrecord=30&perpage=10&columnid=5543&col=1&appid=1&webid=87")
    assert len(_records(all_fields.text())) == 1
    plain_pages = [u for u, kind in truth.expected_urls_kinds("qingshi").items() if kind in ("page", "list") and "dataproxy" not in u]
    plain_html = "".join(proxied(server, u).text() for u in plain_pages)
    outside_xml = re.sub(r"<script type=\"text/xml\">.*?</script>", "", plain_html, flags=re.S)
    assert not set(got) & set(re.findall(r'href="(/art/[^"]+)"', outside_xml))


def test_qingshi_article_markers_and_download_names(server):
    for article in articles("qingshi"):
        assert re.search(r"/art/\d{4}/[1-9]\d?/[1-9]\d?/art_\d+_\d+\.html$", article["url"])
    page = proxied(server, articles("qingshi", title="青石乡人民政府2024年部门预算公开")[0]["url"]).text()
    assert page.index("<!--ZJEG_RSS.content.begin-->") < page.index("<!--ZJEG_RSS.content.end-->")
    downloads = [a for a in truth.ATTACHMENTS if a["town"] == "qingshi"]
    assert all("/module/download/downfile.jsp?classid=0&filename=" in a["url"] for a in downloads)
    gbk_seen = rfc_seen = False
    for attachment in downloads:
        reply = by_host(server, "www.qingshi.yunxi.gov.cn", attachment["url"].split("yunxi.gov.cn", 1)[1])
        disposition = reply.headers["Content-Disposition"]
        if "filename*=" in disposition:
            encoded = disposition.split("filename*=UTF-8''", 1)[1]
            assert unquote(encoded) == attachment["name"]
            rfc_seen = True
        else:
            assert disposition.encode("latin-1").split(b"filename=", 1)[1].decode("gbk") == attachment["name"]
            gbk_seen = True
    assert gbk_seen and rfc_seen


# ---------------------------------------------------------------- liuhe (ASP)

def test_liuhe_frames_script_only_page_and_encodings(server):
    home = proxied(server, LIUHE + "/").text()
    assert all(f'src="{frame}"' in home for frame in ("top.asp", "left.asp?menu=1", "main.asp"))
    guide = articles("liuhe", column_path=["政务公开", "政府信息公开指南"])[0]
    guide_path = guide["url"].split("/")[-1]
    left = proxied(server, LIUHE + "/left.asp?menu=1").text()
    assert f"window.open('{guide_path}'" in left and "location.href='list.asp?classid=10'" in left
    only_behind_guide = LIUHE + "/list.asp?classid=12"      # reached from the guide's own breadcrumb
    for url, kind in truth.expected_urls_kinds("liuhe").items():
        if kind in ("page", "list") and url not in (guide["url"], only_behind_guide):
            assert f'href="{guide_path}"' not in proxied(server, url).text(), url
    news = proxied(server, LIUHE + "/list.asp?classid=4&page=2").text()
    assert '<a href="list.asp?classid=4&page=3">下一页</a>' in news
    utf8 = [a for a in articles("liuhe") if a["date"] >= "2020-07-01"]
    older = [a for a in articles("liuhe") if a["date"] < "2020-07-01"]
    assert proxied(server, utf8[0]["url"]).body.decode("utf-8")
    assert b"charset=gb2312" in proxied(server, older[0]["url"]).body[:200]
    asp_time = [a for a in older if a["time"] and a["date"] == "2019-03-08"][0]
    assert "发布时间：2019-3-8 9:05:" in proxied(server, asp_time["url"]).text()


def test_liuhe_attachment_paths_are_gbk_percent_encoded(server):
    budget = next(a for a in truth.ATTACHMENTS if a["name"] == "2020年财政预算公开.xls")
    assert budget["url"].endswith(
        "/UploadFiles/%B8%BD%BC%FE/2020%C4%EA%B2%C6%D5%FE%D4%A4%CB%E3%B9%AB%BF%AA.xls")
    page = proxied(server, budget["article_url"]).body
    assert b'href="UploadFiles/%B8%BD%BC%FE/2020%C4%EA' in page
    assert hashlib.sha256(proxied(server, budget["url"]).body).hexdigest() == budget["sha256"]
    same_in_utf8 = LIUHE + "/UploadFiles/%E9%99%84%E4%BB%B6/2020%E5%B9%B4%E8%B4%A2%E6%94%BF%E9%A2%84%E7%AE%97%E5%85%AC%E5%BC%80.xls"
    assert proxied(server, same_in_utf8).status == 200


def test_liuhe_traps(server):
    url = LIUHE + "/calendar.asp?date=2019-01-01"
    seen = set()
    for _ in range(40):                                   # the calendar never ends
        reply = proxied(server, url)
        assert reply.status == 200 and truth.is_trap_url(url)
        seen.add(url)
        url = LIUHE + "/" + re.search(r'href="(calendar\.asp\?date=[\d-]+)">后一天', reply.text()).group(1)
    assert len(seen) == 40 and url.endswith("2019-02-10")
    back = proxied(server, LIUHE + "/calendar.asp?date=1999-12-31").text()
    assert "calendar.asp?date=1999-12-30" in back
    printed = proxied(server, LIUHE + "/show.asp?id=24&print=1")
    assert printed.status == 200 and truth.is_trap_url(LIUHE + "/show.asp?id=24&print=1")
    session = proxied(server, LIUHE + "/main.asp?sid=5F3A9C2E71B4D8A6").text()
    assert "show.asp?id=56&sid=5F3A9C2E71B4D8A6" in session
    assert proxied(server, LIUHE + "/list.asp?classid=4&sid=ANY").status == 200
    assert truth.trap_urls_linked("liuhe") and not truth.trap_urls_linked("taoyuan")
    assert all(not truth.is_trap_url(u) for town in truth.SITES for u in truth.expected_archivable_urls(town))
    assert truth.broken_urls_linked("liuhe") == {LIUHE + "/zhuanti/wmcj/index.asp"}
    assert proxied(server, LIUHE + "/zhuanti/wmcj/index.asp").status == 404
    assert proxied(server, LIUHE + "/show.asp?id=999").status == 404


# ---------------------------------------------------------------- truth against what is served

def test_every_truth_article_is_served_with_its_title(server):
    for article in truth.ARTICLES:
        reply = proxied(server, article["url"])
        assert reply.status == 200, article["url"]
        assert article["title"] in reply.text(), article["url"]
        assert article["date"] in _shown_dates(reply.text()), article["url"]
        if article["time"]:
            hour, minute = article["time"].split(":")
            assert f"{article['time']}" in reply.text() or f" {int(hour)}:{minute}:" in reply.text()
        if article["meta_time"]:
            assert f'name="PubDate" content="{article["date"]} {article["meta_time"]}"' in reply.text()
        else:
            assert 'name="PubDate"' not in reply.text()


def _shown_dates(text: str) -> set[str]:
    """Every date the page shows, normalised to YYYY-MM-DD."""
    found = set()
    for y, m, d in re.findall(r"(20\d\d)[-/年](\d{1,2})[-/月](\d{1,2})", text):
        found.add(f"{y}-{int(m):02d}-{int(d):02d}")
    return found


def test_every_attachment_matches_its_hash_and_format(server):
    magic = {"pdf": b"%PDF-", "doc": b"\xd0\xcf\x11\xe0", "xls": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0",
             "docx": b"PK\x03\x04", "xlsx": b"PK\x03\x04", "zip": b"PK\x03\x04"}
    for attachment in truth.ATTACHMENTS:
        body = proxied(server, attachment["url"]).body
        assert hashlib.sha256(body).hexdigest() == attachment["sha256"], attachment["url"]
        assert body.startswith(magic[attachment["name"].rsplit(".", 1)[1]])
    for article in truth.ARTICLES:
        for image in article["images"]:
            assert proxied(server, image).body[:4] in (b"\xff\xd8\xff\xe0", b"\x89PNG", b"GIF8")


def test_expected_urls_are_all_served_and_complete(server):
    for town, site in truth.SITES.items():
        urls = truth.expected_archivable_urls(town)
        by_kind = truth.expected_urls_by_kind(town)
        for url in urls:
            assert proxied(server, url).status == 200, url
        town_articles = articles(town)
        assert len(town_articles) >= 40
        assert {a["url"] for a in town_articles} | {u for a in town_articles for u in a["extra_pages"]} <= by_kind["page"]
        assert {a["url"] for a in truth.ATTACHMENTS if a["town"] == town} == by_kind["attachment"]
        assert {u for a in town_articles for u in a["images"]} <= by_kind["image"]
        leaves = [c for top in site["columns"] for c in [top, *top["children"]] if c["articles"]]
        assert len(leaves) >= 6
        assert {u for c in leaves for u in c["list_urls"]} <= by_kind["list"]


def test_truth_fields_and_traps_for_extractors():
    titles = {a["title"] for a in truth.ARTICLES}
    assert any(re.search(r"20\d\d年\d+月\d+日", t) for t in titles)          # a date inside a title
    formats = {a["index_no"].split("/")[0][:2] for a in truth.ARTICLES if a["index_no"]}
    assert len({re.sub(r"\d", "9", a["index_no"]) for a in truth.ARTICLES if a["index_no"]}) >= 3 and formats
    assert any(a["doc_no"] and re.match(r"桃政(办)?发〔\d{4}〕\d+号", a["doc_no"]) for a in truth.ARTICLES)
    moved = [a for a in articles("taoyuan") if re.search(r"/t(\d{8})_", a["url"]).group(1) != a["date"].replace("-", "")]
    assert len(moved) == 1
    written_differs = [a for a in articles("taoyuan") if a["doc_no"]
                       and site_article("taoyuan", a["url"]).written.isoformat() != a["date"]]
    assert written_differs
    assert any(a["time"] for a in truth.ARTICLES) and any(a["time"] is None for a in truth.ARTICLES)
    assert all(a["org"] for a in truth.ARTICLES)
    reposted = [a for a in truth.ARTICLES if a["title"].startswith("云溪县人民政府办公室关于做好2023年元旦")]
    assert {a["town"] for a in reposted} == {"taoyuan", "qingshi"}


def test_generic_titles_and_breadcrumbs_as_served(server):
    generic = [a for a in articles("taoyuan") if site_article("taoyuan", a["url"]).options.get("generic_title")]
    assert generic
    assert "<title>桃源镇人民政府</title>" in proxied(server, generic[0]["url"]).text()
    notice = articles("taoyuan", column_path=["政务公开", "通知公告"])[0]
    assert re.search(r"当前位置：<a[^>]*>首页</a>&nbsp;&gt;&nbsp;<a[^>]*>政务公开</a>&nbsp;&gt;&nbsp;<a[^>]*>通知公告</a>",
                     proxied(server, notice["url"]).text())
    assert "您当前所在位置：" in proxied(server, articles("qingshi")[0]["url"]).text()
    assert " » " in proxied(server, articles("qingshi")[0]["url"]).text()
    assert " &gt;&gt; " in proxied(server, articles("liuhe")[0]["url"]).text()


def test_screening_fixtures(server):
    liuhe_pages = [proxied(server, a["url"]).text() for a in articles("liuhe")]
    hidden = [p for p in liuhe_pages if '<div style="display:none">' in p]
    assert len(hidden) == 1 and all(w in hidden[0] for w in ("澳门新葡京", "六合彩开奖", "娱乐城"))
    dibao = articles("qingshi", title="青石乡2023年第四季度城乡低保新增对象公示")[0]
    page = proxied(server, dibao["url"]).text()
    ids = re.findall(r"(?<!\d)(\d{17}[\dX])(?!\d)", page)
    assert len(ids) == 1 and id_check_digit(ids[0][:17]) == ids[0][17]
    assert re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", page)
    bodies = []
    for article in truth.ARTICLES:
        if article["title"].startswith("云溪县人民政府办公室关于做好2023年元旦"):
            text = proxied(server, article["url"]).text()
            bodies.append(re.sub(r"<[^>]+>", "", text.split("各乡镇人民政府", 1)[1].split("2022年12月16日", 1)[0]))
    assert len(bodies) == 2 and bodies[0] == bodies[1]


def test_sites_are_deterministic():
    built = sample_sites()
    for cls in (Taoyuan, Qingshi, Liuhe):
        fresh = cls()
        cached = built[cls.slug]
        assert fresh.resources.keys() == cached.resources.keys()
        assert all(fresh.resources[k].body == cached.resources[k].body for k in fresh.resources)


def test_generated_files_are_well_formed():
    site = sample_sites()["taoyuan"]
    by_ext = {}
    for asset in site.files:
        by_ext.setdefault(asset.url.rsplit(".", 1)[1].lower(), asset.data)
    png = by_ext["png"]
    width, height = struct.unpack(">II", png[16:24])
    length = struct.unpack(">I", png[33:37])[0]
    assert png[37:41] == b"IDAT" and zlib.crc32(png[12:29]) == struct.unpack(">I", png[29:33])[0]
    assert len(zlib.decompress(png[41:41 + length])) == height * (1 + 3 * width)
    gif = by_ext["gif"]
    assert gif.startswith(b"GIF89a") and gif.endswith(b"\x3b")
    jpeg = by_ext["jpg"]
    sof = jpeg.index(b"\xff\xc0")
    assert jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9") and struct.unpack(">HH", jpeg[sof + 5:sof + 9])[0] > 0
    pdf = by_ext["pdf"]
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:] if re.match(rb"\d{10} 00000 n", line)]
    assert all(pdf[off:].startswith(b"%d 0 obj" % (i + 1)) for i, off in enumerate(offsets))
    doc = by_ext["doc"]
    assert doc[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and "WordDocument".encode("utf-16-le") in doc
    with zipfile.ZipFile(io.BytesIO(by_ext["docx"])) as docx:
        assert "word/document.xml" in docx.namelist()


def test_mappings_cover_every_column_and_the_standard():
    from migrate.config import load_config
    from migrate.mapping import load_mapping, load_standard, standard_path

    config = load_config(ROOT / "sitemigrate.yaml")
    standard = load_standard(standard_path(config))
    received = set()
    for town in truth.SITES:
        mapping = load_mapping(config, town, standard)
        paths = {" > ".join(a["column_path"]) for a in articles(town)}
        assert set(mapping.columns) == paths, town
        drops = [key for key, target in mapping.columns.items() if target.drop]
        assert len(drops) <= 1
        received |= {t.slug for t in mapping.columns.values() if t.slug}
    assert {c.slug for c in standard.columns if c.type != "group"} <= received


def test_every_discovery_case_leads_to_a_served_expected_url():
    from migrate.samples.discovery_cases import DISCOVERY_CASES, served

    assert len(DISCOVERY_CASES) >= 29
    for case in DISCOVERY_CASES.values():
        expected = truth.expected_archivable_urls(case.town)
        assert served(case) is not None and case.url in expected, case.name
        assert case.via in expected or case.via.endswith(".xml"), case.name
