"""Finding the links of one HTML page: markup, meta refresh and the URLs scripts navigate to.

Pure functions over an lxml document, so spiders can combine and override them. CMS list
pagination (TRS, Hanweb, `page=N`) lives in `migrate.crawl.pagination`.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Iterator, NamedTuple
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml.html import defs as html_defs
from w3lib.url import safe_url_string

from migrate.charsets import decode_html, normalise_charset


class FoundLink(NamedTuple):
    url: str        # absolute URL as a browser would request it
    text: str       # anchor text, alt or title ("" if none)
    source: str     # what pointed at it: a, img, frame, script-nav, pagination, ...


# Sources that are links a reader follows or content a page shows; their rows go to the
# ledger's `links` table. Template resources (styles, scripts, backgrounds) do not.
LINK_TABLE_SOURCES = frozenset({"a", "area", "frame", "iframe", "img", "embed", "object",
                                "refresh", "script-nav", "datastore", "dataproxy"})
TEMPLATE_SOURCES = frozenset({"link", "script", "style", "background", "css"})
SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:", "#",
                   "file:", "ftp:", "news:", "sms:", "weixin:")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
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
# A whole quoted path to a file in a script: the pictures and documents of old "focus picture"
# and menu scripts (`pics[1] = "/uploadfiles/1.jpg"`) are named nowhere else. Only literals that
# are a path by themselves (no blank, quote, markup or template character) and end in the type
# of a static file: a script's pages and endpoints (`.jsp`, `.html`) are requests the page makes
# with parameters, or links found the usual ways.
STATIC_FILE_PATH = (r"""[^"'\s<>\\+{}$]+\.(?:jpe?g|gif|png|bmp|webp|swf|flv|mp4|mp3|pdf|docx?|xlsx?|pptx?|wps|et"""
                    r"""|rar|zip|7z|txt)""")
STATIC_FILE = re.compile(STATIC_FILE_PATH, re.I)
SCRIPT_FILE_LITERAL = re.compile(rf"""(["'])({STATIC_FILE_PATH})\1""", re.I)


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


def _plain_parser() -> lxml.html.HTMLParser:
    """lxml.html's parser with one element class for every tag: lxml.html otherwise looks up a
    Python class per element (forms, inputs, labels…), a third of the parse of a page whose
    links are all we read. Elements keep HtmlElement's methods (`text_content`, `iterlinks`)."""
    parser = lxml.html.HTMLParser()
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


PLAIN_PARSER = _plain_parser()


def parse_html(text: str):
    """An lxml document (every element a plain `HtmlElement`), or None for an empty or
    unparsable page."""
    text = XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text, parser=PLAIN_PARSER)
    except (etree.ParserError, ValueError):
        return None


def absolute(raw: str | None, base: str, encoding: str = "utf-8") -> str | None:
    """The http(s) URL a browser would request for `raw` found on a page at `base`."""
    if not raw:
        return None
    raw = raw.strip()
    return _absolute(raw, resolution_base(raw, base), encoding)


# A relative path (`t2015.html`, `../list/`, `a/b?x=1`): no scheme, host, query-only or
# fragment-only form. It resolves against the base's directory alone.
RELATIVE_PATH = re.compile(r"[^:/?#\\]+(?:[/?#]|$)")


def resolution_base(raw: str, base: str) -> str:
    """The part of `base` that `raw` resolves against, so that the cache of `_absolute` answers
    for every page sharing it: the origin for root-relative and absolute links (navigation bars,
    the same on every page), the directory for relative paths (lists and their articles), else
    the whole base (`?page=2` and `#top` keep the page's path and query)."""
    if raw.startswith(("/", "http://", "https://")):
        origin = _origin_of_base(base)
        return origin if origin else base
    if RELATIVE_PATH.match(raw):
        return _directory_of_base(base)
    return base


@functools.lru_cache(maxsize=20_000)
def _origin_of_base(base: str) -> str | None:
    """`scheme://host/` of an http(s) base, or None (resolve against the whole base)."""
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/"


@functools.lru_cache(maxsize=20_000)
def _directory_of_base(base: str) -> str:
    """`scheme://host/dir/` of an http(s) base: what a relative path keeps of it."""
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return base
    return f"{parts.scheme}://{parts.netloc}{parts.path[:parts.path.rfind('/') + 1] or '/'}"


