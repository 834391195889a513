"""The extract stage: every archived page of a township → one record in `work/records/<town>.jsonl`.

Runs `migrate.extract.extract` over the archive on all cores, reuses records whose payload has not
changed since the last run, and decides each page's column: the list pages that linked to it are
more reliable than its own breadcrumb, so they win; the breadcrumb fills in.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from migrate.config import Config
from migrate.ledger import Ledger

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("text/xml", "application/xml", "application/json", "text/javascript",
              "application/javascript", "text/plain")


def _extractor_version() -> str:
    """A digest of the extraction rules' source: cached records are redone when a rule changes."""
    package = Path(__file__).parent
    digest = hashlib.sha1()
    for path in sorted(package.glob("*.py")):
        if path.name != "stage.py":
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


EXTRACTOR_VERSION = _extractor_version()


def _extract_one(args) -> dict:
    workdir, warc_file, offset, url, digest = args
    from migrate.archive import read_record
    from migrate.extract import extract

    try:
        response = read_record(workdir, warc_file, offset)
        record = extract(response.body, url, headers=response.headers)
    except Exception as exc:  # one bad page must not stop the stage; the plan lists it
        record = {"url": url, "kind": "error", "error": f"{type(exc).__name__}: {exc}"}
    record["url"] = url
    record["payload_digest"] = digest
    record["extractor"] = EXTRACTOR_VERSION
    return record


def _cached(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    cache = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                if rec.get("extractor") == EXTRACTOR_VERSION:
                    cache[rec["url"]] = rec
    return cache


def _pages_to_extract(ledger: Ledger, town: str) -> list[dict]:
    return [r for r in ledger.archived(town)
            if r.get("status") == 200 and not r.get("revisit_of") and r.get("rule") != "soft-404"
            and (r.get("content_type") or "") in HTML_TYPES]


def _run_extraction(config: Config, todo: list[dict], progress, workers: int) -> list[dict]:
    args = [(str(config.workdir), r["warc_file"], r["warc_offset"], r["url"], r["payload_digest"])
            for r in todo]
    if not args:
        return []
    results = []
    if workers <= 1 or len(args) < 20:
        iterator = map(_extract_one, args)
        for rec in iterator:
            results.append(rec)
            if progress:
                progress(len(results), len(args), "抽取页面")
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for rec in pool.map(_extract_one, args, chunksize=16):
            results.append(rec)
            if progress and (len(results) % 25 == 0 or len(results) == len(args)):
                progress(len(results), len(args), "抽取页面")
    return results


def _list_column_of(url: str, records: dict[str, dict], ledger: Ledger, town: str,
                    depth: int = 0) -> list[str] | None:
    """Column path of a list page or of a data feed requested from one."""
    rec = records.get(url)
    if rec and rec.get("kind") == "list":
        return rec.get("column_path") or None
    if depth < 2:
        row = ledger.get(town, url)
        if row and row.get("found_on") and (row.get("content_type") or "") in FEED_TYPES:
            return _list_column_of(row["found_on"], records, ledger, town, depth + 1)
    return None


def _assign_columns(records: dict[str, dict], ledger: Ledger, town: str):
    for url, rec in records.items():
        if rec.get("kind") != "article":
            rec.setdefault("list_columns", [])
            rec["column"] = rec.get("column_path") or []
            continue
        columns = []
        for link in ledger.linked_from(town, url):
            column = _list_column_of(link["src"], records, ledger, town)
            if column and column not in columns:
                columns.append(column)
        rec["list_columns"] = columns
        rec["column"] = _choose_column(columns, rec.get("column_path") or [])


def _choose_column(list_columns: list[list[str]], breadcrumb: list[str]) -> list[str]:
    """The list page's column wins over the breadcrumb; among several list pages (an overview
    page and the column itself both list the article), the one the breadcrumb agrees with, else
    the most specific."""
    if not list_columns:
        return breadcrumb
    if breadcrumb in list_columns:
        return breadcrumb
    return max(list_columns, key=lambda c: (len(c), c))


def _feed_records(ledger: Ledger, town: str, records: dict[str, dict]) -> list[dict]:
    """Hanweb dataproxy answers and similar list feeds: list pages of their parent's column."""
    feeds = []
    for row in ledger.archived(town):
        if row.get("status") != 200 or (row.get("content_type") or "") not in FEED_TYPES:
            continue
        if row["url"] in records or not ledger.db.execute(
                "SELECT 1 FROM links WHERE town=? AND src=? LIMIT 1", (town, row["url"])).fetchone():
            continue
        column = _list_column_of(row["url"], records, ledger, town)
        if column:
            feeds.append({"url": row["url"], "kind": "list", "title": None, "column_path": column,
                          "payload_digest": row["payload_digest"], "extractor": EXTRACTOR_VERSION})
    return feeds


PART_URL = re.compile(r"^(?P<base>.+)_(?P<n>\d{1,3})(?P<ext>\.s?html?)$")


def _merge_multipage(records: dict[str, dict]):
    """`..._1.html`, `..._2.html` continue the article at `....html`: one record with the whole
    body; the parts are marked `kind: part` so the plan redirects them to the whole."""
    parts = defaultdict(list)
    for url, rec in records.items():
        match = PART_URL.match(url)
        if rec.get("kind") != "article" or not match:
            continue
        base = records.get(match["base"] + match["ext"])
        if base is not None and base.get("kind") == "article":
            parts[base["url"]].append((int(match["n"]), rec))
    for base_url, found in parts.items():
        base = records[base_url]
        base["pages"] = [base_url]
        for _, part in sorted(found, key=lambda item: item[0]):
            base["body_html"] = (base.get("body_html") or "") + "\n" + (part.get("body_html") or "")
            base["body_text"] = (base.get("body_text") or "") + "\n" + (part.get("body_text") or "")
            for key in ("attachments", "images"):
                seen = {json.dumps(x, sort_keys=True) for x in base.get(key) or []}
                base[key] = list(base.get(key) or []) + [
                    x for x in part.get(key) or [] if json.dumps(x, sort_keys=True) not in seen]
            base["pages"].append(part["url"])
            part["kind"], part["part_of"] = "part", base_url


def _write_atomically(path: Path, records: list[dict]):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)


def extract_town(config: Config, ledger: Ledger, town: str, progress=None,
                 workers: int | None = None) -> dict:
    """Extract every archived page of `town`; returns counts by kind."""
    path = config.records_path(town)
    cache = _cached(path)
    pages = _pages_to_extract(ledger, town)
    records: dict[str, dict] = {}
    todo = []
    for row in pages:
        old = cache.get(row["url"])
        if old and old.get("payload_digest") == row["payload_digest"]:
            records[row["url"]] = old
        else:
            todo.append(row)
    workers = workers or min(os.cpu_count() or 1, 4)
    for rec in _run_extraction(config, todo, progress, workers):
        records[rec["url"]] = rec
    _merge_multipage(records)
    for feed in _feed_records(ledger, town, records):
        records[feed["url"]] = feed
    _assign_columns(records, ledger, town)
    ordered = [records[u] for u in sorted(records)]
    _write_atomically(path, ordered)
    stats = Counter(r.get("kind", "other") for r in ordered)
    stats["reused"] = len(pages) - len(todo)
    stats["undated"] = sum(1 for r in ordered if r.get("kind") == "article" and not r.get("date"))
    return dict(stats)
