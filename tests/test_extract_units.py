"""Unit tests of the extraction building blocks: encodings, dates, labels, titles, links."""

import codecs

import pytest

from migrate.extract import decode_html, extract
from migrate.extract.dates import is_date_line, parse_date, url_date
from migrate.charsets import charset_from_headers
from migrate.extract.fields import doc_no_from_title, org_from_title
from migrate.extract.links import file_name_of, is_attachment_link
from migrate.extract.sanitize import sanitize_html
from migrate.extract.title import title_pieces

GBK_ONLY = "镇长王堃、副镇长刘昇主持会议"  # 堃 and 昇 are not in GB2312


def page(body: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


# --- encodings ---------------------------------------------------------------------------

def test_gbk_body_declared_gb2312_decodes_as_gb18030():
    raw = f"<meta charset=gb2312><p>{GBK_ONLY}</p>".encode("gbk")
    text, codec = decode_html(raw)
    assert codec == "gb18030" and GBK_ONLY in text


def test_header_claiming_utf8_for_gbk_bytes_is_only_a_hint():
    raw = f"<p>{GBK_ONLY}</p>".encode("gbk")
    text, codec = decode_html(raw, "utf-8")
    assert codec == "gb18030" and GBK_ONLY in text


def test_valid_utf8_wins_over_a_gbk_declaration():
    raw = f"<meta charset=gbk><p>{GBK_ONLY}</p>".encode("utf-8")
    assert decode_html(raw, "gb2312") == (f"<meta charset=gbk><p>{GBK_ONLY}</p>", "utf-8")


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8-sig"),
                                       (codecs.BOM_UTF16_LE, "utf-16")])
def test_bom_decides(bom, codec):
    body = "<p>通知公告</p>"
    raw = bom + body.encode("utf-16-le" if codec == "utf-16" else "utf-8")
    text, used = decode_html(raw, "gbk")
    assert used == codec and text.lstrip("\ufeff") == body


def test_big5_declared_and_undeclared():
    body = "<p>鄉公所公告：申請期間自即日起至九月三十日止，請檢附戶口名簿影本。</p>"
    raw = body.encode("big5")
    assert decode_html(raw, "big5") == (body, "big5hkscs")
    assert decode_html(raw) == (body, "big5hkscs")


def test_charset_from_headers_accepts_dicts_and_pairs():
    assert charset_from_headers({"Content-Type": "text/html; charset=GBK"}) == "GBK"
    assert charset_from_headers([(b"content-type", b'text/html;charset="utf-8"')]) == "utf-8"
    assert charset_from_headers([("Server", "nginx")]) is None


def test_extract_uses_header_and_bytes():
    raw = page(f"<h1>会议纪要</h1><div id='zoom'><p>{GBK_ONLY}，研究部署春耕生产工作。</p></div>",
               "<title>会议纪要_青石乡</title>").replace("charset='utf-8'", "").encode("gbk")
    record = extract(raw, None, headers=[("Content-Type", "text/html; charset=utf-8")])
    assert record["encoding"] == "gb18030"
    assert GBK_ONLY in record["body_text"]


# --- dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,want", [
    ("2020-01-05", ("2020-01-05", None)),
    ("2020年1月5日", ("2020-01-05", None)),
    ("2020/01/05 10:30", ("2020-01-05", "10:30")),
    ("2020.01.05", ("2020-01-05", None)),
    ("2020-01-05 10:30:59", ("2020-01-05", "10:30")),
    ("2020年01月05日 9时05分", ("2020-01-05", "09:05")),
    ("2007-08-20-23:59:59", ("2007-08-20", None)),  # end-of-day placeholder, not a time
    ("2022-01-28 00:00:00", ("2022-01-28", None)),  # date-only value stored with midnight
    ("发布时间：2015-4-3 9:05:07 点击：88", ("2015-04-03", "09:05")),
    ("2020-02-30", None),
    ("第2020-13-01号", None),
])
def test_parse_date_formats(text, want):
    assert parse_date(text) == want


