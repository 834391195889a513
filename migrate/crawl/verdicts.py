"""What a response really is when the server says otherwise.

Township servers lie: PDFs go out as `text/html`, pages as `application/octet-stream`, a missing
page answers 200 with "页面不存在", redirects point back at themselves. The archive keeps every
response as it came; the ledger records what it is, and names the lie in `rule`:

- `mislabelled:<declared type>`: the bytes are another type than the header says (the ledger's
  `content_type` is the type the bytes show, so later stages read the right thing);
- `soft-404`: a 200 answer whose page says the page does not exist (kind `other`, never an article);
- `redirect-loop`: a redirect whose chain never reaches a page (marked after the crawl).
"""

from __future__ import annotations

import re

from migrate.ledger import Ledger

# Leading bytes → media type. Office files are OLE containers (doc, xls, wps, et) or ZIPs
# (docx, xlsx, ofd); both count as attachments whatever their exact type.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-office"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"FWS", "application/x-shockwave-flash"),
    (b"CWS", "application/x-shockwave-flash"),
)
HTML_START = (b"<!doctype html", b"<html", b"<head", b"<frameset", b"<body", b"<meta", b"<title")
GENERIC_TYPES = (None, "text/plain", "application/octet-stream", "binary/octet-stream",
                 "application/x-download", "application/force-download")
UNICODE_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff_binary(body: bytes) -> str | None:
    """The media type a binary payload's first bytes show, or None for text (or nothing known)."""
    head = body[:16]
    for magic, media in MAGIC:
        if head.startswith(magic):
            return media
    sample = body[:1024]
    if b"\x00" in sample and not sample.startswith(UNICODE_BOMS[1:]):
        return "application/octet-stream"
    return None


def looks_like_html(body: bytes) -> bool:
    head = body[:1024]
    for bom in UNICODE_BOMS:
        head = head.removeprefix(bom)
    head = head.lstrip().lower()
    if head.startswith(b"<?xml"):
        head = head[head.find(b"?>") + 2:].lstrip() if b"?>" in head else head
    if head.startswith(b"<!--"):       # an editor's comment before the document
        end = head.find(b"-->")
        head = head[end + 3:].lstrip() if end >= 0 else head
    return head.startswith(HTML_START)


def effective_type(declared: str | None, body: bytes, attachment: bool) -> tuple[str | None, str | None]:
    """(media type the ledger records, the declared type if the server lied about it, else None).

    Only two lies are corrected, both common and both harmful downstream: binary files sent as
    HTML (they would be parsed as pages), and pages sent as a generic type (they would never be
    extracted). A file the server sends as a download (Content-Disposition: attachment) is a
    file whatever it holds."""
    if declared in ("text/html", "application/xhtml+xml"):
        sniffed = sniff_binary(body)
        if sniffed:
            return sniffed, declared
    elif declared in GENERIC_TYPES and not attachment and looks_like_html(body):
        return "text/html", declared or "none"
    return declared, None


def mislabelled_rule(declared: str) -> str:
    return f"mislabelled:{declared}"


# ---------------------------------------------------------------------- soft 404

SOFT_404_PHRASES = ("页面不存在", "网页不存在", "页面未找到", "找不到页面", "找不到该页面", "找不到网页",
                    "找不到您要", "您访问的页面", "您要访问的页面", "您所访问的页面", "页面已删除", "文章不存在",
                    "信息不存在", "内容不存在", "该信息已删除", "该文章已删除", "已被删除或不存在", "页面找不到",
                    "page not found", "file not found", "404 not found")
BARE_ERROR_TITLE = re.compile(r"^\W*(?:error|错误)?\W*40[04]\b", re.I)
# A soft 404's own message is short; a real page that mentions the words has more to say.
SOFT_404_MAX_TEXT = 400


