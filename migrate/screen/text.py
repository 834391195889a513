"""Bytes to text with the extract stage's decoder (bytes decide; GB2312/GBK read as GB18030)."""

from __future__ import annotations

from migrate.extract import decode_html


def decode_text(body: bytes, declared: str | None = None) -> str:
    return decode_html(body, declared)[0]
