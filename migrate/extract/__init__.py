"""Page → record extraction for government pages (see docs/pipeline.md, section 2).

`extract(body, url)` parses the page once and runs the steps on the shared tree: title,
labelled government fields, body (CMS containers, trafilatura fallback), publication date,
breadcrumb, attachments and images, and the page kind.
"""

from __future__ import annotations

from .body import extract_body
from .breadcrumb import find_column_path
from migrate.charsets import charset_from_headers, decode_html
from .fields import doc_no_of, extra_fields, make_usable, org_and_source, scan_labels
from .links import article_region, collect_attachments, collect_images
from .listing import (MIN_ARTICLE_PROSE, dated_link_groups, list_items, list_title, page_kind,
                      prose_length)
from .page import Page, parse_document
from .pubdate import choose_date
from .sanitize import element_html, sanitize_html
from .text import compact
from .title import TitleResult, choose_title

__all__ = ["extract", "decode_html"]

RECORD_KEYS = ("url", "title", "date", "time", "org", "source", "index_no", "doc_no",
               "column_path", "body_text", "body_html", "attachments", "images", "kind")


def load_page(body: bytes | str, url: str | None = None, *, headers=None,
              encoding: str | None = None) -> Page:
    """Decode (bytes decide; header/caller charset is a hint) and parse once."""
    used = None
    if isinstance(body, bytes):
        text, used = decode_html(body, encoding or charset_from_headers(headers))
    else:
        text = body
    return Page(parse_document(text), url, used)


def extract(body: bytes | str, url: str | None = None, *, headers=None,
            encoding: str | None = None) -> dict:
    """One page → one record: the keys in RECORD_KEYS, plus `encoding`, `field_sources`
    (where each field came from), the optional fields the page shows (written_date, subject,
    keywords, validity, author), `date_review` for undated articles and `list_items` for lists."""
    page = load_page(body, url, headers=headers, encoding=encoding)
    hits = scan_labels(page)
    labelled_title = next((h.value for h in hits if h.field == "title"), None)
    metadata_at = next((h.segment.index for h in hits if h.field in ("date", "source", "org")), None)
    headline = choose_title(page, labelled_title, metadata_at)
    title = headline.title
    content = extract_body(page, hits, title, headline.element, headline.segment)
    usable = make_usable(page, hits)
    sources: dict[str, str] = {}
    if not title and prose_length(content.text, []) >= MIN_ARTICLE_PROSE:
        # Real content under no headline at all (an empty <title>, a bare page): its first
        # line names it, so the text is not lost; the reviewer sees where the title came from.
        title = _first_line_title(content.text)
        headline = TitleResult(title, None, "body", None)
    if title:
        sources["title"] = headline.source
    if content.source != "none":
        sources["body"] = content.source

    date = choose_date(page, hits, headline.segment, usable)
    if date.date:
        sources["date"] = date.source
    org, source = org_and_source(page, hits, usable, title, sources)
    doc_no = doc_no_of(hits, usable, title, content.text.splitlines(), sources)
    extra = extra_fields(hits, usable, sources)

    attachments = collect_attachments(page, [content.element, _article_region(page, headline, content)])
    images = collect_images(content.element)
    groups = dated_link_groups(page)
    kind = page_kind(page, content, groups, title=title,
                     title_from_meta=headline.source == "meta:ArticleTitle",
                     has_media=bool(attachments or images),
                     dated_field=sources.get("date", "").startswith("field:"))
    column_path = find_column_path(page)
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
        **extra,
        "encoding": page.encoding,
        "field_sources": sources,
    }
    if kind == "article" and not date.date:
        record["date_review"] = date.review
    if kind != "article":
        # Dates on list pages and homepages belong to their items, not to the page.
        record["date"] = record["time"] = None
        sources.pop("date", None)
    if kind == "list":
        record["title"] = list_title(page, column_path, title)
        record["list_items"] = list_items(groups)
    return record


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 4:
            return line if len(line) <= 60 else line[:60] + "…"
    return None


def _article_region(page: Page, headline, content):
    """Headline and body together: attachment blocks sit there, outside the content itself."""
    body_elements = [content.original] if content.original is not None else []
    if content.original is None and page.body_range:
        first, last = page.body_range
        body_elements = [page.segments[first].parent, page.segments[last].parent]
    return article_region(page, headline.element, body_elements)
