"""The publication date a page shows its readers, and nothing invented.

Order: a labelled 发布日期/发布时间/日期 field outside the body; the unlabelled date line under the
headline; the CMS's own metas (`PubDate`, `publishdate`, `firstpublishedtime` ...) and publishing
variables; a 公开日期 field; the date in the URL. Dates inside the title or body, 成文日期 and the
signature date are never taken, and neither is a header clock ("2023年11月07日 星期二").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import WEEKDAY, find_date, is_date_line, parse_date, url_date
from .fields import FieldHit
from .page import Page

DATE_METAS = ("pubdate", "publishdate", "publish_date", "firstpublishedtime",
              "article:published_time", "dc.date.issued", "dc.date", "published_time",
              "releasedate", "publishtime", "createdate", "maketime")
DATE_VARIABLES = ('//*[@id="NewsArticlePubDay"]', '//*[@id="NewsPubDate"]')
DATE_LINE_WINDOW = 15
LABEL_PREFIX = re.compile(r"^\s*[\u4e00-\u9fff][\u4e00-\u9fff\s]{1,11}[:：]")


@dataclass
class DateResult:
    date: str | None
    time: str | None
    source: str | None
    review: str | None = None  # why the date is unknown, for the reviewer


def _is_header_clock(hit: FieldHit, title_segment: int | None) -> bool:
    """"今天是：2023年11月07日 星期二" above the headline is a JS clock, not the date."""
    above = title_segment is None or hit.segment.index < title_segment
    return above and bool(WEEKDAY.search(hit.value))


def _from_hits(hits: list[FieldHit], field: str, usable, title_segment: int | None) -> DateResult | None:
    for hit in hits:
        if hit.field != field or not usable(hit) or _is_header_clock(hit, title_segment):
            continue
        found = find_date(hit.value)
        if found:
            return DateResult(found[0], found[1], f"field:{hit.label}")
    return None


def _from_date_line(page: Page, title_segment: int | None) -> DateResult | None:
    if title_segment is None:
        return None
    stop = title_segment + 1 + DATE_LINE_WINDOW
    if page.body_range and page.body_range[0] > title_segment:
        stop = min(stop, page.body_range[0])
    previous = None
    for seg in page.segments[title_segment + 1:stop]:
        if _is_labelled(seg, previous):
            previous = seg
            continue  # a labelled value (成文日期：…, 来信时间 | …) is not the date line
        previous = seg
        if is_date_line(seg.text):
            found = find_date(seg.text)
            return DateResult(found[0], found[1], "date-line")
    return None


def _is_labelled(seg, previous) -> bool:
    if LABEL_PREFIX.match(seg.text):
        return True
    if previous is None:
        return False
    before = previous.text.strip()
    if before.endswith((":", "：")):
        return True
    # A short label in the cell before, in the same row ("来信时间 | 2020-08-07").
    return previous.block is seg.block and 0 < len(before) <= 10 and not find_date(before)


def _from_metas(page: Page) -> DateResult | None:
    for name in DATE_METAS:
        value = page.meta(name)
        parsed = parse_date(value) if value else None
        if parsed:
            return DateResult(parsed[0], parsed[1], f"meta:{name}")
    for xpath in DATE_VARIABLES:
        for el in page.root.xpath(xpath):
            parsed = parse_date(el.text_content())
            if parsed:
                return DateResult(parsed[0], parsed[1], "variable:" + xpath.split('"')[1])
    return None


def _time_elsewhere(hits: list[FieldHit], usable, date: str) -> str | None:
    """The time of day from another date field showing the same day (an index table shows
    "2020年03月05日" while the line under the title shows "2020-03-05 10:30"). A time only a
    meta carries was never shown to readers, so it is not taken."""
    for hit in hits:
        if hit.field == "date" and usable(hit):
            found = find_date(hit.value)
            if found and found[0] == date and found[1]:
                return found[1]
    return None


def choose_date(page: Page, hits: list[FieldHit], title_segment: int | None, usable) -> DateResult:
    result = (_from_hits(hits, "date", usable, title_segment)
              or _from_date_line(page, title_segment)
              or _from_metas(page)
              or _from_hits(hits, "open_date", usable, title_segment))
    if result is None:
        found = url_date(page.url)
        if found:
            result = DateResult(found, None, "url")
    if result is None:
        return DateResult(None, None, None, "页面未显示发布日期，网址中也没有日期，需人工核对")
    if result.time is None and result.source.startswith("field:"):
        result.time = _time_elsewhere(hits, usable, result.date)
    return result
