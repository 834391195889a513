"""Text helpers shared by the extraction steps: whitespace rules and element → text."""

from __future__ import annotations

import re

from lxml import etree

# Elements whose content is never reader-visible text.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link",
                       "object", "embed", "svg", "canvas", "select", "option", "button",
                       "textarea", "input", "iframe", "frame", "frameset", "map"})
# Elements that start a new line of text.
BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "tr", "table", "tbody", "thead", "tfoot",
                        "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "section",
                        "article", "header", "footer", "nav", "aside", "main", "body", "html",
                        "form", "center", "blockquote", "pre", "address", "figure",
                        "figcaption", "fieldset", "hr", "caption", "details", "summary"})
CELL_TAGS = frozenset({"td", "th"})

WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
CJK_CHAR = r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef0-9]"
# Whitespace holding a line break, tab or ideographic space between CJK characters or digits is
# typesetting (a title broken over lines, full-width padding): readers see no gap there.
TYPESET_GAP = re.compile(rf"(?<={CJK_CHAR})[ \u00a0]*[\n\r\t\u3000][\s\u3000\u00a0]*(?={CJK_CHAR})")


def squash(text: str | None) -> str:
    """Collapse all whitespace (incl. U+3000, nbsp) to single spaces and strip."""
    return WS.sub(" ", text or "").strip()


def compact(text: str | None) -> str:
    """Remove all whitespace: for comparing texts laid out differently."""
    return WS.sub("", text or "")


def clean_title(text: str | None) -> str:
    """A headline as readers see it: line breaks and full-width padding inside CJK text dropped."""
    text = TYPESET_GAP.sub("", (text or "").strip())
    return squash(text)


def is_element(node) -> bool:
    return isinstance(node.tag, str)


def tag_of(el) -> str:
    """Lower-case local tag name; "" for comments and processing instructions."""
    tag = el.tag
    if type(tag) is not str:
        return ""
    # The HTML parser already lower-cases names; only namespaced (XHTML/Office) tags differ.
    return tag if "}" not in tag and ":" not in tag else tag.rsplit("}", 1)[-1].lower()


def is_hidden(el) -> bool:
    """Hidden by inline style, the `hidden` attribute or a rendered-DOM `ng-hide` class."""
    style = el.get("style")
    if style and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.I):
        return True
    if el.get("hidden") is not None:
        return True
    cls = el.get("class")
    return bool(cls and "ng-hide" in cls.split())


def element_lines(el, skip_hidden: bool = True) -> list[str]:
    """Reader-visible text of `el` as lines: blocks and <br> break lines, inline runs join
    without spaces (digits split across <span>s stay whole), table cells are tab-separated.
    Walks with lxml's iterwalk: broken pages nest thousands of unclosed tags deep."""
    lines: list[str] = []
    buf: list[str] = []

    def flush():
        line = squash("".join(buf))
        if line:
            lines.append(line)
        buf.clear()

    walker = etree.iterwalk(el, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if event in ("comment", "pi"):
            if node.tail:
                buf.append(node.tail)
            continue
        tag = tag_of(node)
        skipped = tag in SKIP_TAGS or (skip_hidden and is_hidden(node))
        if event == "start":
            if skipped:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            elif tag in CELL_TAGS:
                buf.append("\t")
            if node.text:
                buf.append(node.text)
            continue
        if not skipped:
            if tag in BLOCK_TAGS:
                flush()
            elif tag in CELL_TAGS:
                buf.append("\t")
        if node.tail and node is not el:
            buf.append(node.tail)
    flush()
    return lines


def inline_text(el) -> str:
    """Text of `el` without its block-level descendants: the headline itself when a template
    nests the date line or the whole article inside an unclosed <h2>."""
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end", "comment"))
    for event, node in walker:
        if event == "comment":
            parts.append(node.tail or "")
            continue
        tag = tag_of(node)
        excluded = node is not el and (tag in BLOCK_TAGS or tag in SKIP_TAGS)
        if event == "start":
            if excluded:
                walker.skip_subtree()
            elif tag == "br":
                parts.append("\n")
            else:
                parts.append(node.text or "")
        elif node is not el:
            parts.append(node.tail or "")
    return "".join(parts)


def iter_text_nodes(root):
    """(text, element, is_tail) for every visible text node under `root`, in document order."""
    stack = [(root, False)]
    # An explicit stack: real pages nest deep enough to make recursion costly.
    while stack:
        node, done = stack.pop()
        if done:
            if node.tail and node is not root:
                yield node.tail, node, True
            continue
        tag = tag_of(node)
        if not tag or tag in SKIP_TAGS:
            if node is not root and node.tail:
                yield node.tail, node, True
            continue
        if node.text:
            yield node.text, node, False
        stack.append((node, True))
        for child in reversed(node):
            stack.append((child, False))


def all_text(el) -> str:
    """Every text node under `el` (works on plain etree elements, unlike `text_content`)."""
    return "".join(el.itertext())
