"""The screening stage over a township: every article, its original page and its attachments.

Reads `work/records/<town>.jsonl` and the archive, writes `work/screen/<town>.json`:

    {"version", "words", "town", "records": {"size", "mtime_ns"},
     "pages": {url: {"key", "title", "findings": [...], "stats": {...}}}}

Every screened article is listed (most with no findings) so the next run can reuse results whose
inputs have not changed, and so `quarantined` can tell whether the results still match the records.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from migrate.archive import read_record
from migrate.config import Config
from migrate.charsets import charset_from_headers
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.screen.attachments import attachment_format, attachment_text
from migrate.screen.model import Finding
from migrate.screen.page import screen_page
from migrate.screen.text import decode_text
from migrate.screen.words import load_vocabulary
from migrate.urls import canonical_url

# Bump when rules change, so cached results are redone.
SCREEN_VERSION = "1"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
RECORD_KEYS = ("url", "kind", "title", "body_text", "body_html", "attachments", "images")
PARALLEL_FROM = 40          # fewer pages than this are screened in-process


@dataclass
class PageResult:
    url: str
    title: str
    findings: list[Finding]


@dataclass
class ScreenReport:
    town: str
    path: Path
    screened: int = 0
    reused: int = 0
    flagged: dict[str, PageResult] = field(default_factory=dict)
    stats: Counter = field(default_factory=Counter)

    @property
    def counts(self) -> dict[str, int]:
        """Articles screened and flagged, flagged articles per category, attachment coverage."""
        counts = {"screened": self.screened, "reused": self.reused, "flagged": len(self.flagged)}
        for category in ("spam", "pii", "empty", "error"):
            counts[category] = sum(1 for p in self.flagged.values()
                                   if any(f.category == category for f in p.findings))
        for key in ("attachments_screened", "attachments_unscreened", "raw_missing"):
            counts[key] = self.stats.get(key, 0)
        return counts


def results_path(config: Config, town: str) -> Path:
    return config.workdir / "screen" / f"{town}.json"


# ---------------------------------------------------------------- one page (runs in workers)

@dataclass
class Job:
    url: str
    key: str
    record: dict
    warc_file: str | None
    warc_offset: int | None
    attachments: list[dict]     # {url, warc_file, warc_offset, format, digest}
    site_hosts: tuple[str, ...]


def _read_body(workdir: str, warc_file: str, offset: int) -> tuple[bytes, str | None]:
    response = read_record(workdir, warc_file, offset)
    return response.body, charset_from_headers(response.headers)


_TEXT_CACHE: dict[str, str | None] = {}


def _attachment_texts(workdir: str, job: Job, stats: Counter) -> dict[str, str]:
    texts = {}
    for att in job.attachments:
        key = att["digest"] or att["url"]
        if key not in _TEXT_CACHE:
            if len(_TEXT_CACHE) > 512:
                _TEXT_CACHE.clear()
            try:
                body, _ = _read_body(workdir, att["warc_file"], att["warc_offset"])
                _TEXT_CACHE[key] = attachment_text(body, att["format"])
            except Exception:  # an unreadable archive record: counted, checked by hand
                _TEXT_CACHE[key] = None
        text = _TEXT_CACHE[key]
        if text is None:
            stats["attachments_unscreened"] += 1
        else:
            stats["attachments_screened"] += 1
            texts[att["url"]] = text
    return texts


def screen_job(workdir: str, job: Job) -> tuple[str, list[dict], Counter]:
    stats: Counter = Counter()
    html = ""
    if job.warc_file:
        try:
            body, declared = _read_body(workdir, job.warc_file, job.warc_offset)
            html = decode_text(body, declared)
        except Exception:  # the sanitised body is still screened; the report counts these
            stats["raw_missing"] += 1
    else:
        stats["raw_missing"] += 1
    try:
        texts = _attachment_texts(workdir, job, stats)
        findings = screen_page(html, job.record, texts, site_hosts=job.site_hosts)
    except Exception as exc:  # one odd page must not stop the stage; it stays quarantined
        findings = [Finding("error", "screen-failed", f"{type(exc).__name__}: {exc}", "整页", "high")]
    return job.url, [f.to_dict() for f in findings], stats


def _screen_star(args):
    return screen_job(*args)


# ---------------------------------------------------------------- the town

def read_articles(config: Config, town: str) -> list[dict]:
    path = config.records_path(town)
    if not path.exists():
        raise UserError(f"乡镇 “{town}” 还没有抽取结果。", path=path,
                        hint=f"请先运行 `sitemigrate extract {town}`，再运行筛查。")
    articles = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                if record.get("kind") == "article":
                    articles.append({k: record.get(k) for k in RECORD_KEYS + ("payload_digest",)})
    return articles


def _records_stamp(config: Config, town: str) -> dict:
    stat = config.records_path(town).stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _attachment_rows(record: dict, rows: dict[str, dict]) -> tuple[list[dict], int]:
    """(attachments to read, how many cannot be read automatically: PDF, .doc, missing…)."""
    found, skipped = [], 0
    for item in record.get("attachments") or []:
        if not item.get("url"):
            continue
        url = canonical_url(item["url"])
        row = rows.get(url) or {}
        fmt = attachment_format(item.get("name") or row.get("filename"), url, row.get("content_type"))
        if fmt is None or not row.get("warc_file") or row.get("status") != 200 \
                or (row.get("length") or 0) > MAX_ATTACHMENT_BYTES:
            skipped += 1
            continue
        found.append({"url": url, "warc_file": row["warc_file"], "warc_offset": row["warc_offset"],
                      "format": fmt, "digest": row.get("payload_digest") or row.get("sha256")})
    return found, skipped


def _job_key(record: dict, attachments: list[dict], words: str) -> str:
    """Identifies everything a page's findings depend on: rules, word list, the record (which
    changes when the page or the extractor does) and the attachments' payloads."""
    parts = [SCREEN_VERSION, words, json.dumps(record, sort_keys=True, ensure_ascii=False)]
    parts += [a["digest"] or a["url"] for a in attachments]
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()


