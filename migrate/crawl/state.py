"""Where a crawl starts: from scratch, or from what an interrupted crawl left behind.

Resume works from the ledger and the archive, not from Scrapy's JOBDIR:
- URLs `fetched` are done; `queued` and `failed` ones are requested again;
- responses written to a WARC file before the crash but never recorded in the ledger (the file
  still ends in `.open`) are adopted: replayed from the archive instead of fetched again;
- robots.txt answers and payload digests (for revisit records) are restored from the ledger;
- URLs left out for a cap (`max-pages`, `max-bytes`, `max-time`) are checked again against this
  run's budget.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from migrate.archive import read_record
from migrate.crawl.job import CrawlJob
from migrate.crawl.ledgerwriter import LedgerWriter
from migrate.crawl.warc import Original, seal_unfinished, supersede
from migrate.ledger import Ledger
from migrate.urls import canonical_url

logger = logging.getLogger(__name__)
CAP_RULES = ("max-pages", "max-bytes", "max-time")


@dataclass
class PendingUrl:
    url: str                 # canonical key
    raw_url: str
    depth: int
    found_on: str | None = None
    link_text: str | None = None


@dataclass
class CrawlStart:
    resume: bool = False
    seen: set[str] = field(default_factory=set)
    pending: list[PendingUrl] = field(default_factory=list)
    # canonical URL → (warc_file, offset) of a response archived but not yet in the ledger
    replayable: dict[str, tuple[str, int]] = field(default_factory=dict)
    # origin (scheme://host) → robots.txt body already archived (None: answered, but no rules)
    robots: dict[str, bytes | None] = field(default_factory=dict)
    # URLs an earlier run left out for a cap (pages, bytes, time): this run may have the budget
    recheck: list[PendingUrl] = field(default_factory=list)
    scheduled: int = 0
    done: int = 0
    fetched_bytes: int = 0
    originals: dict[str, Original] = field(default_factory=dict)
    superseded: str | None = None
    recrawl: object | None = None      # migrate.crawl.recrawl.Recrawl when re-crawling


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def start_fresh(job: CrawlJob, ledger: Ledger) -> CrawlStart:
    """A crawl from scratch: earlier WARC files move to `superseded/`, ledger rows go."""
    archive_dir = Path(job.archive_dir)
    seal_unfinished(archive_dir)
    # Ledger first: if we are killed in between, no row points into a moved file.
    LedgerWriter(ledger, job.town).reset_town()
    moved = supersede(archive_dir)
    return CrawlStart(superseded=str(moved) if moved else None)


def _unrecorded_responses(job: CrawlJob, fetched: set[str]) -> dict[str, tuple[str, int]]:
    """Responses in files a killed crawl left open that the ledger does not know as fetched."""
    found = {}
    for path, entries in seal_unfinished(Path(job.archive_dir)):
        rel = os.path.relpath(path, job.workdir).replace(os.sep, "/")
        for entry in entries:
            if entry.rec_type not in ("response", "revisit") or not entry.url:
                continue
            if (entry.status or 0) >= 500 or entry.status == 304:   # worth asking again; no content
                continue
            key = canonical_url(entry.url)
            if key not in fetched:
                found[key] = (rel, entry.offset)
    return found


def _archived_robots(job: CrawlJob, rows: list[dict]) -> dict[str, bytes | None]:
    robots = {}
    for row in rows:
        if row["state"] != "fetched" or urlsplit(row["url"]).path != "/robots.txt":
            continue
        body = None
        if row["status"] == 200 and row["warc_file"]:
            try:
                body = read_record(job.workdir, row["warc_file"], row["warc_offset"]).body
            except (OSError, ValueError) as exc:
                logger.warning("robots.txt of %s unreadable from the archive: %s", row["url"], exc)
                continue   # ask the server again
        robots[origin_of(row["url"])] = body
    return robots


def pending_of(row: dict) -> PendingUrl:
    return PendingUrl(row["url"], row["raw_url"] or row["url"], row["depth"] or 0, row["found_on"], row["link_text"])


def start_resumed(job: CrawlJob, ledger: Ledger) -> CrawlStart:
    rows = ledger.rows(job.town)
    fetched = {r["url"] for r in rows if r["state"] == "fetched"}
    start = CrawlStart(resume=True, seen={r["url"] for r in rows})
    start.replayable = _unrecorded_responses(job, fetched)
    start.robots = _archived_robots(job, rows)
    for row in rows:
        state = row["state"]
        if state in ("queued", "failed"):
            start.pending.append(pending_of(row))
        elif state == "excluded" and row["rule"] in CAP_RULES:
            start.recheck.append(pending_of(row))
        if state != "excluded":
            start.scheduled += 1
        if state == "fetched":
            start.done += 1
            start.fetched_bytes += row["length"] or 0
            if (row["status"] == 200 and not row["revisit_of"] and row["payload_digest"]
                    and row["length"] and row["warc_file"]):
                start.originals.setdefault(row["payload_digest"], Original(
                    row["raw_url"] or row["url"], row["warc_file"], row["warc_offset"]))
    return start


def crawl_start(job: CrawlJob, ledger: Ledger) -> CrawlStart:
    if job.resume:
        return start_resumed(job, ledger)
    if job.recrawl:
        from migrate.crawl.recrawl import start_recrawl     # it builds on this module
        return start_recrawl(job, ledger)
    return start_fresh(job, ledger)
