"""The new site as data: townships, their standard columns and articles, each with its new URL.

Built once from the plans; the Pelican generator only renders it. A column gets a page only when
it (or, for a group, one of its children) holds at least one article: inspections fail a site for
empty columns, so an empty one is neither rendered nor linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate.config import Config
from migrate.errors import MappingError
from migrate.newurls import SiteURLs, quote_path
from migrate.plan import Standard, StandardColumn, TownPlan

PER_PAGE = 20            # items on one page of a list column
NO_TITLE = "（无标题）"


@dataclass
class FileLink:
    """An attachment or image of an article: `path` is None when it could not be migrated."""
    name: str
    old_url: str
    path: str | None


@dataclass
class Article:
    town: str
    column: str
    old_url: str
    path: str
    record: dict
    body_html: str = ""                                  # links rewritten to the new site
    attachments: list[FileLink] = field(default_factory=list)
    images: list[FileLink] = field(default_factory=list)  # images not already shown in the body

    @property
    def title(self) -> str:
        return (self.record.get("title") or "").strip() or NO_TITLE

    @property
    def date(self) -> str | None:
        return self.record.get("date") or None

    @property
    def time(self) -> str | None:
        return self.record.get("time") or None if self.date else None

    @property
    def pub_date(self) -> str:
        """`YYYY-MM-DD HH:MM` when the time is known, `YYYY-MM-DD` when only the date is, else ''."""
        if not self.date:
            return ""
        return f"{self.date} {self.time}" if self.time else self.date

    def field(self, name: str) -> str:
        return (self.record.get(name) or "").strip()

    @property
    def metadata(self) -> list[tuple[str, str]]:
        """The metadata block above the body: only the fields the old page had."""
        rows = [("索引号", self.field("index_no")), ("发布机构", self.field("org")),
                ("文号", self.field("doc_no")), ("发布日期", self.pub_date), ("来源", self.field("source"))]
        return [(label, value) for label, value in rows if value]


@dataclass
class Column:
    town: str
    spec: StandardColumn
    path: str
    articles: list[Article] = field(default_factory=list)   # newest first
    children: list["Column"] = field(default_factory=list)
    parent: "Column | None" = None

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def has_page(self) -> bool:
        return bool(self.articles) or any(child.has_page for child in self.children)

    @property
    def ancestors(self) -> list["Column"]:
        """Enclosing group columns, outermost first."""
        chain, parent = [], self.parent
        while parent is not None:
            chain.insert(0, parent)
            parent = parent.parent
        return chain

    @property
    def visible_children(self) -> list["Column"]:
        return [child for child in self.children if child.has_page]

    @property
    def page_count(self) -> int:
        """Files this column renders: one per page of items (a single column: one page)."""
        if not self.has_page:
            return 0
        if self.spec.type == "single":
            return 1
        return max(1, -(-len(self.articles) // PER_PAGE))

    def all_articles(self) -> list[Article]:
        """The column's own articles and those of every column inside it."""
        pool = list(self.articles)
        for child in self.children:
            pool.extend(child.all_articles())
        return pool

    def newest(self, n: int) -> list[Article]:
        """Newest items of the column and, for a group, of the columns inside it."""
        if not self.children:
            return self.articles[:n]
        return sort_newest_first(self.all_articles())[:n]


@dataclass
class Town:
    slug: str
    name: str
    path: str
    columns: list[Column]            # top-level columns in standard order, empty ones included
    by_slug: dict[str, Column]
    articles: list[Article]          # all of the town's articles, newest first

    @property
    def visible_columns(self) -> list[Column]:
        return [c for c in self.columns if c.has_page]

    def all_visible_columns(self) -> list[Column]:
        """Every column with a page, parents before their children."""
        result = []

        def walk(columns):
            for column in columns:
                result.append(column)
                walk(column.visible_children)

        walk(self.visible_columns)
        return result


@dataclass
class Site:
    config: Config
    standard: Standard
    urls: SiteURLs
    towns: list[Town]

    @property
    def county(self):
        return self.config.county

    @property
    def channel_path(self) -> str:
        return self.urls.channel + "/"

    @property
    def sitemap_path(self) -> str:
        return "/sitemap.html"

    def absolute(self, path: str) -> str:
        return self.county.base_url + quote_path(path)


def sort_newest_first(articles: list[Article]) -> list[Article]:
    """Newest first by date and time; undated items last; ties in old-URL order (stable)."""
    result = sorted(articles, key=lambda a: a.old_url)
    result.sort(key=lambda a: (a.date or "", a.time or ""), reverse=True)
    result.sort(key=lambda a: a.date is None)
    return result


def _column_tree(town: str, standard: Standard, urls: SiteURLs) -> tuple[list[Column], dict[str, Column]]:
    by_slug: dict[str, Column] = {}
    top: list[Column] = []
    for spec in standard.columns:
        column = Column(town=town, spec=spec, path=urls.column(town, spec.slug))
        by_slug[spec.slug] = column
        parent = by_slug.get(spec.parent) if spec.parent else None
        if parent is not None:
            column.parent = parent
            parent.children.append(column)
        else:
            top.append(column)
    return top, by_slug


def _unknown_column(config: Config, plan: TownPlan, slug, url: str) -> MappingError:
    return MappingError(
        f"乡镇 “{plan.slug}” 的地址 {url} 被映射到标准栏目 “{slug}”，但 standard.yaml 中没有这个栏目。",
        path=config.mappings / f"{plan.slug}.yaml",
        hint="请在映射文件中改为 mappings/standard.yaml 里已有的栏目 slug，然后重新构建。")


def build_town(config: Config, standard: Standard, plan: TownPlan, urls: SiteURLs) -> Town:
    columns, by_slug = _column_tree(plan.slug, standard, urls)
    articles = []
    for record in plan.articles:
        slug = record.get("column")
        column = by_slug.get(slug)
        if column is None:
            raise _unknown_column(config, plan, slug, record["url"])
        article = Article(town=plan.slug, column=slug, old_url=record["url"],
                          path=urls.article(plan.slug, slug, record["url"]), record=record)
        column.articles.append(article)
        articles.append(article)
    for column in by_slug.values():
        column.articles = sort_newest_first(column.articles)
    for slug in plan.list_pages.values():
        if slug is not None and slug not in by_slug:
            url = next(u for u, s in plan.list_pages.items() if s == slug)
            raise _unknown_column(config, plan, slug, url)
    return Town(slug=plan.slug, name=plan.name, path=urls.town_home(plan.slug), columns=columns,
                by_slug=by_slug, articles=sort_newest_first(articles))


def build_model(config: Config, standard: Standard, plans: list[TownPlan]) -> Site:
    urls = SiteURLs(config.county.channel_path)
    towns = [build_town(config, standard, plan, urls) for plan in plans]
    return Site(config=config, standard=standard, urls=urls, towns=towns)
