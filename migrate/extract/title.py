"""The article title: the CMS's own title field or the visible headline, never a generic <title>.

Order of trust: the `ArticleTitle` meta the national page standard requires (HTML inside it
stripped), the TRS/Hanweb title variables, a "标题：" field of the index block; otherwise the
`<title>` with the site name cut off, confirmed by a visible headline where possible; a generic
`<title>` ("内容页", "详细页面") never wins over a headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from .dates import find_date
from .page import Page
from .text import clean_title, compact, inline_text, is_hidden, tag_of

TITLE_METAS = ("articletitle", "article_title", "dc.title", "contenttitle")
# TRS and site-group templates print their publishing variables into hidden elements.
TITLE_VARIABLES = ('//*[@id="NewsArticleTitle"]', '//*[@id="ArticleTitle"]',
                   '//*[@id="articleTitle"]')
PIECE_SPLIT = re.compile(
    r"\s*(?:_+|\|+|｜+|-{2,}|\s[-－–—]+\s|(?<=[\u4e00-\u9fff）)》”])[-－–](?=[\s\u4e00-\u9fff《“（(])"
    r"|\s+[-－–](?=\S)|(?<=\S)[-－–]\s+)\s*"
)
SITE_PIECE = re.compile(
    r"(人民政府|人民政府网|政府网|门户网站|网站|官网|官方网站|网|政府|门户|首页|主页|公报|平台|"
    r"办事处|街道|镇|乡|欢迎您|gov\.cn|\.com|\.cn)$", re.I)
GENERIC = re.compile(
    r"(详细页|详情页|内容页|正文页|文章页|信息内容|无标题|未命名|untitled|^首页$|^index$|"
    r"^新闻详情$|^文章详情$|^详细信息$|^正文$|^内容$|^document$|^网页$|^标题$)", re.I)
CRUMB_TEXT = re.compile(r"^\s*(?:您|当前|现在|所在|目前)[^：:]{0,8}(?:位置|路径)")
HEADLINE_HINT = re.compile(r"title|tit\b|tit[_-]|biaoti|headline|\bbt\b|\bbt[_-]|artname|wzbt",
                           re.I)


@dataclass
class TitleResult:
    title: str | None
    element: object | None  # the visible headline element, when found
    source: str | None
    segment: int | None = None  # index of the headline's text segment


def strip_markup(value: str) -> str:
    """`ArticleTitle` metas sometimes hold HTML ("…力量<div>——热烈祝贺…</div>")."""
    if "<" in value and ">" in value:
        try:
            value = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
        except Exception:
            value = re.sub(r"<[^>]+>", "", value)
    return value


def _site_names(page: Page) -> set[str]:
    names = set()
    for key in ("sitename", "site_name", "og:site_name", "columnname", "author", "publisher"):
        value = page.meta(key)
        if value:
            names.add(compact(value))
    return names


def is_generic(title: str, page: Page) -> bool:
    return bool(not title or GENERIC.search(title) or compact(title) in _site_names(page))


def title_pieces(title: str) -> list[str]:
    pieces = [clean_title(p) for p in PIECE_SPLIT.split(title)]
    return [p for p in pieces if p]


def _is_site_piece(piece: str, page: Page) -> bool:
    return compact(piece) in _site_names(page) or bool(SITE_PIECE.search(piece) and len(piece) <= 20)


def html_title_candidates(page: Page) -> list[str]:
    """Pieces of `<title>`/`og:title` that may be the headline, most likely first."""
    raw = page.html_title or page.meta("og:title", "title") or ""
    content = [p for p in title_pieces(raw) if not _is_site_piece(p, page)]
    return sorted(content, key=len, reverse=True)


def _visible_segments(page: Page):
    for seg in page.segments:
        el = seg.parent
        if tag_of(el) == "a" or (el is not None and is_hidden(el)):
            continue
        yield seg


def find_headline(page: Page, title: str):
    """The text segment showing `title`: exact text first, else the longest leading part of a
    title broken over several elements (main title + subtitle line)."""
    target = compact(title)
    if not target:
        return None
    best, best_len = None, 0
    for seg in _visible_segments(page):
        text = compact(seg.text)
        if not text:
            continue
        if text == target:
            return seg
        if len(text) > best_len and target.startswith(text) and (
                len(text) >= 6 and len(text) >= 0.4 * len(target)):
            best, best_len = seg, len(text)
    return best


def _result(page: Page, title: str, source: str, element=None) -> TitleResult:
    seg = find_headline(page, title)
    if seg is not None:
        return TitleResult(title, seg.parent, source, seg.index)
    return TitleResult(title, element, source, None)


def headline_candidates(page: Page) -> list[tuple[int, object, str]]:
    """(score, element, text) of elements that look like an article headline."""
    found = []
    for order, el in enumerate(page.body.iter("h1", "h2", "h3", "div", "p", "span", "td", "strong")):
        tag = tag_of(el)
        hint = HEADLINE_HINT.search(f"{el.get('class') or ''} {el.get('id') or ''}")
        if tag not in ("h1", "h2", "h3") and not hint:
            continue
        text = clean_title(inline_text(el))
        if not 4 <= len(text) <= 200 or is_hidden(el) or CRUMB_TEXT.match(text):
            continue
        if _is_site_piece(text, page) or next(el.iterancestors("a"), None) is not None:
            continue  # the site name in a logo heading, or a linked list item
        score = {"h1": 3, "h2": 2, "h3": 1}.get(tag, 0) + (2 if hint else 0)
        found.append((score, order, el, text))
    found.sort(key=lambda item: (-item[0], item[1]))
    return [(score, el, text) for score, _order, el, text in found]


def _variable_title(page: Page) -> str | None:
    for xpath in TITLE_VARIABLES:
        for el in page.root.xpath(xpath):
            text = clean_title(el.text_content())
            if text:
                return text
    return None


def _without_site_suffix(title: str, page: Page) -> str:
    """Templates sometimes fill `ArticleTitle` with the whole <title> ("标题_XX镇人民政府")."""
    pieces = title_pieces(title)
    if len(pieces) > 1 and all(_is_site_piece(p, page) for p in pieces[1:]):
        return pieces[0]
    return title


def headline_above(page: Page, anchor: int | None):
    """The text just above the metadata line ("发布时间：… 来源：…"): hand-made pages often
    print the headline in a plain cell with no class and leave <title> as the site name."""
    if anchor is None:
        return None
    for seg in reversed(page.segments[max(0, anchor - 6):anchor]):
        text = clean_title(seg.text)
        parent = seg.parent
        if tag_of(parent) == "a" or is_hidden(parent) or ":" in text or "：" in text:
            continue
        if 5 <= len(text) <= 150 and not find_date(text):
            return seg
    return None


def choose_title(page: Page, labelled: str | None = None,
                 metadata_at: int | None = None) -> TitleResult:
    meta = page.meta(*TITLE_METAS)
    if meta:
        meta = _without_site_suffix(clean_title(strip_markup(meta)), page)
        if meta and not is_generic(meta, page):
            return _result(page, meta, "meta:ArticleTitle")
    variable = _variable_title(page)
    if variable and not is_generic(variable, page):
        return _result(page, variable, "variable:NewsArticleTitle")
    if labelled and not is_generic(labelled, page):
        title = clean_title(labelled)
        return _result(page, title, "field:标题")
    pieces = [p for p in html_title_candidates(page) if not is_generic(p, page)]
    for piece in pieces:
        seg = find_headline(page, piece)
        if seg is not None and compact(seg.text) == compact(piece):
            return TitleResult(piece, seg.parent, "title", seg.index)
    candidates = headline_candidates(page)
    for _score, el, text in candidates:
        if any(compact(text) in compact(p) for p in pieces) and len(compact(text)) >= 4:
            return _result(page, text, "headline", el)
    above = headline_above(page, metadata_at)
    if above is not None and (not pieces or any(compact(above.text) in compact(p) for p in pieces)):
        return TitleResult(clean_title(above.text), above.parent, "headline", above.index)
    if pieces:
        return _result(page, pieces[0], "title")
    if candidates:
        _score, el, text = candidates[0]
        return _result(page, text, "headline", el)
    return TitleResult(None, None, None)
