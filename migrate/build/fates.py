"""What became of every old URL: the redirect list and the ledger's `fate` columns."""

from __future__ import annotations

from migrate.build.model import Site
from migrate.build.targets import Target
from migrate.ledger import Ledger
from migrate.plan import TownPlan
from migrate.redirects import Redirect


def make_redirects(site: Site, plans: list[TownPlan], targets: dict[str, Target]) -> list[Redirect]:
    """One redirect per URL of every plan: 301 to the new page or file, 410 for drops."""
    redirects = []
    for plan in plans:
        for url in sorted(plan.all_urls()):
            target = targets[url]
            if target.path is None:
                redirects.append(Redirect(url, None, 410, target.reason))
            else:
                redirects.append(Redirect(url, site.absolute(target.path), 301, target.reason))
    return redirects


def record_fates(ledger: Ledger, site: Site, plans: list[TownPlan], targets: dict[str, Target]):
    with ledger.transaction():
        for plan in plans:
            for url in sorted(plan.all_urls()):
                target = targets[url]
                new_url = site.absolute(target.path) if target.path is not None else None
                ledger.set_fate(plan.slug, url, target.fate, new_url, target.reason)