@pytest.mark.parametrize("text,want", [
    ("( 2022-04-26)", True), ("[ 2023-12-28 ]", True), ("2022-02-11 09:52", True),
    ("2023年11月07日 星期二", True), ("7月31日，市委召开2023-11-03推进会的情况通报如下", False),
])
def test_date_line(text, want):
    assert is_date_line(text) is want


@pytest.mark.parametrize("url,want", [
    ("http://x.gov.cn/zwgk/tzgg/202003/t20200305_4567.html", "2020-03-05"),
    ("http://x.gov.cn/art/2016/11/22/art_1621004_30332664.html", "2016-11-22"),
    ("http://www.kepu.gov.cn/politics/2023-12/01/content_1755244.html", "2023-12-01"),
    ("https://wsjkw.sh.gov.cn/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html", "2022-04-26"),
    ("https://www.nmpa.gov.cn/xxgk/ggtg/20251014104752137.html", "2025-10-14"),
    ("http://x.gov.cn/show.asp?id=20200105", None),
    ("http://x.gov.cn/col/col1229/index.html", None),
    (None, None),
])
def test_url_dates(url, want):
    assert url_date(url) == want


def test_labelled_date_beats_meta_and_url():
    html = page("<h1>镇政府召开会议</h1><div class='info'>发布日期：2021-01-05</div>"
                "<div class='TRS_Editor'><p>1月4日，镇政府召开专题会议，研究部署春节前后安全生产工作。</p></div>",
                "<meta name='PubDate' content='2021-01-06 08:00'><title>镇政府召开会议_桃源镇</title>")
    record = extract(html, "http://x.gov.cn/a/202101/t20210106_1.html")
    assert (record["date"], record["field_sources"]["date"]) == ("2021-01-05", "field:发布日期")


def test_signature_and_written_dates_are_not_the_publication_date():
    html = page("<h1>关于开展春季植树活动的通知</h1><table><tr><td>成文日期：</td><td>2021-03-01</td></tr></table>"
                "<div id='zoom'><p>各村：为推进国土绿化，决定开展春季植树活动，请认真组织实施。</p>"
                "<p>桃源镇人民政府</p><p>2021年3月1日</p></div>")
    record = extract(html, "http://x.gov.cn/show.asp?id=5")
    assert record["date"] is None and record["written_date"] == "2021-03-01"
    assert record["date_review"]


# --- labelled fields ---------------------------------------------------------------------

@pytest.mark.parametrize("layout", [
    "<table><tr><td>索 引 号</td><td>TY01/2021-00012</td><td>发文机关</td><td>桃源镇人民政府</td></tr>"
    "<tr><td>发文字号</td><td>桃政发〔2021〕3号</td><td>发布日期</td><td>2021年03月05日</td></tr></table>",
    "<ul><li><span>索引号：</span><span>TY01/2021-00012</span></li><li><span>发文机关：</span>"
    "<span>桃源镇人民政府</span></li><li><span>发文字号：</span><span>桃政发〔2021〕3号</span></li>"
    "<li><span>发布日期：</span><span>2021年03月05日</span></li></ul>",
    "<div><span>索引号：TY01/2021-00012</span> <span>发文机关：桃源镇人民政府</span>"
    "<span>发文字号：桃政发〔2021〕3号</span> <span>发布日期：2021年03月05日</span></div>",
    "<p>索引号：TY01/2021-00012　发文机关：桃源镇人民政府　发文字号：桃政发〔2021〕3号　发布日期：2021年03月05日</p>",
    "<dl><dt>索引号</dt><dd>TY01/2021-00012</dd><dt>发文机关</dt><dd>桃源镇人民政府</dd>"
    "<dt>发文字号</dt><dd>桃政发〔2021〕3号</dd><dt>发布日期</dt><dd>2021年03月05日</dd></dl>",
], ids=["table", "li", "spans", "text", "dl"])
def test_metadata_block_layouts(layout):
    html = page(f"<h1>关于印发桃源镇2021年工作要点的通知</h1>{layout}"
                "<div class='TRS_Editor'><p>各村（社区）：现将《桃源镇2021年工作要点》印发给你们，请结合实际认真贯彻落实。</p></div>",
                "<title>关于印发桃源镇2021年工作要点的通知</title>")
    record = extract(html, "http://x.gov.cn/zwgk/202103/t20210305_1.html")
    assert record["index_no"] == "TY01/2021-00012"
    assert record["org"] == "桃源镇人民政府"
    assert record["doc_no"] == "桃政发〔2021〕3号"
    assert record["date"] == "2021-03-05"


