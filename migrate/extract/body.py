"""The article body: CMS content containers first, then the densest prose block, then trafilatura.

TRS, Hanweb and the site-group templates mark their content (`div.TRS_Editor`, the
`ZJEG_RSS.content` comments, `#zoom`, `#UCAP-CONTENT` ...). Where one is found it is taken as is,
minus page furniture (print/close/font-size/share widgets, view counters, the metadata block).
Hand-made table layouts have no such marks: the block holding most of the page's sentences
(density.py) is the content there. trafilatura is the general fallback. The result is a detached
copy of the content, with absolute links, ready for sanitising.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import convert_to_html

from .density import densest_container
from .fields import FieldHit, is_metadata_line
from .furniture import is_furniture
from .page import Page
from .text import BLOCK_TAGS, all_text, compact, element_lines, is_hidden, tag_of

# Class names and ids of content containers, best first. Lower rank wins; within a rank the
# container with the most text wins (pages often repeat the body in print/share copies).
PROFILE_CLASSES = {
    "TRS_Editor": 1, "TRS_UEDITOR": 1, "trs_editor_view": 1, "TRS_PreAppend": 1,
    "Custom_UnionStyle": 1,
    "article-content": 3, "article_content": 3, "articleContent": 3, "pages_content": 3,
    "wenzhang-content": 3, "news_content": 3, "newsContent": 3, "detail-content": 3,
    "detail_content": 3, "content_text": 3, "art-content": 3, "art_content": 3, "artcontent": 3,
    "article-body": 4, "article_body": 4, "con_txt": 4, "main-txt": 4, "zwxl-article": 4,
    "xl_content": 4, "xlcontent": 4, "nr_content": 4, "news-text": 4, "bt-article": 4,
    "detil-new-cont": 4, "conTxt": 4, "TRS_Article": 4,
}
PROFILE_IDS = {
    "UCAP-CONTENT": 2, "zoom": 2, "Zoom": 2, "fontzoom": 2, "fontZoom": 2, "ivs_content": 2,
    "art_content": 3, "articleContent": 3, "article_content": 3, "newsContent": 3, "zoomcon": 3,
    "content_detail": 3, "detailContent": 3, "NewsContent": 3, "textBox": 4, "content": 5,
    "dochtmlcon": 5, "Content": 5,
}
HANWEB_BEGIN = ("ZJEG_RSS.content.begin", "<$[信息内容]>begin")
HANWEB_END = ("ZJEG_RSS.content.end", "<$[信息内容]>end")
# Containers of rank >= this must pass extra checks (they are generic names).
GENERIC_RANK = 4
MIN_PROFILE_TEXT = 10

DROP_TAGS = ("script", "style", "noscript", "template", "form", "iframe", "frame", "input",
             "button", "select", "textarea", "object", "embed", "canvas", "svg", "link", "meta",
             "title", "map")
LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-echo", "original", "_src")


@dataclass
class Body:
    element: object | None  # detached content element with absolute links
    text: str
    source: str  # "profile:<name>" | "density" | "trafilatura" | "none"
    original: object | None = None  # the container in the page tree (not for trafilatura)


def _class_tokens(el) -> list[str]:
    cls = el.get("class")
    return cls.split() if cls else []


def _hanweb_content(page: Page):
    """A detached <div> holding what lies between Hanweb's content begin/end comments."""
    begin = end = None
    for comment in page.root.iter(etree.Comment):
        text = comment.text or ""
        if begin is None and any(m in text for m in HANWEB_BEGIN):
            begin = comment
        elif begin is not None and any(m in text for m in HANWEB_END):
            end = comment
            break
    if begin is None:
        return None, None
    parent = begin.getparent()
    if end is None or end.getparent() is not parent:
        return copy.deepcopy(parent), parent
    holder = lxml.html.Element("div")
    started = False
    for node in parent:
        if node is begin:
            started = True
            continue
        if node is end:
            break
        if started:
            holder.append(copy.deepcopy(node))
    if begin.tail:
        holder.text = begin.tail
    return holder, parent


def _profile_candidates(page: Page) -> list[tuple[int, object, str]]:
    found = []
    for el in page.body.iter():
        if not isinstance(el.tag, str):
            continue
        rank = None
        name = None
        for token in _class_tokens(el):
            r = PROFILE_CLASSES.get(token)
            if r is not None and (rank is None or r < rank):
                rank, name = r, token
        ident = el.get("id")
        if ident:
            r = PROFILE_IDS.get(ident)
            if r is not None and (rank is None or r < rank):
                rank, name = r, f"#{ident}"
        if rank is not None:
            found.append((rank, el, name))
    return found


def _text_length(el) -> int:
    return len(compact(all_text(el)))


def _link_density(el) -> float:
    total = _text_length(el)
    if not total:
        return 1.0
    linked = sum(len(compact(all_text(a))) for a in el.iter("a"))
    return linked / total


def _contains(el, other) -> bool:
    while other is not None:
        if other is el:
            return True
        other = other.getparent()
    return False


def _acceptable(rank: int, el, headline) -> bool:
    if rank < GENERIC_RANK:
        return True
    if headline is not None and _contains(el, headline):
        return False
    return _link_density(el) < 0.5


def find_container(page: Page, headline=None):
    """(content element copy, original element, profile name) or (None, None, None)."""
    holder, original = _hanweb_content(page)
    if holder is not None and _text_length(holder) >= MIN_PROFILE_TEXT:
        return holder, original, "hanweb"
    best = None
    for rank, el, name in _profile_candidates(page):
        if is_hidden(el):
            continue
        length = _text_length(el)
        has_media = el.find(".//img") is not None or el.find(".//table") is not None
        if length < MIN_PROFILE_TEXT and not has_media:
            continue
        if not _acceptable(rank, el, headline):
            continue
        key = (rank, -length)
        if best is None or key < best[0]:
            best = (key, el, name)
    if best is None:
        dense = densest_container(page)
        if dense is None:
            return None, None, None
        return copy.deepcopy(dense), dense, "density"
    _key, el, name = best
    return copy.deepcopy(el), el, name


