"""Batched writes of crawl results into the ledger (the crawl's hot path).

A `LedgerBatch` holds everything one response produced: its own outcome, the URLs it revealed
(queued or excluded) and its links. Batches are written whole, in one transaction with their
neighbours, so after any crash a fetched page's links and queued children are either all in
the ledger or the page is not marked fetched (and a resumed crawl handles it again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from migrate.crawl import changes
from migrate.ledger import Ledger

DISCOVERY_COLUMNS = ("raw_url", "state", "found_on", "link_text", "depth", "rule")
OUTCOME_COLUMNS = ("state", "status", "content_type", "length", "payload_digest", "sha256",
                   "warc_file", "warc_offset", "revisit_of", "kind", "filename", "redirect_to",
                   "fetched_at", "rule")


@dataclass
class LedgerBatch:
    discovered: list[dict] = field(default_factory=list)   # url + DISCOVERY_COLUMNS
    outcomes: list[dict] = field(default_factory=list)     # url + OUTCOME_COLUMNS
    links: list[tuple[str, str, str]] = field(default_factory=list)   # (src, dst, text)
    relink: list[str] = field(default_factory=list)        # pages whose earlier links are replaced
    changes: list[tuple] = field(default_factory=list)     # rows of the re-crawl `changes` table

    def __len__(self):
        return len(self.discovered) + len(self.outcomes) + len(self.links) + len(self.relink) + len(self.changes)


def _insert_sql(columns: tuple[str, ...], conflict: str) -> str:
    names = ", ".join(("town", "url") + columns)
    marks = ", ".join("?" for _ in range(len(columns) + 2))
    return f"INSERT INTO urls ({names}) VALUES ({marks}) ON CONFLICT(town, url) DO {conflict}"


# First discovery wins: a URL keeps the page, text and depth it was first found with.
DISCOVER_SQL = _insert_sql(DISCOVERY_COLUMNS, "NOTHING")
# An outcome replaces every outcome field (a retried URL loses its old failure reason).
OUTCOME_SQL = _insert_sql(OUTCOME_COLUMNS, "UPDATE SET " + ", ".join(f"{c}=excluded.{c}" for c in OUTCOME_COLUMNS))
LINK_SQL = "INSERT OR IGNORE INTO links (town, src, dst, text) VALUES (?, ?, ?, ?)"
UNLINK_SQL = "DELETE FROM links WHERE town=? AND src=?"


class LedgerWriter:
    """Buffers batches for one township and writes them every `max_rows` rows or `interval` s."""

    def __init__(self, ledger: Ledger, town: str, max_rows: int = 2000, interval: float = 2.0):
        self.ledger = ledger
        self.town = town
        self.max_rows = max_rows
        self.interval = interval
        self.pending = LedgerBatch()
        self.last_flush = time.monotonic()

    def rows_pending(self) -> int:
        return len(self.pending)

    def add(self, batch: LedgerBatch):
        self.pending.discovered.extend(batch.discovered)
        self.pending.outcomes.extend(batch.outcomes)
        self.pending.links.extend(batch.links)
        self.pending.relink.extend(batch.relink)
        self.pending.changes.extend(batch.changes)
        if len(self.pending) >= self.max_rows or time.monotonic() - self.last_flush >= self.interval:
            self.flush()

    def flush(self):
        batch, self.pending = self.pending, LedgerBatch()
        self.last_flush = time.monotonic()
        if not len(batch):
            return
        town = self.town
        with self.ledger.transaction() as db:
            db.executemany(DISCOVER_SQL, [(town, row["url"], *(row.get(c) for c in DISCOVERY_COLUMNS))
                                          for row in batch.discovered])
            db.executemany(OUTCOME_SQL, [(town, row["url"], *(row.get(c) for c in OUTCOME_COLUMNS))
                                         for row in batch.outcomes])
            if batch.relink:
                db.executemany(UNLINK_SQL, [(town, src) for src in batch.relink])
            db.executemany(LINK_SQL, [(town, src, dst, text) for src, dst, text in batch.links])
            if batch.changes:
                changes.ensure_schema(db)
                db.executemany(changes.INSERT_SQL, batch.changes)

    def reset_town(self):
        """Forget the township's earlier crawl (a crawl from scratch replaces it)."""
        with self.ledger.transaction() as db:
            db.execute("DELETE FROM urls WHERE town=?", (self.town,))
            db.execute("DELETE FROM links WHERE town=?", (self.town,))
