"""A generated TRS-WCM-like township site, written as static files for nginx.

Shape of a real township site: a home page with the latest items of every column, ten columns
(`/xwzx/gzdt/` …) whose list pages hold 20 articles each, articles at
`/<column>/<yyyymm>/t<yyyymmdd>_<id>.html` with the site's navigation bar, a breadcrumb,
related articles and footer links (about 20 links a page), images (`W0…jpg`) on every third
article and attachments (`P0…pdf`, `.doc`, `.xls`) on every fifth.

Unlike real TRS list pages (paged by a `createPageHTML` script), paging is plain `<a href>`
links, so `wget --mirror` finds exactly the same pages as sitemigrate and the two are comparable.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = [("xwzx/gzdt", "工作动态"), ("xwzx/tzgg", "通知公告"), ("zwgk/zcwj", "政策文件"),
           ("zwgk/rsxx", "人事信息"), ("zwgk/czzj", "财政资金"), ("zwgk/ghjh", "规划计划"),
           ("bmfw/bszn", "办事指南"), ("hdjl/zxft", "在线访谈"), ("zjxx/xqgk", "乡情概况"),
           ("zjxx/lsyg", "历史沿革")]
FOOTER = [("/wzdt/index.html", "网站地图"), ("/lxwm/index.html", "联系我们"),
          ("/yssm/index.html", "隐私声明"), ("http://www.gov.cn/", "中国政府网")]
# Template weight of a real page: inline styles and a statistics script (no links in them).
INLINE_HEAD = ("<style>" + ".nav li{float:left;padding:0 12px}.list li{line-height:2}" * 20 + "</style>"
               "<script>var _hmt=_hmt||[];(function(){var hm=document.createElement('script');"
               "hm.async=true;var s=document.getElementsByTagName('script')[0];})();"
               + "function tabs(id,n){for(var i=0;i<n;i++){var e=document.getElementById(id+i);}}" * 12
               + "</script>")
PER_PAGE = 20
HOME_ITEMS = 6
RELATED = 5
SENTENCES = ["为深入贯彻落实上级工作部署，镇党委政府高度重视，多次召开专题会议研究部署。",
             "会议要求，各村（社区）要进一步提高思想认识，压实工作责任，确保各项任务落到实处。",
             "近日，镇综合执法队联合派出所、市场监管所开展联合检查，排查安全隐患十余处。",
             "下一步，我镇将持续强化督查考核，建立健全长效机制，推动工作常态化、制度化。",
             "活动现场，工作人员向群众发放宣传资料，耐心解答群众关心的政策问题。",
             "根据《中华人民共和国政府信息公开条例》规定，现将有关情况公示如下。",
             "公示期间，如有异议，请以书面形式向镇人民政府反映，联系电话：0743-8123456。",
             "全镇上下凝心聚力、真抓实干，经济社会各项事业取得了新的进展。"]


@dataclass
class Article:
    id: int
    column: int
    date: dt.date
    image: bool
    attachment: str | None      # file extension of its attachment, if it has one

    @property
    def folder(self) -> str:
        return f"/{COLUMNS[self.column][0]}/{self.date:%Y%m}/"

    @property
    def path(self) -> str:
        return f"{self.folder}t{self.date:%Y%m%d}_{self.id}.html"

    @property
    def image_path(self) -> str:
        return f"{self.folder}W0{self.date:%Y%m%d}{self.id:06d}.jpg"

    @property
    def attachment_path(self) -> str:
        return f"{self.folder}P0{self.date:%Y%m%d}{self.id:06d}.{self.attachment}"

    @property
    def title(self) -> str:
        return f"{COLUMNS[self.column][1]}：关于做好第{self.id}批重点工作的通知"


@dataclass
class GeneratedSite:
    root: Path
    pages: set[str] = field(default_factory=set)     # HTML paths
    files: set[str] = field(default_factory=set)     # images, attachments, styles, scripts
    bytes: int = 0

    @property
    def paths(self) -> set[str]:
        return self.pages | self.files


def _articles(count: int, rng: random.Random) -> list[Article]:
    start = dt.date(2015, 1, 1)
    articles = []
    for i in range(count):
        date = start + dt.timedelta(days=i * 3650 // max(count, 1))
        attachment = ("pdf", "doc", "xls")[i % 3] if i % 5 == 0 else None
        articles.append(Article(100000 + i, rng.randrange(len(COLUMNS)), date, i % 3 == 0, attachment))
    return articles


def _page(title: str, crumbs: str, main: str) -> str:
    nav = "".join(f'<li><a href="/{slug}/index.html">{name}</a></li>' for slug, name in COLUMNS)
    footer = " | ".join(f'<a href="{href}">{name}</a>' for href, name in FOOTER)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<title>{title}_桃源镇人民政府</title>'
            '<link rel="stylesheet" href="/images/style.css"><script src="/images/common.js"></script>'
            f'{INLINE_HEAD}'
            '</head><body><div class="top"><img src="/images/logo.png" alt="桃源镇人民政府"></div>'
            f'<ul class="nav"><li><a href="/index.html">首页</a></li>{nav}</ul>'
            f'<div class="position">当前位置：<a href="/index.html">首页</a>{crumbs}</div>'
            f'<div class="main">{main}</div>'
            f'<div class="footer">{footer}<p>主办：桃源镇人民政府 湘ICP备20001234号-1</p></div>'
            '</body></html>')


def _crumb(column: int) -> str:
    slug, name = COLUMNS[column]
    return f' &gt; <a href="/{slug}/index.html">{name}</a>'


def _list_name(number: int) -> str:
    return "index.html" if number == 0 else f"index_{number}.html"


def _pager(pages: int, number: int) -> str:
    """Plain-link paging: first, previous, next, last and a window of page numbers."""
    links = [f'<a href="{_list_name(0)}">首页</a>']
    if number > 0:
        links.append(f'<a href="{_list_name(number - 1)}">上一页</a>')
    for n in range(max(0, number - 2), min(pages, number + 3)):
        links.append(f"<span>{n + 1}</span>" if n == number else f'<a href="{_list_name(n)}">{n + 1}</a>')
    if number < pages - 1:
        links.append(f'<a href="{_list_name(number + 1)}">下一页</a>')
    links.append(f'<a href="{_list_name(pages - 1)}">尾页</a>')
    return '<div class="page">' + " ".join(links) + "</div>"


def _item(article: Article, prefix: str = "") -> str:
    return f'<li><a href="{prefix}{article.path}">{article.title}</a><span>{article.date:%Y-%m-%d}</span></li>'


def _article_page(article: Article, related: list[Article], rng: random.Random) -> str:
    paragraphs = "".join(f"<p>{''.join(rng.choices(SENTENCES, k=6))}</p>" for _ in range(rng.randint(4, 10)))
    image = f'<p><img src="{article.image_path}" alt="{article.title}"></p>' if article.image else ""
    attachment = (f'<p>附件：<a href="{article.attachment_path}">第{article.id}批工作安排表.{article.attachment}</a></p>'
                  if article.attachment else "")
    more = "".join(_item(other) for other in related)
    main = (f'<h1>{article.title}</h1><div class="info">发布时间：{article.date:%Y-%m-%d} 来源：桃源镇党政办</div>'
            f'<div class="TRS_Editor">{image}{paragraphs}{attachment}</div>'
            f'<div class="related"><h3>相关文章</h3><ul>{more}</ul></div>')
    return _page(article.title, _crumb(article.column), main)


def _binary(size: int, rng: random.Random, magic: bytes) -> bytes:
    return magic + rng.randbytes(size - len(magic))


class _Writer:
    def __init__(self, site: GeneratedSite):
        self.site = site

    def put(self, path: str, data: bytes | str, page: bool):
        if isinstance(data, str):
            data = data.encode("utf-8")
        target = self.site.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        (self.site.pages if page else self.site.files).add(path)
        self.site.bytes += len(data)


def generate(root: Path, articles: int = 5000, seed: int = 7) -> GeneratedSite:
    """Write the site under `root`; returns every path it holds (all of them linked)."""
    rng = random.Random(seed)
    site = GeneratedSite(Path(root))
    out = _Writer(site)
    items = _articles(articles, rng)
    by_column = [[a for a in reversed(items) if a.column == c] for c in range(len(COLUMNS))]
    out.put("/robots.txt", "User-agent: *\nDisallow:\n", page=False)
    out.put("/images/style.css", "body{font:14px/1.8 SimSun}" * 40, page=False)
    out.put("/images/common.js", "function setTab(n){return n}" * 30, page=False)
    out.put("/images/logo.png", _binary(6000, rng, b"\x89PNG\r\n\x1a\n"), page=False)
    latest = "".join(f'<div class="box"><h2><a href="/{COLUMNS[c][0]}/index.html">{COLUMNS[c][1]}</a></h2>'
                     f'<ul>{"".join(_item(a) for a in by_column[c][:HOME_ITEMS])}</ul></div>'
                     for c in range(len(COLUMNS)))
    out.put("/index.html", _page("首页", "", latest), page=True)
    for href, name in FOOTER[:-1]:
        out.put(href, _page(name, "", f"<h1>{name}</h1><p>{SENTENCES[5]}</p>"), page=True)
    for c, column in enumerate(by_column):
        pages = max(1, -(-len(column) // PER_PAGE))
        for number in range(pages):
            chunk = column[number * PER_PAGE:(number + 1) * PER_PAGE]
            main = f'<ul class="list">{"".join(_item(a) for a in chunk)}</ul>{_pager(pages, number)}'
            out.put(f"/{COLUMNS[c][0]}/{_list_name(number)}", _page(COLUMNS[c][1], _crumb(c), main), page=True)
        for i, article in enumerate(column):
            related = [column[j % len(column)] for j in range(i + 1, i + 1 + RELATED) if len(column) > 1]
            out.put(article.path, _article_page(article, related, rng), page=True)
            if article.image:
                out.put(article.image_path, _binary(rng.randint(8_000, 40_000), rng, b"\xff\xd8\xff\xe0"), page=False)
            if article.attachment:
                magic = b"%PDF-1.4\n" if article.attachment == "pdf" else b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                out.put(article.attachment_path, _binary(rng.randint(20_000, 120_000), rng, magic), page=False)
    return site
