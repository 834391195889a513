"""The whole job as library calls: each stage in order, with the checks between them.

The CLI commands are thin wrappers over these functions; tests call them directly.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from migrate.config import Config, Township
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.mapping import PlanIssues, load_mapping, load_standard, plan_town, standard_path
from migrate.plan import Standard, TownPlan


def open_ledger(config: Config) -> Ledger:
    return Ledger(config.ledger_path)


def run_crawl(config: Config, towns: list[Township], *, resume=False, recrawl=False, fresh=False,
              proxy=None, progress=None, redis_url=None, workers=2, jobs=None):
    """Crawl; a township archived before is only crawled again when the user says how:
    `recrawl` (fetch what is new or changed), `resume` (finish an interrupted crawl) or `fresh`
    (start over: the earlier WARC files are kept under superseded/, the ledger rows replaced)."""
    from migrate.crawl import crawl_towns

    if not (resume or recrawl or fresh):
        with open_ledger(config) as ledger:
            done = [(t, ledger.counts(t.slug).get("fetched", 0)) for t in towns]
        done = [(t, n) for t, n in done if n]
        if done:
            listed = "、".join(f"{t.name}（{n} 个地址）" for t, n in done)
            raise UserError(f"{listed} 已经归档过。",
                            hint="再次归档请用 --recrawl（只下载新增和有变化的内容）；中断后继续请用 --resume；"
                                 "确要从头重来请加 --fresh（旧 WARC 文件移入 superseded/ 保留，台账重建）。")
    if redis_url:
        if recrawl:
            raise UserError("分布式归档（--redis）暂不支持 --recrawl。", hint="再次归档请去掉 --redis 单进程运行。")
        from migrate.crawl.distributed import crawl_distributed

        return crawl_distributed(config, towns, redis_url, workers=workers, resume=resume,
                                 progress=progress, proxy=proxy)
    return crawl_towns(config, towns, resume=resume, recrawl=recrawl, progress=progress, proxy=proxy, jobs=jobs)


def town_status(ledger: Ledger, town: str) -> dict:
    """What `sitemigrate status` says of one township: URL counts by state, the fates of the
    archived ones, and its last crawl run (outcome, started_at, ended_at) or None."""
    fates = dict(ledger.db.execute(
        "SELECT fate, COUNT(*) FROM urls WHERE town=? AND state='fetched' GROUP BY 1", (town,)).fetchall())
    last = ledger.db.execute(
        "SELECT outcome, started_at, ended_at FROM runs WHERE town=? AND stage='crawl' ORDER BY id DESC LIMIT 1",
        (town,)).fetchone()
    return {"counts": ledger.counts(town), "fates": fates, "last_crawl": dict(last) if last else None}


def run_extract(config: Config, towns: list[Township], progress=None) -> dict[str, dict]:
    from migrate.extract.stage import extract_town

    from migrate.dedupe import dedupe_all

    with open_ledger(config) as ledger:
        _require_crawled(ledger, towns)
        stats = {t.slug: extract_town(config, ledger, t.slug, progress=progress) for t in towns}
    duplicates = dedupe_all(config)
    for slug, town_stats in stats.items():
        town_stats["duplicates"] = sum(1 for d in duplicates.values() if d["from_town"] == slug)
    return stats


def _require_crawled(ledger: Ledger, towns: list[Township]):
    for town in towns:
        if not ledger.counts(town.slug).get("fetched"):
            raise UserError(f"乡镇 “{town.slug}”（{town.name}）还没有归档任何页面。",
                            hint=f"请先运行 `sitemigrate crawl {town.slug}`。")


@dataclass
class MapReport:
    plans: list[TownPlan]
    issues: dict[str, PlanIssues]

    @property
    def unaccounted(self) -> int:
        return sum(len(i.unmapped_pages) for i in self.issues.values())


def run_screen(config: Config, towns: list[Township], progress=None):
    from migrate.screen import screen_towns

    return screen_towns(config, [t.slug for t in towns], progress=progress)


def run_map_check(config: Config, towns: list[Township], standard: Standard | None = None,
                  apply_quarantine: bool = False) -> MapReport:
    """Plan each township. With `apply_quarantine`, screened pages awaiting review are held back
    (screening must have run on the current records)."""
    standard = standard or load_standard(standard_path(config))
    # Mapping mistakes are reported before anything else: they are what the user is editing.
    mappings = {town.slug: load_mapping(config, town.slug, standard) for town in towns}
    plans, issues = [], {}
    with open_ledger(config) as ledger:
        _require_crawled(ledger, towns)
        for town in towns:
            quarantine = None
            if apply_quarantine:
                from migrate.screen import quarantined
                quarantine = quarantined(config, town.slug)
            plan, town_issues = plan_town(config, ledger, town.slug, standard, mapping=mappings[town.slug],
                                          quarantine=quarantine)
            plans.append(plan)
            issues[town.slug] = town_issues
    return MapReport(plans, issues)


@dataclass
class BuildSummary:
    towns: list[str]
    articles: int = 0
    attachments: int = 0
    redirects: int = 0
    drops: int = 0
    undated: int = 0
    quarantined: int = 0
    empty_columns: dict[str, list[str]] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)


def run_build(config: Config, progress=None) -> BuildSummary:
    """Plan every township, refuse if any page is unaccounted for, then build and redirect."""
    from migrate.build import build_site

    towns = config.townships
    standard = load_standard(standard_path(config))
    report = run_map_check(config, towns, standard, apply_quarantine=True)
    if report.unaccounted:
        first = next(slug for slug, i in report.issues.items() if i.unmapped_pages)
        cols = "、".join(report.issues[first].unmapped_columns)
        raise UserError(f"有 {report.unaccounted} 个页面所在的旧栏目没有映射（例如乡镇 “{first}” 的：{cols}）。",
                        path=config.mappings / f"{first}.yaml",
                        hint="请运行 `sitemigrate map check` 查看清单，在映射文件中补上这些栏目后再构建。")
    with open_ledger(config) as ledger:
        result = build_site(config, standard, report.plans, ledger, progress=progress)
    summary = BuildSummary(towns=[t.slug for t in towns], stats=getattr(result, "stats", {}))
    for plan in report.plans:
        summary.articles += len(plan.articles)
        summary.attachments += sum(1 for r in plan.assets.values() if r.get("kind") == "attachment")
        summary.drops += len(plan.drops)
        summary.quarantined += sum(1 for r in plan.drops.values() if r.startswith("隔离待审"))
        summary.undated += len(report.issues[plan.slug].undated)
        summary.empty_columns[plan.slug] = [c.name for c in report.issues[plan.slug].empty_columns]
    summary.redirects = sum(1 for r in result.redirects if r.status == 301)
    _write_plan_report(config, report)
    return summary


def _write_plan_report(config: Config, report: MapReport):
    """A JSON list of every drop and every undated article, for people to review."""
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    data = {
        plan.slug: {
            "drops": [{"url": u, "reason": r} for u, r in sorted(plan.drops.items())],
            "undated": report.issues[plan.slug].undated,
            "empty_columns": [c.slug for c in report.issues[plan.slug].empty_columns],
        }
        for plan in report.plans
    }
    (config.reports_dir / "plan.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")


def run_verify(config: Config, progress=None):
    from migrate.verify import verify

    with open_ledger(config) as ledger:
        return verify(config, ledger, progress=progress)


class Timer:
    def __init__(self):
        self.start = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.start