@functools.lru_cache(maxsize=100_000)
def _absolute(raw: str, base: str, encoding: str) -> str | None:
    if "\\" in raw:  # browsers read backslashes in http paths as slashes (old IIS sites use them)
        path, sep, query = raw.partition("?")
        raw = path.replace("\\", "/") + sep + query
    if not raw or raw.lower().startswith(SKIPPED_SCHEMES):
        return None
    try:
        url = browser_safe(urljoin(base, raw), encoding)
    except ValueError:
        return None
    url = url.split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else None


# A URL `safe_url_string` gives back unchanged: lower-case host, a port that exists, plain path
# and query characters. Resolved links mostly look like this; w3lib's check of each costs ~50 µs.
SAFE_FORM = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::([1-9][0-9]{0,4}))?"
                       r"(?:(?:/[A-Za-z0-9._~-]*)+(?:\?[A-Za-z0-9._~=&-]+)?)?")   # no query without a path


def is_browser_safe(url: str) -> bool:
    """Whether `safe_url_string` would give `url` back unchanged (a cheap, partial test)."""
    plain = SAFE_FORM.fullmatch(url)
    return bool(plain) and (plain.group(1) is None or int(plain.group(1)) <= 65535)


def browser_safe(url: str, encoding: str) -> str:
    """`w3lib.url.safe_url_string`: `url` with what a browser would %-encode encoded (the query in
    the page's `encoding`). Raises ValueError for a URL no browser could request."""
    if is_browser_safe(url):
        return url
    return safe_url_string(url, encoding=encoding)


def base_of(doc, page_url: str) -> str:
    """`<base href>` when the page sets one, else the page URL."""
    for href in doc.xpath("//base/@href"):
        resolved = absolute(str(href), page_url)
        if resolved:
            return resolved
    return page_url


