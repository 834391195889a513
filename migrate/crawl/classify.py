"""What an archived URL is (page, attachment, image, asset, other) and its file name.

File names come, in order, from Content-Disposition (RFC 5987 `filename*=`, MIME encoded
words, raw GBK or UTF-8 bytes, %-escapes), from the URL (path or a `filename=` query parameter
of download scripts, %-escaped UTF-8 or GBK), and last from the link text.
"""

from __future__ import annotations

import email.header
import posixpath
import re
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit

PAGE_TYPES = {"text/html", "application/xhtml+xml"}
ATTACHMENT_EXTS = {"doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf", "wps", "et", "dps", "zip",
                   "rar", "7z", "ofd", "ceb", "txt", "rtf", "csv", "gz", "tar", "mp3", "mp4",
                   "avi", "wmv", "flv", "swf", "apk", "exe", "odt", "ods"}
IMAGE_EXTS = {"jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "svg", "ico"}
ASSET_EXTS = {"css", "js", "woff", "woff2", "ttf", "eot", "otf", "map", "htc"}
PAGE_EXTS = {"", "html", "htm", "shtml", "shtm", "xhtml", "asp", "aspx", "php", "jsp", "do",
             "action", "cgi", "cfm"}
SCRIPT_EXTS = {"asp", "aspx", "php", "jsp", "do", "action", "cgi", "ashx"}
ATTACHMENT_TYPES = ("application/pdf", "application/msword", "application/vnd.", "application/zip",
                    "application/x-zip", "application/x-rar", "application/rar", "application/x-7z",
                    "application/octet-stream", "application/ofd", "application/wps", "application/kswps",
                    "application/x-msdownload", "audio/", "video/", "application/x-shockwave-flash",
                    "text/plain", "text/csv", "application/rtf")
ASSET_TYPES = ("text/css", "application/javascript", "text/javascript", "application/x-javascript",
               "font/", "application/font", "application/x-font")
NAME_KEYS = ("filename", "fileName", "file_name", "name", "realname", "file", "fname", "title")

FILENAME_STAR = re.compile(rb"""filename\*\s*=\s*([\w!#$&+.^`|~-]*)'[^']*'([^;\s]+)""", re.I)
FILENAME_QUOTED = re.compile(rb'''filename\s*=\s*"([^"]*)"''', re.I)
FILENAME_BARE = re.compile(rb"""filename\s*=\s*([^;"\s][^;]*)""", re.I)
ATTACHMENT_DISPOSITION = re.compile(rb"^\s*attachment", re.I)
PERCENT_ESCAPE = re.compile(rb"%[0-9A-Fa-f]{2}")


def extension(url: str) -> str:
    name = posixpath.basename(urlsplit(url).path)
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def decode_name(raw: bytes, charset: str | None = None) -> str:
    """Bytes of a file name: the declared charset if it fits, else UTF-8, else GB18030."""
    for codec in ([charset] if charset else []) + ["utf-8", "gb18030"]:
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("latin-1")


def _unescape(raw: bytes) -> bytes:
    return unquote_to_bytes(raw) if PERCENT_ESCAPE.search(raw) else raw


def name_from_disposition(value: bytes | None) -> str | None:
    """The file name a Content-Disposition header gives, decoded to text."""
    if not value:
        return None
    star = FILENAME_STAR.search(value)
    if star:
        charset = star.group(1).decode("ascii", "ignore") or None
        return _clean(decode_name(unquote_to_bytes(star.group(2).strip(b'"')), charset))
    match = FILENAME_QUOTED.search(value) or FILENAME_BARE.search(value)
    if not match:
        return None
    raw = match.group(1).strip()
    if raw.startswith(b"=?"):
        try:
            parts = email.header.decode_header(raw.decode("ascii"))
            return _clean("".join(p.decode(c or "utf-8", "replace") if isinstance(p, bytes) else p
                                  for p, c in parts))
        except (UnicodeDecodeError, ValueError, LookupError):
            pass
    return _clean(decode_name(_unescape(raw)))


def _clean(name: str | None) -> str | None:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().strip('"').strip()
    return name or None


def name_from_url(url: str) -> str | None:
    """The file name in a URL: its last path segment, or for download scripts
    (`downfile.jsp?filename=…`) the name parameter; %-escapes read as UTF-8 or GBK."""
    parts = urlsplit(url)
    basename = posixpath.basename(parts.path)
    ext = basename.rsplit(".", 1)[1].lower() if "." in basename else ""
    if basename and ext and ext not in SCRIPT_EXTS:
        return _clean(decode_name(unquote_to_bytes(basename)))
    query = dict(parse_qsl(parts.query, keep_blank_values=True, encoding="latin-1"))
    for key in NAME_KEYS:
        value = query.get(key)
        if value and "." in value:
            return _clean(decode_name(value.encode("latin-1")))
    return None


def file_name(url: str, disposition: bytes | None, link_text: str | None) -> str | None:
    """The decoded name of a downloaded file (see module docstring for the order)."""
    name = name_from_disposition(disposition) or name_from_url(url)
    if name:
        return name
    text = (link_text or "").strip()
    return text[:120] or None


def is_sitemap(url: str, found_on: str | None = None) -> bool:
    """A sitemap: named by robots.txt, or an XML file called sitemap (its index's children too)."""
    path = urlsplit(url).path.lower()
    return (found_on or "").endswith("/robots.txt") or ("sitemap" in path and path.endswith((".xml", ".xml.gz")))


def is_crawl_infrastructure(url: str, found_on: str | None = None) -> bool:
    """robots.txt and sitemaps: archived because the crawler reads them, not pages of the site."""
    return urlsplit(url).path == "/robots.txt" or is_sitemap(url, found_on)


def is_attachment_disposition(disposition: bytes | None) -> bool:
    return bool(disposition and ATTACHMENT_DISPOSITION.match(disposition))


def kind_from_url(url: str, source: str | None = None) -> str:
    """Kind guessed before (or without) a usable response: extension, then how it was linked."""
    ext = extension(url)
    if ext in IMAGE_EXTS:
        return "image"
    if ext in ASSET_EXTS:
        return "asset"
    if ext in ATTACHMENT_EXTS:
        return "attachment"
    if source == "img":
        return "image"
    if source in ("link", "script", "style", "background"):
        return "asset"
    if ext in PAGE_EXTS:
        return "page"
    return "other"


def kind_of(url: str, status: int | None, content_type: str | None, disposition: bytes | None,
            source: str | None = None) -> str:
    """page | attachment | image | asset | other for one response."""
    if status != 200 or not content_type:
        return kind_from_url(url, source)
    if is_attachment_disposition(disposition):
        return "attachment"
    if content_type in PAGE_TYPES:
        return "page"
    if content_type.startswith("image/"):
        return "image"
    if content_type.startswith(ASSET_TYPES):
        return "asset"
    if content_type.startswith(ATTACHMENT_TYPES):
        # Servers send octet-stream or text/plain for all sorts of files; the extension knows.
        by_url = kind_from_url(url, source)
        return by_url if by_url in ("image", "asset") else "attachment"
    return kind_from_url(url, source) if extension(url) in ATTACHMENT_EXTS | IMAGE_EXTS else "other"
