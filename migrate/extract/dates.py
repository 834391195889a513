"""Date parsing: every format government pages show, and dates carried by article URLs."""

from __future__ import annotations

import datetime as dt
import re

# 2020-01-05, 2020年1月5日, 2020/01/05, 2020.01.05, 2007-08-20-23:59:59, with an optional time.
DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:[\sT-]*(?:[上下]午)?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2})\s*秒?)?)?"
)
COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]|礼拜[一二三四五六日天]")

# Article URLs: TRS t20200105_123.html, Hanweb /art/2020/1/5/art_..., /c123/20200105/i1.html,
# /202001/05/, /2020-01/05/content_1.html, /20200105/<hash>.html.
URL_DATES = (
    re.compile(r"/t((?:19|20)\d{6})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{6})/"),
    re.compile(r"/((?:19|20)\d{6})\d{6,}\.s?html?"),
)


def valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if date.year < 1990 or date > dt.date.today() + dt.timedelta(days=1):
        return None
    return date


def valid_time(hour: str | None, minute: str | None, second: str | None = None) -> str | None:
    """"HH:MM", or None when absent or a placeholder: CMSes store date-only values as
    00:00(:00) or 23:59:59, which no reader was shown as a time."""
    if hour is None or minute is None:
        return None
    h, m = int(hour), int(minute)
    s = int(second) if second is not None else None
    if (h, m) == (0, 0) or (h, m, s) == (23, 59, 59):
        return None
    if 0 <= h <= 23 and 0 <= m <= 59:
        return f"{h:02d}:{m:02d}"
    return None


def find_date(text: str | None) -> tuple[str, str | None, re.Match] | None:
    """First full date in `text`: ("YYYY-MM-DD", "HH:MM" or None, match)."""
    for match in DATE.finditer(text or ""):
        date = valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if date:
            return date.isoformat(), valid_time(*match.group(4, 5, 6)), match
    return None


def parse_date(text: str | None) -> tuple[str, str | None] | None:
    """("YYYY-MM-DD", "HH:MM" | None) for the first date in `text`, also compact `20200105`."""
    found = find_date(text)
    if found:
        return found[0], found[1]
    match = COMPACT_DATE.search(text or "")
    if match:
        date = valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if date:
            return date.isoformat(), None
    return None


def is_date_line(text: str) -> bool:
    """Text that is essentially one date (the unlabelled date line under a headline, possibly
    with its weekday), not a sentence mentioning a date."""
    text = WEEKDAY.sub("", text).strip()
    if not text or len(text) > 40:
        return False
    found = find_date(text)
    if not found:
        return False
    rest = text[:found[2].start()] + text[found[2].end():]
    rest = re.sub(r"[\s()（）\[\]【】|｜:：,，.。-]", "", rest)
    return len(rest) <= 6


def url_date(url: str | None) -> str | None:
    """The date an article URL carries (TRS `t20200105_`, Hanweb `/art/2020/1/5/`, ...)."""
    if not url:
        return None
    path = url.split("?", 1)[0]
    for pattern in URL_DATES:
        match = pattern.search(path)
        if not match:
            continue
        groups = match.groups()
        if len(groups) == 1:
            digits = groups[0]
            groups = (digits[:4], digits[4:6], digits[6:8])
        date = valid_date(int(groups[0]), int(groups[1]), int(groups[2]))
        if date:
            return date.isoformat()
    return None
