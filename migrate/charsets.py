"""Decide how to decode an archived page: from its bytes first, declarations only as hints.

Township servers lie about encodings in both directions: headers claim UTF-8 for GBK bodies, and
`<meta charset=gb2312>` pages use characters that only GBK/GB18030 has. So the bytes decide:
a BOM, then strict UTF-8, then the declared (or GB/Big5) codec that decodes the bytes cleanly,
and charset-normalizer only when all of that fails.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Codecs that are strict supersets of what servers declare: GB2312/GBK pages routinely use
# GBK-only characters, Big5 pages use HKSCS ones.
SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "cp936": "gb18030",
    "x-gbk": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "gb18030", "x-euc-cn": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cp950": "big5hkscs", "x-x-big5": "big5hkscs",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode": "utf-8",
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252",
}
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def normalise_charset(name: str | None) -> str | None:
    """Python codec name for a declared charset (with GB/Big5 supersets), or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in SUPERSETS:
        return SUPERSETS[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_from_content_type(value: str | None) -> str | None:
    match = HEADER_CHARSET.search(value or "")
    return match.group(1) if match else None


def charset_from_headers(headers) -> str | None:
    """The charset of a Content-Type header; `headers` is a dict or a list of (name, value)."""
    if not headers:
        return None
    items = headers.items() if hasattr(headers, "items") else headers
    for name, value in items:
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if str(name).lower() == "content-type":
            return charset_from_content_type(value)
    return None


def sniff_meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_simplified(text: str) -> bool:
    """True when the non-ASCII characters are mostly GB2312 ones: GB18030 decoding of Big5
    bytes is valid but yields kana, box drawing and private-use characters instead."""
    sample = [ch for ch in text[:20000] if ord(ch) > 0x7F]
    if not sample:
        return True
    common = 0
    for ch in sample:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.8 * len(sample)


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, codec name). `declared` (header or caller) is a hint."""
    for bom, codec in BOMS:
        if body.startswith(bom):
            text = _strict(body, codec)
            if text is not None:
                return text, codec
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    hints = [normalise_charset(declared), normalise_charset(sniff_meta_charset(body))]
    tried = set()
    for codec in hints:
        if codec and codec not in ("utf-8", "cp1252") and codec not in tried:
            tried.add(codec)
            text = _strict(body, codec)
            if text is not None:
                return text, codec
    # Undeclared or lying declaration: the Chinese double-byte codecs are by far the likeliest.
    gb_text = _strict(body, "gb18030") if "gb18030" not in tried else None
    if gb_text is not None and _looks_simplified(gb_text):
        return gb_text, "gb18030"
    big5_text = _strict(body, "big5hkscs") if "big5hkscs" not in tried else None
    if big5_text is not None:
        return big5_text, "big5hkscs"
    if gb_text is not None:
        return gb_text, "gb18030"
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    fallback = next((c for c in hints if c), "gb18030")
    return body.decode(fallback, errors="replace"), fallback
