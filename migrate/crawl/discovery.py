"""Finding the links of one HTML page: markup, meta refresh and the URLs scripts navigate to.

Pure functions over an lxml document, so spiders can combine and override them. CMS list
pagination (TRS, Hanweb, `page=N`) lives in `migrate.crawl.pagination`.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, NamedTuple
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from w3lib.url import safe_url_string

from migrate.extract.encoding import decode_html, normalise_charset


class FoundLink(NamedTuple):
    url: str        # absolute URL as a browser would request it
    text: str       # anchor text, alt or title ("" if none)
    source: str     # what pointed at it: a, img, frame, script-nav, pagination, ...


# Sources that are links a reader follows or content a page shows; their rows go to the
# ledger's `links` table. Template resources (styles, scripts, backgrounds) do not.
LINK_TABLE_SOURCES = frozenset({"a", "area", "frame", "iframe", "img", "embed", "object",
                                "refresh", "script-nav", "datastore", "dataproxy"})
TEMPLATE_SOURCES = frozenset({"link", "script", "style", "background"})
SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:", "#",
                   "file:", "ftp:", "news:", "sms:", "weixin:")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
SPACES = re.compile(r"\s+")
# Assignments and calls that move the browser: location = '...', location.href = '...',
# location.replace('...'), window.open('...'). A URL continued with `+` is built at run time
# and is skipped.
NAVIGATION_JS = re.compile(
    r"""(?:(?:window|self|top|parent|document)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*(["'])([^"'\n]+)\1(?!\s*\+)"""
    r"""|location\s*\.\s*(?:replace|assign)\s*\(\s*(["'])([^"'\n]+)\3\s*\)"""
    r"""|window\s*\.\s*open\s*\(\s*(["'])([^"'\n]+)\5\s*[,)]""",
    re.I)
# Markup written by scripts (`document.write('<a href="...">')`), common in old menus.
WRITTEN_MARKUP = re.compile(r"""(href|src)\s*=\s*\\?["']([^"'\\+{}$\s<>]+)\\?["']""", re.I)
REFRESH = re.compile(r"""^\s*\d*\s*[;,]?\s*url\s*=\s*["']?([^"']+)""", re.I)


# Browsers encode the query of a link in the page's encoding, except that pages in a Unicode
# encoding (with or without a BOM) use UTF-8: never a BOM or UTF-16 bytes in a URL.
URL_CODECS = {"utf-8-sig": "utf-8", "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8",
              "utf-32": "utf-8", "utf-32-le": "utf-8", "utf-32-be": "utf-8"}


def decode_page(body: bytes, declared: str | None, forced: str | None = None) -> tuple[str, str]:
    """Page text and the codec its links' queries are encoded in: `forced` (the township's
    `old_site.encoding`) if set, else decided from the bytes (GB2312/GBK read as GB18030;
    declarations are only hints)."""
    if forced:
        codec = normalise_charset(forced) or forced
        text = body.decode(codec, errors="replace")
    else:
        text, codec = decode_html(body, declared)
    return text, URL_CODECS.get(codec.lower(), codec)


def parse_html(text: str):
    """An lxml document, or None for an empty or unparsable page."""
    text = XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def absolute(raw: str | None, base: str, encoding: str = "utf-8") -> str | None:
    """The http(s) URL a browser would request for `raw` found on a page at `base`."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.startswith("/") and not raw.startswith("//"):
        # Root-relative links (navigation bars) resolve the same on every page of a host:
        # keyed on the origin, the cache below answers them after the first page.
        base = "/".join(base.split("/", 3)[:3]) + "/"
    return _absolute(raw, base, encoding)


@functools.lru_cache(maxsize=100_000)
def _absolute(raw: str, base: str, encoding: str) -> str | None:
    if "\\" in raw:  # browsers read backslashes in http paths as slashes (old IIS sites use them)
        path, sep, query = raw.partition("?")
        raw = path.replace("\\", "/") + sep + query
    if not raw or raw.lower().startswith(SKIPPED_SCHEMES):
        return None
    try:
        url = safe_url_string(urljoin(base, raw), encoding=encoding)
    except ValueError:
        return None
    url = url.split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else None


def base_of(doc, page_url: str) -> str:
    """`<base href>` when the page sets one, else the page URL."""
    for href in doc.xpath("//base/@href"):
        resolved = absolute(str(href), page_url)
        if resolved:
            return resolved
    return page_url


def clean_text(text: str | None) -> str:
    return SPACES.sub(" ", text or "").strip()


def element_text(element) -> str:
    """Anchor text; for image links and images, the alt or title."""
    text = clean_text(element.text_content()) if element.tag in ("a", "area") else ""
    if not text:
        text = clean_text(element.get("title") or element.get("alt"))
    if not text and element.tag == "a":
        for img in element.iter("img"):
            text = clean_text(img.get("alt") or img.get("title"))
            if text:
                break
    return text


def _source_of(element, attribute: str | None) -> str:
    if attribute == "style" or element.tag == "style":
        return "style"
    if attribute == "background":
        return "background"
    return element.tag if isinstance(element.tag, str) else "other"


def markup_links(doc, base: str, encoding: str = "utf-8") -> list[FoundLink]:
    """Every URL in link-bearing attributes (lxml's `iterlinks`: a, area, frame, iframe, img,
    link, script src, embed, object, inline CSS url()) except form actions."""
    links = []
    for element, attribute, raw, _pos in doc.iterlinks():
        if element.tag == "form":
            continue
        url = absolute(raw, base, encoding)
        if url:
            source = _source_of(element, attribute)
            text = element_text(element) if source in ("a", "area", "img", "frame", "iframe") else ""
            links.append(FoundLink(url, text, source))
    return links


def fallback_links(doc, base: str, encoding: str = "utf-8") -> list[FoundLink]:
    """Links in `<noframes>` (and `<noembed>`, iframe fallback) content, which the HTML parser
    keeps as raw text; frame homepages often link their real entry page only there."""
    links = []
    for element in doc.iter("noframes", "noembed", "iframe"):
        if not element.text or "<" not in element.text:
            continue
        try:
            fragment = lxml.html.fragment_fromstring(element.text, create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        links.extend(markup_links(fragment, base, encoding))
    return links


def refresh_links(doc, base: str, encoding: str = "utf-8") -> list[FoundLink]:
    """`<meta http-equiv="refresh" content="0; url=...">`."""
    links = []
    for meta in doc.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        match = REFRESH.match(meta.get("content") or "")
        url = absolute(match.group(1), base, encoding) if match else None
        if url:
            links.append(FoundLink(url, "", "refresh"))
    return links


def navigation_targets(script: str) -> list[str]:
    """URLs a script sends the browser to (location/open), in order."""
    return [next(g for g in m.groups()[1::2] if g) for m in NAVIGATION_JS.finditer(script)]


def script_texts(doc) -> list[str]:
    """Inline scripts, `on*` handlers and `javascript:` URLs: all the JavaScript of a page."""
    texts = [s.text for s in doc.iter("script") if s.text and not s.get("src")]
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.startswith("on") or (name in ("href", "src") and value.strip().lower().startswith("javascript:")):
                texts.append(value)
    return texts


def script_links(doc, base: str, encoding: str = "utf-8", scripts: Iterable[str] | None = None) -> list[FoundLink]:
    """Links that exist only in JavaScript: location changes, window.open, written markup."""
    links = []
    for script in scripts if scripts is not None else script_texts(doc):
        for target in navigation_targets(script):
            url = absolute(target, base, encoding)
            if url:
                links.append(FoundLink(url, "", "script-nav"))
        if "write" in script:
            for attribute, target in WRITTEN_MARKUP.findall(script):
                url = absolute(target, base, encoding)
                if url:
                    links.append(FoundLink(url, "", "a" if attribute.lower() == "href" else "img"))
    return links
