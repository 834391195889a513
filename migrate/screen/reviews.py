"""People's decisions on quarantined pages (`reviews.yaml`), and what stays quarantined.

    - url: http://www.liuhe.yunxi.gov.cn/show.asp?id=17
      decision: publish        # publish | drop
      reviewer: 王五
      date: 2026-11-27
      note: 已删除隐藏链接后的正文核实无误
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from migrate.config import Config
from migrate.errors import UserError
from migrate.screen.model import Finding
from migrate.screen.stage import load_results
from migrate.urls import canonical_url, host_of
from migrate.yamlio import load_yaml

REVIEWS_NAME = "reviews.yaml"
DECISIONS = {"publish": "核实无误，原样发布", "drop": "不发布，旧地址返回 410"}
KEYS = ("url", "decision", "reviewer", "date", "note")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_REASON_PARTS = 3


@dataclass
class Review:
    url: str            # canonical
    decision: str       # publish | drop
    reviewer: str
    date: str           # YYYY-MM-DD
    note: str = ""
    line: int | None = None


def reviews_path(config: Config) -> Path:
    return config.root / REVIEWS_NAME


def _fail(path, line, message, hint=None):
    raise UserError(message, path=path, line=line, hint=hint)


def _text(item: dict, key: str, located, index: int, required: bool = True) -> str:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _fail(located.path, located.line(index, key) if key in item else located.line(index),
                  f"第 {index + 1} 条审核记录缺少 {key}。", "每条记录都要写 url、decision、reviewer、date。")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        _fail(located.path, located.line(index, key), f"第 {index + 1} 条审核记录的 {key} 应为文本。")
    return str(value).strip()


def _date(item: dict, located, index: int) -> str:
    value = item.get("date")
    if isinstance(value, date):     # a datetime too: the day is what counts
        return value.isoformat()[:10]
    text = _text(item, "date", located, index)
    if not DATE_RE.match(text):
        _fail(located.path, located.line(index, "date"),
              f"第 {index + 1} 条审核记录的日期 “{text}” 格式不对。", "请写成 2026-11-27 这样的年-月-日。")
    return text


def _review(item, located, index: int) -> Review:
    path, line = located.path, located.line(index)
    if not isinstance(item, dict):
        _fail(path, line, f"第 {index + 1} 条审核记录应为键值映射（url: …、decision: … 等）。")
    for key in item:
        if key not in KEYS:
            _fail(path, located.line(index, key), f"第 {index + 1} 条审核记录中的 “{key}” 不是可识别的项。",
                  f"可用的项：{'、'.join(KEYS)}。")
    url = _text(item, "url", located, index)
    if not url.startswith(("http://", "https://")):
        _fail(path, located.line(index, "url"), f"第 {index + 1} 条审核记录的 url “{url}” 不是网址。",
              "请从审核清单中复制旧地址（以 http:// 或 https:// 开头）。")
    decision = _text(item, "decision", located, index)
    if decision not in DECISIONS:
        _fail(path, located.line(index, "decision"), f"第 {index + 1} 条审核记录的 decision “{decision}” 无效。",
              "只能是 publish（核实无误，原样发布）或 drop（不发布，返回 410）。")
    reviewer = _text(item, "reviewer", located, index)
    when = _date(item, located, index)
    note = _text(item, "note", located, index, required=decision == "drop")
    return Review(canonical_url(url), decision, reviewer, when, note, line)


def load_reviews(config: Config) -> dict[str, Review]:
    """Canonical URL → review. No file means no reviews yet."""
    path = reviews_path(config)
    if not path.exists():
        return {}
    located = load_yaml(path, UserError)
    if located.data is None:
        return {}
    if not isinstance(located.data, list):
        _fail(path, 1, "内容应为列表，每条以 “- url:” 开头登记一个页面。", "格式见审核清单（output/reports/screen.html）。")
    reviews: dict[str, Review] = {}
    for index, item in enumerate(located.data):
        review = _review(item, located, index)
        if review.url in reviews:
            first = reviews[review.url].line
            _fail(path, review.line, f"地址 {review.url} 已在第 {first} 行登记过。",
                  "同一页面只保留一条审核记录，请删去其中一条。")
        reviews[review.url] = review
    return reviews


# ---------------------------------------------------------------- quarantine

def _short(text: str, limit: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def finding_summary(finding: Finding) -> str:
    """`隐藏的博彩链接（澳门新葡京…）`, `附件《名单.docx》中未脱敏的身份证号（430981********1234 等 3 个）`."""
    label = finding.label
    if finding.attachment:
        label = f"{finding.where}中{label}"
    if finding.category == "spam" and finding.match:
        return f"{label}（{_short(html.unescape(finding.match), 12)}…）"
    if finding.category == "pii":
        more = f" 等 {finding.count} 个" if finding.count > 1 else ""
        return f"{label}（{finding.match}{more}）"
    return label


def quarantine_reason(findings: list[Finding]) -> str:
    parts = []
    for finding in findings:
        summary = finding_summary(finding)
        if summary not in parts:
            parts.append(summary)
    more = f"等 {len(parts)} 项问题" if len(parts) > MAX_REASON_PARTS else ""
    return "隔离待审：" + "；".join(parts[:MAX_REASON_PARTS]) + more


def drop_reason(review: Review) -> str:
    return f"经人工审核不予发布：{review.note}（{review.reviewer}，{review.date}）"


def _town_reviews(config: Config, town: str, reviews: dict[str, Review]) -> dict[str, Review]:
    hosts = config.town_host_index()
    return {url: r for url, r in reviews.items() if hosts.get(host_of(url)) == town}


def quarantined(config: Config, town: str) -> dict[str, str]:
    """Old URLs (canonical) that must not be published, each with the reason (Chinese).

    Flagged articles not reviewed `publish`, the attachments in which personal data was found
    (unless their page or they themselves were approved), and every URL a reviewer dropped.
    """
    results = load_results(config, town)
    reviews = _town_reviews(config, town, load_reviews(config))
    blocked: dict[str, str] = {}
    for url, page in results.flagged.items():
        review = reviews.get(url)
        if review and review.decision == "publish":
            continue
        blocked[url] = drop_reason(review) if review else quarantine_reason(page.findings)
        for finding in page.findings:
            attachment = finding.attachment
            if not attachment or attachment in blocked:
                continue
            own = reviews.get(attachment)
            if own and own.decision == "publish":
                continue
            blocked[attachment] = (drop_reason(review or own) if (review or own) else
                                   quarantine_reason([f for f in page.findings if f.attachment == attachment])
                                   + f"（所在页面 {url}）")
    for url, review in reviews.items():
        if review.decision == "drop":
            blocked[url] = drop_reason(review)
    return blocked
