"""The crawl report of one township: `output/reports/crawl-<town>.html` (Chinese) and `.json`.

What the archive holds (by status, content type and kind), what was left out and why (by rule,
with example URLs), what failed, what the server lied about, the old site's own broken links
(with the pages that carry them), the column tree found, and the largest files. Written at the
end of every crawl; `write_crawl_report` returns the summary counts.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import jinja2

from migrate.config import Config
from migrate.crawl import changes
from migrate.crawl.classify import is_crawl_infrastructure
from migrate.crawl.columns import column_tree
from migrate.crawl.report_template import KIND_LABELS, STATE_LABELS, TEMPLATE, rule_label
from migrate.ledger import Ledger
from migrate.urls import canonical_url

EXAMPLES_PER_RULE = 10
MAX_LISTED = 500                 # rows per section in the HTML (the JSON has them all)
LARGEST_FILES = 20
LINKING_PAGES = 10               # pages listed per broken link
BROKEN_STATUSES = (404, 410)
ANOMALY_RULES = ("soft-404", "mislabelled:", "redirect-loop")


def report_paths(config: Config, town: str) -> tuple[Path, Path]:
    return config.reports_dir / f"crawl-{town}.html", config.reports_dir / f"crawl-{town}.json"


FACETS = ("status", "content_type", "kind")


def _tallies(ledger: Ledger, town: str) -> tuple[dict[str, int], dict[str, list[dict]]]:
    """(URLs by state, and fetched URLs with their bytes by each of FACETS, most common first,
    ties by value) from one pass over the township's rows, grouped finely, then regrouped."""
    regroup = " UNION ALL ".join(
        f"SELECT '{facet}', {facet}, SUM(n), COALESCE(SUM(size), 0) FROM tally WHERE state='fetched' GROUP BY {facet}"
        for facet in FACETS)
    rows = ledger.db.execute(
        "WITH tally AS (SELECT state, status, content_type, kind, COUNT(*) AS n, SUM(length) AS size "
        "FROM urls WHERE town=? GROUP BY state, status, content_type, kind) "
        f"SELECT 'state', state, SUM(n), 0 FROM tally GROUP BY state UNION ALL {regroup} ORDER BY 1, 3 DESC, 2",
        (town,))
    by_state: dict[str, int] = {}
    by_facet: dict[str, list[dict]] = {facet: [] for facet in FACETS}
    for facet, value, count, size in rows:
        if facet == "state":
            by_state[value] = count
        else:
            by_facet[facet].append({"value": value, "count": count, "bytes": size})
    return by_state, by_facet


def _exclusions(ledger: Ledger, town: str) -> list[dict]:
    groups: dict[str, list] = defaultdict(list)
    counts: Counter = Counter()
    for url, rule, found_on in ledger.db.execute(
            "SELECT url, rule, found_on FROM urls WHERE town=? AND state='excluded' ORDER BY url", (town,)):
        rule = rule or "unknown"
        counts[rule] += 1
        if len(groups[rule]) < EXAMPLES_PER_RULE:
            groups[rule].append({"url": url, "found_on": found_on})
    return [{"rule": rule, "label": rule_label(rule), "count": count, "examples": groups[rule]}
            for rule, count in counts.most_common()]


def _failures(ledger: Ledger, town: str) -> list[dict]:
    return [{"url": url, "rule": rule, "label": rule_label(rule or ""), "status": status, "found_on": found_on}
            for url, rule, status, found_on in ledger.db.execute(
                "SELECT url, rule, status, found_on FROM urls WHERE town=? AND state IN ('failed', 'queued') "
                "ORDER BY rule, url", (town,))]


def _anomalies(ledger: Ledger, town: str) -> list[dict]:
    rows = ledger.db.execute(
        "SELECT url, rule, status, content_type, redirect_to, found_on FROM urls "
        "WHERE town=? AND state='fetched' AND rule IS NOT NULL ORDER BY rule, url", (town,))
    return [{"url": url, "rule": rule, "label": rule_label(rule), "status": status, "content_type": content_type,
             "redirect_to": redirect_to, "found_on": found_on}
            for url, rule, status, content_type, redirect_to, found_on in rows
            if rule.startswith(ANOMALY_RULES)]


def _broken_links(ledger: Ledger, town: str) -> list[dict]:
    """Targets the old site links to that answer 404/410, are soft 404s, or could not be fetched,
    each with the pages that link to it."""
    targets = {}
    for url, status, state, rule, found_on in ledger.db.execute(
            "SELECT url, status, state, rule, found_on FROM urls WHERE town=? AND "
            "((state='fetched' AND (status IN (404, 410) OR rule='soft-404')) OR state='failed')", (town,)):
        if is_crawl_infrastructure(url, found_on):
            continue
        why = f"HTTP {status}" if state == "fetched" and status in BROKEN_STATUSES else rule_label(rule or "")
        targets[url] = {"url": url, "status": status, "why": why, "linked_from": [], "found_on": found_on}
    if not targets:
        return []
    for src, dst, text in ledger.db.execute(
            "SELECT src, dst, text FROM links WHERE town=? ORDER BY src", (town,)):
        if dst in targets and len(targets[dst]["linked_from"]) < LINKING_PAGES:
            targets[dst]["linked_from"].append({"src": src, "text": text})
    for target in targets.values():
        if not target["linked_from"] and target["found_on"]:
            target["linked_from"].append({"src": target["found_on"], "text": None})
    return sorted(targets.values(), key=lambda t: t["url"])


