"""Column list pages: groups of dated links, and the page-kind decision."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .dates import parse_date
from .page import Page
from .text import compact, squash, tag_of

ITEM_TAGS = ("li", "tr", "dd", "dt", "p", "div", "td", "span")
MIN_LINK_TEXT = 4
MIN_LIST_ITEMS = 5
MAX_ITEM_TEXT = 300
ROOT_PATH = re.compile(r"^/(?:(?:index|default|main|home)\.\w+)?$", re.I)


@dataclass
class DatedLink:
    url: str
    title: str
    date: str


def _item_of(a):
    """The list item around a link: the nearest ancestor that also holds its date."""
    node = a.getparent()
    for _ in range(3):
        if node is None:
            return None
        if tag_of(node) in ITEM_TAGS:
            text = node.text_content()
            if len(text) <= MAX_ITEM_TEXT and parse_date(text):
                return node
        node = node.getparent()
    return None


def dated_link_groups(page: Page) -> list[list[DatedLink]]:
    """Sibling items that each hold a link and a date, largest group first."""
    groups: dict[object, list[DatedLink]] = {}
    seen_items: set[object] = set()
    for a in page.body.iter("a"):
        href = (a.get("href") or "").strip()
        title = squash(a.get("title") or "") or squash(a.text_content())
        if not href or href.lower().startswith(("javascript:", "#")) or len(title) < MIN_LINK_TEXT:
            continue
        item = _item_of(a)
        if item is None or item in seen_items:
            continue
        seen_items.add(item)
        found = parse_date(item.text_content())
        parent = item.getparent()
        groups.setdefault(parent, []).append(DatedLink(page.absolute(href), title, found[0]))
    return sorted(groups.values(), key=len, reverse=True)


def is_site_root(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return bool(parts.netloc) and not parts.query and bool(ROOT_PATH.match(parts.path or "/"))


def has_frames(page: Page) -> bool:
    if page.root.find(".//frameset") is not None:
        return True
    text = compact(page.body.text_content())
    return len(text) < 50 and page.body.find(".//iframe") is not None


def looks_like_homepage(page: Page, groups: list[list[DatedLink]]) -> bool:
    """The site root, or a page of several similar boxes of dated links (a column list page
    has one main list)."""
    if is_site_root(page.url):
        return True
    sizeable = [g for g in groups if len(g) >= 3]
    total = sum(len(g) for g in sizeable)
    return len(sizeable) >= 3 and len(sizeable[0]) < 0.5 * total


def prose_length(body_text: str, groups: list[list[DatedLink]]) -> int:
    """Characters of body text that are not list-link titles."""
    text = compact(body_text)
    for group in groups:
        for item in group:
            text = text.replace(compact(item.title), "")
    return len(re.sub(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?", "", text))
