"""Attachments and images of an article, with absolute URLs and readable names."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_to_bytes

from .page import Page, split_url
from .text import all_text, squash, tag_of

ATTACHMENT_EXTENSIONS = frozenset({
    "doc", "docx", "xls", "xlsx", "pdf", "wps", "et", "dps", "zip", "rar", "7z", "ofd", "ceb",
    "txt", "ppt", "pptx", "csv", "gz", "tar",
})
# Hanweb download proxy and similar scripts that take the file name as a parameter.
DOWNLOAD_SCRIPT = re.compile(r"downfile\.jsp|download\.(?:jsp|aspx?|php)|/down(?:load)?file", re.I)
TRS_FILE = re.compile(r"^P0\d{2}\d{8,}")
FILENAME_PARAMS = ("filename", "fileName", "name", "file", "filepath", "fn")
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")


def _extension(name: str) -> str:
    match = re.search(r"\.([A-Za-z0-9]{1,5})$", name)
    return match.group(1).lower() if match else ""


def decode_percent(text: str) -> str:
    """Percent-decoding that tries UTF-8, then GBK (old servers encode Chinese names in GBK)."""
    if "%" not in text:
        return text
    raw = unquote_to_bytes(text)
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def file_name_of(href: str) -> str:
    """The decoded file name a link points at (query parameter of a download script first)."""
    parts = split_url(href)
    if parts is None:
        return decode_percent(href.rsplit("/", 1)[-1])
    if DOWNLOAD_SCRIPT.search(parts.path) and parts.query:
        params = dict(parse_qsl(parts.query, keep_blank_values=True, encoding="latin-1"))
        for key in FILENAME_PARAMS:
            if params.get(key):
                return decode_percent(_requote(params[key])).rsplit("/", 1)[-1]
    return decode_percent(parts.path.rsplit("/", 1)[-1])


def _requote(value: str) -> str:
    """parse_qsl already unquoted with latin-1; turn it back into %XX for our decoder."""
    return "".join(ch if ord(ch) < 128 else f"%{ord(ch):02X}" for ch in value)


def is_attachment_link(href: str | None) -> bool:
    if not href or href.strip().lower().startswith(SKIP_SCHEMES):
        return False
    parts = split_url(href.strip())
    if parts is None:
        return False
    name = file_name_of(href.strip())
    if _extension(name) in ATTACHMENT_EXTENSIONS:
        return True
    if DOWNLOAD_SCRIPT.search(parts.path):
        return True
    base = parts.path.rsplit("/", 1)[-1]
    return bool(TRS_FILE.match(base) and _extension(base) not in ("html", "htm", "shtml", "jsp"))


def _link_name(a, href: str) -> str:
    text = squash(all_text(a))
    if not text:
        text = squash(a.get("title") or "")
    return text or file_name_of(href)


def collect_attachments(page: Page, containers) -> list[dict]:
    """[{url, name}] for file links inside the given elements, first occurrence wins."""
    seen: dict[str, dict] = {}
    for container in containers:
        if container is None:
            continue
        for a in container.iter("a"):
            href = a.get("href")
            if not is_attachment_link(href):
                continue
            url = page.absolute(href)
            name = _link_name(a, href)
            if url in seen:
                if not seen[url]["name"]:
                    seen[url]["name"] = name
                continue
            seen[url] = {"url": url, "name": name}
    return list(seen.values())


def collect_images(container) -> list[str]:
    images: list[str] = []
    if container is None:
        return images
    for img in container.iter("img"):
        src = (img.get("src") or "").strip()
        if src and not src.lower().startswith("data:") and src not in images:
            images.append(src)
    return images


def common_ancestor(*elements):
    """Lowest element containing all given elements (None values ignored)."""
    elements = [el for el in elements if el is not None]
    if not elements:
        return None
    chain = []
    node = elements[0]
    while node is not None:
        chain.append(node)
        node = node.getparent()
    positions = {id(node): i for i, node in enumerate(chain)}
    lowest = 0
    for el in elements[1:]:
        node = el
        while node is not None and id(node) not in positions:
            node = node.getparent()
        if node is None:
            return None
        lowest = max(lowest, positions[id(node)])
    return chain[lowest]


def article_region(page: Page, headline, body_elements):
    """The part of the page holding headline and body: where attachment blocks live."""
    region = common_ancestor(headline, *body_elements)
    if region is None or tag_of(region) in ("body", "html"):
        return None
    return region
