"""Crawl rules as plain functions: link discovery, CMS pagination, traps, kinds, file names."""

import lxml.html
import pytest

from migrate.crawl import pagination
from migrate.crawl.classify import file_name, kind_of, name_from_disposition, name_from_url
from migrate.crawl.discovery import (absolute, decode_page, fallback_links, markup_links, parse_html, refresh_links,
                                     script_file_links, script_file_urls, script_links, srcset_urls,
                                     stylesheet_links)
from migrate.crawl.scope import Scope, trap_rule, without_session_id

PAGE = "http://www.taoyuan.yunxi.gov.cn/zwgk/tzgg/index.html"


def links_of(html: str, url: str = PAGE):
    doc = parse_html(html)
    return markup_links(doc, url) + fallback_links(doc, url) + refresh_links(doc, url) + script_links(doc, url)


# ---------------------------------------------------------------------- discovery

def test_markup_links_cover_frames_images_objects_and_keep_anchor_text():
    found = links_of("""<frameset><frame src="top.htm"><frame src="main.htm">
        <noframes><body><a href="go.htm">进入</a></body></noframes></frameset>
        <a href="../zcwj/t1.html">关于 <b>春耕</b> 的通知</a><img src="/images/a.gif" alt="图片">
        <iframe src="/if.html"></iframe><embed src="/m.swf"><object data="/o.swf"></object>
        <area href="/map.html" alt="地图"><script src="/j.js"></script><link href="/c.css" rel="stylesheet">
        <form action="/search.asp"></form><a href="mailto:x@y.cn">信箱</a><a href="#top">顶部</a>""")
    got = {(link.url, link.text, link.source) for link in found}
    base = "http://www.taoyuan.yunxi.gov.cn"
    assert (f"{base}/zwgk/zcwj/t1.html", "关于 春耕 的通知", "a") in got
    assert (f"{base}/zwgk/tzgg/top.htm", "", "frame") in got
    assert (f"{base}/zwgk/tzgg/go.htm", "进入", "a") in got
    assert (f"{base}/images/a.gif", "图片", "img") in got
    assert (f"{base}/map.html", "地图", "area") in got
    assert {f"{base}/if.html", f"{base}/m.swf", f"{base}/o.swf", f"{base}/j.js", f"{base}/c.css"} <= {u for u, _, _ in got}
    assert not any("search.asp" in u or "mailto" in u for u, _, _ in got)


def test_stylesheet_links_resolve_against_the_sheet_and_skip_comments():
    sheet = "http://www.liuhe.yunxi.gov.cn/css/style.css"
    found = stylesheet_links("""@import "skin/blue.css"; @import 'print.css'; @import url(old.css) screen;
        /* .nav_old{background:url(../images/nav_old.gif)} */
        .nav{background:url(../images/nav.gif) repeat-x} .b{background-image:url( "../images/b g.jpg" )}
        .d{background:url(data:image/png;base64,iVBOR)} .e{cursor:url(/cur/hand.cur),auto}
        @font-face{src:url('../fonts/方正小标宋.woff') format("woff")} .x{background:url(http://cdn.example.com/x.png)}
        /* a comment left open to the end: url(../images/never.gif)""", sheet)
    base = "http://www.liuhe.yunxi.gov.cn"
    assert {link.source for link in found} == {"css"}
    assert sorted(link.url for link in found) == sorted([
        f"{base}/css/skin/blue.css", f"{base}/css/print.css", f"{base}/css/old.css", f"{base}/images/nav.gif",
        f"{base}/images/b%20g.jpg", f"{base}/cur/hand.cur",
        f"{base}/fonts/%E6%96%B9%E6%AD%A3%E5%B0%8F%E6%A0%87%E5%AE%8B.woff", "http://cdn.example.com/x.png"])


