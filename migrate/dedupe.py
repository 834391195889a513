"""Duplicate documents: the same notice reposted on several township sites, or twice on one.

One copy becomes the canonical record (the earliest published; ties go to the township listed
first in the config, then the shorter URL); the others become aliases that redirect to it.
Exact copies match whatever their titles. A near copy must carry the same title, the same numbers
(dates, amounts, phone numbers, document numbers) and almost the same text: templated documents
such as annual reports or two townships' service guides differ in exactly those places, and
merging them would lose one township's facts. Candidates are blocked by normalised title and
body hash, so the work stays near-linear on tens of thousands of pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz

from migrate.config import Config

NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
MIN_EXACT_CHARS = 30      # shorter bodies (a photo caption, 详见附件) say too little to compare
MIN_NEAR_CHARS = 80
NEAR_RATIO = 95.0
DIGITS = re.compile(r"\d+")
COMPARE_CHARS = 3000      # enough text to tell two documents apart, cheap to compare


def normalise(text: str | None) -> str:
    return NOISE.sub("", text or "")


def _sort_key(rec: dict, town_rank: dict[str, int]):
    return (rec.get("date") or "9999-99-99", town_rank.get(rec["town"], 99), len(rec["url"]), rec["url"])


def _blocks(articles: list[dict]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(articles):
        body = rec["_norm"]
        if len(body) < MIN_EXACT_CHARS:
            continue
        blocks["h:" + hashlib.sha1(body.encode()).hexdigest()].append(i)
        title = normalise(rec.get("title"))
        if title and len(body) >= MIN_NEAR_CHARS:
            blocks["t:" + title].append(i)
    return blocks


def _same_document(a: dict, b: dict) -> float:
    if a["_norm"] == b["_norm"]:
        return 100.0
    if min(len(a["_norm"]), len(b["_norm"])) < MIN_NEAR_CHARS:
        return 0.0
    if normalise(a.get("title")) != normalise(b.get("title")):
        return 0.0
    if DIGITS.findall(a["_norm"]) != DIGITS.findall(b["_norm"]):
        return 0.0
    return fuzz.ratio(a["_norm"][:COMPARE_CHARS], b["_norm"][:COMPARE_CHARS])


def find_duplicates(articles: list[dict], town_order: list[str]) -> dict[str, dict]:
    """Article records (with `town`) → {duplicate url: {canonical, town, similarity}}."""
    town_rank = {slug: i for i, slug in enumerate(town_order)}
    for rec in articles:
        rec["_norm"] = normalise(rec.get("body_text"))
    parent = list(range(len(articles)))
    score: dict[tuple[int, int], float] = {}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in _blocks(articles).values():
        if len(members) < 2 or len(members) > 200:   # huge blocks are boilerplate, not reposts
            continue
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                if root(i) == root(j):
                    continue
                similarity = _same_document(articles[i], articles[j])
                if similarity >= NEAR_RATIO:
                    parent[root(j)] = root(i)
                    score[(min(i, j), max(i, j))] = similarity
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(articles)):
        groups[root(i)].append(i)
    result = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda i: _sort_key(articles[i], town_rank))
        first = ordered[0]
        for i in ordered[1:]:
            similarity = score.get((min(first, i), max(first, i)), NEAR_RATIO)
            result[articles[i]["url"]] = {"canonical": articles[first]["url"],
                                          "town": articles[first]["town"],
                                          "from_town": articles[i]["town"],
                                          "similarity": round(similarity, 1)}
    for rec in articles:
        rec.pop("_norm", None)
    return result


def duplicates_path(config: Config) -> Path:
    return config.workdir / "records" / "duplicates.json"


def dedupe_all(config: Config) -> dict[str, dict]:
    """Find duplicates over every township's records and write `work/records/duplicates.json`."""
    articles = []
    for town in config.townships:
        path = config.records_path(town.slug)
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("kind") == "article":
                    articles.append({"url": rec["url"], "town": town.slug, "title": rec.get("title"),
                                     "date": rec.get("date"), "body_text": rec.get("body_text")})
    duplicates = find_duplicates(articles, [t.slug for t in config.townships])
    path = duplicates_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(duplicates, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return duplicates


def load_duplicates(config: Config) -> dict[str, dict]:
    path = duplicates_path(config)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
