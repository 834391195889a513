"""Page → record extraction for government pages (see docs/pipeline.md, section 2).

`extract(body, url)` parses the page once and runs the steps on the shared tree: title,
labelled government fields, body (CMS containers, trafilatura fallback), publication date,
breadcrumb, attachments and images, and the page kind.
"""

from __future__ import annotations

from .body import extract_body
from .breadcrumb import find_column_path
from .dates import parse_date
from .encoding import charset_from_headers, decode_html
from .fields import (doc_no_from_body, doc_no_from_title, first_value, make_usable,
                     org_from_title, scan_labels)
from .links import article_region, collect_attachments, collect_images
from .listing import (MIN_LIST_ITEMS, dated_link_groups, has_frames, has_paging, is_box_page,
                      list_url, looks_like_homepage, prose_length)
from .page import Page, parse_document
from .pubdate import choose_date
from .sanitize import element_html, sanitize_html
from .text import compact, squash
from .title import choose_title

__all__ = ["extract", "decode_html"]

RECORD_KEYS = ("url", "title", "date", "time", "org", "source", "index_no", "doc_no",
               "column_path", "body_text", "body_html", "attachments", "images", "kind")
MIN_ARTICLE_TEXT = 20
MIN_ARTICLE_PROSE = 150
SOURCE_METAS = ("contentsource", "source", "article:source")


def load_page(body: bytes | str, url: str | None = None, *, headers=None,
              encoding: str | None = None) -> Page:
    """Decode (bytes decide; header/caller charset is a hint) and parse once."""
    used = None
    if isinstance(body, bytes):
        text, used = decode_html(body, encoding or charset_from_headers(headers))
    else:
        text = body
    return Page(parse_document(text), url, used)


def _meta_source(page: Page, title: str | None) -> str | None:
    value = page.meta(*SOURCE_METAS)
    # Some templates fill ContentSource with the title or a keyword list.
    if value and compact(value) != compact(title) and len(value) <= 60:
        return value
    return None


def _variable_source(page: Page) -> str | None:
    for el in page.root.xpath('//*[@id="NewsArticleSource"]'):
        value = squash(el.text_content())
        if value:
            return value
    return None


def _org_and_source(page, hits, usable, title, sources):
    """org: the issuing body shown (发布机构/发文机关), else the 来源 shown, else the CMS's
    ContentSource, else the body named by a 公文 title. source: only the 来源 the page shows."""
    source_hit = first_value(hits, "source", usable)
    source = source_hit.value if source_hit else None
    if source_hit:
        sources["source"] = f"field:{source_hit.label}"
    org_hit = first_value(hits, "org", usable)
    if org_hit:
        sources["org"] = f"field:{org_hit.label}"
        return org_hit.value, source
    if source:
        sources["org"] = sources["source"]
        return source, source
    for where, value in (("meta:ContentSource", _meta_source(page, title)),
                         ("variable:NewsArticleSource", _variable_source(page)),
                         ("title", org_from_title(title))):
        if value:
            sources["org"] = where
            return value, None
    return None, None


def _doc_no(hits, usable, title, body_lines, sources):
    hit = first_value(hits, "doc_no", usable)
    if hit:
        sources["doc_no"] = f"field:{hit.label}"
        return hit.value
    for where, value in (("title", doc_no_from_title(title)), ("body", doc_no_from_body(body_lines))):
        if value:
            sources["doc_no"] = where
            return value
    return None


def _kind(page: Page, title_result, body, groups, has_media: bool, dated_field: bool) -> str:
    """article | list | other. A column list page shows dated links and little prose, often
    with a paging widget or a list-page URL; an article shows a headline and content."""
    if has_frames(page):
        return "other"
    article_meta = title_result.source == "meta:ArticleTitle"
    text_length = len(compact(body.text))
    if article_meta and (text_length >= MIN_ARTICLE_TEXT or has_media or body.element is not None):
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
    if title_result.title and (content >= MIN_ARTICLE_TEXT or has_media):
        return "article"
    return "list" if listy else "other"


def _list_title(page: Page, column_path: list[str], title: str | None) -> str | None:
    column = page.meta("columnname")
    if column:
        return column
    if column_path:
        return column_path[-1]
    return title


def extract(body: bytes | str, url: str | None = None, *, headers=None,
            encoding: str | None = None) -> dict:
    """One page → one record (keys in RECORD_KEYS plus extra fields; see the module doc)."""
    page = load_page(body, url, headers=headers, encoding=encoding)
    hits = scan_labels(page)
    labelled_title = next((h.value for h in hits if h.field == "title"), None)
    metadata_at = next((h.segment.index for h in hits if h.field in ("date", "source", "org")), None)
    title_result = choose_title(page, labelled_title, metadata_at)
    title = title_result.title
    content = extract_body(page, hits, title, title_result.element, title_result.segment)
    usable = make_usable(page, hits)
    sources: dict[str, str] = {}
    if title:
        sources["title"] = title_result.source
    if content.source != "none":
        sources["body"] = content.source

    date = choose_date(page, hits, title_result.segment, usable)
    if date.date:
        sources["date"] = date.source
    org, source = _org_and_source(page, hits, usable, title, sources)
    body_lines = content.text.splitlines()
    doc_no = _doc_no(hits, usable, title, body_lines, sources)
    extra = {}
    for field in ("index_no", "written_date", "subject", "keywords", "validity", "author"):
        hit = first_value(hits, field, usable)
        if hit:
            extra[field] = hit.value
            sources[field] = f"field:{hit.label}"
    if "written_date" in extra:
        parsed = parse_date(extra["written_date"])
        extra["written_date"] = parsed[0] if parsed else extra["written_date"]

    column_path = find_column_path(page)
    body_elements = [content.original] if content.original is not None else []
    if content.original is None and page.body_range:
        segs = page.segments
        body_elements = [segs[page.body_range[0]].parent, segs[page.body_range[1]].parent]
    region = article_region(page, title_result.element, body_elements)
    attachments = collect_attachments(page, [content.element, region])
    images = collect_images(content.element)
    groups = dated_link_groups(page)
    dated_field = sources.get("date", "").startswith("field:")
    kind = _kind(page, title_result, content, groups, bool(attachments or images), dated_field)
    if kind == "article" and column_path and compact(column_path[-1]) == compact(title):
        column_path = column_path[:-1]  # breadcrumbs often end with the article's own title

    record = {
        "url": url,
        "title": title,
        "date": date.date,
        "time": date.time,
        "org": org,
        "source": source,
        "index_no": extra.pop("index_no", None),
        "doc_no": doc_no,
        "column_path": column_path,
        "body_text": content.text,
        "body_html": sanitize_html(element_html(content.element)) if content.element is not None else "",
        "attachments": attachments,
        "images": images,
        "kind": kind,
    }
    record.update(extra)
    record["encoding"] = page.encoding
    record["field_sources"] = sources
    if kind != "article":
        # Dates on list pages and homepages belong to their items, not to the page.
        record["date"] = record["time"] = None
        sources.pop("date", None)
    if kind == "list":
        record["title"] = _list_title(page, column_path, title)
        shown = [item for group in groups for item in group] if is_box_page(groups) else \
            (groups[0] if groups else [])
        record["list_items"] = [vars(item) for item in shown]
    if kind == "article" and not date.date:
        record["date_review"] = date.review
    return record
