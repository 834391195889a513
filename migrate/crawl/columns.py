"""The column tree of an old site, as the crawl found it (for the crawl report).

After extraction, list records know their breadcrumb (`column_path`) and articles their column:
the tree comes from `work/records/<town>.jsonl`. Before it, the tree is read from the URLs and
the ledger's links: list pages are recognised by their URL shape (`/col/col12/`, `index_2.html`,
`list.asp?classid=5`), grouped into columns, nested by folder, and named by the anchor text the
site's own menus use for them.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlsplit

from migrate.ledger import Ledger

HANWEB_COLUMN = re.compile(r"^(.*/col/col\d+/)")
LIST_FILE = re.compile(r"^(?:index|default|list|more)(?:_\d+)?\.(?:s?html?|asp|aspx|php|jsp)$", re.I)
# Every list-page URL has one of these (a query, a Hanweb column, a folder, a list file name);
# most article URLs have none, and `urlsplit` on thousands of them is slow.
MAYBE_LIST = re.compile(r"[?#\s]|/col/col|/$|/(?:index|default|list|more)[^/]*$", re.I)
COLUMN_KEYS = ("classid", "catid", "typeid", "columnid", "channelid", "cid", "lmid", "sortid")
# Anchor texts that name no column: paging, "more" links, breadcrumbs' home.
NOT_NAMES = re.compile(r"^(?:更多|more|首页|尾页|上一页|下一页|末页|\d+|>+|»+|\[?更多\]?.*|.*>>)$", re.I)
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("text/xml", "application/xml")


@dataclass
class ColumnNode:
    key: str                                  # column URL key, or its breadcrumb joined by " > "
    name: str
    list_urls: list[str] = field(default_factory=list)
    pages: int = 0                            # articles (or, before extraction, linked pages)
    children: list["ColumnNode"] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "list_urls": self.list_urls[:50],
                "list_pages": len(self.list_urls), "pages": self.pages,
                "children": [c.to_dict() for c in self.children]}

    def count(self) -> int:
        return 1 + sum(c.count() for c in self.children)


# ---------------------------------------------------------------------- from records

def tree_from_records(records_path: Path) -> list[ColumnNode] | None:
    """The tree of list records' breadcrumbs with article counts, or None before extraction."""
    if not records_path.exists():
        return None
    lists: dict[tuple, list[str]] = defaultdict(list)
    articles: Counter = Counter()
    with records_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            path = tuple(record.get("column") or record.get("column_path") or ())
            if not path:
                continue
            if record.get("kind") == "list":
                lists[path].append(record["url"])
            elif record.get("kind") == "article":
                articles[path] += 1
    nodes: dict[tuple, ColumnNode] = {}
    roots: list[ColumnNode] = []

    def node(path: tuple) -> ColumnNode:
        if path not in nodes:
            nodes[path] = ColumnNode(" > ".join(path), path[-1])
            (node(path[:-1]).children if len(path) > 1 else roots).append(nodes[path])
        return nodes[path]

    for path in sorted(set(lists) | set(articles)):
        found = node(path)
        found.list_urls = sorted(lists.get(path, []))
        found.pages = articles.get(path, 0)
    return _sorted(roots)


# ---------------------------------------------------------------------- from URLs

def column_key(url: str) -> str | None:
    """The column a list-page URL belongs to (all its pages share it), or None if the URL does
    not look like a list page."""
    return _column_key(urlsplit(url)) if MAYBE_LIST.search(url) else None


def _column_key(parts: SplitResult) -> str | None:
    origin = f"{parts.scheme}://{parts.netloc}"
    hanweb = HANWEB_COLUMN.match(parts.path)
    if hanweb:
        return origin + hanweb.group(1)
    if parts.query:
        query = {k.lower(): v for k, v in parse_qsl(parts.query)}
        for key in COLUMN_KEYS:
            if query.get(key):
                return f"{origin}{parts.path}?{key}={query[key]}"
        return None
    folder, name = posixpath.split(parts.path)
    if not name or LIST_FILE.match(name):
        folder = folder if name else parts.path.rstrip("/")
        return origin + (folder.rstrip("/") + "/") if folder.strip("/") else None
    return None


def _parent_key(key: str, keys: set[str]) -> str | None:
    """The nearest enclosing folder column of a folder column."""
    parts = urlsplit(key)
    if parts.query:
        return None
    path = parts.path.rstrip("/")
    while "/" in path.strip("/"):
        path = path.rsplit("/", 1)[0]
        candidate = f"{parts.scheme}://{parts.netloc}{path}/"
        if candidate in keys:
            return candidate
    return None