def test_lazy_and_responsive_images_are_found_on_media_elements_only():
    found = links_of("""<img class="lazy" src="/images/loading.gif" data-original="/pic/a.jpg" alt="新貌">
        <img src="/pic/b.jpg" srcset="/pic/b.jpg 1x, /pic/b_2x.jpg 2x" alt="丰收"><img lay-src="/pic/c.jpg">
        <img _src="/ue/d.png" src="/ue/d.png"><iframe data-src="/map.html"></iframe>
        <picture><source data-srcset="/pic/e.webp 480w,/pic/e_big.webp 800w"><img src="/pic/e.jpg"></picture>
        <div data-src="{&quot;id&quot;: 3}" data-original="/not/a/picture.jpg"></div>""")
    base = "http://www.taoyuan.yunxi.gov.cn"
    got = {(link.url.removeprefix(base), link.text) for link in found}
    assert {("/pic/a.jpg", "新貌"), ("/pic/b_2x.jpg", "丰收"), ("/pic/c.jpg", ""), ("/ue/d.png", ""),
            ("/map.html", ""), ("/pic/e.webp", ""), ("/pic/e_big.webp", "")} <= got
    assert not any("picture.jpg" in url or "%7B" in url for url, _ in got)


def test_quoted_file_paths_in_scripts_but_not_glued_pieces_or_endpoints():
    script = """var pics = new Array(); pics[0] = "/images/focus/2024cj.jpg"; pics[1]='fj/通知.doc';
        var swf = "/images/focus/" + "pixviewer.swf"; var more = "/images/focus/" + w + ".jpg";
        var last = "tail.gif" + suffix; var spaced = "a b.jpg"; var tpl = "${base}/x.png";
        $.post("/module/web/jpage/dataproxy.jsp", {col: 1}); location.href = "../english.asp";
        var url = "http://www.x.gov.cn/upload/a.pdf"; var t = "text/javascript"; var n = ".jpg";"""
    assert script_file_urls(script) == ["/images/focus/2024cj.jpg", "fj/通知.doc", "http://www.x.gov.cn/upload/a.pdf"]
    links = script_file_links([script], PAGE, "gb18030")
    assert {link.source for link in links} == {"script-file"}
    rooted = script_file_links([script], "http://www.taoyuan.yunxi.gov.cn/js/common.js", rooted_only=True)
    assert [link.url for link in rooted] == ["http://www.taoyuan.yunxi.gov.cn/images/focus/2024cj.jpg",
                                             "http://www.x.gov.cn/upload/a.pdf"]
    # a path is UTF-8 whatever the page's encoding (only a query takes the page's encoding)
    assert "http://www.taoyuan.yunxi.gov.cn/zwgk/tzgg/fj/%E9%80%9A%E7%9F%A5.doc" in {link.url for link in links}


def test_flash_movies_players_and_flashvars_pictures():
    found = links_of("""<object classid="clsid:D27CDB6E-AE6D-11cf-96B8-444553540000">
        <param name="Movie" value="/flash/top.swf"><param name="quality" value="high">
        <param name="FlashVars" value="pics=/flash/1.jpg|flash/2.jpg&amp;links=show.asp?id=1|show.asp?id=2&amp;texts=a|b">
        </object><embed src="/f/b.swf" flashvars="bcastr_file=%2Fup%2F3.png%7C%2Fup%2F4.png">
        <object><param name="URL" value="/media/talk.wmv"></object>""")
    base = "http://www.taoyuan.yunxi.gov.cn"
    got = {link.url.removeprefix(base) for link in found}
    assert {"/flash/top.swf", "/flash/1.jpg", "/zwgk/tzgg/flash/2.jpg", "/f/b.swf", "/up/3.png", "/up/4.png",
            "/media/talk.wmv"} <= got
    assert not any("show.asp" in url or url.endswith(("/high", "/a")) for url in got)


