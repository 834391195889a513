"""Benchmark: migrate.extract.extract against plain trafilatura.extract on the same pages.

Builds at least 2,000 realistic pages from the real government pages (../shared/realpages) and
the extraction fixtures (tests/fixtures/extract): each variant keeps a page's template and
encoding but gets other paragraphs (drawn from all pages), a shifted date and a changed headline,
so no two pages are alike. Both extractors get the same bytes and run in one process; the
result is pages per second per core and the ratio.

    python benchmarks/extract.py [--pages 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import time
from pathlib import Path

import lxml.html
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migrate.extract import decode_html, extract  # noqa: E402

SOURCES = [ROOT.parent / "shared" / "realpages", ROOT / "tests" / "fixtures" / "extract"]
DATE = re.compile(r"(20\d{2})([-年/.])(\d{1,2})([-月/.])(\d{1,2})")


def base_pages() -> list[tuple[str, bytes]]:
    pages = []
    for folder in SOURCES:
        if folder.is_dir():
            pages += [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.html"))]
    if not pages:
        sys.exit("没有找到样例页面（realpages 或 tests/fixtures/extract）。")
    return pages


def paragraph_pool(pages) -> list[str]:
    pool = []
    for _name, raw in pages:
        text, _codec = decode_html(raw)
        try:
            tree = lxml.html.document_fromstring(text.encode("utf-8"),
                                                 parser=lxml.html.HTMLParser(encoding="utf-8"))
        except Exception:
            continue
        for p in tree.iter("p"):
            content = p.text_content().strip()
            if 30 <= len(content) <= 400:
                pool.append(content)
    return pool


def shift_dates(text: str, days: int) -> str:
    def shift(match):
        try:
            day = dt.date(int(match.group(1)), int(match.group(3)), int(match.group(5)))
        except ValueError:
            return match.group(0)
        new = day - dt.timedelta(days=days)
        return f"{new.year}{match.group(2)}{new.month:02d}{match.group(4)}{new.day:02d}"
    return DATE.sub(shift, text)


def variant(raw: bytes, pool: list[str], rng: random.Random, serial: int) -> bytes:
    """The same template with other paragraphs, dates shifted and a numbered headline."""
    text, codec = decode_html(raw)
    parts = re.split(r"(<p[^>]*>)", text)
    for i in range(2, len(parts), 2):
        end = parts[i].find("</p>")
        if end > 20 and "<" not in parts[i][:end] and rng.random() < 0.7:
            parts[i] = rng.choice(pool) + parts[i][end:]
    text = shift_dates("".join(parts), rng.randint(1, 900))
    text = re.sub(r"(<title>)([^<]{4})", lambda m: f"{m.group(1)}{m.group(2)}第{serial}期", text, count=1)
    encoding = "utf-8" if codec.startswith("utf") else codec
    return text.encode(encoding, errors="xmlcharrefreplace")


def build_corpus(count: int, seed: int) -> list[bytes]:
    pages = base_pages()
    pool = paragraph_pool(pages)
    rng = random.Random(seed)
    corpus = []
    while len(corpus) < count:
        for _name, raw in pages:
            corpus.append(variant(raw, pool, rng, len(corpus)))
            if len(corpus) >= count:
                break
    return corpus


def timed(function, corpus) -> float:
    start = time.perf_counter()
    for raw in corpus:
        function(raw)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    corpus = build_corpus(args.pages, args.seed)
    megabytes = sum(len(raw) for raw in corpus) / 1e6
    print(f"页面数：{len(corpus)}（共 {megabytes:.1f} MB）")
    ours = timed(extract, corpus)
    plain = timed(trafilatura.extract, corpus)
    ours_rate, plain_rate = len(corpus) / ours, len(corpus) / plain
    print(f"migrate.extract.extract   ：{ours_rate:7.1f} 页/秒/核（{ours:.1f} 秒）")
    print(f"trafilatura.extract       ：{plain_rate:7.1f} 页/秒/核（{plain:.1f} 秒）")
    print(f"速度比（本工具 / trafilatura）：{ours_rate / plain_rate:.2f}")


if __name__ == "__main__":
    main()