def _load_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_jobs(workdir: str, jobs: list[Job], progress, workers: int):
    args = [(workdir, job) for job in jobs]
    if workers <= 1 or len(jobs) < PARALLEL_FROM:
        results = map(_screen_star, args)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_screen_star, args, chunksize=16)
    try:
        for done, result in enumerate(results, 1):
            if progress:
                progress(done, len(jobs), "筛查页面")
            yield result
    finally:
        if pool:
            pool.shutdown()


def screen_town(config: Config, ledger: Ledger, town: str, progress=None,
                workers: int | None = None) -> ScreenReport:
    """Screen every article of `town`; writes `work/screen/<town>.json`."""
    site_hosts = tuple(config.township(town).old_site.hosts)
    articles = read_articles(config, town)
    stamp = _records_stamp(config, town)
    words = load_vocabulary().digest
    path = results_path(config, town)
    previous = (_load_json(path) or {}).get("pages", {})
    rows = {r["url"]: r for r in ledger.archived(town)}
    report = ScreenReport(town=town, path=path)
    pages: dict[str, dict] = {}
    jobs = []
    for record in articles:
        url = record["url"]
        attachments, skipped = _attachment_rows(record, rows)
        key = _job_key(record, attachments, words)
        old = previous.get(url)
        if old and old.get("key") == key:
            pages[url] = old
            report.reused += 1
            continue
        row = rows.get(url) or {}
        jobs.append(Job(url, key, record, row.get("warc_file"), row.get("warc_offset"), attachments, site_hosts))
        pages[url] = {"key": key, "title": record.get("title") or "", "findings": [],
                      "stats": {"attachments_unscreened": skipped} if skipped else {}}
    workers = workers or min(os.cpu_count() or 1, 4)
    for url, findings, stats in _run_jobs(str(config.workdir), jobs, progress, workers):
        pages[url]["findings"] = findings
        pages[url]["stats"] = dict(Counter(pages[url]["stats"]) + stats)
    report.screened = len(pages)
    report.stats = _sum_stats(pages)
    _write_results(path, {"version": SCREEN_VERSION, "words": words, "town": town, "records": stamp,
                          "pages": dict(sorted(pages.items()))})
    report.flagged = _flagged(pages)
    return report


def _sum_stats(pages: dict[str, dict]) -> Counter:
    total: Counter = Counter()
    for entry in pages.values():
        total.update(entry.get("stats") or {})
    return total


def _flagged(pages: dict[str, dict]) -> dict[str, PageResult]:
    return {url: PageResult(url, entry.get("title") or "", [Finding.from_dict(f) for f in entry["findings"]])
            for url, entry in pages.items() if entry.get("findings")}


def _write_results(path: Path, data: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_results(config: Config, town: str, *, check_fresh: bool = True) -> ScreenReport:
    """The last screening results of `town`; with `check_fresh`, refuse results that no longer
    match the records (extract ran again) or the rules and word list (the tool was updated)."""
    path = results_path(config, town)
    data = _load_json(path)
    if data is None:
        raise UserError(f"乡镇 “{town}” 还没有筛查结果。", path=path,
                        hint=f"请在抽取之后、构建之前运行 `sitemigrate screen {town}`。")
    if check_fresh:
        records = config.records_path(town)
        current = _records_stamp(config, town) if records.exists() else None
        if data.get("records") != current:
            raise UserError(f"乡镇 “{town}” 的抽取结果在上次筛查之后有更新，筛查结果已过期。", path=path,
                            hint=f"请重新运行 `sitemigrate screen {town}`（未变化的页面会直接沿用，很快）。")
        if data.get("version") != SCREEN_VERSION or data.get("words") != load_vocabulary().digest:
            raise UserError(f"乡镇 “{town}” 的筛查结果来自旧版的筛查规则或词表。", path=path,
                            hint=f"请重新运行 `sitemigrate screen {town}`。")
    pages = data.get("pages", {})
    report = ScreenReport(town=town, path=path, screened=len(pages), stats=_sum_stats(pages))
    report.flagged = _flagged(pages)
    return report


def screen_towns(config: Config, towns: list[str] | None = None, progress=None) -> list[ScreenReport]:
    """Screen the given townships (slugs; default all) and write the review report."""
    from migrate.screen.report import write_review_report

    with Ledger(config.ledger_path) as ledger:
        reports = [screen_town(config, ledger, t.slug, progress=progress) for t in config.select(towns)]
    write_review_report(config, reports)
    return reports