@pytest.mark.parametrize("value, urls", [
    ("a.jpg 1x, b.jpg 2x", ["a.jpg", "b.jpg"]),
    ("a.jpg 480w,b.jpg 800w", ["a.jpg", "b.jpg"]),
    ("  /p/a%20b.jpg  ", ["/p/a%20b.jpg"]),
    ("a.jpg 1.5x , b.jpg 2x,", ["a.jpg", "b.jpg"]),
    ("x.jpg?w=1,2 2x, y.jpg", ["x.jpg?w=1,2", "y.jpg"]),      # a comma inside a URL is the URL's
    ("", []),
])
def test_srcset_candidates(value, urls):
    assert srcset_urls(value) == urls


def test_style_elements_import_with_either_quote():
    got = {link.url for link in links_of("""<style>@import 'a.css'; @import "b.css"; .x{background:url(c.gif)}</style>""")}
    base = "http://www.taoyuan.yunxi.gov.cn/zwgk/tzgg"
    assert {f"{base}/a.css", f"{base}/b.css", f"{base}/c.gif"} <= got


def test_script_navigation_refresh_and_written_markup():
    found = {link.url for link in links_of("""<head><meta http-equiv="Refresh" content="0; URL=/new/index.html"></head>
        <script>window.location.href = "main.htm"; // comment</script>
        <script>top.location='/a.html'; location.replace("/b.html"); window.open('/c.html','w');</script>
        <span onclick="location.href='/d.html'">x</span><a href="javascript:window.open('/e.html')">e</a>
        <script>document.write('<a href="/f.html">f</a><img src="/g.jpg">');</script>
        <select onchange="location.href='list.asp?page='+this.value"></select>""")}
    base = "http://www.taoyuan.yunxi.gov.cn"
    assert {f"{base}/new/index.html", f"{base}/zwgk/tzgg/main.htm", f"{base}/a.html", f"{base}/b.html",
            f"{base}/c.html", f"{base}/d.html", f"{base}/e.html", f"{base}/f.html", f"{base}/g.jpg"} <= found
    assert not any("list.asp" in u for u in found)   # built at run time: no usable URL


def test_absolute_urls_follow_browsers():
    assert absolute("  ..\\files\\a.doc ", PAGE) == "http://www.taoyuan.yunxi.gov.cn/zwgk/files/a.doc"
    # path as UTF-8, query in the page's encoding (as browsers send them)
    assert absolute("/附件/说明.doc?名=值", PAGE, "gb18030") == \
        "http://www.taoyuan.yunxi.gov.cn/%E9%99%84%E4%BB%B6/%E8%AF%B4%E6%98%8E.doc?%C3%FB=%D6%B5"
    assert absolute("javascript:void(0)", PAGE) is None
    assert absolute("/x.html#part", PAGE) == "http://www.taoyuan.yunxi.gov.cn/x.html"


def test_decode_page_trusts_bytes_over_a_lying_header():
    body = '<html><meta charset="gb2312"><a href="/a">通知公告（镕）</a></html>'.encode("gb18030")
    text, codec = decode_page(body, "utf-8")
    assert "通知公告（镕）" in text and codec == "gb18030"
    assert decode_page("標題".encode("big5"), None, forced="big5")[0] == "標題"


# ---------------------------------------------------------------------- TRS

@pytest.mark.parametrize("script, expected", [
    ('createPageHTML(5, 0, "index", "html");', ["index_1.html", "index_2.html", "index_3.html", "index_4.html"]),
    ("createPageHTML('page_div', 3, 1, 'index', 'shtml', 45);", ["index_1.shtml", "index_2.shtml"]),
    ('var countPage = 3//共多少页\nvar currentPage = 0;\ncreatePageHTML(countPage, currentPage, "index", "htm");',
     ["index_1.htm", "index_2.htm"]),
    ("var countPage = 3;", ["index_1.html", "index_2.html"]),
    ('// createPageHTML(9, 0, "index", "html");\n/* createPageHTML(8, 0, "index", "html"); */\n'
     '<!-- createPageHTML(7, 0, "index", "html");\ncreatePageHTML(2, 0, "index", "html");', ["index_1.html"]),
    ('var s = "http://x/"; createPageHTML(2, 0, "list", "html");', ["list_1.html"]),
    ('createPageHTML(1, 0, "index", "html");', []),
])
def test_trs_page_count_variants(script, expected):
    paging = pagination.trs_paging([script])
    urls = pagination.trs_page_urls(paging, PAGE)
    assert urls == [f"http://www.taoyuan.yunxi.gov.cn/zwgk/tzgg/{name}" for name in expected]