def _drop(el):
    """Remove `el` but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def remove_furniture(container):
    for el in list(container.iter(*DROP_TAGS)):
        if el is not container:
            _drop(el)
    for comment in list(container.iter(etree.Comment)):
        _drop(comment)
    for el in list(container.iter()):
        if el is container or el.getparent() is None or not isinstance(el.tag, str):
            continue
        if is_hidden(el) or is_furniture(el, all_text(el)):
            _drop(el)


def remove_metadata_blocks(container, label_texts: set[str]):
    """Drop an index block (索引号/发布机构/成文日期 ...) that the container itself holds."""
    for el in list(container.iter("table", "ul", "dl", "div")):
        if el is container or el.getparent() is None:
            continue
        text = compact(all_text(el))
        if not text or len(text) > 800:
            continue
        labels = sum(1 for label in label_texts if label in text)
        if labels >= 3:
            _drop(el)


def remove_metadata_lines(container, min_labels: int, reach: int = 4):
    """Drop "发布时间：… 来源：…" lines at the top or bottom of a body (templates put them in
    the content cell). In a CMS content container only lines with two labels go: a notice may
    well open with "时间：3月9日上午"."""
    blocks = [el for el in container.iter() if el is not container and tag_of(el) in BLOCK_TAGS
              and not any(tag_of(child) in BLOCK_TAGS for child in el)]
    texts = [(el, all_text(el)) for el in blocks]
    texts = [(el, text) for el, text in texts if text.strip()]
    for el, text in texts[:reach] + texts[-reach:]:
        if _contains(container, el) and is_metadata_line(text, min_labels):
            _drop(el)


def remove_leading_title(container, title: str | None):
    """Drop the first blocks when they only repeat the headline (often split over lines)."""
    target = compact(title)
    if not target:
        return
    seen = ""
    for el in list(container.iter()):
        if el is container or tag_of(el) not in BLOCK_TAGS or not _contains(container, el):
            continue
        text = compact(all_text(el))
        if not text:
            continue
        if target.startswith(seen + text) and len(text) >= 2:
            seen += text
            _drop(el)
            if seen == target:
                return
            continue
        return


def make_links_absolute(page: Page, container):
    for img in container.iter("img"):
        src = img.get("src")
        if not src or src.startswith("data:") or "blank" in src or "loading" in src:
            lazy = next((img.get(a) for a in LAZY_SRC if img.get(a)), None)
            if lazy:
                src = lazy
        if src:
            img.set("src", page.absolute(src))
    for a in container.iter("a"):
        href = a.get("href")
        if href and not href.strip().lower().startswith(("javascript:", "#", "mailto:")):
            a.set("href", page.absolute(href))


def _trafilatura_body(page: Page):
    document = trafilatura.bare_extraction(
        page.root, url=page.url, favor_recall=True, include_tables=True, include_images=True,
        include_links=True, include_comments=False, with_metadata=False, as_dict=False)
    if document is None or document.body is None:
        return None
    html_root = convert_to_html(document.body)
    body = html_root.find("body")
    body.tag = "div"
    for img in body.iter("img"):
        if not img.get("src") and img.get("data-src"):
            img.set("src", img.get("data-src"))
    return body


def locate_in_page(page: Page, lines: list[str], window: tuple[int, int] | None = None,
                   after: int | None = None) -> tuple[int, int] | None:
    """Segment range of a cleaned body, from its first and last lines: within the container's
    own range when known, and below the headline (bodies often repeat the title first)."""
    keys = [compact(line) for line in lines if len(compact(line)) >= 6]
    if not keys:
        return None
    head, tail = keys[0][:10], keys[-1][-10:]
    lo, hi = window or (0, len(page.segments) - 1)
    if after is not None and after < hi:
        lo = max(lo, after + 1)
    start = end = None
    for seg in page.segments[lo:hi + 1]:
        text = compact(seg.text)
        if len(text) < 4:
            continue
        if start is None:
            if head in text or head.startswith(text):
                start = end = seg.index
            continue
        if tail in text or tail.endswith(text[-10:]):
            end = seg.index
    return (start, end) if start is not None else None


def extract_body(page: Page, hits: list[FieldHit], title: str | None, headline=None,
                 title_segment: int | None = None) -> Body:
    container, original, name = find_container(page, headline)
    if container is not None:
        source = name if name == "density" else f"profile:{name}"
    else:
        container = _trafilatura_body(page)
        source = "trafilatura" if container is not None else "none"
    if container is None:
        return Body(None, "", "none")
    label_texts = {hit.label for hit in hits}
    remove_furniture(container)
    if len(label_texts) >= 3:
        remove_metadata_blocks(container, label_texts)
    remove_metadata_lines(container, 2 if source.startswith("profile") else 1)
    remove_leading_title(container, title)
    lines = element_lines(container, skip_hidden=False)
    # Where the body lies on the page decides which labels belong to the page and which to
    # the text; a CMS container is exact, a found body is located by its first/last lines.
    if source.startswith("profile"):
        page.body_range = page.segment_range(original)
    else:
        window = page.segment_range(original) if original is not None else None
        page.body_range = locate_in_page(page, lines, window, title_segment)
    make_links_absolute(page, container)
    return Body(container, "\n".join(lines), source, original)
