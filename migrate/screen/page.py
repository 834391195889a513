"""Screening one page: spam in the raw HTML, personal data in what gets published, empty bodies."""

from __future__ import annotations

import re

from migrate.screen.model import Finding
from migrate.screen.pii import screen_pii
from migrate.screen.spam import screen_spam
from migrate.screen.words import Vocabulary, load_vocabulary
from migrate.urls import canonical_url

# Fewer letters and digits than this in the body is "(nearly) empty": a caption such as
# 点击查看原文 or 附图, but not a leader's profile under a photo (姓名、职务、分工 is 20 or more).
MIN_BODY_CHARS = 15
WORD_CHARS = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
IMG_TAG = re.compile(r"<img\b", re.I)


def _significant_chars(text: str) -> int:
    return len(WORD_CHARS.findall(text or ""))


def screen_empty(record: dict) -> list[Finding]:
    """An article with (nearly) no text: only images (a scanned notice), or nothing at all.

    A short body with attachments is the usual 详见附件 notice: its content is the attachment.
    """
    if record.get("kind") != "article":
        return []
    text = " ".join((record.get("body_text") or "").split())
    if _significant_chars(text) >= MIN_BODY_CHARS:
        return []
    images = len(record.get("images") or []) or len(IMG_TAG.findall(record.get("body_html") or ""))
    shown = text or "（正文没有文字）"
    if images:
        return [Finding("empty", "image-only", shown, "正文", "low", text, count=images)]
    if record.get("attachments"):
        return []
    return [Finding("empty", "empty-body", shown, "正文", "low", text)]


def attachment_label(record: dict, url: str) -> str:
    for item in record.get("attachments") or []:
        if item.get("name") and item.get("url") and canonical_url(item["url"]) == canonical_url(url):
            return f"附件《{item['name']}》"
    return f"附件 {url}"


def screen_page(html: str, record: dict, attachment_texts: dict[str, str] | None = None, *,
                site_hosts=(), vocabulary: Vocabulary | None = None) -> list[Finding]:
    """Every finding on one page.

    `html` is the original page as archived (hidden blocks are still in it); `record` the extract
    stage's record (its title and body text are what gets published); `attachment_texts` maps
    attachment URLs to their text. `site_hosts` are the old site's own hosts, whose links are
    internal even when the site is not under .gov.cn.
    """
    vocab = vocabulary or load_vocabulary()
    findings = screen_spam(html or record.get("body_html") or "", record.get("url"), vocab, site_hosts)
    findings.extend(screen_pii(record.get("title") or "", "标题"))
    findings.extend(screen_pii(record.get("body_text") or "", "正文"))
    for url, text in (attachment_texts or {}).items():
        findings.extend(screen_pii(text, attachment_label(record, url), attachment=url))
    findings.extend(screen_empty(record))
    return findings