def _add_feeds(feeds: dict[str, str], column_of: dict[str, str], columns: dict[str, list[str]]):
    """Later list pages served as XML feeds belong to the column of the page that asked for
    them (each feed page may be found on the one before it)."""
    pending = dict(feeds)
    while pending:
        settled = {url: column_of[parent] for url, parent in pending.items() if parent in column_of}
        if not settled:
            return
        for url, key in settled.items():
            column_of[url] = key
            columns[key].append(url)
            del pending[url]


def _name(texts: Counter, key: str) -> str:
    for text, _ in texts.most_common():
        text = " ".join(text.split())
        if text and len(text) <= 20 and not NOT_NAMES.match(text):
            return text
    parts = urlsplit(key)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def tree_from_ledger(ledger: Ledger, town: str, start_urls: set[str]) -> list[ColumnNode]:
    rows = ledger.db.execute(
        "SELECT url, content_type, found_on FROM urls WHERE town=? AND state='fetched' AND status=200", (town,))
    columns: dict[str, list[str]] = defaultdict(list)
    pages: set[str] = set()
    feeds: dict[str, str] = {}              # list feed (Hanweb dataproxy answer) → page it was found on
    for url, content_type, found_on in rows:
        content_type = content_type or ""
        if content_type in FEED_TYPES and found_on:
            feeds[url] = found_on
        if content_type not in HTML_TYPES or url in start_urls:
            continue
        pages.add(url)
        key = column_key(url)
        if key:
            columns[key].append(url)
    column_of = {url: key for key, urls in columns.items() for url in urls}
    _add_feeds(feeds, column_of, columns)
    texts = _anchor_texts(ledger, town, column_of)
    counts = _column_pages(ledger, town, column_of, pages)
    nodes = {key: ColumnNode(key, _name(texts[key], key), sorted(urls), counts[key]) for key, urls in columns.items()}
    roots = []
    for key, found in nodes.items():
        parent = _parent_key(key, set(nodes))
        (nodes[parent].children if parent else roots).append(found)
    return _sorted(roots)


def _anchor_texts(ledger: Ledger, town: str, column_of: dict[str, str]) -> dict[str, Counter]:
    """Per column, how often each anchor text names a link to one of its list pages. Texts that
    are used equally often keep the order they are first met in reading the links by target,
    then as stored (the `links_dst` index order), so `_name` breaks ties the same way always.

    Grouped in SQL over only the links to list pages; the rows are read in storage order (the
    rowid list), which is several times faster than following the index to each row."""
    rows = ledger.db.execute(
        "SELECT dst, text, COUNT(*), MIN(rowid) AS first FROM links WHERE rowid IN "
        "(SELECT rowid FROM links WHERE town=? AND dst IN (SELECT value FROM json_each(?))) AND text != '' "
        "GROUP BY dst, text ORDER BY dst, first", (town, json.dumps(list(column_of))))
    texts: dict[str, Counter] = defaultdict(Counter)
    for dst, text, count, _ in rows:
        texts[column_of[dst]][text] += count
    return texts


def _column_pages(ledger: Ledger, town: str, column_of: dict[str, str], pages: set[str]) -> Counter:
    """Per column, how many pages (not list pages) its list pages link to; a page linked from
    more than two columns is in every column's template, not a column's own page."""
    linked_by: dict[str, set[str]] = defaultdict(set)
    rows = ledger.db.execute(
        "SELECT src, dst FROM links WHERE town=? AND src IN (SELECT value FROM json_each(?))",
        (town, json.dumps(list(column_of))))
    for src, dst in rows:
        if dst in pages and dst not in column_of:
            linked_by[dst].add(column_of[src])
    counts: Counter = Counter()
    for keys in linked_by.values():
        if len(keys) <= 2:
            counts.update(keys)
    return counts


def _sorted(nodes: list[ColumnNode]) -> list[ColumnNode]:
    for found in nodes:
        found.children = _sorted(found.children)
    return sorted(nodes, key=lambda n: n.key)


def column_tree(ledger: Ledger, town: str, records_path: Path, start_urls: set[str]) -> tuple[list[ColumnNode], str]:
    """(tree, source): from extraction records when they exist ("records"), else from URLs ("urls")."""
    from_records = tree_from_records(records_path)
    if from_records:
        return from_records, "records"
    return tree_from_ledger(ledger, town, start_urls), "urls"
