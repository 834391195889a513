"""Every page of the new site, as (file, template, template variables): the Pelican generator
writes them, tests and stats count them. Meta tags follow the government page design rules
(网页设计规范): site tags on every page, column tags on column pages, article tags on articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import quote

from migrate.build.model import Article, Column, Site, Town
from migrate.newurls import path_to_file

HOME_NEWEST = 8        # newest articles per township on the county home
TOWN_NEWEST = 7        # newest items per column block on a channel home
BLOCK_NEWEST = 5       # newest items per child block on a group page
ERROR_REPORT = "https://zfwzzc.www.gov.cn/check_web/errorInfo/jcInfoNew"
POLICE_RECORD = "https://www.beian.gov.cn/portal/registerSystemInfo"


@dataclass
class PageSpec:
    path: str                       # site path (`/xzjd/taoyuan/`)
    template: str                   # template name without `.html`
    variables: dict = field(default_factory=dict)
    paginate: list | None = None    # items split into pages by Pelican's paginator

    @property
    def save_as(self) -> str:
        return path_to_file(self.path)


@dataclass
class Crumb:
    name: str
    path: str | None = None         # None: the current page, not a link


def site_meta(site: Site) -> list[tuple[str, str]]:
    county = site.county
    return [("SiteName", county.site_name), ("SiteDomain", county.domain), ("SiteIDCode", county.site_id)]


def column_meta(name: str, description: str, keywords: str, kind: str) -> list[tuple[str, str]]:
    return [("ColumnName", name), ("ColumnDescription", description or name),
            ("ColumnKeywords", keywords), ("ColumnType", kind)]


def town_column_meta(town: Town, column: Column) -> list[tuple[str, str]]:
    names = [town.name] + [c.name for c in column.ancestors] + [column.name]
    return column_meta(column.name, column.spec.description, ",".join(names), column.name)


def article_meta(town: Town, article: Article) -> list[tuple[str, str]]:
    meta = [("ArticleTitle", article.title)]
    if article.pub_date:
        meta.append(("PubDate", article.pub_date))
    source = article.field("source") or article.field("org") or town.name
    meta.append(("ContentSource", source))
    return meta


def error_report_url(site: Site, page_url: str) -> str:
    """The national 我为政府网站找错 entry for this site, naming the page being reported."""
    return f"{ERROR_REPORT}?siteCode={quote(site.county.site_id, safe='')}&url={quote(page_url, safe='')}"


def police_record_url(site: Site) -> str | None:
    """The public security record's page, when the record text carries its number."""
    digits = re.sub(r"\D", "", site.county.police_record or "")
    return f"{POLICE_RECORD}?recordcode={digits}" if digits else None


class PagePlanner:
    """Lays out the pages of one site; `pages()` yields them in a stable order."""

    def __init__(self, site: Site):
        self.site = site

    # ------------------------------------------------------------ shared pieces

    def _common(self, path: str, title: str, crumbs: list[Crumb], meta: list[tuple[str, str]]) -> dict:
        absolute = self.site.absolute(path)
        meta = site_meta(self.site) + meta + [("Url", absolute)]
        return {"page_path": path, "page_title": title, "breadcrumbs": crumbs, "meta": meta,
                "absolute_url": absolute, "error_report_url": error_report_url(self.site, absolute),
                "police_record_url": police_record_url(self.site)}

    def _town_crumbs(self, town: Town, current: bool = False) -> list[Crumb]:
        return [Crumb("首页", "/"), Crumb(self.site.standard.channel, self.site.channel_path),
                Crumb(town.name, None if current else town.path)]

    def _column_crumbs(self, town: Town, column: Column, current: bool) -> list[Crumb]:
        crumbs = self._town_crumbs(town)
        crumbs.extend(Crumb(ancestor.name, ancestor.path) for ancestor in column.ancestors)
        crumbs.append(Crumb(column.name, None if current else column.path))
        return crumbs

    def _numbered_url(self, town: Town, column: Column) -> Callable[[int], str]:
        return lambda number: self.site.urls.column(town.slug, column.slug, number)

    # ------------------------------------------------------------ pages

    def county_home(self) -> PageSpec:
        blocks = [(town, town.articles[:HOME_NEWEST]) for town in self.site.towns]
        variables = self._common("/", self.site.county.site_name, [], [])
        variables.update(town_blocks=blocks)
        return PageSpec("/", "county_home", variables)

    def channel_home(self) -> PageSpec:
        path, name = self.site.channel_path, self.site.standard.channel
        crumbs = [Crumb("首页", "/"), Crumb(name)]
        meta = column_meta(name, f"{self.site.county.name}各乡镇（街道）信息公开和政务服务",
                           f"{self.site.county.name},{name}", "频道")
        variables = self._common(path, name, crumbs, meta)
        variables.update(towns=self.site.towns)
        return PageSpec(path, "channel", variables)

    def sitemap(self) -> PageSpec:
        path = self.site.sitemap_path
        variables = self._common(path, "网站地图", [Crumb("首页", "/"), Crumb("网站地图")], [])
        variables.update(towns=self.site.towns)
        return PageSpec(path, "sitemap", variables)

    def town_home(self, town: Town) -> PageSpec:
        blocks = [(column, column.newest(TOWN_NEWEST)) for column in town.visible_columns]
        meta = column_meta(town.name, f"{town.name}信息公开和政务服务",
                           f"{self.site.county.name},{town.name}", self.site.standard.channel)
        variables = self._common(town.path, town.name, self._town_crumbs(town, current=True), meta)
        variables.update(town=town, column_blocks=blocks)
        return PageSpec(town.path, "town", variables)

    def column_page(self, town: Town, column: Column) -> PageSpec:
        meta = town_column_meta(town, column)
        variables = self._common(column.path, f"{column.name} - {town.name}",
                                 self._column_crumbs(town, column, current=True), meta)
        variables.update(town=town, column=column, numbered_url=self._numbered_url(town, column))
        if column.spec.type == "single":
            variables.update(article=column.articles[0], others=column.articles[1:])
            return PageSpec(column.path, "single", variables)
        if column.spec.type == "group":
            blocks = [(child, child.newest(BLOCK_NEWEST)) for child in column.visible_children]
            variables.update(child_blocks=blocks)
            return PageSpec(column.path, "group", variables, paginate=column.articles)
        return PageSpec(column.path, "column", variables, paginate=column.articles)

    def article_page(self, town: Town, article: Article) -> PageSpec:
        column = town.by_slug[article.column]
        meta = town_column_meta(town, column) + article_meta(town, article)
        variables = self._common(article.path, article.title,
                                 self._column_crumbs(town, column, current=False), meta)
        variables.update(town=town, column=column, article=article)
        return PageSpec(article.path, "article", variables)

    def pages(self) -> Iterator[PageSpec]:
        yield self.county_home()
        yield self.channel_home()
        yield self.sitemap()
        for town in self.site.towns:
            yield self.town_home(town)
            for column in town.all_visible_columns():
                yield self.column_page(town, column)
            for article in town.articles:
                yield self.article_page(town, article)
