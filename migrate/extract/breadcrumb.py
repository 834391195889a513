"""The column path from the breadcrumb ("当前位置：首页 > 政务公开 > 通知公告")."""

from __future__ import annotations

import re

from .furniture import has_furniture_class, is_furniture_text
from .page import Page, split_url
from .text import iter_text_nodes, squash, tag_of

CRUMB_CLASS = re.compile(
    r"bread|crumb|position|location|_loca|dqwz|weizhi|mianbao|mbx|lujing|curmbs", re.I)
# Weaker hints ("mm_current", "guide") count only when the text shows crumb separators.
WEAK_CRUMB_CLASS = re.compile(r"current|curr|nav-?path|path|guide|\bloc\b|\bwz\b", re.I)
SEPARATOR_CHARS = re.compile(r">|»|›|→|＞|〉|≫")
# A text node that is nothing but a crumb separator between two links.
CRUMB_ONLY_SEPARATOR = re.compile(r"\s*(?:>>?|»|›|→|＞＞?|≫)\s*")
CRUMB_LABEL = re.compile(
    r"^\s*(?:您?(?:当前|现在|目前)?(?:的|所在的?|所处的?)?(?:位置|所在位置|路径)|当前位置|所在位置|"
    r"当前栏目|位置导航|location|you are here)\s*[:：]?\s*", re.I)
SEPARATORS = re.compile(r"\s*(?:>>|»|›|→|->|＞＞|＞|>|/|\\|〉|》|≫|>|\|)\s*")
HOME_WORDS = {"首页", "网站首页", "主页", "首 页", "返回首页", "home", "index", "门户首页", "网站主页"}
LEAF_WORDS = {"正文", "详情", "详细内容", "内容", "浏览文章", "文章内容", "正文内容", "查看内容",
              "信息详情", "详细信息", "阅读文章", "详情页"}
MAX_CRUMB_TEXT = 200


def _is_root_link(page: Page, href: str | None) -> bool:
    if not href:
        return False
    absolute = page.absolute(href) or href
    parts = split_url(absolute)
    if parts is None or not parts.netloc:
        return False
    return parts.path in ("", "/") or re.fullmatch(r"/(index|default|main)\.\w+", parts.path) is not None


def _crumb_items(page: Page, container) -> list[tuple[str, str | None]]:
    """(text, href) for each crumb: links, and plain text between separators."""
    items: list[tuple[str, str | None]] = []
    for text, el, is_tail in iter_text_nodes(container):
        owner = el.getparent() if is_tail else el
        if _inside_furniture(owner, container):
            continue
        link = owner if tag_of(owner) == "a" else None
        if link is None and owner is not None:
            parent = owner.getparent()
            if tag_of(owner) in ("span", "font", "b", "strong") and parent is not None and tag_of(parent) == "a":
                link = parent
        if link is not None and not is_tail:
            items.append((squash(text), link.get("href")))
            continue
        for part in SEPARATORS.split(text):
            part = squash(part)
            if part:
                items.append((part, None))
    # Links split into several text nodes (<a><span>政务</span>公开</a>) join again.
    merged: list[tuple[str, str | None]] = []
    for text, href in items:
        if merged and href is not None and merged[-1][1] == href:
            merged[-1] = (merged[-1][0] + text, href)
        else:
            merged.append((text, href))
    return merged


def _inside_furniture(el, container) -> bool:
    """Font-size/print widgets that templates park inside the breadcrumb bar."""
    while el is not None and el is not container:
        if has_furniture_class(el):
            return True
        el = el.getparent()
    return False


def column_path_from(page: Page, container) -> list[str]:
    path: list[str] = []
    items = _crumb_items(page, container)
    for position, (text, href) in enumerate(items):
        text = CRUMB_LABEL.sub("", text).strip(" :：>")
        if not text or SEPARATORS.fullmatch(text) or is_furniture_text(text):
            continue
        if text.lower() in HOME_WORDS or text in HOME_WORDS:
            continue
        if not path and _is_root_link(page, href):
            continue  # the site's name used as the first crumb ("中国科普网 > 时政新闻")
        if position == len(items) - 1 and text in LEAF_WORDS:
            continue
        if len(text) > 40:
            continue
        if not path or path[-1] != text:
            path.append(text)
    return path


def _candidates(page: Page):
    """Breadcrumb containers: by class/id first, then by their "当前位置" label."""
    trs_crumb = page.body.find('.//a[@class="CurrChnlCls"]')
    if trs_crumb is not None:  # TRS marks breadcrumb links with this class
        yield trs_crumb.getparent()
    for el in page.body.iter():
        if not isinstance(el.tag, str) or tag_of(el) in ("a", "body", "html"):
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not marker.strip():
            continue
        if CRUMB_CLASS.search(marker):
            yield el
        elif WEAK_CRUMB_CLASS.search(marker) and SEPARATOR_CHARS.search(el.text_content()[:300]):
            yield el
    for seg in page.segments:
        if CRUMB_ONLY_SEPARATOR.fullmatch(seg.text):
            container = seg.parent
            while container is not None and len(container.findall(".//a")) < 2:
                container = container.getparent()
            if container is not None:
                yield container
        if CRUMB_LABEL.match(seg.text) and len(seg.text.strip()) < 40:
            container = seg.parent
            # The label sits in its own <span>; the links are its siblings.
            while container is not None and len(container.findall(".//a")) == 0:
                container = container.getparent()
            if container is not None:
                yield container


def find_column_path(page: Page) -> list[str]:
    for container in _candidates(page):
        links = container.findall(".//a")
        if not links or len(links) > 12:
            continue
        text = squash(container.text_content())
        if len(text) > MAX_CRUMB_TEXT:
            continue
        path = column_path_from(page, container)
        if path:
            return path
    return []