def test_empty_fields_and_template_placeholders_stay_empty():
    html = page("<h1>乡政府公告</h1><div><span>来源：{{data.source}}</span></div>"
                "<table><tr><td>文号：</td><td></td><td>关键词：</td><td></td></tr></table>"
                "<div id='zoom'><p>根据工作安排，乡政府定于下周一开展集中办公，请群众相互转告。</p></div>")
    record = extract(html, None)
    assert record["source"] is None and record["doc_no"] is None and "keywords" not in record


def test_labels_inside_the_body_prose_are_ignored():
    html = page("<h1>关于召开全镇安全生产会议的通知</h1><div class='info'>发布日期：2021-03-05 来源：党政办</div>"
                "<div class='TRS_Editor'><p>各村：定于近期召开安全生产会议，现将有关事项通知如下：</p>"
                "<p>时间：2021年3月9日上午9:00</p><p>来源：各村安全员汇总</p></div>")
    record = extract(html, None)
    assert (record["date"], record["time"], record["source"]) == ("2021-03-05", None, "党政办")


@pytest.mark.parametrize("title,doc_no", [
    ("国家金融监督管理总局行政处罚信息公开表(金罚决字〔2024〕36号)", "金罚决字〔2024〕36号"),
    ("关于印发防汛预案的通知（桃政办发〔2021〕12号）", "桃政办发〔2021〕12号"),
    ("国家药监局关于修订说明书的公告（2025年第101号）", None),
])
def test_doc_no_from_title(title, doc_no):
    assert doc_no_from_title(title) == doc_no


@pytest.mark.parametrize("title,org", [
    ("吉林省人民政府关于禁止新增建设项目的通告", "吉林省人民政府"),
    ("桃源镇人民政府办公室关于做好春季森林防火工作的通知", "桃源镇人民政府办公室"),
    ("国家药监局 公安部关于发布目录的公告", "国家药监局 公安部"),
    ("我区组织参加数字重庆建设推进会", None),
    ("大力开展关于安全生产的宣传", None),
])
def test_org_from_document_title(title, org):
    assert org_from_title(title) == org


# --- titles ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,pieces", [
    ("我区组织参加数字重庆建设推进会_重庆市长寿区人民政府", ["我区组织参加数字重庆建设推进会", "重庆市长寿区人民政府"]),
    ("1-10月德清县固定资产投资结构趋稳趋优", ["1-10月德清县固定资产投资结构趋稳趋优"]),
    ("座谈会-中国科普网", ["座谈会", "中国科普网"]),
    ("凯里市人民政府- 实施方案", ["凯里市人民政府", "实施方案"]),
    ("检查--云溪县人民政府", ["检查", "云溪县人民政府"]),
    ("力量——热烈祝贺大会开幕", ["力量——热烈祝贺大会开幕"]),
])
def test_title_pieces(raw, pieces):
    assert title_pieces(raw) == pieces


def test_generic_title_loses_to_headline():
    html = page("<div class='nav'><a href='/'>首页</a></div><h1 class='title'>桃源镇召开春耕生产动员会</h1>"
                "<div class='info'>发布时间：2021-03-05</div>"
                "<div class='TRS_Editor'><p>3月4日，桃源镇召开春耕生产动员会，部署春耕备耕工作。</p></div>",
                "<title>详细页面</title>")
    assert extract(html)["title"] == "桃源镇召开春耕生产动员会"


