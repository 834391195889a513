"""Government metadata fields from "label：value" blocks in every layout.

Pages put 索引号/发布机构/发布日期/来源 in table cells (label | value), `<li>` lists, inline
`<span>`s or plain "label：value" text. All of these are the same thing once the page is seen as
a sequence of text nodes: a label either carries its value in the same text node ("来源：新华社")
or is followed by the value in the next text node of the same row or block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import parse_date
from .page import Page, Segment
from .text import compact, squash

# field -> labels as printed (spaces inside labels such as "索 引 号" are matched anyway).
LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "索取号", "信息索引号"),
    "doc_no": ("发文字号", "发文文号", "文号", "文件编号", "文件字号", "发文编号"),
    "org": ("发布机构", "发文机关", "发文单位", "发布单位", "发布部门", "制发机关", "发文部门",
            "公开机构", "信息公开机构", "办文部门", "成文机关", "发布主体"),
    "source": ("信息来源", "文章来源", "稿件来源", "新闻来源", "内容来源", "来源",
               "資料來源", "新聞來源", "來源"),
    "date": ("发布日期", "发布时间", "发表日期", "发表时间", "发稿时间", "发稿日期", "信息时间",
             "上传时间", "公布日期", "公布时间", "更新时间", "更新日期", "日期", "时间",
             "發布日期", "發布時間", "發佈日期", "發佈時間", "公告日期", "上稿日期", "時間"),
    "open_date": ("公开日期", "公开时间", "生成日期"),
    "written_date": ("成文日期", "成文时间", "印发日期", "发文日期", "签发日期"),
    "subject": ("主题分类", "信息分类", "主题类别", "分类", "体裁分类", "组配分类", "服务对象分类"),
    "keywords": ("主题词", "关键词", "关键字"),
    "validity": ("有效性", "时效性", "效力状态", "是否有效"),
    "author": ("作者", "撰稿", "撰稿人", "责任编辑", "编辑", "审核", "责编", "摄影", "记者",
               "通讯员"),
    "title": ("标题", "公文名称", "文件名称", "信息名称"),
    # Not fields: they only end the value before them ("来源：县政府办 浏览次数：12").
    "_furniture": ("浏览次数", "浏览量", "阅读次数", "阅读数", "点击数", "点击率", "点击量",
                   "访问量", "访问次数", "字号", "字体", "分享到", "分享", "打印", "供稿",
                   "信息提供", "责任单位", "语种", "信息格式", "内容概述", "相关信息", "名称",
                   "所属机构", "生效日期", "废止日期", "失效日期", "发布状态", "文章类型",
                   "公开方式", "公开范围", "公开形式", "公开时限", "公开属性", "信息类别", "载体类型",
                   "备注", "访问次数", "评论"),
}
DATE_FIELDS = ("date", "open_date", "written_date")
# Two-character labels are common words; they only count when followed by a colon.
SHORT_LABEL_NEEDS_COLON = 2

_LABEL_FIELD: dict[str, str] = {}
for _field, _labels in LABELS.items():
    for _label in _labels:
        _LABEL_FIELD.setdefault(_label, _field)
# Longest first, so "发布日期" wins over "日期" and "信息来源" over "来源".
_ALTERNATION = "|".join(
    "[\\s\u3000]*".join(map(re.escape, label))
    for label in sorted(_LABEL_FIELD, key=len, reverse=True)
)
LABEL_AT = re.compile(rf"(?:^|(?<=[\s\u3000|｜/【\[（(】\]）),，;；]))({_ALTERNATION})[\s\u3000]*([:：]?)")
SEPARATOR_RUN = re.compile(r"(?:[\s\u3000]{2,}|\u3000|[|｜【】\[\]]).*$", re.S)
VALUE_JUNK = re.compile(r"^[\s\u3000:：,，;；.。、|｜/\\\-—_()（）\[\]【】<>《》\"'“”]*$")
PLACEHOLDER = re.compile(r"\{\{|\}\}|\$\{|<\$|\[\$|#\{")
COLON_END = re.compile(r"[:：]\s*$")


@dataclass
class FieldHit:
    field: str
    label: str
    value: str
    segment: Segment


def _label_key(raw: str) -> str:
    return re.sub(r"[\s\u3000]", "", raw)


def _label_matches(text: str) -> list[tuple[str, str, int, int, bool]]:
    """(field, label, start, value_start, has_colon) for each label in a text node."""
    hits = []
    for match in LABEL_AT.finditer(text):
        label = _label_key(match.group(1))
        has_colon = bool(match.group(2))
        at_start = not text[:match.start()].strip()
        rest = text[match.end():].strip()
        if not has_colon:
            # Without a colon a label must be the whole text (a table cell) or a long label
            # starting the text ("发布时间 2020-01-05"); mid-text words are not labels.
            if rest and not (at_start and len(label) > SHORT_LABEL_NEEDS_COLON):
                continue
            if not at_start:
                continue
        hits.append((_LABEL_FIELD[label], label, match.start(), match.end(), has_colon))
    return hits


def _starts_with_label(text: str) -> bool:
    stripped = text.lstrip(" \t\r\n\u3000\u00a0")
    return any(start == 0 for _f, _l, start, _v, _c in _label_matches(stripped[:30]))


LINE_FIELDS = frozenset({"date", "open_date", "source", "org", "author", "index_no", "_furniture"})


def is_metadata_line(text: str, min_labels: int = 1) -> bool:
    """A short line opening with a metadata label ("发布时间：… 来源：… 点击数：…"); with
    `min_labels` 2, only lines holding two such labels, which body prose never does."""
    stripped = text.strip()
    if not stripped or len(stripped) > 150:
        return False
    matches = [(field, start) for field, _l, start, _v, colon in _label_matches(stripped)
               if colon and field in LINE_FIELDS]
    return bool(matches) and matches[0][1] == 0 and len({f for f, _s in matches}) >= min_labels


def _clean_value(field: str, raw: str) -> str | None:
    value = raw.strip()
    if COLON_END.search(value):
        return None  # "公开方式：" is the next label, not this one's value
    if field not in DATE_FIELDS:
        value = SEPARATOR_RUN.sub("", value)
    value = squash(value).strip(" :：,，;；")
    if not value or VALUE_JUNK.match(value) or PLACEHOLDER.search(value):
        return None
    if _LABEL_FIELD.get(_label_key(COLON_END.sub("", value))):
        return None
    if len(value) > 200:
        return None
    return value


def _next_value_segment(page: Page, seg: Segment) -> Segment | None:
    """The text node holding the value of a label that ends its own text node: the next text
    in the same row/block (next cell, next <span>, <dd>), or the tail right after the label's
    own block ("<p>信息来源：</p>内蒙古日报")."""
    segments = page.segments
    if seg.index + 1 >= len(segments):
        return None
    nxt = segments[seg.index + 1]
    if nxt.block is seg.block and seg.block is not None:
        return nxt
    if nxt.is_tail and nxt.element is seg.block:
        return nxt
    if nxt.is_tail and nxt.element is seg.element:
        return nxt
    return None


def scan_labels(page: Page) -> list[FieldHit]:
    """Every label：value pair on the page, in document order."""
    hits: list[FieldHit] = []
    for seg in page.segments:
        text = seg.text
        if len(text) > 400 or ("：" not in text and ":" not in text and len(text) > 40):
            continue
        matches = _label_matches(text)
        for i, (field, label, _start, value_start, _colon) in enumerate(matches):
            value_end = matches[i + 1][2] if i + 1 < len(matches) else len(text)
            raw = text[value_start:value_end]
            if raw.strip():
                value = _clean_value(field, raw)
            else:
                value = None
                if i + 1 == len(matches):
                    nxt = _next_value_segment(page, seg)
                    if nxt is not None and not _starts_with_label(nxt.text):
                        value = _clean_value(field, nxt.text)
            if value and not field.startswith("_"):
                hits.append(FieldHit(field, label, value, seg))
    return hits


# A 文号 as printed: 吉政明电〔2022〕1号, 金罚决字〔2024〕36号, 国办发[2019]54号.
DOC_NO = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,16}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号")
TITLE_DOC_NO = re.compile(rf"[（(]\s*({DOC_NO.pattern})\s*[)）]\s*$")
# 公文 titles name the issuing body: "吉林省人民政府关于…的通告".
TITLE_ORG = re.compile(r"^([\u4e00-\u9fff（）()、\s]{2,60}?)关于")
ORG_SUFFIX = re.compile(
    r"(委员会|人民政府|政府|办公室|办公厅|局|厅|部|委|院|中心|办事处|镇|乡|街道|党委|党组|公司|"
    r"集团|协会|联合会|大学|学校|医院|所|站|会)$")
CLUSTER_WINDOW = 12


def first_value(hits: list[FieldHit], field: str, usable) -> FieldHit | None:
    for hit in hits:
        if hit.field == field and usable(hit):
            return hit
    return None


def make_usable(page: Page, hits: list[FieldHit]):
    """Labels inside the body count only in a dense index block (the 信息公开 table some
    templates put inside the content area) or a "发布时间：… 来源：…" line, not in prose
    ("时间：3月5日上午")."""
    in_body = [hit for hit in hits if page.in_body(hit.segment)]

    def usable(hit: FieldHit) -> bool:
        if not page.in_body(hit.segment) or is_metadata_line(hit.segment.text, min_labels=2):
            return True
        near = {other.field for other in in_body
                if abs(other.segment.index - hit.segment.index) <= CLUSTER_WINDOW}
        return len(near) >= 3

    return usable


def doc_no_from_title(title: str | None) -> str | None:
    match = TITLE_DOC_NO.search(title or "")
    return squash(match.group(1)) if match else None


def doc_no_from_body(lines: list[str]) -> str | None:
    """The 文号 line printed under a document's heading, near the top of the body."""
    for line in lines[:6]:
        line = line.strip()
        if DOC_NO.fullmatch(line):
            return squash(line)
    return None


