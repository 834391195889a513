"""Which discovered URLs a township crawl fetches, and the rule that excludes the others.

Checked before a Request is ever built (the spider's hot path), so every rule works on the
canonical URL string and its split parts. Each rule returns its ledger name or None:
`offsite`, `trap:calendar`, `trap:print`, `trap:session-id`, `trap:search`,
`trap:repeated-segment`, `trap:long-url`, `max-depth`, `max-pages`, `max-bytes`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Callable, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from migrate.urls import DEFAULT_PORTS, canonical_url, host_of

MAX_URL_LENGTH = 2000
MAX_PATH_SEGMENTS = 16

DATE_VALUE = re.compile(r"^\d{4}(?:[-/.年]?\d{1,2}(?:[-/.月]?\d{1,2}日?)?)?$")
DATE_KEY = re.compile(r"(?:date|day|month|year|riqi|^rq$|^ym$|^cal)", re.I)
CALENDAR_PATH = re.compile(r"(?:calendar|rili)", re.I)
PRINT_KEYS = {"print", "printable", "printpage", "isprint", "share"}
PRINT_VALUES = {"print", "printable", "share"}
PRINT_PATH = re.compile(r"(?:^|/)(?:print|share|printpage)(?:/|\.(?:s?html?|asp|aspx|php|jsp|do)$)", re.I)
SESSION_KEYS = {"jsessionid", "phpsessid", "aspsessionid", "sessionid", "session_id", "sessid",
                "cfid", "cftoken"}
SESSION_TOKEN = re.compile(r"^[0-9A-Za-z_-]{16,}$")
PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#;]*", re.I)
SEARCH_KEYS = {"keyword", "keywords", "searchword", "q", "wd", "kw", "query", "searchkey"}
SEARCH_PATH = re.compile(r"search", re.I)


# A URL `canonical_url` gives back as it is (only "/" added to a bare host): lower-case host,
# no default port, a path of plain characters without dot segments, no query, no fragment.
# Most links of a site look like this; w3lib's canonicalisation of each costs ~70 µs.
CANONICAL_FORM = re.compile(
    r"(https?)://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::([1-9][0-9]{0,4}))?((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?)")


@functools.lru_cache(maxsize=200_000)
def canonical_key(url: str) -> str:
    """`migrate.urls.canonical_url`, cached (navigation links repeat on every page of a site) and
    skipped for URLs already in canonical form."""
    plain = CANONICAL_FORM.fullmatch(url)
    if plain:
        scheme, port, path = plain.groups()
        if port is None or (int(port) <= 65535 and int(port) != DEFAULT_PORTS[scheme]):
            return url if path else url + "/"
    return canonical_url(url)


class UrlParts(NamedTuple):
    path: str
    query: list[tuple[str, str]]


def split(url: str) -> UrlParts:
    parts = urlsplit(url)
    return UrlParts(parts.path, parse_qsl(parts.query, keep_blank_values=True))


def is_session_key(key: str, value: str) -> bool:
    key = key.lower()
    if key in SESSION_KEYS or key.startswith("aspsessionid"):
        return True
    # `sid` is often a site or section id; only a long token is a session.
    return key == "sid" and bool(SESSION_TOKEN.match(value))


# ---------------------------------------------------------------------- trap rules

def calendar_trap(parts: UrlParts) -> bool:
    if CALENDAR_PATH.search(parts.path):
        return True
    return any(DATE_KEY.search(k) and DATE_VALUE.match(v) for k, v in parts.query)


def print_trap(parts: UrlParts) -> bool:
    if PRINT_PATH.search(parts.path):
        return True
    for key, value in parts.query:
        key, value = key.lower(), value.lower()
        if key in PRINT_KEYS and value not in ("", "0", "false", "no"):
            return True
        if key in ("action", "type", "mode", "view", "op", "do") and value in PRINT_VALUES:
            return True
    return False


def session_trap(parts: UrlParts) -> bool:
    return bool(PATH_SESSION.search(parts.path)) or any(is_session_key(k, v) for k, v in parts.query)


def search_trap(parts: UrlParts) -> bool:
    keys = {k.lower() for k, _ in parts.query}
    return bool(keys & SEARCH_KEYS) or (bool(parts.query) and bool(SEARCH_PATH.search(parts.path)))


def repeated_segment_trap(parts: UrlParts) -> bool:
    """Relative-link loops: `/a/b/a/b/`, one name three times, or absurdly deep paths.

    Dates legitimately repeat numbers (`/art/2011/11/11/`), so numbers alone never count."""
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return True
    counts = Counter(s for s in segments if not s.isdigit())
    if counts and max(counts.values()) >= 3:
        return True
    for size in range(2, len(segments) // 2 + 1):
        for start in range(len(segments) - 2 * size + 1):
            block = segments[start:start + size]
            if block == segments[start + size:start + 2 * size] and not all(s.isdigit() for s in block):
                return True
    return False


def long_url_trap(url: str) -> bool:
    return len(url) > MAX_URL_LENGTH


TrapRule = Callable[[UrlParts], bool]
TRAP_RULES: tuple[tuple[str, TrapRule], ...] = (
    ("trap:session-id", session_trap),
    ("trap:calendar", calendar_trap),
    ("trap:print", print_trap),
    ("trap:search", search_trap),
    ("trap:repeated-segment", repeated_segment_trap),
)


def trap_rule(url: str, rules=TRAP_RULES) -> str | None:
    """Name of the first trap rule `url` (canonical) falls into, or None."""
    if long_url_trap(url):
        return "trap:long-url"
    parts = split(url)
    for name, rule in rules:
        if rule(parts):
            return name
    return None


def without_session_id(url: str) -> str | None:
    """`url` with session ids removed (the content they wrap is still wanted), or None if it
    has none."""
    parts = urlsplit(url)
    path = PATH_SESSION.sub("", parts.path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if not is_session_key(k, v)]
    if path == parts.path and len(kept) == len(query):
        return None
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(kept), ""))


def site_name(host: str) -> str:
    """`www.x.gov.cn:8080` → `x.gov.cn`: hosts that differ only so are one site's mirrors."""
    name = host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
    return name.removeprefix("www.")


