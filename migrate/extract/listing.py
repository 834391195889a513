"""Column list pages: groups of dated links, and the page-kind decision."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from .dates import parse_date
from .page import Page, split_url
from .text import compact, squash, tag_of

ITEM_TAGS = ("li", "tr", "dd", "dt", "p", "div", "td", "span")
MIN_LINK_TEXT = 4
MIN_LIST_ITEMS = 5
MAX_ITEM_TEXT = 300
ROOT_PATH = re.compile(r"^/(?:(?:index|default|main|home)\.\w+)?$", re.I)
DATASTORE_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
# Paging widgets of list pages, as text or as the script that writes them.
PAGING_TEXT = re.compile(r"共\s*\d+\s*[页条]|页次|下一页|尾\s*页|末\s*页|上一页|\d+\s*/\s*\d+\s*页")
PAGING_SCRIPT = re.compile(r"createPageHTML|countPage|jpage\(|totalRecord|pageCount|setPage\(")
LIST_URL = re.compile(
    r"/index_\d+\.s?html?$|/col/col\d+/|/(?:list|more|class)\w*\.(?:asp|aspx|php|jsp)|"
    r"[?&](?:page|pagenum|pageno|pageindex|classid|catid|typeid)=\d+|/list[_-]?\d*\.s?html?$|"
    r"/(?:index|default)\.(?:s?html?|asp|aspx|php|jsp)$|/$", re.I)
SENTENCE = re.compile(r"[，。；！？]")


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


def _datastore_items(page: Page) -> list[DatedLink]:
    """Hanweb's first list page carries its records as CDATA inside <script type="text/xml">."""
    items = []
    for script in page.root.iter("script"):
        text = script.text or ""
        if "<record" not in text:
            continue
        for record in DATASTORE_RECORD.findall(text):
            try:
                fragment = lxml.html.fragment_fromstring(record, create_parent="div")
            except Exception:
                continue
            link = fragment.find(".//a")
            found = parse_date(fragment.text_content())
            if link is None or not link.get("href") or not found:
                continue
            title = squash(link.get("title") or "") or squash(link.text_content())
            items.append(DatedLink(page.absolute(link.get("href")), title, found[0]))
    return items


def dated_link_groups(page: Page) -> list[list[DatedLink]]:
    """Sibling items that each hold a link and a date, largest group first."""
    groups: dict[object, list[DatedLink]] = {}
    datastore = _datastore_items(page)
    if datastore:
        groups["datastore"] = datastore
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
    parts = split_url(url)
    return parts is not None and bool(parts.netloc) and not parts.query and bool(ROOT_PATH.match(parts.path or "/"))


def has_frames(page: Page) -> bool:
    if page.root.find(".//frameset") is not None:
        return True
    text = compact(page.body.text_content())
    return len(text) < 50 and page.body.find(".//iframe") is not None


def is_box_page(groups: list[list[DatedLink]]) -> bool:
    """Several similar boxes of dated links: a homepage, or a column's landing page that shows
    its sub-columns (a plain column list page has one main list)."""
    sizeable = [g for g in groups if len(g) >= 3]
    total = sum(len(g) for g in sizeable)
    return len(sizeable) >= 3 and len(sizeable[0]) < 0.5 * total


def looks_like_homepage(page: Page, groups: list[list[DatedLink]]) -> bool:
    if page.url:
        return is_site_root(page.url)
    return is_box_page(groups)


def prose_length(body_text: str, groups: list[list[DatedLink]]) -> int:
    """Characters of sentences (lines with sentence punctuation) that are not list-link titles:
    navigation, paging and footer lines carry no commas or full stops."""
    titles = {compact(item.title) for group in groups for item in group}
    total = 0
    for line in body_text.splitlines():
        text = compact(line)
        for title in titles:
            if title and title in text:
                text = text.replace(title, "")
        if SENTENCE.search(text):
            total += len(text)
    return total


def has_paging(page: Page) -> bool:
    if any(PAGING_TEXT.search(seg.text) for seg in page.segments if len(seg.text) < 200):
        return True
    return any(PAGING_SCRIPT.search(script.text or "") for script in page.root.iter("script"))


def list_url(url: str | None) -> bool:
    """A URL shaped like a column page (index_2.html, /col/col12/, list.asp?classid=3, a
    folder's index); the site root is not one."""
    return bool(url and LIST_URL.search(url) and not is_site_root(url))


MIN_ARTICLE_TEXT = 20
MIN_ARTICLE_PROSE = 150


def page_kind(page: Page, body, groups: list[list[DatedLink]], *, title: str | None,
              title_from_meta: bool, has_media: bool, dated_field: bool) -> str:
    """article | list | other. A column list page shows dated links and little prose, often
    with a paging widget or a list-page URL; an article shows a headline and content;
    homepages, frames and empty pages are other."""
    if has_frames(page):
        return "other"
    text_length = len(compact(body.text))
    if title_from_meta and (text_length >= MIN_ARTICLE_TEXT or has_media or body.element is not None):
        return "article"
    # A CMS content container (TRS_Editor, Hanweb markers, #zoom …) only exists on articles.
    if title and body.source.startswith("profile") and (text_length >= MIN_ARTICLE_TEXT or has_media):
        return "article"
    items = len(groups[0]) if groups else 0
    prose = prose_length(body.text, groups)
    if looks_like_homepage(page, groups) and prose < MIN_ARTICLE_PROSE:
        return "other"
    listy = list_url(page.url) or has_paging(page)
    if prose < MIN_ARTICLE_PROSE and not dated_field:
        if items >= MIN_LIST_ITEMS or (items and listy) or is_box_page(groups):
            return "list"
    # A general extractor returns menus and footers on pages without content; only sentences
    # count there. A CMS content container or the densest prose block counts whole.
    content = text_length if body.source != "trafilatura" else prose
    if title and (content >= MIN_ARTICLE_TEXT or has_media):
        return "article"
    return "list" if listy else "other"


def list_title(page: Page, column_path: list[str], title: str | None) -> str | None:
    """A list page is named by its column: the ColumnName meta, else the last crumb."""
    return page.meta("columnname") or (column_path[-1] if column_path else None) or title


def list_items(groups: list[list[DatedLink]]) -> list[dict]:
    shown = [item for group in groups for item in group] if is_box_page(groups) else \
        (groups[0] if groups else [])
    return [vars(item) for item in shown]
