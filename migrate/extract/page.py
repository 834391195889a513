"""One parsed page, shared by every extraction step (the tree is parsed once)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from .text import BLOCK_TAGS, CELL_TAGS, clean_title, iter_text_nodes, squash, tag_of

PARSER = lxml.html.HTMLParser(remove_comments=False, remove_pis=True, collect_ids=False,
                              huge_tree=True)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
DOCUMENT_START = re.compile(r"<!doctype|<html", re.I)
TAG = re.compile(r"<(?!!--)[a-zA-Z/!]")


def safe_join(base: str, href: str) -> str:
    """urljoin that keeps a malformed link ("http://[bad") as written instead of raising."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def split_url(url: str | None):
    """urlsplit, or None for a malformed URL."""
    try:
        return urlsplit(url or "")
    except ValueError:
        return None


def strip_leading_junk(text: str) -> str:
    """Drop crawler log lines or stray text saved before `<!DOCTYPE`/`<html>` (dirty captures)."""
    text = text.lstrip("\ufeff")
    match = DOCUMENT_START.search(text, 0, 20000)
    if match and match.start() > 0:
        prefix = re.sub(r"<!--.*?-->", "", text[:match.start()], flags=re.S)
        if not TAG.search(prefix):
            text = text[match.start():]
    return XML_DECLARATION.sub("", text, count=1)


def parse_document(text: str):
    text = strip_leading_junk(text)
    if not text.strip():
        text = "<html><body></body></html>"
    try:
        root = lxml.html.document_fromstring(text, parser=PARSER)
    except (etree.ParserError, ValueError):
        root = lxml.html.document_fromstring("<html><body></body></html>", parser=PARSER)
    _adopt_strays(root)
    return root


def _adopt_strays(root):
    """Content after `</html>` (templates that close the page twice) lands beside <body> or in
    a second <html> next to the root; readers see it as part of the page, so it joins <body>."""
    body = root.find("body")
    if body is None:
        return
    strays = []
    after = False
    for child in root:
        if child is body:
            after = True
        elif after and isinstance(child.tag, str):
            strays.append(child)
    for sibling in root.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if sibling.tag == "html":
            for child in sibling:
                if child.tag == "body":
                    strays.extend(child)
                elif child.tag != "head" and isinstance(child.tag, str):
                    strays.append(child)
        else:
            strays.append(sibling)
    for el in strays:
        body.append(el)


@dataclass
class Segment:
    """One visible text node, with the block it belongs to (for label/value pairing)."""

    index: int
    text: str
    element: object  # owner: the element holding the text, or whose tail it is
    is_tail: bool
    block: object  # nearest block-level ancestor (table cells count as part of their row)

    @property
    def parent(self):
        return self.element.getparent() if self.is_tail else self.element


# Label/value pairs: a cell and the next cell, a <dt> and its <dd> belong to one row.
PAIR_TAGS = CELL_TAGS | {"dt", "dd"}


def _block_of(el):
    while el is not None:
        tag = tag_of(el)
        if tag in BLOCK_TAGS and tag not in PAIR_TAGS:
            return el
        el = el.getparent()
    return None


@dataclass
class Page:
    root: object
    url: str | None
    encoding: str | None = None
    body_range: tuple[int, int] | None = field(default=None)

    @cached_property
    def base_url(self) -> str | None:
        """The URL relative links resolve against: `<base href>` (resolved on the page URL)."""
        for base in self.root.iter("base"):
            href = (base.get("href") or "").strip()
            if href and not href.lower().startswith("javascript"):
                return safe_join(self.url, href) if self.url else href
        return self.url

    def absolute(self, href: str | None) -> str | None:
        """An absolute URL when the page URL is known; relative links stay relative otherwise."""
        if href is None:
            return None
        href = href.strip()
        base = self.base_url
        if not base or not re.match(r"^[a-z][a-z0-9+.-]*://", base, re.I):
            return href
        return safe_join(base, href)

    @cached_property
    def metas(self) -> dict[str, str]:
        """`<meta name|property|itemprop>` values by lower-case name (first non-empty wins)."""
        found: dict[str, str] = {}
        for meta in self.root.iter("meta"):
            name = meta.get("name") or meta.get("property") or meta.get("itemprop")
            content = meta.get("content")
            if not name or content is None:
                continue
            key = name.strip().lower()
            value = squash(content)
            if value and key not in found:
                found[key] = value
        return found

    def meta(self, *names: str) -> str | None:
        for name in names:
            value = self.metas.get(name.lower())
            if value:
                return value
        return None

    @cached_property
    def html_title(self) -> str:
        for el in self.root.iter("title"):
            text = clean_title(el.text_content())
            if text:
                return text
        return ""

    @cached_property
    def body(self):
        body = self.root.find("body")
        return body if body is not None else self.root

    @cached_property
    def segments(self) -> list[Segment]:
        segs = []
        # Keyed by the elements themselves: lxml proxies die (and their ids get reused)
        # unless something holds them.
        blocks: dict[object, object] = {}
        for text, el, is_tail in iter_text_nodes(self.body):
            if not text.strip():
                continue
            owner = el.getparent() if is_tail else el
            if owner not in blocks:
                blocks[owner] = _block_of(owner)
            segs.append(Segment(len(segs), text, el, is_tail, blocks[owner]))
        return segs

    def segment_range(self, el) -> tuple[int, int] | None:
        """(first, last) indexes of the segments inside `el`, or None when it holds no text."""
        inside = set(el.iter())
        hits = [seg.index for seg in self.segments if seg.parent in inside]
        return (hits[0], hits[-1]) if hits else None

    def in_body(self, seg: Segment) -> bool:
        if not self.body_range:
            return False
        return self.body_range[0] <= seg.index <= self.body_range[1]