def test_article_title_meta_with_markup():
    html = page("<p class='t'>主标题</p><div>——副标题</div><div id='zoom'><p>正文第一段内容，内容较长以便识别。</p></div>",
                "<meta name='ArticleTitle' content='主标题<div>——副标题</div>'>")
    assert extract(html)["title"] == "主标题——副标题"


# --- links, breadcrumbs, sanitising ----------------------------------------------------

@pytest.mark.parametrize("href,name", [
    ("/uploads/%E4%B8%AD%E6%96%87.pdf", "中文.pdf"),
    ("/uploads/%D6%D0%CE%C4.doc", "中文.doc"),
    ("/module/download/downfile.jsp?classid=0&filename=%D6%D0%CE%C4.xls", "中文.xls"),
    ("./P020240627596367566427.xlsx", "P020240627596367566427.xlsx"),
])
def test_attachment_names_decode_utf8_and_gbk(href, name):
    assert is_attachment_link(href)
    assert file_name_of(href) == name


@pytest.mark.parametrize("href", ["/zwgk/index.html", "javascript:download()", "#top",
                                  "mailto:a@b.cn", "/images/a.jpg", None])
def test_not_attachments(href):
    assert not is_attachment_link(href)


@pytest.mark.parametrize("crumb,path", [
    ("当前位置：<a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a> &gt; <a href='/zwgk/tzgg/'>通知公告</a>",
     ["政务公开", "通知公告"]),
    ("您当前所在位置：<a href='/'>首页</a> &gt;&gt; <a href='/zw/'>政务公开</a> &gt;&gt; 财政信息",
     ["政务公开", "财政信息"]),
    ("<div class='position'><a href='/'>首页</a> » <a href='/xw/'>新闻中心</a> » <a href='/xw/zd/'>镇务动态</a></div>",
     ["新闻中心", "镇务动态"]),
    ("<div class='location'><a href='/'>网站首页</a> → <a href='/bm/'>便民服务</a> → 正文</div>", ["便民服务"]),
])
def test_breadcrumb_variants(crumb, path):
    html = page(f"<div>{crumb}</div><h1>标题标题</h1><div id='zoom'><p>正文内容正文内容正文内容。</p></div>")
    assert extract(html, "http://x.gov.cn/a/b.html")["column_path"] == path


def test_sanitiser_allow_list():
    dirty = ("<div onclick='x()' style='color:red'><p class='c'>正文<script>alert(1)</script></p>"
             "<iframe src='//evil'></iframe><form><input name=q>搜索</form>"
             "<a href='javascript:alert(1)'>链接</a><a href='http://x.gov.cn/a.pdf' title='附件' target='_blank'>附件</a>"
             "<img src='http://x.gov.cn/a.png' onerror='x()' width='600'>"
             "<table><tr><td colspan='2' bgcolor='red'>合计</td></tr></table><font color='red'>红字</font></div>")
    clean = sanitize_html(dirty)
    for banned in ("script", "iframe", "form", "input", "onclick", "onerror", "style", "javascript",
                   "class=", "target=", "bgcolor", "<font"):
        assert banned not in clean
    for kept in ('<a href="http://x.gov.cn/a.pdf" title="附件">附件</a>',
                 '<img src="http://x.gov.cn/a.png" width="600">', '<td colspan="2">合计</td>', "红字"):
        assert kept in clean


def test_junk_before_doctype_and_xml_declaration():
    html = ("2020-03-09 16:33:33 INFO crawled http://x.gov.cn/a.html\n"
            "<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html>" +
            page("<h1>公告标题</h1><div id='zoom'><p>公告正文内容，请相互转告。</p></div>"))
    record = extract(html)
    assert record["title"] == "公告标题" and "INFO" not in record["body_text"]
    assert record["date"] is None


