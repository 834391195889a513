"""Where every old URL goes on the new site: one `Target` per URL of every plan.

The same table serves three jobs: redirects (one per old URL), ledger fates, and rewriting links
inside article bodies (a link to an old page becomes a link to its new page).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from migrate.build.model import Column, Site, Town
from migrate.newurls import SiteURLs
from migrate.plan import TownPlan

KIND_LABELS = {"attachment": "附件", "image": "图片"}


@dataclass(frozen=True)
class Target:
    town: str
    kind: str               # article | list | home | asset | alias | drop
    path: str | None        # path on the new site; None: gone for good (410)
    reason: str

    @property
    def fate(self) -> str:
        """The ledger's word for it."""
        if self.path is None:
            return "drop"
        return "page" if self.kind == "article" else "redirect"


@dataclass(frozen=True)
class AssetFile:
    """One archived attachment or image and the file it becomes."""
    town: str
    old_url: str
    path: str
    row: dict


def asset_filename(old_url: str, row: dict) -> str:
    """The ledger's decoded file name, else the last segment of the URL path."""
    name = (row.get("filename") or "").strip()
    if not name:
        name = posixpath.basename(unquote(urlsplit(old_url).path))
    return name or "file"


def plan_asset_files(urls: SiteURLs, plans: list[TownPlan]) -> dict[str, AssetFile]:
    files = {}
    for plan in plans:
        for old_url in sorted(plan.assets):
            row = plan.assets[old_url]
            path = urls.file(plan.slug, old_url, asset_filename(old_url, row))
            files[old_url] = AssetFile(town=plan.slug, old_url=old_url, path=path, row=row)
    return files


def column_landing(column: Column | None, town: Town) -> tuple[str, str]:
    """A column's page, else its nearest ancestor's, else the channel home: (path, name)."""
    while column is not None:
        if column.has_page:
            return column.path, column.name
        column = column.parent
    return town.path, f"{town.name}频道首页"


def _town_targets(town: Town, plan: TownPlan, assets: dict[str, AssetFile]) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for article in town.articles:
        name = town.by_slug[article.column].name
        targets[article.old_url] = Target(town.slug, "article", article.path, f"文章迁移（{name}）")
    for url in sorted(plan.list_pages):
        slug = plan.list_pages[url]
        path, name = column_landing(town.by_slug.get(slug) if slug else None, town)
        targets[url] = Target(town.slug, "list", path, f"栏目迁移（{name}）")
    for url in sorted(plan.home_urls):
        targets[url] = Target(town.slug, "home", town.path, f"首页迁移（{town.name}频道首页）")
    for url in sorted(plan.assets):
        label = KIND_LABELS.get(plan.assets[url].get("kind"), "文件")
        targets[url] = Target(town.slug, "asset", assets[url].path, f"{label}迁移")
    for url in sorted(plan.drops):
        targets[url] = Target(town.slug, "drop", None, plan.drops[url])
    return targets


def _resolve_alias(url: str, aliases: dict[str, str], targets: dict[str, Target]) -> Target | None:
    seen = {url}
    target = aliases[url]
    while target in aliases and target not in seen:
        seen.add(target)
        target = aliases[target]
    return targets.get(target)


def _alias_targets(plan: TownPlan, targets: dict[str, Target]) -> dict[str, Target]:
    result = {}
    for url in sorted(plan.aliases):
        end = _resolve_alias(url, plan.aliases, targets)
        if end is None:
            # The map stage settles aliases, so this only happens on a hand-made plan.
            result[url] = Target(plan.slug, "drop", None,
                                 f"与之相同的旧地址 {plan.aliases[url]} 没有迁移去处")
        elif end.path is None:
            result[url] = Target(plan.slug, "drop", None, end.reason)
        else:
            result[url] = Target(plan.slug, "alias", end.path, f"重复地址（与 {plan.aliases[url]} 相同）")
    return result


def resolve_targets(site: Site, plans: list[TownPlan], assets: dict[str, AssetFile]) -> dict[str, Target]:
    """Canonical old URL → Target, over every township (bodies link across townships)."""
    targets: dict[str, Target] = {}
    for town, plan in zip(site.towns, plans):
        targets.update(_town_targets(town, plan, assets))
    for plan in plans:
        targets.update(_alias_targets(plan, targets))
    return targets
