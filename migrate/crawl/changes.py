"""The ledger's `changes` table: what a re-crawl found new, changed, unchanged or gone.

One row per URL per re-crawl run. `old_*` name the record that was the payload of record before
the run, so a changed or vanished page can always be read as it was (its WARC file is never
superseded by a re-crawl).

(The schema lives here, next to the only writer; it is created on first use.)
"""

from __future__ import annotations

from collections import Counter

from migrate.ledger import Ledger

CHANGE_KINDS = ("new", "changed", "unchanged", "gone")

SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    town            TEXT NOT NULL,
    url             TEXT NOT NULL,   -- canonical URL
    change          TEXT NOT NULL,   -- new | changed | unchanged | gone
    at              TEXT NOT NULL,   -- ISO 8601 UTC, when the re-crawl saw it
    run             INTEGER,         -- runs.id of the re-crawl
    old_digest      TEXT,            -- payload digest of record before the run
    new_digest      TEXT,            -- payload digest of record after it
    old_warc_file   TEXT,            -- where the earlier payload is (relative to the workdir)
    old_warc_offset INTEGER,
    PRIMARY KEY (town, url, run)
);
CREATE INDEX IF NOT EXISTS changes_run ON changes(town, run, change);
"""
COLUMNS = ("town", "url", "change", "at", "run", "old_digest", "new_digest", "old_warc_file", "old_warc_offset")
INSERT_SQL = (f"INSERT OR REPLACE INTO changes ({', '.join(COLUMNS)}) "
              f"VALUES ({', '.join('?' for _ in COLUMNS)})")


def ensure_schema(db):
    """Create the table if needed (statement by statement: also inside a transaction)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def last_run(ledger: Ledger, town: str) -> int | None:
    """Id of the township's latest re-crawl that recorded changes."""
    ensure_schema(ledger.db)
    row = ledger.db.execute("SELECT MAX(run) FROM changes WHERE town=?", (town,)).fetchone()
    return row[0] if row else None


def summary(ledger: Ledger, town: str, run: int | None = None) -> dict[str, int]:
    """Counts by change of one re-crawl (the latest if `run` is None); zeros when none ran."""
    counts = Counter({kind: 0 for kind in CHANGE_KINDS})
    run = run if run is not None else last_run(ledger, town)
    if run is None:
        return dict(counts)
    for change, count in ledger.db.execute(
            "SELECT change, COUNT(*) FROM changes WHERE town=? AND run=? GROUP BY change", (town, run)):
        counts[change] = count
    return dict(counts)


def changed_urls(ledger: Ledger, town: str, change: str, run: int | None = None) -> list[str]:
    run = run if run is not None else last_run(ledger, town)
    return [r[0] for r in ledger.db.execute(
        "SELECT url FROM changes WHERE town=? AND run=? AND change=? ORDER BY url", (town, run, change))]