def test_trs_commented_call_alone_generates_nothing():
    assert pagination.trs_paging(['// createPageHTML(9, 0, "index", "html");']) is None


# ---------------------------------------------------------------------- Hanweb

HANWEB = """<div id="4321"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=7&path=/&columnid=4321&unitid=8765&webname=%E9%9D%92%E7%9F%B3%E4%B9%A1&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2023/3/9/art_4321_1.html" target="_blank">春耕通知</a><span>2023-03-09</span></li>]]></record>
<record><![CDATA[<li><a href='/art/2023/3/8/art_4321_2.html'>防汛部署</a></li>]]></record>
</recordset></datastore></script>
<script>$('#4321').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:'2', totalRecord: 9, groupSize: 1,
  ajaxParam: {col:1, appid:1, webid:7, path:'/', columnid:4321, sourceContentType:1, unitid:8765, webname:'青石乡', permissiontype:0}});</script></div>"""


def test_hanweb_datastore_records_and_dataproxy_requests():
    doc = parse_html(HANWEB)
    scripts = [s.text for s in doc.iter("script") if s.text]
    found = pagination.hanweb_list(doc, scripts)
    links = pagination.record_links(found.records, "http://www.qingshi.yunxi.gov.cn/col/col4321/index.html", "utf-8", "datastore")
    assert [(l.url.rsplit("/", 1)[1], l.text) for l in links] == [("art_4321_1.html", "春耕通知"), ("art_4321_2.html", "防汛部署")]
    pages = pagination.dataproxy_pages(found, "http://www.qingshi.yunxi.gov.cn/col/col4321/index.html")
    assert [(p.start, p.end) for p in pages] == [(3, 4), (5, 6), (7, 8), (9, 10)]
    first = pages[0]
    assert first.url.startswith("http://www.qingshi.yunxi.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2")
    assert first.form["columnid"] == "4321" and first.form["unitid"] == "8765" and first.form["webname"] == "青石乡"
    assert "page" not in first.form
    # a resumed crawl rebuilds the same POST from the URL alone
    assert pagination.dataproxy_from_url(first.url).form == first.form
    # the site's own <nextgroup> GET link wins over generated POST ranges
    assert pagination.hanweb_requests(found, "http://www.qingshi.yunxi.gov.cn/col/col4321/index.html") == [
        "http://www.qingshi.yunxi.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=7&path=/&columnid=4321"
        "&unitid=8765&webname=%E9%9D%92%E7%9F%B3%E4%B9%A1&permissiontype=0"]
    found.next_group = None
    assert pagination.hanweb_requests(found, "http://h/col/col4321/index.html") == [
        p.url.replace("www.qingshi.yunxi.gov.cn", "h") for p in pages]
    found.total = 2
    assert pagination.hanweb_requests(found, "http://h/col/col4321/index.html") == []


def test_hanweb_total_from_dataproxy_answer_drives_the_next_request():
    found = pagination.HanwebList(records=["<li><a href='/a'>a</a></li>"] * 3, per_page=3, group_size=1)
    first = pagination.dataproxy_pages(found, "http://h/col/col1/index.html")
    assert len(first) == 1 and (first[0].start, first[0].end) == (4, 6)   # total unknown: one group
    answer = ("<datastore><totalrecord>8</totalrecord><recordset>"
              "<record><![CDATA[<li><a href='/art/x.html'>x</a></li>]]></record></recordset></datastore>")
    parsed = pagination.parse_dataproxy(answer)
    assert parsed.total == 8 and len(parsed.records) == 1 and parsed.next_group is None
    (following,) = pagination.dataproxy_followups(first[0].url, parsed)
    assert pagination.is_range_request(following)
    assert (pagination.dataproxy_from_url(following).start, pagination.dataproxy_from_url(following).end) == (7, 9)
    assert pagination.dataproxy_followups(following, parsed) == []
    chained = pagination.parse_dataproxy(
        "<datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=3&columnid=5\"></a>]]>"
        "</nextgroup><totalrecord>40</totalrecord><recordset></recordset></datastore>")
    assert pagination.dataproxy_followups("http://h/module/web/jpage/dataproxy.jsp?page=2&columnid=5", chained) == [
        "http://h/module/web/jpage/dataproxy.jsp?page=3&columnid=5"]