def _largest_files(ledger: Ledger, town: str) -> list[dict]:
    return [{"url": url, "kind": kind, "kind_label": KIND_LABELS.get(kind or "other", kind), "content_type": ctype,
             "length": length, "filename": filename}
            for url, kind, ctype, length, filename in ledger.db.execute(
                "SELECT url, kind, content_type, length, filename FROM urls WHERE town=? AND state='fetched' "
                "AND revisit_of IS NULL AND length > 0 ORDER BY length DESC, url LIMIT ?", (town, LARGEST_FILES))]


def _summary(ledger: Ledger, town: str, report: dict) -> dict:
    from migrate.crawl.runner import town_stats     # runner calls this module at the end of a crawl

    stats = town_stats(ledger, town)
    return {
        "urls": sum(row["count"] for row in report["by_state"]), "fetched": stats["fetched"],
        "excluded": stats["excluded"], "failed": stats["failed"], "queued": stats["queued"], "pages": stats["pages"],
        "attachments": stats["attachments"], "images": stats["images"], "assets": stats["assets"],
        "redirects": stats["redirects"], "errors": stats["errors"], "revisits": stats["revisits"],
        "bytes": stats["bytes"], "broken_links": len(report["broken_links"]),
        "anomalies": len(report["anomalies"]), "columns": sum(1 for _ in _walk(report["columns"])),
    }


def _walk(nodes: list[dict]):
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def crawl_report(config: Config, ledger: Ledger, town: str) -> dict:
    """The report's data (what the JSON file holds)."""
    township = config.township(town)
    start_urls = {canonical_url(u) for u in township.old_site.start_urls}
    tree, tree_source = column_tree(ledger, town, config.records_path(town), start_urls)
    by_state, by_facet = _tallies(ledger, town)
    report = {
        "town": town, "name": township.name,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_urls": township.old_site.start_urls,
        "by_state": [{"state": s, "label": STATE_LABELS.get(s, s), "count": n}
                     for s, n in sorted(by_state.items())],
        "by_status": by_facet["status"],
        "by_content_type": by_facet["content_type"],
        "by_kind": [{**row, "label": KIND_LABELS.get(row["value"] or "other", row["value"])}
                    for row in by_facet["kind"]],
        "exclusions": _exclusions(ledger, town),
        "failures": _failures(ledger, town),
        "anomalies": _anomalies(ledger, town),
        "broken_links": _broken_links(ledger, town),
        "columns": [node.to_dict() for node in tree],
        "columns_from": tree_source,
        "largest_files": _largest_files(ledger, town),
    }
    run = changes.last_run(ledger, town)
    if run is not None:
        report["changes"] = {"run": run, "counts": changes.summary(ledger, town, run),
                             "urls": {kind: changes.changed_urls(ledger, town, kind, run)[:MAX_LISTED]
                                      for kind in ("new", "changed", "gone")}}
    report["summary"] = _summary(ledger, town, report)
    return report


def write_crawl_report(config: Config, ledger: Ledger, town: str) -> dict:
    """Write `crawl-<town>.html` and `.json` under the reports folder; returns the summary
    counts (with the two paths under `html` and `json`)."""
    report = crawl_report(config, ledger, town)
    html_path, json_path = report_paths(config, town)
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    html = _template().render(r=report, limit=MAX_LISTED, examples=EXAMPLES_PER_RULE)
    html_path.write_text(html, encoding="utf-8")
    return {**report["summary"], "html": str(html_path), "json": str(json_path)}


@cache
def _template() -> jinja2.Template:
    """The report page's template, compiled once per process (a crawl of several townships
    writes one report each)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["size"] = human_size
    return env.from_string(TEMPLATE)


def human_size(length: int | None) -> str:
    length = length or 0
    for unit in ("B", "KB", "MB", "GB"):
        if length < 1024 or unit == "GB":
            return f"{length:.0f} {unit}" if unit == "B" else f"{length:.1f} {unit}"
        length /= 1024
    return f"{length:.1f} GB"


def summary_line(name: str, summary: dict) -> str:
    """One line for the CLI after a crawl (Chinese)."""
    return (f"{name}：归档 {summary['fetched']} 个地址（页面 {summary['pages']}、附件 {summary['attachments']}、"
            f"图片 {summary['images']}，共 {human_size(summary['bytes'])}），排除 {summary['excluded']}，"
            f"失败 {summary['failed']}，旧站失效链接 {summary['broken_links']}；报告 {summary['html']}")