def test_empty_and_broken_input():
    for body in (b"", b"   ", "<html>", "<html><body><script>var a=1;</script></body></html>"):
        record = extract(body, "http://x.gov.cn/")
        assert record["kind"] == "other" and record["body_text"] == ""


# --- kinds and lists -------------------------------------------------------------------

def test_short_list_page_with_paging_is_a_list():
    html = page("<div class='position'>当前位置：<a href='../'>首页</a> &gt; 镇务动态</div>"
                "<ul class='list'><li><span>2022-03-15</span><a href='./202203/t20220315_1.html'>桃源镇开展普法宣传活动</a></li>"
                "<li><span>2021-11-10</span><a href='./202111/t20211110_1.html'>桃源镇推进乡村振兴工作</a></li></ul>"
                "<div class='page'>共3页 首页 上一页 下一页 尾页</div>",
                "<title>镇务动态_桃源镇人民政府</title>")
    record = extract(html, "http://www.taoyuan.yunxi.gov.cn/zwdt/index_2.html")
    assert (record["kind"], record["column_path"], record["date"]) == ("list", ["镇务动态"], None)
    assert [i["url"] for i in record["list_items"]] == [
        "http://www.taoyuan.yunxi.gov.cn/zwdt/202203/t20220315_1.html",
        "http://www.taoyuan.yunxi.gov.cn/zwdt/202111/t20211110_1.html"]


def test_hanweb_datastore_records_make_a_list():
    records = "".join(
        f"<record><![CDATA[<li><a href=\"/art/2024/6/{d}/art_5543_{d}.html\" title=\"青石乡工作动态第{d}条\">"
        f"青石乡工作动态第{d}条</a><span>2024-06-{d:02d}</span></li>]]></record>" for d in range(1, 4))
    html = page("<div class='bt-position'>您当前所在位置：<a href='/index.html'>首页</a> » "
                "<a href='/col/col5543/index.html'>工作动态</a></div>"
                f"<div id='2543'><script type='text/xml'><datastore><recordset>{records}</recordset></datastore></script></div>")
    record = extract(html, "http://www.qingshi.yunxi.gov.cn/col/col5543/index.html")
    assert record["kind"] == "list" and len(record["list_items"]) == 3
    assert record["list_items"][0] == {"url": "http://www.qingshi.yunxi.gov.cn/art/2024/6/1/art_5543_1.html",
                                       "title": "青石乡工作动态第1条", "date": "2024-06-01"}


def test_metadata_line_inside_the_content_container():
    html = page("<div id='zoom'><h2>桃源镇召开防汛会议</h2><p>发布时间：2021-06-03 09:30　来源：桃源镇党政办</p>"
                "<p>时间：2021年6月5日上午9:00，地点：镇政府三楼会议室。</p>"
                "<p>6月2日，桃源镇召开防汛工作会议，部署主汛期防汛工作，要求各村落实24小时值班。</p></div>",
                "<title>桃源镇召开防汛会议_桃源镇人民政府</title>")
    record = extract(html, "http://www.taoyuan.yunxi.gov.cn/show.asp?id=9")
    assert (record["date"], record["time"], record["source"]) == ("2021-06-03", "09:30", "桃源镇党政办")
    assert "发布时间" not in record["body_text"] and "时间：2021年6月5日" in record["body_text"]


def test_logo_heading_is_not_the_title():
    html = page("<h1><a href='/'>新安镇人民政府</a></h1><h1 class='logo'>新安镇人民政府</h1>"
                "<div class='article'><div class='tit'>新安镇开展冬季征兵体检工作</div>"
                "<div class='TRS_Editor'><p>12月5日，新安镇组织适龄青年到县人武部参加征兵体检，共有32名青年参检。</p></div></div>",
                "<title>新安镇人民政府</title>")
    assert extract(html, "http://www.xinan.yunxi.gov.cn/a/1.html")["title"] == "新安镇开展冬季征兵体检工作"


