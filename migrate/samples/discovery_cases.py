"""Every way a crawler must find URLs on township sites, each with the sample page that needs it.

`DISCOVERY_CASES` names one case per entry: the URL a complete crawl must archive because of it
(`url`, canonical), the page that leads there (`via`), and how that shows in the ledger:

- `check="link"`: the ledger's `links` table holds (via → url), with anchor text `text` when
  given (the text also proves the page was decoded right);
- `check="found_on"`: the URL was first found on `via` or one of its `via_aliases` (generated
  list pages, sitemaps: these are not links a reader clicks, so they have no `links` row);
- `filename`: the decoded file name the ledger must record for a download.

Tests parametrise over the names (`tests/test_crawl_samples.py::test_discovery_case`).
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.samples import qingshi
from migrate.samples.sites import sample_sites
from migrate.samples.truth import ARTICLES, ATTACHMENTS, SITES, dataproxy_url
from migrate.urls import canonical_url


@dataclass(frozen=True)
class DiscoveryCase:
    name: str
    town: str
    url: str
    via: str
    check: str = "link"             # link | found_on
    text: str | None = None
    filename: str | None = None
    note: str = ""
    via_aliases: tuple[str, ...] = ()   # the `via` page under other URLs (`/col/` for `/col/index.html`)


def _u(town: str, path: str) -> str:
    return canonical_url(f"http://{SITES[town]['hosts'][0]}{path}")


def _attachment(name: str) -> dict:
    (found,) = [a for a in ATTACHMENTS if a["name"] == name]
    return found


def _list_urls(town: str, name: str) -> list[str]:
    def walk(columns):
        for column in columns:
            if column["name"] == name:
                return column["list_urls"]
            found = walk(column["children"])
            if found:
                return found
        return None
    return walk(SITES[town]["columns"])


def _file_case(name: str, attachment_name: str, note: str) -> DiscoveryCase:
    found = _attachment(attachment_name)
    return DiscoveryCase(name, found["town"], found["url"], found["article_url"], text=attachment_name,
                         filename=attachment_name, note=note)


def _trs_case(name: str, folder: str, page: str, note: str) -> DiscoveryCase:
    """A TRS list page that only the first page's paging script names (the first page is
    linked both as the folder and as its index.html)."""
    return DiscoveryCase(name, "taoyuan", _u("taoyuan", folder + page), _u("taoyuan", folder + "index.html"),
                         check="found_on", note=note, via_aliases=(_u("taoyuan", folder),))


def _cases() -> list[DiscoveryCase]:
    liuhe, taoyuan, qing = (lambda path, t=t: _u(t, path) for t in ("liuhe", "taoyuan", "qingshi"))
    guide = next(a for a in ARTICLES if a["town"] == "liuhe" and a["column_path"][-1] == "政府信息公开指南")
    newest_news = max((a for a in ARTICLES if a["town"] == "qingshi" and a["column_path"] == ["工作动态"]),
                      key=lambda a: a["date"])
    post_page = _list_urls("qingshi", "通知公告")[1]
    return [
        DiscoveryCase("html-link", "liuhe", liuhe("/bmfw/"), liuhe("/main.asp"), text="便民服务"),
        DiscoveryCase("frame", "liuhe", liuhe("/top.asp"), liuhe("/"), note="<frame src> of the frameset homepage"),
        DiscoveryCase("iframe", "liuhe", liuhe("/vote.asp"), liuhe("/main.asp")),
        DiscoveryCase("image-map-area", "liuhe", liuhe("/ditu.asp"), liuhe("/top.asp"), text="辖区地图"),
        DiscoveryCase("meta-refresh", "liuhe", liuhe("/bmfw.asp"), liuhe("/bmfw/")),
        DiscoveryCase("window-location", "liuhe", liuhe("/english.asp"), liuhe("/en/"),
                      note='<script>window.location = "../english.asp"'),
        DiscoveryCase("location-href-script", "liuhe", liuhe("/xinfang.asp"), liuhe("/left.asp?menu=1"),
                      note="location.href inside a script function"),
        DiscoveryCase("location-href-onclick", "liuhe", liuhe("/list.asp?classid=10"), liuhe("/left.asp?menu=1")),
        DiscoveryCase("window-open-script", "liuhe", liuhe("/gonggao.asp"), liuhe("/main.asp"),
                      note="popup notice opened when the homepage loads"),
        DiscoveryCase("window-open-onclick", "liuhe", guide["url"], liuhe("/left.asp?menu=1"),
                      note="the only way to the 政府信息公开指南 article"),
        _trs_case("trs-create-page-4-args", "/zwdt/", "index_2.html", "createPageHTML(3, 0, \"index\", \"html\")"),
        _trs_case("trs-create-page-6-args", "/zwgk/zcwj/", "index_1.html", "createPageHTML(\"page_div\", 2, 1, …)"),
        _trs_case("trs-commented-and-real-call", "/tpxw/", "index_1.html", "//createPageHTML(1, …) then the real call"),
        _trs_case("trs-count-page-var", "/zwgk/czyjs/", "index_1.html", "var countPage = 2"),
        DiscoveryCase("css-background-url", "liuhe", liuhe("/images/nav_bg.gif"), liuhe("/css/style.css"),
                      check="found_on", note="url(../images/nav_bg.gif): relative to the stylesheet"),
        DiscoveryCase("css-import", "liuhe", liuhe("/css/skin/blue.css"), liuhe("/css/style.css"),
                      check="found_on", note='@import "skin/blue.css", served as application/octet-stream'),
        DiscoveryCase("css-in-imported-sheet", "liuhe", liuhe("/images/banner_bg.jpg"), liuhe("/css/skin/blue.css"),
                      check="found_on", note="url( '../../images/banner_bg.jpg' ) in a GBK sheet"),
        DiscoveryCase("img-lazy-data-original", "qingshi", qing("/picture/0/qs_focus1.jpg"), qing("/index.html"),
                      text="青石乡新貌", note='<img src="loading.gif" data-original="…"> (jQuery lazyload)',
                      via_aliases=(qing("/"),)),
        DiscoveryCase("img-srcset", "qingshi", qing("/picture/0/qs_focus2_2x.jpg"), qing("/index.html"),
                      text="茶园丰收", note='srcset="… 1x, … 2x"', via_aliases=(qing("/"),)),
        DiscoveryCase("img-lazy-data-src", "qingshi", qing("/picture/0/qs_focus3.jpg"), qing("/index.html"),
                      text="乡村振兴", note='<img data-src="…">', via_aliases=(qing("/"),)),
        DiscoveryCase("script-file-literal", "taoyuan", taoyuan("/images/focus/2024qm.jpg"), taoyuan("/index.html"),
                      check="found_on", note='pics[1] = "/images/focus/2024qm.jpg" in a focus-picture script',
                      via_aliases=(taoyuan("/"),)),
        DiscoveryCase("script-file-in-js-file", "taoyuan", taoyuan("/images/float/xfdh.gif"), taoyuan("/js/common.js"),
                      check="found_on", note='var float_pic = "/images/float/xfdh.gif" in a .js file'),
        DiscoveryCase("flash-param-movie", "liuhe", liuhe("/images/top.swf"), liuhe("/top.asp"), check="found_on",
                      note='<object><param name="movie" value="images/top.swf"> with no <embed>'),
        DiscoveryCase("flash-vars-pictures", "liuhe", liuhe("/images/flash/fangxun.jpg"), liuhe("/top.asp"),
                      check="found_on", note='<param name="FlashVars" value="pics=a.jpg|b.jpg&amp;…">'),
        DiscoveryCase("page-numbering-0-based", "liuhe", liuhe("/photo.asp?page=2"), liuhe("/photo.asp"),
                      check="found_on", note="pager links pages 0, 1 and the last; page 2 fills the gap"),
        DiscoveryCase("page-numbering-1-based", "liuhe", liuhe("/list.asp?classid=4&page=3"),
                      liuhe("/list.asp?classid=4"), text="尾页"),
        DiscoveryCase("asp-list-page-n", "liuhe", liuhe("/list.asp?classid=5&page=2"), liuhe("/list.asp?classid=5")),
        DiscoveryCase("hanweb-datastore", "qingshi", newest_news["url"], qing("/col/col5543/index.html"),
                      text=newest_news["title"], note="record in <script type=text/xml><datastore>"),
        DiscoveryCase("hanweb-dataproxy-get", "qingshi", dataproxy_url(5543, 2), qing("/col/col5543/index.html"),
                      check="found_on", note="<nextgroup> link of the datastore"),
        DiscoveryCase("hanweb-dataproxy-post", "qingshi", post_page, qing("/col/col5544/index.html"),
                      check="found_on", note="POST range from the jpage parameters"),
        DiscoveryCase("sitemap-xml", "taoyuan", taoyuan("/wzdt.html"), taoyuan("/sitemap.xml"), check="found_on"),
        DiscoveryCase("robots-sitemap-line", "qingshi", qing("/wzdh.html"), qing(qingshi.SITEMAP), check="found_on",
                      note="sitemap index named only by robots.txt"),
        DiscoveryCase("big5-page", "liuhe", liuhe("/list.asp?classid=1"), liuhe("/tbfw.asp"), text="街道概況"),
        DiscoveryCase("utf8-bom-page", "qingshi", qing("/col/col5541/index.html"), qing("/wzdh.html"), text="青石概况"),
        _file_case("disposition-gbk-bytes", "青石乡2024年部门预算公开表.pdf", "filename=<GBK bytes>"),
        _file_case("disposition-utf8-bytes", "城乡居民养老保险参保登记表.doc", "filename=\"<UTF-8 bytes>\""),
        _file_case("disposition-rfc5987", "青石乡2023年部门预算公开表.xls", "filename*=UTF-8''…"),
        _file_case("url-gbk-percent", "2020年财政预算公开.xls", "/UploadFiles/%B8%BD%BC%FE/…"),
        _file_case("url-utf8-percent", "柳河街道2021年部门预算公开.pdf", "/UploadFiles/2021/%E6%9F%B3…"),
    ]


DISCOVERY_CASES: dict[str, DiscoveryCase] = {case.name: case for case in _cases()}


def served(case: DiscoveryCase):
    """The sample resource a case leads to (None if the sites stopped serving it)."""
    return sample_sites()[case.town].resolve_url(case.url)