def clean_text(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def element_text(element) -> str:
    """Anchor text; for image links and images, the alt or title."""
    text = clean_text(_text_content(element)) if element.tag in ("a", "area") else ""
    if not text:
        text = clean_text(element.get("title") or element.get("alt"))
    if not text and element.tag == "a":
        for img in element.iter("img"):
            text = clean_text(img.get("alt") or img.get("title"))
            if text:
                break
    return text


def _text_content(element) -> str:
    """`element.text_content()`, without its XPath call for the usual anchor holding text only."""
    if not len(element):
        return element.text or ""
    return element.text_content()


def _source_of(element, attribute: str | None) -> str:
    if attribute == "style" or element.tag == "style":
        return "style"
    if attribute == "background":
        return "background"
    return element.tag if isinstance(element.tag, str) else "other"


# The attributes lxml's `iterlinks` reads links from, and what else can hold a link (inline CSS,
# a refresh, a <param>). Testing each element's attribute names against them at once, rather
# than 16 look-ups per element as `iterlinks` does, was most of the saving on the crawl's
# hot path.
LINK_ATTRIBUTES = frozenset(html_defs.link_attrs)
# Where lazy-loading scripts (jQuery lazyload, layui, echo.js, UEditor's `_src`) keep a picture's
# real address while `src` shows a placeholder, and responsive candidates (`srcset`): only on
# the elements that load media, since other elements use `data-src` for anything at all.
LAZY_ATTRIBUTES = frozenset({"data-original", "data-src", "data-lazy-src", "data-echo", "lay-src", "_src"})
SRCSET_ATTRIBUTES = frozenset({"srcset", "data-srcset"})
MEDIA_TAGS = frozenset({"img", "iframe", "source", "video", "audio", "embed"})
LINK_CARRIERS = LINK_ATTRIBUTES | {"style"} | LAZY_ATTRIBUTES | SRCSET_ATTRIBUTES
LINK_CARRYING_TAGS = frozenset({"style", "param", "meta"})
CSS_URL = re.compile(r"""url\(("[^"]*"|'[^']*'|[^)]*)\)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s*["']([^"']*)["']""")      # `@import url(…)` is a url()
CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
META_REFRESH_URL = re.compile(r"[^;=]*;\s*(?:url\s*=\s*)?(?P<url>.*)$", re.I)


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


# <param>s whose value is what a Flash movie or a media player loads (IE-only markup often has
# no <embed src> beside them).
MEDIA_URL_PARAMS = frozenset({"movie", "src", "filename", "url"})


def flashvars_urls(value: str) -> list[str]:
    """Static file paths in a Flash movie's FlashVars ("pics=a.jpg|b.jpg&links=…"): the focus
    pictures of old homepages, named nowhere else. Values are split at `|`; only whole paths to
    static files count (STATIC_FILE), pages and links are found the usual ways."""
    urls = []
    for _, field in parse_qsl(value, keep_blank_values=True):
        for part in field.split("|"):
            part = part.strip()
            if STATIC_FILE.fullmatch(part):
                urls.append(part)
    return urls


def srcset_urls(value: str) -> list[str]:
    """The candidate URLs of a `srcset` ("a.jpg 1x, b.jpg 2x", "a.jpg 480w,b.jpg 800w"): each
    is the run of non-blank characters after a comma, less trailing commas; what follows it up to
    the next comma describes it."""
    urls, position, length = [], 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", position)
            position = length if comma < 0 else comma + 1
        if url:
            urls.append(url)
    return urls


def _object_links(element) -> Iterator[tuple[str, str]]:
    """<object>: codebase, classid, data and archive, the last three relative to codebase."""
    codebase = element.get("codebase")
    if codebase is not None:
        yield "codebase", codebase
    values = [(name, element.get(name)) for name in ("classid", "data") if element.get(name) is not None]
    values += [("archive", part) for part in (element.get("archive") or "").split(" ") if part]
    for name, value in values:
        yield name, urljoin(codebase, value) if codebase is not None else value


def _element_links(element) -> Iterator[tuple[str | None, str]]:
    """(attribute, raw link) pairs of one element, as lxml's `iterlinks` reads them (attribute
    None: a link in the element's text, i.e. a <style> sheet)."""
    tag, attrib = element.tag, element.attrib
    if tag == "object":
        yield from _object_links(element)
    else:
        for name, value in attrib.items():
            if name in LINK_ATTRIBUTES:
                yield name, value
            elif tag in MEDIA_TAGS:
                if name in LAZY_ATTRIBUTES:
                    yield name, value
                elif name in SRCSET_ATTRIBUTES:
                    for url in srcset_urls(value):
                        yield name, url
    if tag == "meta":
        if (attrib.get("http-equiv") or "").lower() == "refresh":
            content = attrib.get("content") or ""
            match = META_REFRESH_URL.search(content)
            url = _unquoted((match.group("url") if match else content).strip())
            if url:
                yield "content", url
    elif tag == "param":
        name = (element.get("name") or "").lower()
        if (element.get("valuetype") or "").lower() == "ref" or name in MEDIA_URL_PARAMS:
            yield "value", element.get("value")
        elif name == "flashvars":
            for url in flashvars_urls(element.get("value") or ""):
                yield "value", url
    elif tag == "embed" and "flashvars" in attrib:
        for url in flashvars_urls(attrib["flashvars"]):
            yield "flashvars", url
    elif tag == "style" and element.text:
        found = [(m.start(1), _unquoted(m.group(1))) for m in CSS_URL.finditer(element.text)]
        found += [(m.start(1), m.group(1)) for m in CSS_IMPORT.finditer(element.text)]
        for _, url in sorted(found, reverse=True):
            yield None, url
    if "style" in attrib:
        for match in reversed(list(CSS_URL.finditer(attrib["style"]))):
            yield "style", _unquoted(match.group(1))


def markup_links(doc, base: str, encoding: str = "utf-8") -> list[FoundLink]:
    """Every URL in link-bearing attributes (those of lxml's `iterlinks`: a, area, frame, iframe,
    img, link, script src, embed, object, inline CSS url()) except form actions."""
    links = []
    for element in doc.iter(etree.Element):
        # `keys()`, not `attrib`: no attribute-map object per element of the page
        if LINK_CARRIERS.isdisjoint(element.keys()) and element.tag not in LINK_CARRYING_TAGS:
            continue
        if element.tag == "form":
            continue
        for attribute, raw in _element_links(element):
            url = absolute(raw, base, encoding)
            if url:
                source = _source_of(element, attribute)
                text = element_text(element) if source in ("a", "area", "img", "frame", "iframe") else ""
                links.append(FoundLink(url, text, source))
    return links


def first_mentions(links: list[FoundLink]) -> list[FoundLink]:
    """The links the crawl acts on: each URL's first mention on the page, and its first
    mention as a link (`LINK_TABLE_SOURCES`) if that comes later. The crawl keeps no more:
    a URL's first discovery decides its row, and the ledger holds one link per target. A
    navigation bar repeats a fifth of a page's links; they need not cross to the engine."""
    mentioned, linked, kept = set(), set(), []
    for link in links:
        as_link = link.source in LINK_TABLE_SOURCES
        if link.url in linked or (link.url in mentioned and not as_link):
            continue
        mentioned.add(link.url)
        if as_link:
            linked.add(link.url)
        kept.append(link)
    return kept


def stylesheet_links(text: str, base: str) -> list[FoundLink]:
    """Every URL a stylesheet at `base` loads: `url()` (backgrounds, fonts, cursors,
    `@import url()`) and `@import "…"`, relative to the stylesheet itself, not to the page that
    uses it. Comments are skipped: old sites keep dead rules there, and their images are long
    gone. CSS URLs are UTF-8 whatever the sheet's encoding (as browsers read them)."""
    text = CSS_COMMENT.sub(" ", text)
    raws = [_unquoted(m.group(1).strip()) for m in CSS_URL.finditer(text)]
    raws += [m.group(1) for m in CSS_IMPORT.finditer(text)]
    links = []
    for raw in raws:
        url = absolute(raw, base, "utf-8")
        if url:
            links.append(FoundLink(url, "", "css"))
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
    lowered = script.lower()
    if "location" not in lowered and "open" not in lowered:   # cheap test before the regex
        return []
    return [next(g for g in m.groups()[1::2] if g) for m in NAVIGATION_JS.finditer(script)]


# `on*` handlers and candidates for `javascript:` URLs (any href or src with a colon that is not
# an http(s) URL written in lower case, as most absolute links are), found in C rather than by a
# Python loop over every attribute of the page. (A case-blind test for "javascript:" in XPath
# costs more than the few other URLs it would save checking.)
_SCRIPT_URL = "[contains(., ':') and not(starts-with(., 'http://') or starts-with(., 'https://'))]"
SCRIPT_ATTRIBUTES = etree.XPath(
    "descendant-or-self::*/@*[starts-with(name(), 'on')]"
    f" | descendant-or-self::*/@href{_SCRIPT_URL} | descendant-or-self::*/@src{_SCRIPT_URL}")


def script_texts(doc) -> list[str]:
    """Inline scripts, `on*` handlers and `javascript:` URLs: all the JavaScript of a page."""
    texts = [s.text for s in doc.iter("script") if s.text and not s.get("src")]
    for value in SCRIPT_ATTRIBUTES(doc):
        if value.attrname.startswith("on") or value.strip().lower().startswith("javascript:"):
            texts.append(str(value))
    return texts


def script_file_urls(script: str) -> list[str]:
    """Quoted file paths in a script (SCRIPT_FILE_LITERAL) that are not glued to anything with
    `+` on either side, in order."""
    found = []
    for match in SCRIPT_FILE_LITERAL.finditer(script):
        before = script[max(0, match.start() - 16):match.start()].rstrip()[-1:]
        after = script[match.end():match.end() + 16].lstrip()[:1]
        if before != "+" and after != "+":
            found.append(match.group(2))
    return found


ROOTED = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//|/", re.I)


def script_file_links(scripts: Iterable[str], base: str, encoding: str = "utf-8",
                      rooted_only: bool = False) -> list[FoundLink]:
    """Whole quoted file paths in scripts (`script_file_urls`): a guess, so their own source
    (`script-file`, no `links` row), and read last, after every link that says what it is.
    `rooted_only`: only absolute paths and URLs (for a script file: a relative path in it is
    relative to whichever page runs it)."""
    links = []
    for script in scripts:
        for target in script_file_urls(script):
            if rooted_only and not ROOTED.match(target):
                continue
            url = absolute(target, base, encoding)
            if url:
                links.append(FoundLink(url, "", "script-file"))
    return links


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
