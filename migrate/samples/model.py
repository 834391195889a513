"""Data model shared by the three sample sites: columns, articles, files and served resources.

A site is built once into `Resource`s keyed by a route key; every rendered page records the URLs it
links to (plain links, links inside scripts, pages implied by pagination scripts), so the truth
module can walk the same link graph a crawler walks.
"""

from __future__ import annotations

import hashlib
import html
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import parse_qsl, unquote_to_bytes, urljoin, urlsplit

CST = timezone(timedelta(hours=8))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def cst(text: str) -> datetime:
    """'2023-01-05 09:12' as Beijing time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def site_path(url: str) -> str:
    """'/a/b.html?x=1' from 'http://host/a/b.html?x=1'."""
    return "/" + url.split("/", 3)[3]


def seeded(*parts) -> random.Random:
    """A random generator that depends only on `parts` (never on the run)."""
    return random.Random(":".join(str(p) for p in parts))


def decode_path(raw_path: str) -> str:
    """Percent-decoded path: UTF-8 if the bytes are valid UTF-8, else GBK (as old IIS/TRS servers
    on Chinese Windows accept both)."""
    data = unquote_to_bytes(raw_path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


@dataclass
class FileAsset:
    """An attachment, image or template asset, served as stored bytes."""
    url: str                 # absolute URL on the www host, percent-encoded as the page links it
    name: str                # attachment: link text (the Chinese file name); image: file name
    data: bytes
    mime: str
    kind: str                # attachment | image | asset
    modified: datetime
    headers: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)    # what the file itself loads (a stylesheet's images)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Column:
    name: str
    key: str                                  # site-specific id: "zwgk/tzgg", "5544", "7"
    parent: "Column | None" = None
    children: list["Column"] = field(default_factory=list)
    articles: list["Article"] = field(default_factory=list)
    list_urls: list[str] = field(default_factory=list)   # every list page, page 1 first
    per_page: int = 10
    pager: str = ""                            # site-specific pagination variant

    @property
    def chain(self) -> list["Column"]:
        """Top-level column first, this column last (the breadcrumb after 首页)."""
        return (self.parent.chain if self.parent else []) + [self]

    @property
    def path(self) -> list[str]:
        return [c.name for c in self.chain]

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def pages(self) -> list[list["Article"]]:
        """Articles newest first, cut into list pages (at least one, possibly empty)."""
        items = sorted(self.articles, key=lambda a: (a.published, a.id), reverse=True)
        return [items[i:i + self.per_page] for i in range(0, len(items), self.per_page)] or [[]]


@dataclass
class Article:
    town: str
    column: Column
    id: int
    title: str
    published: datetime
    kind: str
    show_time: bool = True          # the visible date line includes the time
    pubdate_meta: bool = False      # <meta name="PubDate" content="YYYY-MM-DD HH:MM"> in the head
    org: str | None = None          # 发布机构 / 发文机关 as shown (None: only 来源 is shown)
    source: str | None = None       # 来源 as shown
    index_no: str | None = None
    doc_no: str | None = None
    written: date | None = None     # 成文日期, if the page shows one
    blocks: list = field(default_factory=list)
    attachments: list[FileAsset] = field(default_factory=list)
    images: list[FileAsset] = field(default_factory=list)
    url: str = ""
    more_urls: list[str] = field(default_factory=list)   # later pages of a split article
    options: dict = field(default_factory=dict)

    @property
    def shown_org(self) -> str:
        """发布机构 if the page shows one, else its 来源 (what an extractor reports as org)."""
        return self.org or self.source or ""


@dataclass
class Resource:
    """One served response."""
    body: bytes
    content_type: str | None
    kind: str                        # home, frame, list, group, article, article-page, dataproxy,
    #                                  attachment, image, asset, robots, sitemap, trap, admin
    modified: datetime | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    status: int = 200

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    @property
    def last_modified(self) -> str | None:
        return format_datetime(self.modified.astimezone(timezone.utc), usegmt=True) if self.modified else None


class Links:
    """Records every URL a page links to while the page is being written."""

    def __init__(self, page_url: str):
        self.page_url = page_url
        self.urls: list[str] = []

    def __call__(self, href: str) -> str:
        """Use inside markup: returns `href` unchanged and records where it points."""
        self.urls.append(urljoin(self.page_url, html.unescape(href)))
        return href

    def implied(self, href: str):
        """A URL the page reaches without a plain link (script-built pages, dataproxy calls)."""
        self.urls.append(urljoin(self.page_url, href))


def file_resource(asset: FileAsset) -> Resource:
    return Resource(asset.data, asset.mime, asset.kind, asset.modified, list(asset.headers), links=list(asset.links))


class SampleSite:
    """Base of the three sites: the resource table, routing and the link graph.

    Building runs four steps that each site defines: columns, articles, template files, pages."""

    slug = ""
    name = ""
    hosts: list[str] = []

    def __init__(self):
        self.columns: list[Column] = []
        self.column_index: dict[str, Column] = {}
        self.articles: list[Article] = []
        self.files: list[FileAsset] = []
        self.resources: dict[str, Resource] = {}
        self.broken: set[str] = set()       # URLs the site links to that answer 404 on purpose
        self._index_seq: dict[int, int] = {}
        self._build_columns()
        self._build_articles()
        self._add_template_files()
        self._render()

    def _build_columns(self):
        raise NotImplementedError

    def _build_articles(self):
        raise NotImplementedError

    def _add_template_files(self):
        raise NotImplementedError

    def _render(self):
        raise NotImplementedError

    # -------------------------------------------------------------- content

    def add_column(self, name: str, key: str, parent: Column | None = None, **settings) -> Column:
        column = Column(name, key, parent=parent, **settings)
        (parent.children if parent else self.columns).append(column)
        self.column_index[key] = column
        return column

    def next_index_number(self, year: int) -> int:
        """Running number of 索引号 within a year, in publication order."""
        self._index_seq[year] = self._index_seq.get(year, 0) + 1
        return self._index_seq[year]

    def add_article(self, art: Article):
        """Register an article whose metadata and URL are set: write its body, then its files."""
        art.blocks = self._blocks(art)
        self._add_files(art)
        art.column.articles.append(art)
        self.articles.append(art)

    def _blocks(self, art: Article) -> list:
        raise NotImplementedError

    def _add_files(self, art: Article):
        raise NotImplementedError

    def add_picture(self, art: Article, url: str, number: int, size: tuple[int, int]):
        from migrate.samples.assets import image      # assets builds on this module

        picture = image(url, f"{self.slug}:{art.id}:{number}", art.published, size=size)
        art.images.append(picture)
        self.add_file(picture)

    @property
    def www(self) -> str:
        return self.hosts[0]

    @property
    def start_url(self) -> str:
        return f"http://{self.www}/"

    def url(self, path: str) -> str:
        return f"http://{self.www}{path}"

    def all_columns(self) -> list[Column]:
        return [c for top in self.columns for c in top.walk()]

    # -------------------------------------------------------------- routing

    def route_key(self, path: str, query: str) -> str:
        """Key of a decoded path + raw query in `resources`. Static sites ignore the query."""
        if path.endswith("/"):
            path += "index.html"
        return path

    def key_of(self, url: str) -> str:
        parts = urlsplit(url)
        return self.route_key(decode_path(parts.path or "/"), parts.query)

    def add(self, url: str, resource: Resource):
        key = self.key_of(url)
        if key in self.resources:
            raise ValueError(f"{self.slug}: two resources at {url}")
        self.resources[key] = resource

    def add_file(self, asset: FileAsset):
        self.files.append(asset)
        self.add(asset.url, file_resource(asset))

    def dynamic(self, path: str, params: dict[str, str], form: dict[str, str]) -> Resource | None:
        """Responses computed per request (dataproxy, calendars, print views). None: not dynamic."""
        return None

    def resolve(self, raw_path: str, query: str = "", body: bytes = b"") -> Resource | None:
        path = decode_path(raw_path or "/")
        params = dict(parse_qsl(query, keep_blank_values=True))
        form = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True)) if body else {}
        found = self.dynamic(path, params, form)
        if found is not None:
            return found
        return self.resources.get(self.route_key(path, query))

    def resolve_url(self, url: str) -> Resource | None:
        parts = urlsplit(url)
        return self.resolve(parts.path, parts.query)
