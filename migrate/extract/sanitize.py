"""Sanitised body HTML: an allow-list of structural tags, no scripts, styles or event handlers."""

from __future__ import annotations

import re

import nh3
from lxml import etree

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "sub", "sup",
    "table", "thead", "tbody", "tr", "td", "th", "ul", "ol", "li", "a", "img", "blockquote",
    "pre", "span", "div", "hr",
}
ALLOWED_ATTRIBUTES = {
    "*": set(),  # nh3 otherwise keeps `title`/`lang` everywhere
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed together with everything inside them.
DROP_WITH_CONTENT = {"script", "style", "iframe", "form", "noscript", "template", "object",
                     "embed", "select", "textarea", "button", "svg", "canvas", "title"}
URL_SCHEMES = {"http", "https", "ftp", "mailto", "tel"}
EMPTY_BLOCKS = re.compile(r"<(p|div|span)>(?:\s|&nbsp;|\u3000|<br>)*</\1>")


def element_html(element) -> str:
    """Inner HTML of a detached content element."""
    parts = [element.text or ""]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts)


def sanitize_html(html: str) -> str:
    cleaned = nh3.clean(
        html, tags=ALLOWED_TAGS, clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None,
        strip_comments=True)
    # Empty wrappers left behind by removed widgets carry nothing for readers.
    previous = None
    while previous != cleaned:
        previous, cleaned = cleaned, EMPTY_BLOCKS.sub("", cleaned)
    return cleaned.strip()
