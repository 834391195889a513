"""Attachments and images of the sample articles, built from the article they belong to."""

from __future__ import annotations

from datetime import datetime

from migrate.samples import binary
from migrate.samples.model import Article, FileAsset

MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "wps": "application/kswps",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "css": "text/css",
    "js": "application/x-javascript",
}


def _text_lines(article: Article) -> list[str]:
    lines = []
    for block in article.blocks:
        if block[0] in ("p", "h", "center"):
            lines.append(block[1])
        elif block[0] == "table":
            lines += ["  ".join(row) for row in block[1]]
    return lines or [article.title]


def _table_rows(article: Article) -> list[list[str]]:
    for block in article.blocks:
        if block[0] == "table":
            return block[1]
    return [[line] for line in _text_lines(article)[:12]]


def attachment_bytes(ext: str, title: str, article: Article) -> bytes:
    """The bytes of an attachment named `title`.`ext` attached to `article`."""
    when = article.published
    author = article.shown_org or article.column.name
    lines = _text_lines(article)
    iso = f"{when:%Y-%m-%dT%H:%M:%S}Z"
    if ext == "pdf":
        return binary.pdf_bytes(title, lines[:24], author=author, date=f"{when:%Y%m%d%H%M%S}")
    if ext in ("doc", "wps"):
        return binary.doc_bytes(title, lines, wps=ext == "wps")
    if ext == "xls":
        return binary.xls_bytes(title, _table_rows(article))
    if ext == "docx":
        return binary.docx_bytes(title, lines, author=author, iso=iso)
    if ext == "xlsx":
        return binary.xlsx_bytes(title, _table_rows(article), author=author, iso=iso)
    if ext == "zip":
        inner = [(f"{title}.pdf", binary.pdf_bytes(title, lines[:24], author=author, date=f"{when:%Y%m%d%H%M%S}")),
                 (f"{title}（申请表）.doc", binary.doc_bytes(title, lines))]
        return binary.zip_bytes(inner, iso=iso)
    raise ValueError(f"unknown attachment type {ext}")


def attachment(url: str, name: str, article: Article, headers=None) -> FileAsset:
    """`name` is the Chinese file name with its extension, as the page's link text shows it."""
    stem, ext = name.rsplit(".", 1)
    return FileAsset(url=url, name=name, data=attachment_bytes(ext, stem, article), mime=MIME[ext],
                     kind="attachment", modified=article.published, headers=list(headers or []))


def image(url: str, seed: str, modified: datetime, *, size=(160, 120), banner=False) -> FileAsset:
    """A picture whose format follows the URL's extension."""
    ext = url.rsplit(".", 1)[1].lower()
    pixels = (binary.banner_pixels if banner else binary.scene)(size[0], size[1], seed)
    data = {"jpg": binary.jpeg_bytes, "png": binary.png_bytes, "gif": binary.gif_bytes}[ext](pixels)
    return FileAsset(url=url, name=url.rsplit("/", 1)[1], data=data, mime=MIME[ext], kind="image",
                     modified=modified)


def text_asset(url: str, text: str, modified: datetime, encoding: str = "utf-8") -> FileAsset:
    ext = url.rsplit(".", 1)[1].lower()
    return FileAsset(url=url, name=url.rsplit("/", 1)[1], data=text.encode(encoding), mime=MIME[ext],
                     kind="asset", modified=modified)
