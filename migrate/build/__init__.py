"""The build stage: the plans of every township → the unified county site, rendered by Pelican.

`build_site` copies attachments and images out of the archive, rewrites the links inside article
bodies, renders every page with the theme in `templates/`, removes what earlier builds left
behind, records each old URL's fate in the ledger and writes the redirect table.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from migrate.build.bodies import LinkResolver, prepare_article
from migrate.build.fates import make_redirects, record_fates
from migrate.build.files import copy_assets
from migrate.build.model import Site, build_model
from migrate.build.render import check_theme, remove_stale, run_pelican, theme_static_outputs
from migrate.build.targets import AssetFile, plan_asset_files, resolve_targets
from migrate.config import Config
from migrate.ledger import Ledger
from migrate.plan import Standard, TownPlan
from migrate.redirects import Redirect, write_redirects

__all__ = ["BuildResult", "BuildStats", "TownStats", "build_site"]


@dataclass
class TownStats:
    articles: int = 0
    column_pages: int = 0       # column page files, every page of a paginated list counted
    files: int = 0              # attachments and images copied
    redirects: int = 0          # 301s
    drops: int = 0              # 410s


@dataclass
class BuildStats:
    towns: dict[str, TownStats] = field(default_factory=dict)
    pages: int = 0              # HTML files Pelican wrote
    stale_removed: int = 0      # files of earlier builds deleted
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Plain data, e.g. for the ledger's `runs.stats` JSON."""
        return asdict(self)


@dataclass
class BuildResult:
    redirects: list[Redirect]
    stats: BuildStats


def _prepare_articles(config: Config, site: Site, targets):
    resolver = LinkResolver(targets, set(config.town_host_index()))
    for town in site.towns:
        for article in town.articles:
            prepare_article(article, resolver)


def _town_stats(site: Site, assets: dict[str, AssetFile], redirects: list[Redirect],
                targets) -> dict[str, TownStats]:
    stats = {town.slug: TownStats(articles=len(town.articles),
                                  column_pages=sum(c.page_count for c in town.all_visible_columns()))
             for town in site.towns}
    for asset in assets.values():
        stats[asset.town].files += 1
    for redirect in redirects:
        town_stats = stats[targets[redirect.old_url].town]
        if redirect.status == 301:
            town_stats.redirects += 1
        else:
            town_stats.drops += 1
    return stats


def build_site(config: Config, standard: Standard, plans: list[TownPlan], ledger: Ledger,
               progress=None) -> BuildResult:
    """Build `config.site_dir` from the plans; returns the redirects and per-town stats."""
    started = time.perf_counter()
    check_theme(config.theme)
    site = build_model(config, standard, plans)
    assets = plan_asset_files(site.urls, plans)
    targets = resolve_targets(site, plans, assets)
    _prepare_articles(config, site, targets)
    copied = copy_assets(config.site_dir, config.workdir, assets, progress)
    written = run_pelican(site, progress)
    static = theme_static_outputs(config.theme, config.site_dir)
    removed = remove_stale(config.site_dir, written | copied | static)
    redirects = make_redirects(site, plans, targets)
    record_fates(ledger, site, plans, targets)
    write_redirects(config, redirects)
    stats = BuildStats(towns=_town_stats(site, assets, redirects, targets),
                       pages=len(written), stale_removed=removed,
                       seconds=round(time.perf_counter() - started, 3))
    return BuildResult(redirects=redirects, stats=stats)