class Scope:
    """A township's hosts and crawl caps: the non-trap half of the exclusion rules.

    The first host is the primary one. Its mirrors among the others (the bare domain, other
    ports: `www.x`, `x`, `www.x:8080`) serve the same site, so their URLs are fetched and keyed
    on the primary host; otherwise relative links would crawl the whole site once per mirror.
    (The redirect stage answers for every configured host.) Other hosts are crawled as they are.
    """

    def __init__(self, hosts: list[str], max_depth: int, max_pages: int, max_bytes: int,
                 trap_rules=TRAP_RULES, primary: str | None = None):
        self.hosts = {h.lower() for h in hosts}
        self.primary = (primary or hosts[0]).lower()
        self.mirrors = {h for h in self.hosts if h != self.primary and site_name(h) == site_name(self.primary)}
        self.max_depth = max_depth
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.trap_rules = trap_rules

    def on_site(self, url: str) -> bool:
        return host_of(url) in self.hosts

    def on_site_key(self, key: str) -> bool:
        """`on_site` for a canonical URL (lower-case host, no default port, no user info)."""
        return key.split("/", 3)[2] in self.hosts

    def to_primary(self, url: str) -> str:
        """`url` moved from a mirror host to the primary host (else unchanged)."""
        if not self.mirrors or host_of(url) not in self.mirrors:
            return url
        return urlunsplit(urlsplit(url)._replace(netloc=self.primary))

    def exclusion(self, url: str, depth: int, scheduled: int, fetched_bytes: int) -> str | None:
        """The rule that keeps `url` (canonical) from being fetched, or None to fetch it."""
        if not self.on_site_key(url):
            return "offsite"
        rule = trap_rule(url, self.trap_rules)
        if rule:
            return rule
        if self.max_depth and depth > self.max_depth:
            return "max-depth"
        if self.max_pages and scheduled >= self.max_pages:
            return "max-pages"
        if self.max_bytes and fetched_bytes >= self.max_bytes:
            return "max-bytes"
        return None
