"""Re-crawl: fetch again only what is new or changed on a township site crawled before.

`crawl_towns(..., recrawl=True)` starts from everything the ledger knows (every URL fetched,
queued or failed is asked again; new links are followed as usual) and keeps the earlier WARC
files, which stay the payloads of record for whatever did not change:

- a URL archived with validators is asked conditionally (`If-None-Match` / `If-Modified-Since`
  from its archived response headers); a 304 is written as a `revisit` record of profile
  server-not-modified, and its ledger row keeps pointing at the earlier record;
- a 200 whose payload digest equals the earlier one (servers without validators) is unchanged
  too: the WARC holds an identical-payload revisit, the ledger row keeps the earlier record;
- a different payload (or status) is `changed`, a 404/410 or a soft 404 where a page was is
  `gone`, a URL the ledger never had is `new`; each is a row of the `changes` table
  (`migrate.crawl.changes`);
- a URL that fails this time (timeout, 5xx) or is now left out keeps its earlier record.

A re-crawl that is interrupted is finished by running the re-crawl again.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from migrate.archive import REFERS_TO_FILE, REFERS_TO_OFFSET, read_http_headers, read_record, record_headers
from migrate.crawl.job import CrawlJob
from migrate.crawl.ledgerwriter import OUTCOME_COLUMNS
from migrate.crawl.state import CrawlStart, pending_of
from migrate.crawl.warc import Original, seal_unfinished
from migrate.ledger import Ledger

logger = logging.getLogger(__name__)

VALIDATORS = {"etag": "If-None-Match", "last-modified": "If-Modified-Since"}
GONE_STATUSES = (404, 410)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def conditional_headers(archived_headers: list[tuple[str, str]]) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from an archived response's ETag / Last-Modified."""
    found = {}
    for name, value in archived_headers:
        header = VALIDATORS.get(name.lower())
        if header and value.strip():
            found[header] = value.strip()
    return found


@dataclass
class Recrawl:
    """What the township looked like before this run, and the verdict on each URL asked again."""
    town: str
    workdir: str
    run: int | None
    previous: dict[str, dict] = field(default_factory=dict)     # canonical URL → earlier ledger row

    def conditional(self, key: str) -> tuple[dict[str, str], tuple[Original, str | None]] | None:
        """Headers for a conditional GET of `key`, and the record a 304 would confirm."""
        prev = self.previous.get(key)
        if prev is None or prev["status"] != 200 or not prev["warc_file"]:
            return None
        try:
            headers = conditional_headers(read_http_headers(self.workdir, prev["warc_file"], prev["warc_offset"]))
        except (OSError, ValueError, StopIteration) as exc:
            logger.warning("earlier record of %s unreadable, asking unconditionally: %s", key, exc)
            return None
        if not headers:
            return None
        return headers, (self.payload_record(key, prev), prev["payload_digest"])

    def payload_record(self, key: str, prev: dict) -> Original:
        """The response record holding a URL's earlier payload: its own record, or for a
        revisit, the record that revisit names."""
        if prev["revisit_of"]:
            fields = record_headers(self.workdir, prev["warc_file"], prev["warc_offset"])
            target_file, target_offset = fields.get(REFERS_TO_FILE), fields.get(REFERS_TO_OFFSET)
            if target_file and target_offset and target_offset.isdigit():
                return Original(fields.get("WARC-Refers-To-Target-URI") or prev["revisit_of"], target_file,
                                int(target_offset))
        return Original(prev["raw_url"] or key, prev["warc_file"], prev["warc_offset"])

    def previous_body(self, key: str) -> bytes | None:
        """The earlier payload of `key` (what a 304 says is still current), or None."""
        prev = self.previous.get(key)
        if prev is None or not prev["warc_file"]:
            return None
        try:
            return read_record(self.workdir, prev["warc_file"], prev["warc_offset"]).body
        except (OSError, ValueError) as exc:
            logger.warning("earlier record of %s unreadable: %s", key, exc)
            return None

    def settle(self, row: dict) -> tuple[dict | None, tuple | None]:
        """(ledger row to write or None to keep the earlier one, `changes` row or None) for one
        outcome of this run."""
        prev = self.previous.pop(row["url"], None)
        answered = row.get("warc_file") is not None and row.get("status") is not None
        if prev is None:
            return row, (self._change(row["url"], "new", None, row) if row.get("state") == "fetched" else None)
        if not answered or row["status"] >= 500:
            return None, None                 # no usable answer this time: the earlier record stands
        if row["status"] == 304 or (row["status"] == prev["status"] and row["payload_digest"] == prev["payload_digest"]):
            kept = {column: prev[column] for column in OUTCOME_COLUMNS}
            kept.update(url=row["url"], fetched_at=row.get("fetched_at") or _now())
            return kept, self._change(row["url"], "unchanged", prev, prev)
        if self.is_gone(prev, row):
            return row, self._change(row["url"], "gone", prev, row)
        return row, self._change(row["url"], "changed", prev, row)

    @staticmethod
    def is_gone(prev: dict, row: dict) -> bool:
        had_content = prev["status"] == 200 and prev.get("rule") != "soft-404"
        return had_content and (row["status"] in GONE_STATUSES or row.get("rule") == "soft-404")

    def _change(self, url: str, change: str, prev: dict | None, now: dict) -> tuple:
        return (self.town, url, change, _now(), self.run,
                prev["payload_digest"] if prev else None, now.get("payload_digest"),
                prev["warc_file"] if prev else None, prev["warc_offset"] if prev else None)


def start_recrawl(job: CrawlJob, ledger: Ledger) -> CrawlStart:
    """Every URL the ledger knows (not excluded) is asked again; earlier WARC files stay."""
    seal_unfinished(Path(job.archive_dir))      # a killed earlier run: keep its whole records
    rows = ledger.rows(job.town)
    recrawl = Recrawl(job.town, job.workdir, job.run_id,
                      {r["url"]: r for r in rows if r["state"] == "fetched"})
    start = CrawlStart(recrawl=recrawl)
    for row in rows:
        if row["state"] == "excluded":
            continue                              # found again (or not) by the links of this run
        start.pending.append(pending_of(row))
        start.seen.add(row["url"])
        start.scheduled += 1
        if (row["state"] == "fetched" and row["status"] == 200 and not row["revisit_of"]
                and row["payload_digest"] and row["length"] and row["warc_file"]
                and os.path.exists(Path(job.workdir) / row["warc_file"])):
            start.originals.setdefault(row["payload_digest"], Original(
                row["raw_url"] or row["url"], row["warc_file"], row["warc_offset"]))
    return start