def org_from_title(title: str | None) -> str | None:
    match = TITLE_ORG.match(title or "")
    if not match:
        return None
    org = squash(match.group(1)).strip("、 ")
    return org if ORG_SUFFIX.search(org) else None


# --- resolving the record's fields from the hits ------------------------------------------

SOURCE_METAS = ("contentsource", "source", "article:source")
EXTRA_FIELDS = ("index_no", "written_date", "subject", "keywords", "validity", "author")


def _meta_source(page: Page, title: str | None) -> str | None:
    value = page.meta(*SOURCE_METAS)
    # Some templates fill ContentSource with the title or a keyword list.
    if value and compact(value) != compact(title) and len(value) <= 60:
        return value
    return None


def _variable_source(page: Page) -> str | None:
    for el in page.root.xpath('//*[@id="NewsArticleSource"]'):
        value = squash(el.text_content())
        if value:
            return value
    return None


def org_and_source(page: Page, hits: list[FieldHit], usable, title: str | None,
                   sources: dict) -> tuple[str | None, str | None]:
    """org: the issuing body shown (发布机构/发文机关), else the 来源 shown, else the CMS's
    ContentSource, else the body a 公文 title names. source: only the 来源 the page shows."""
    source_hit = first_value(hits, "source", usable)
    source = source_hit.value if source_hit else None
    if source_hit:
        sources["source"] = f"field:{source_hit.label}"
    org_hit = first_value(hits, "org", usable)
    if org_hit:
        sources["org"] = f"field:{org_hit.label}"
        return org_hit.value, source
    if source:
        sources["org"] = sources["source"]
        return source, source
    for where, value in (("meta:ContentSource", _meta_source(page, title)),
                         ("variable:NewsArticleSource", _variable_source(page)),
                         ("title", org_from_title(title))):
        if value:
            sources["org"] = where
            return value, None
    return None, None


def doc_no_of(hits: list[FieldHit], usable, title: str | None, body_lines: list[str],
              sources: dict) -> str | None:
    """文号: the field, else a 文号 closing the title, else the 文号 line atop the body."""
    hit = first_value(hits, "doc_no", usable)
    if hit:
        sources["doc_no"] = f"field:{hit.label}"
        return hit.value
    for where, value in (("title", doc_no_from_title(title)), ("body", doc_no_from_body(body_lines))):
        if value:
            sources["doc_no"] = where
            return value
    return None


def extra_fields(hits: list[FieldHit], usable, sources: dict) -> dict:
    """索引号, 成文日期 (as YYYY-MM-DD), 主题分类, 主题词, 有效性, 作者 where the page shows them."""
    found = {}
    for field in EXTRA_FIELDS:
        hit = first_value(hits, field, usable)
        if hit:
            found[field] = hit.value
            sources[field] = f"field:{hit.label}"
    if "written_date" in found:
        parsed = parse_date(found["written_date"])
        found["written_date"] = parsed[0] if parsed else found["written_date"]
    return found
