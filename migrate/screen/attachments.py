"""Text of attachments that is cheap to read: plain text, CSV, HTML, and the XML inside .docx/.xlsx.

Binary Office (.doc/.xls/.wps), PDF and archives are not read; the stage counts them so the
report can say how many attachments a person still has to check by hand.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from migrate.screen.text import decode_text

MAX_UNZIPPED = 64 * 1024 * 1024      # per member: refuse zip bombs
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
WORD_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml$")
SHEET_PARTS = re.compile(r"^xl/(sharedStrings\.xml|worksheets/sheet\d+\.xml)$")
TEXT_TYPES = {"text/plain": "txt", "text/csv": "csv", "text/html": "html", "application/xhtml+xml": "html",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
EXTENSIONS = {".txt": "txt", ".csv": "csv", ".htm": "html", ".html": "html", ".shtml": "html",
              ".docx": "docx", ".xlsx": "xlsx"}
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def attachment_format(name: str | None, url: str, content_type: str | None = None) -> str | None:
    """`txt`/`csv`/`html`/`docx`/`xlsx` for a readable attachment, else None."""
    for candidate in (name or "", unquote(urlsplit(url).path)):
        suffix = PurePosixPath(candidate).suffix.lower()
        if suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
    return TEXT_TYPES.get((content_type or "").split(";")[0].strip().lower())


def _xml_parts(data: bytes, wanted: re.Pattern):
    """Parsed XML roots of the package members whose names match `wanted`, in name order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = sorted((i for i in archive.infolist() if wanted.match(i.filename)), key=lambda i: i.filename)
        parts = [archive.read(i) for i in infos if i.file_size <= MAX_UNZIPPED]
    for part in parts:
        root = etree.fromstring(part, XML_PARSER)
        if root is not None:
            yield root


def docx_text(data: bytes) -> str:
    """Paragraph text of the body, headers, footers, notes and comments."""
    lines = []
    for root in _xml_parts(data, WORD_PARTS):
        for paragraph in root.iter(W_NS + "p"):
            lines.append("".join(t.text or "" for t in paragraph.iter(W_NS + "t")))
    return "\n".join(lines)


def xlsx_text(data: bytes) -> str:
    """Shared strings, inline strings and cell values, one row a line."""
    lines = []
    for root in _xml_parts(data, SHEET_PARTS):
        if root.tag == S_NS + "sst":
            lines.extend("".join(t.text or "" for t in si.iter(S_NS + "t")) for si in root.iter(S_NS + "si"))
            continue
        for row in root.iter(S_NS + "row"):
            cells = []
            for cell in row.iter(S_NS + "c"):
                # Shared-string cells hold an index, already covered by sharedStrings.xml.
                if cell.get("t") == "s":
                    continue
                cells.append("".join(t.text or "" for t in cell.iter(S_NS + "t", S_NS + "v")))
            if any(cells):
                lines.append("\t".join(cells))
    return "\n".join(lines)


def html_text(data: bytes) -> str:
    text = decode_text(data)
    if not text.strip():
        return ""
    try:
        return lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text)).text_content()
    except (etree.ParserError, ValueError):
        return text


READERS = {"txt": decode_text, "csv": decode_text, "html": html_text, "docx": docx_text, "xlsx": xlsx_text}


def attachment_text(data: bytes, fmt: str) -> str | None:
    """Text of an attachment of format `fmt`, or None if the file is damaged."""
    try:
        return READERS[fmt](data)
    except (zipfile.BadZipFile, etree.LxmlError, KeyError, ValueError, EOFError, OSError):
        return None
