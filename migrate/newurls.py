"""The URL scheme of the new county site. New URLs depend only on the old URL, never on counters,
so they stay the same from build to build."""

from __future__ import annotations

import hashlib
import posixpath
import re
from urllib.parse import quote, unquote, urlsplit

from pypinyin import lazy_pinyin

UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f#%&]+')
NON_SLUG = re.compile(r"[^a-z0-9_-]+")
GENERIC_STEMS = {"", "index", "default", "show", "view", "detail", "content", "article", "list"}


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def _ascii_slug(text: str) -> str:
    text = "-".join(lazy_pinyin(text)) if re.search(r"[\u4e00-\u9fff]", text) else text
    return NON_SLUG.sub("-", text.lower()).strip("-")


def article_slug(old_url: str) -> str:
    """`t20230105_1234-1a2b3c4d` from `.../202301/t20230105_1234.html`; `show-id-12-…` from
    `show.asp?id=12`. The hash of the full canonical URL makes it unique."""
    parts = urlsplit(old_url)
    stem = posixpath.splitext(posixpath.basename(unquote(parts.path)))[0]
    query = "-".join(v for kv in sorted(parts.query.split("&")) if kv for v in kv.split("=", 1))
    readable = _ascii_slug(f"{stem}-{query}" if query else stem)[:48].strip("-")
    return f"{readable}-{short_hash(old_url)}" if readable else short_hash(old_url)


def safe_filename(name: str, fallback: str = "file") -> str:
    """A file name that is safe on disk and in a URL path segment, keeping Chinese characters."""
    name = UNSAFE_NAME.sub("_", unquote(name)).strip(" ._") or fallback
    if len(name.encode("utf-8")) > 180:
        stem, ext = posixpath.splitext(name)
        name = stem[:50] + ext[:10]
    return name


class SiteURLs:
    """Paths of the new site (relative to its root, starting with '/')."""

    def __init__(self, channel_path: str = "xzjd"):
        self.channel = "/" + channel_path.strip("/")

    def county_home(self) -> str:
        return "/"

    def town_home(self, town: str) -> str:
        return f"{self.channel}/{town}/"

    def column(self, town: str, column: str, page: int = 1) -> str:
        base = f"{self.channel}/{town}/{column}/"
        return base if page <= 1 else f"{base}index_{page}.html"

    def article(self, town: str, column: str, old_url: str) -> str:
        return f"{self.channel}/{town}/{column}/{article_slug(old_url)}.html"

    def file(self, town: str, old_url: str, filename: str) -> str:
        return f"{self.channel}/{town}/files/{short_hash(old_url)}/{safe_filename(filename)}"


def path_to_file(path: str) -> str:
    """Site path → file path relative to the output root (`/a/` → `a/index.html`)."""
    path = unquote(urlsplit(path).path)
    if path.endswith("/"):
        path += "index.html"
    return path.lstrip("/")


def quote_path(path: str) -> str:
    return quote(path, safe="/-_.~")
