"""The contract between map and build: what happens to every archived URL of one township."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StandardColumn:
    slug: str
    name: str
    type: str                     # list | single | group
    description: str = ""
    parent: str | None = None     # slug of the group column, if any


@dataclass
class Standard:
    channel: str
    columns: list[StandardColumn]  # flattened, parents before children, in display order

    def get(self, slug: str) -> StandardColumn | None:
        return next((c for c in self.columns if c.slug == slug), None)

    def children(self, slug: str | None) -> list[StandardColumn]:
        return [c for c in self.columns if c.parent == slug]


@dataclass
class TownPlan:
    slug: str
    name: str
    articles: list[dict] = field(default_factory=list)          # records + "column": slug
    list_pages: dict[str, str | None] = field(default_factory=dict)  # old list URL -> slug
    home_urls: list[str] = field(default_factory=list)           # -> channel home
    assets: dict[str, dict] = field(default_factory=dict)        # old URL -> ledger row
    aliases: dict[str, str] = field(default_factory=dict)        # old URL -> old URL
    drops: dict[str, str] = field(default_factory=dict)          # old URL -> reason (410)

    def all_urls(self) -> set[str]:
        urls = {a["url"] for a in self.articles}
        urls |= set(self.list_pages) | set(self.home_urls) | set(self.assets)
        urls |= set(self.aliases) | set(self.drops)
        return urls
