"""Page furniture: widgets around content that readers do not read as content."""

from __future__ import annotations

import re

from .text import squash, tag_of

FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:b?d?share\w*|bshare\w*|social-share|print\w*|fontsize|font-size|zihao|ztdx|"
    r"related\w*|xgwz|xglj|xgxx|prenext|pre-next|pre_next|next-prev|qrcode|erweima|ewm|jiucuo|"
    r"collect\w*|shoucang|toolbar|sweep|fenxiang|dayin|guanbi|closewin|close-window)(?:$|[\s_-])",
    re.I)
FURNITURE_TEXT = re.compile(
    r"^[【\[(（]?\s*(?:打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏本页|收藏|"
    r"加入收藏|分享到[:：]?.*|分享|字体[:：]?.*|字号[:：]?.*|[大中小]|默认|超大|放大|缩小|正常|"
    r"扫一扫.*|手机扫.*|上一篇[:：]?.*|下一篇[:：]?.*|浏览次数[:：]?\s*\d*|阅读次数[:：]?\s*\d*|"
    r"点击数[:：]?\s*\d*|访问量[:：]?\s*\d*|相关链接|相关文章|相关阅读|相关稿件|我要纠错|纠错)"
    r"\s*[】\])）]?$")
FURNITURE_MAX_TEXT = 40
# Widgets are small or made of links (related articles); a "print" class on a big element of
# prose is a wrapper ("printContent") holding the article itself.
WIDGET_MAX_TEXT = 80


def has_furniture_class(el) -> bool:
    marker = f"{el.get('class') or ''} {el.get('id') or ''}".strip()
    return bool(marker and FURNITURE_CLASS.search(marker))


def is_furniture_text(text: str) -> bool:
    text = squash(text)
    return bool(text) and len(text) <= FURNITURE_MAX_TEXT and bool(FURNITURE_TEXT.match(text))


def _mostly_links(el, text: str) -> bool:
    linked = sum(len("".join(a.itertext()).strip()) for a in el.iter("a"))
    return linked >= 0.5 * len(text.strip())


def is_furniture(el, text: str) -> bool:
    """A widget element: by class/id when small, or by its short text ("打印本页", "字体：大 中 小")."""
    if has_furniture_class(el) and (len(squash(text)) <= WIDGET_MAX_TEXT or _mostly_links(el, text)):
        return True
    return is_furniture_text(text) and tag_of(el) not in ("table", "tbody")