TITLE_PARTS = re.compile(r"\s[-_|–—]+\s|[_|–—]+|\s-\s")
NOT_WORDS = re.compile(r"[\W_]+")
# What stands beside the message in an error page's heading, besides punctuation.
MESSAGE_FILLERS = ("对不起", "抱歉", "很抱歉", "或已被删除", "或已删除", "已被删除", "或已过期", "请返回首页",
                   "返回首页", "您访问的", "您要找的", "sorry")
MESSAGE_SLACK = 6
SENTENCE_END = re.compile(r"[。！!？?；;]|\s{2,}")


def _says_missing(text: str) -> bool:
    """Cheap first test: one of the phrases occurs at all."""
    lowered = text.lower()
    return any(phrase in lowered for phrase in SOFT_404_PHRASES)


def _is_missing_message(text: str) -> bool:
    """A title or heading that is the error message itself (with perhaps the site's name after
    a separator), not a headline that mentions missing pages."""
    for part in TITLE_PARTS.split(text.lower()):
        found = [phrase for phrase in SOFT_404_PHRASES if phrase in part]
        if not found:
            continue
        for phrase in sorted(found + list(MESSAGE_FILLERS), key=len, reverse=True):
            part = part.replace(phrase, "")
        if len(NOT_WORDS.sub("", part)) <= MESSAGE_SLACK:
            return True
    return False


def is_soft_404(title: str | None, headings: list[str], body_text: str) -> bool:
    """A page answered with 200 that tells the reader the page does not exist."""
    title = " ".join((title or "").split())
    if title and (BARE_ERROR_TITLE.match(title) or _is_missing_message(title)):
        return True
    if any(_is_missing_message(h) for h in headings):
        return True
    text = " ".join(body_text.split())
    if len(text) > SOFT_404_MAX_TEXT or not _says_missing(text):
        return False
    return any(_is_missing_message(sentence) for sentence in SENTENCE_END.split(text))


# Pages larger than this are never a bare error message: only their title and headings count.
SOFT_404_MAX_BYTES = 30_000


def document_is_soft_404(doc, size: int = 0) -> bool:
    """`is_soft_404` for an lxml document of `size` bytes."""
    title = doc.findtext(".//title")
    headings = [" ".join(h.text_content().split()) for h in doc.iter("h1", "h2")]
    text = ""
    if size <= SOFT_404_MAX_BYTES:
        body = doc.find(".//body")
        root = body if body is not None else doc
        text = root.text_content()
        for script in root.iter("script", "style"):
            if script.text:         # `<script src>` has none: replacing "" would space out every character
                text = text.replace(script.text, " ")
    return is_soft_404(title, headings, text)


# ---------------------------------------------------------------------- redirect loops

MAX_REDIRECT_HOPS = 20


def redirect_loops(targets: dict[str, str | None]) -> set[str]:
    """URLs (of `targets`: redirecting URL → its target) whose chain of redirects never ends:
    it comes back to a URL already on it, or goes on for more than MAX_REDIRECT_HOPS."""
    looping: set[str] = set()
    for start in targets:
        chain, url = [], start
        while url in targets and url not in chain and url not in looping and len(chain) <= MAX_REDIRECT_HOPS:
            chain.append(url)
            url = targets[url]
        if url in chain or url in looping:      # every URL on the way leads into the cycle
            looping.update(chain)
        elif len(chain) > MAX_REDIRECT_HOPS:
            looping.add(start)
    return looping


def mark_redirect_loops(ledger: Ledger, town: str) -> int:
    """Give every archived redirect of `town` that loops the rule `redirect-loop`; returns how many."""
    rows = ledger.db.execute(
        "SELECT url, redirect_to FROM urls WHERE town=? AND state='fetched' AND status BETWEEN 300 AND 399",
        (town,)).fetchall()
    looping = redirect_loops({url: target for url, target in rows})
    with ledger.transaction() as db:
        db.executemany("UPDATE urls SET rule='redirect-loop' WHERE town=? AND url=?",
                       [(town, url) for url in sorted(looping)])
    return len(looping)