def test_article_title_meta_with_site_suffix():
    html = page("<div id='zoom'><p>正文内容，正文内容。</p></div>",
                "<meta name='SiteName' content='桃源镇人民政府'>"
                "<meta name='ArticleTitle' content='桃源镇召开春耕动员会_桃源镇人民政府'>")
    assert extract(html)["title"] == "桃源镇召开春耕动员会"


def test_column_landing_page_with_sub_column_boxes_is_a_list():
    box = "".join(
        f"<div class='box'><h3>栏目{n}</h3><ul>" + "".join(
            f"<li><a href='./c{n}/{i}.html'>栏目{n}的第{i}篇文章标题</a><span>2023-0{i}-1{n}</span></li>"
            for i in range(1, 5)) + "</ul></div>" for n in range(1, 4))
    html = page(f"<div class='position'>当前位置：<a href='../'>首页</a> &gt; 政务公开</div>{box}")
    record = extract(html, "http://www.taoyuan.yunxi.gov.cn/zwgk/index.html")
    assert record["kind"] == "list" and len(record["list_items"]) == 12
    assert extract(html, "http://www.taoyuan.yunxi.gov.cn/")["kind"] == "other"


def test_short_article_beside_a_dated_sidebar_is_an_article():
    sidebar = "".join(f"<li><a href='/xw/{i}.html'>镇务动态新闻标题第{i}条</a><span>2023-05-0{i}</span></li>"
                      for i in range(1, 9))
    html = page(f"<div class='side'><ul>{sidebar}</ul></div><h1>石门村新建文化广场投入使用</h1>"
                "<div class='TRS_Editor'><p><img src='./W0201.jpg'></p><p>图为石门村新建的文化广场。</p></div>",
                "<title>石门村新建文化广场投入使用_新安镇</title>")
    record = extract(html, "http://www.xinan.yunxi.gov.cn/xw/202305/t20230510_9.html")
    assert record["kind"] == "article" and record["date"] == "2023-05-10"


def test_header_clock_is_not_the_date_but_a_weekday_under_the_headline_is():
    clock = "<div class='top'>日期：2023年11月07日 星期二</div><div class='clock'>2023年11月07日 星期二</div>"
    body = "<div id='zoom'><p>11月3日，镇政府召开专题会议，研究部署冬季安全生产工作。</p></div>"
    shown = page(f"{clock}<h1>镇政府召开安全生产会议</h1><p>日期：2023年11月03日 星期五</p>{body}",
                 "<title>镇政府召开安全生产会议_新安镇</title>")
    assert extract(shown)["date"] == "2023-11-03"
    unshown = page(f"{clock}<h1>镇政府召开安全生产会议</h1>{body}", "<title>镇政府召开安全生产会议_新安镇</title>")
    assert extract(unshown)["date"] is None


def test_print_wrapper_around_the_content_is_kept():
    paragraphs = "".join(f"<p>第{i}段：镇政府组织开展农村人居环境整治，清理垃圾、沟渠和乱堆乱放。</p>" for i in range(5))
    html = page(f"<h1>新安镇开展人居环境整治</h1><div id='zoom'><div class='printContent'>{paragraphs}</div>"
                "<div class='print'><a href='javascript:print()'>打印</a></div></div>")
    record = extract(html)
    assert "第4段" in record["body_text"] and "打印" not in record["body_text"]


def test_content_without_any_headline_keeps_its_text():
    text = "".join(f"<p>第{i}条：村民委员会应当定期公布集体财务收支情况，接受村民监督，保障村民知情权。</p>" for i in range(4))
    record = extract(f"<html><head><title></title></head><body><div id='zoom'>{text}</div></body></html>")
    assert record["kind"] == "article"
    assert record["title"].startswith("第0条：村民委员会应当定期公布")
    assert record["field_sources"]["title"] == "body"
