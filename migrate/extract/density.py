"""Find the content container of pages without a known CMS profile, by where the prose is.

Old hand-made township sites lay pages out in nested tables, which general extractors handle
badly. Here every visible text node scores by its sentence punctuation and length; the score goes
to the block that holds the paragraph (inline wrappers such as <span>/<font> are climbed over) and,
halved, to its parent. The block with the highest score holds the article when it clearly
dominates the page's prose.
"""

from __future__ import annotations

import re

from .page import Page
from .text import BLOCK_TAGS, CELL_TAGS, is_hidden, tag_of

PARAGRAPH_TAGS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt",
                            "blockquote", "pre", "caption"})
# Sentence punctuation; colons are left out because label lines ("地址：…电话：…") are full of them.
PUNCTUATION = re.compile(r"[，。；！？、,;]")
CONTAINER_TAGS = BLOCK_TAGS | CELL_TAGS
MIN_SEGMENT = 4
MIN_SCORE = 6.0
DOMINANCE = 0.5  # share of the page's prose score the container must hold ...
LEAD = 2.0  # ... or how far it must lead the best block outside it


def _paragraph_owner(el, table_cache: dict):
    """The block holding a text node. A cell of a data table (a grid of several columns, no
    tables inside) is part of that table: the table is one unit of content (办事指南, 来信/回复),
    whereas layout tables (one cell per row, or tables of tables) are just page structure."""
    while el is not None and tag_of(el) not in CONTAINER_TAGS:
        el = el.getparent()
    if el is not None and tag_of(el) in CELL_TAGS:
        table = next(el.iterancestors("table"), None)
        if table is not None and _is_data_table(table, table_cache):
            return table
    return el


def _is_data_table(table, cache: dict) -> bool:
    if table not in cache:
        rows = [row for row in table.iter("tr") if next(row.iterancestors("table"), None) is table]
        wide = sum(1 for row in rows if len(row.findall("td")) + len(row.findall("th")) >= 2)
        cache[table] = (wide >= 2 and wide >= 0.5 * len(rows)
                        and table.find(".//table") is None)
    return cache[table]


def _is_paragraph(el, cache: dict) -> bool:
    """A paragraph element, or a <div> used as one (no block children): its parent is the
    container candidate, as in readability."""
    if el in cache:
        return cache[el]
    tag = tag_of(el)
    result = tag in PARAGRAPH_TAGS or tag == "table" or (
        tag == "div" and not any(tag_of(child) in CONTAINER_TAGS for child in el))
    cache[el] = result
    return result


def _in_link_or_hidden(el) -> bool:
    for _ in range(4):
        if el is None:
            return False
        if tag_of(el) == "a" or is_hidden(el):
            return True
        el = el.getparent()
    return False


def densest_container(page: Page):
    """The block holding most of the page's prose, or None when no block dominates."""
    scores: dict[object, float] = {}
    paragraph_cache: dict[object, bool] = {}
    table_cache: dict[object, bool] = {}
    total = 0.0
    for seg in page.segments:
        text = seg.text.strip()
        if len(text) < MIN_SEGMENT:
            continue
        holder = seg.parent
        if _in_link_or_hidden(holder):
            continue
        score = len(PUNCTUATION.findall(text)) + min(len(text) / 40, 3)
        owner = _paragraph_owner(holder, table_cache)
        if owner is None:
            continue
        total += score
        if _is_paragraph(owner, paragraph_cache):
            owner = owner.getparent()
        if owner is None or tag_of(owner) in ("body", "html"):
            continue
        scores[owner] = scores.get(owner, 0.0) + score
        parent = owner.getparent()
        if parent is not None and tag_of(parent) not in ("body", "html"):
            scores[parent] = scores.get(parent, 0.0) + score / 2
    if not scores:
        return None
    best = max(scores, key=scores.get)
    if scores[best] < MIN_SCORE:
        return None
    if scores[best] >= DOMINANCE * total:
        return best
    related = set(best.iterancestors()) | set(best.iterdescendants())
    runner_up = max((score for el, score in scores.items() if el is not best and el not in related),
                    default=0.0)
    return best if scores[best] >= LEAD * runner_up else None
