"""The SQLite ledger: one row per URL seen, per township, and what became of it.

Written by crawl (fetch results, exclusions, links), read by extract/map/build, and updated by
build (`fate`, `new_url`, `fate_reason`). Plain SQL so a person can inspect it with `sqlite3`.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    town           TEXT NOT NULL,
    url            TEXT NOT NULL,   -- canonical URL (migrate.urls.canonical_url)
    raw_url        TEXT,            -- URL as first requested
    state          TEXT NOT NULL,   -- queued | fetched | excluded | failed
    status         INTEGER,         -- HTTP status of the final response
    content_type   TEXT,            -- media type without parameters, lower-case
    length         INTEGER,         -- payload bytes
    payload_digest TEXT,            -- WARC-Payload-Digest, 'sha1:BASE32'
    sha256         TEXT,            -- hex sha256 of the payload
    warc_file      TEXT,            -- path relative to the workdir
    warc_offset    INTEGER,         -- offset of the response (or revisit) record
    revisit_of     TEXT,            -- canonical URL whose payload this one repeats
    kind           TEXT,            -- page | attachment | image | asset | other
    filename       TEXT,            -- decoded file name (Content-Disposition, URL, link text)
    found_on       TEXT,            -- canonical URL of the page that first linked here
    link_text      TEXT,            -- anchor text on that page
    depth          INTEGER,
    rule           TEXT,            -- exclusion rule or failure reason
    redirect_to    TEXT,            -- Location of a 3xx response (canonical)
    fetched_at     TEXT,            -- ISO 8601 UTC
    fate           TEXT,            -- page | redirect | drop (set by build)
    new_url        TEXT,            -- where it went on the new site (set by build)
    fate_reason    TEXT,            -- why (set by build)
    PRIMARY KEY (town, url)
);
CREATE TABLE IF NOT EXISTS links (
    town TEXT NOT NULL,
    src  TEXT NOT NULL,             -- canonical URL of the linking page
    dst  TEXT NOT NULL,             -- canonical URL linked to
    text TEXT,                      -- anchor text
    PRIMARY KEY (town, src, dst)
);
CREATE INDEX IF NOT EXISTS links_dst ON links(town, dst);
CREATE TABLE IF NOT EXISTS runs (
    id         INTEGER PRIMARY KEY,
    town       TEXT NOT NULL,
    stage      TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    outcome    TEXT,
    stats      TEXT                 -- JSON
);
"""

URL_COLUMNS = ["town", "url", "raw_url", "state", "status", "content_type", "length",
               "payload_digest", "sha256", "warc_file", "warc_offset", "revisit_of", "kind",
               "filename", "found_on", "link_text", "depth", "rule", "redirect_to", "fetched_at",
               "fate", "new_url", "fate_reason"]


LOCK_TIMEOUT = 60.0      # seconds a connection waits for another's write to end


def _use_wal(db: sqlite3.Connection):
    """Put the file in WAL mode (it stays so). Switching needs the file to itself, and SQLite
    answers "database is locked" at once, without waiting, when other connections open a new
    ledger at the same moment (townships crawled side by side): wait and ask again."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Ledger:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=LOCK_TIMEOUT, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        _use_wal(self.db)
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def upsert_url(self, town: str, url: str, **fields):
        """Insert or update one URL row; only the given fields change on update."""
        unknown = set(fields) - set(URL_COLUMNS)
        if unknown:
            raise ValueError(f"unknown ledger columns: {sorted(unknown)}")
        fields.setdefault("state", "queued")
        cols = ["town", "url", *fields]
        placeholders = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c}=excluded.{c}" for c in fields)
        self.db.execute(
            f"INSERT INTO urls ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT(town, url) DO UPDATE SET {updates}",
            [town, url, *fields.values()],
        )

    def add_links(self, town: str, src: str, links: list[tuple[str, str]]):
        self.db.executemany(
            "INSERT OR IGNORE INTO links (town, src, dst, text) VALUES (?, ?, ?, ?)",
            [(town, src, dst, text) for dst, text in links],
        )

    def get(self, town: str, url: str) -> dict | None:
        row = self.db.execute("SELECT * FROM urls WHERE town=? AND url=?", (town, url)).fetchone()
        return dict(row) if row else None

    def rows(self, town: str | None = None, state: str | None = None, where: str = "",
             params: tuple = ()) -> list[dict]:
        sql, args = "SELECT * FROM urls WHERE 1=1", []
        if town:
            sql += " AND town=?"
            args.append(town)
        if state:
            sql += " AND state=?"
            args.append(state)
        if where:
            sql += f" AND ({where})"
            args.extend(params)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY town, url", args)]

    def archived(self, town: str | None = None) -> list[dict]:
        """Every URL whose response is in the archive (any status)."""
        return self.rows(town, "fetched")

    def linked_from(self, town: str, dst: str) -> list[dict]:
        return [dict(r) for r in self.db.execute(
            "SELECT src, text FROM links WHERE town=? AND dst=? ORDER BY src", (town, dst))]

    def set_fate(self, town: str, url: str, fate: str, new_url: str | None, reason: str | None):
        self.db.execute("UPDATE urls SET fate=?, new_url=?, fate_reason=? WHERE town=? AND url=?",
                        (fate, new_url, reason, town, url))

    def counts(self, town: str) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT state, COUNT(*) FROM urls WHERE town=? GROUP BY state", (town,))}