def test_query_pagination_fills_the_gaps():
    from migrate.crawl.discovery import FoundLink
    base = "http://www.liuhe.yunxi.gov.cn/list.asp?classid=5&page="
    links = [FoundLink(base + n, "", "a") for n in ("1", "2", "6")] + [FoundLink("http://x/show.asp?id=9", "", "a")]
    assert pagination.query_page_urls(links) == [base + n for n in ("3", "4", "5")]


# ---------------------------------------------------------------------- scope and traps

@pytest.mark.parametrize("url, rule", [
    ("http://h/calendar.asp?date=2019-01-01", "trap:calendar"),
    ("http://h/list.asp?classid=3&date=20190101", "trap:calendar"),
    ("http://h/rili/index.html", "trap:calendar"),
    ("http://h/art/1.html?print=1", "trap:print"),
    ("http://h/print.asp?id=3", "trap:print"),
    ("http://h/show.asp?id=3&action=print", "trap:print"),
    ("http://h/show.asp?id=3&jsessionid=abc", "trap:session-id"),
    ("http://h/show.jsp;jsessionid=0A1B2C3D?id=3", "trap:session-id"),
    ("http://h/index.php?PHPSESSID=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "trap:session-id"),
    ("http://h/a/b/a/b/index.html", "trap:repeated-segment"),
    ("http://h/x/x/x/index.html", "trap:repeated-segment"),
    ("http://h/search.asp?keyword=%D5%FE%B8%AE", "trap:search"),
    ("http://h/" + "a" * 2100, "trap:long-url"),
    ("http://h/art/2011/11/11/art_1_2.html", None),
    ("http://h/zwgk/zwgk/t1.html", None),
    ("http://h/list.asp?sid=3&classid=4", None),        # a short sid is a site id
    ("http://h/show.asp?id=20190101", None),
])
def test_trap_rules(url, rule):
    assert trap_rule(url) == rule


def test_session_ids_are_stripped_for_the_clean_url():
    assert without_session_id("http://h/show.jsp;jsessionid=0A1B?id=3") == "http://h/show.jsp?id=3"
    assert without_session_id("http://h/a.php?PHPSESSID=x&id=3") == "http://h/a.php?id=3"
    assert without_session_id("http://h/a.php?id=3") is None


def test_mirror_hosts_are_fetched_on_the_primary_host():
    scope = Scope(["www.liuhe.yunxi.gov.cn", "liuhe.yunxi.gov.cn", "www.liuhe.yunxi.gov.cn:8080", "xxgk.liuhe.yunxi.gov.cn"],
                  max_depth=3, max_pages=10, max_bytes=0, primary="www.liuhe.yunxi.gov.cn")
    assert scope.to_primary("http://liuhe.yunxi.gov.cn/a.asp?id=1") == "http://www.liuhe.yunxi.gov.cn/a.asp?id=1"
    assert scope.to_primary("http://www.liuhe.yunxi.gov.cn:8080/main.asp") == "http://www.liuhe.yunxi.gov.cn/main.asp"
    assert scope.to_primary("http://xxgk.liuhe.yunxi.gov.cn/a.html") == "http://xxgk.liuhe.yunxi.gov.cn/a.html"
    assert scope.to_primary("http://www.other.gov.cn/") == "http://www.other.gov.cn/"


def test_scope_hosts_ports_and_caps():
    scope = Scope(["www.liuhe.yunxi.gov.cn", "liuhe.yunxi.gov.cn", "www.liuhe.yunxi.gov.cn:8080"],
                  max_depth=3, max_pages=10, max_bytes=1000)
    assert scope.exclusion("http://liuhe.yunxi.gov.cn/a.html", 1, 0, 0) is None
    assert scope.exclusion("http://www.liuhe.yunxi.gov.cn:8080/a.html", 1, 0, 0) is None
    assert scope.exclusion("http://www.liuhe.yunxi.gov.cn:9090/a.html", 1, 0, 0) == "offsite"
    assert scope.exclusion("http://www.yunxi.gov.cn/", 1, 0, 0) == "offsite"
    assert scope.exclusion("http://liuhe.yunxi.gov.cn/a.html", 4, 0, 0) == "max-depth"
    assert scope.exclusion("http://liuhe.yunxi.gov.cn/a.html", 1, 10, 0) == "max-pages"
    assert scope.exclusion("http://liuhe.yunxi.gov.cn/a.html", 1, 0, 1000) == "max-bytes"


# ---------------------------------------------------------------------- kinds and file names

@pytest.mark.parametrize("header, name", [
    ('attachment; filename="预算表.xls"'.encode("gbk"), "预算表.xls"),
    ('attachment; filename="预算表.xls"'.encode("utf-8"), "预算表.xls"),
    (b"attachment; filename=%D4%A4%CB%E3.xls", "预算.xls"),
    (b"attachment; filename=%E9%A2%84%E7%AE%97.xls", "预算.xls"),
    (b"attachment; filename=\"x.xls\"; filename*=UTF-8''%E9%A2%84%E7%AE%97.xls", "预算.xls"),
    (b"attachment; filename*=GBK''%D4%A4%CB%E3.xls", "预算.xls"),
    (b'attachment; filename="=?UTF-8?B?6aKE566XLnhscw==?="', "预算.xls"),
    (b"inline", None),
])
def test_content_disposition_names(header, name):
    assert name_from_disposition(header) == name


def test_file_names_from_urls_and_link_text():
    assert name_from_url("http://h/uploads/%D6%D0%CE%C4.doc") == "中文.doc"
    assert name_from_url("http://h/uploads/%E4%B8%AD%E6%96%87.doc") == "中文.doc"
    assert name_from_url("http://h/module/download/downfile.jsp?filename=%D6%D0%CE%C4.pdf&classid=0") == "中文.pdf"
    assert name_from_url("http://h/download.asp?id=7") is None
    assert file_name("http://h/download.asp?id=7", None, "2024年预算") == "2024年预算"
    assert file_name("http://h/download.asp?id=7", b'attachment; filename="a.doc"', "x") == "a.doc"


@pytest.mark.parametrize("url, status, ctype, disposition, source, kind", [
    ("http://h/a.html", 200, "text/html", None, "a", "page"),
    ("http://h/download.asp?id=1", 200, "text/html", b"attachment; filename=a.doc", "a", "attachment"),
    ("http://h/P020230105.pdf", 200, "application/pdf", None, "a", "attachment"),
    ("http://h/f.wps", 200, "application/octet-stream", None, "a", "attachment"),
    ("http://h/logo.gif", 200, "image/gif", None, "img", "image"),
    ("http://h/c.css", 200, "text/css", None, "link", "asset"),
    ("http://h/missing.pdf", 404, "text/html", None, "a", "attachment"),
    ("http://h/missing.gif", 404, "text/html", None, "img", "image"),
    ("http://h/feed.xml", 200, "text/xml", None, "a", "other"),
])
def test_kinds(url, status, ctype, disposition, source, kind):
    assert kind_of(url, status, ctype, disposition, source) == kind


def test_lxml_fragment_parsing_is_tolerant():
    # Hanweb CDATA records are fragments; a broken one must not stop the rest
    assert pagination.record_links(["<li><a href='/a.html'>甲</a>", ""], "http://h/", "utf-8", "datastore")[0].text == "甲"
    assert lxml.html is not None
