"""The maintained word list (`migrate/data/spam_words.txt`) and the host classes built on it.

All vocabulary goes into one regular expression, longest phrase first, so a `safe` phrase such as
福利彩票 is consumed before the 彩票 inside it can match: leftmost-first matching does the masking.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from migrate.errors import UserError

WORDS_PATH = Path(__file__).resolve().parent.parent / "data" / "spam_words.txt"

STRONG = ("gambling", "porn", "fraud")
WEAK = ("lottery",)
CATEGORIES = STRONG + WEAK + ("safe", "legit_context", "trusted_hosts")
GOVERNMENT_SUFFIXES = ("gov.cn", "gov", "mil.cn", "gov.hk", "gov.mo")
TOPIC_LABELS = {"gambling": "博彩", "porn": "色情", "fraud": "违法广告", "lottery": "彩票"}
HEADER = re.compile(r"^\[([a-z_]+)\]$")


@dataclass(frozen=True)
class Hit:
    word: str       # as it appears in the text
    topic: str      # gambling | porn | fraud | lottery
    start: int


@dataclass
class Vocabulary:
    topics: dict[str, str]                 # lower-cased word -> topic (or "safe")
    legit_context: list[str]
    trusted_hosts: tuple[str, ...]
    digest: str                            # identifies this list in cached screening results
    pattern: re.Pattern = field(init=False)
    legit_pattern: re.Pattern | None = field(init=False)

    def __post_init__(self):
        self.pattern = re.compile(trie_pattern(self.topics) or r"(?!)", re.I)
        self.legit_pattern = (re.compile("|".join(re.escape(w) for w in self.legit_context), re.I)
                              if self.legit_context else None)

    def hits(self, text: str) -> list[Hit]:
        """Signal words in `text` (safe phrases already removed by matching them first)."""
        found = []
        for match in self.pattern.finditer(text):
            topic = self.topics[_key(match.group())]
            if topic != "safe":
                found.append(Hit(match.group(), topic, match.start()))
        return found

    def has_legit_context(self, text: str) -> bool:
        return bool(self.legit_pattern and self.legit_pattern.search(text))

    def is_trusted(self, host: str) -> bool:
        return _has_suffix(host, self.trusted_hosts)


def trie_pattern(words) -> str:
    """One regex for many words, shared prefixes factored out, so matching stays fast with
    hundreds of words. At each position the longest listed word wins; a space in a word matches
    any run of whitespace."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + build(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _has_suffix(host: str, suffixes) -> bool:
    host = host.lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in suffixes)


def is_government_host(host: str) -> bool:
    return _has_suffix(host.split(":")[0], GOVERNMENT_SUFFIXES)


def strong(hits: list[Hit]) -> list[Hit]:
    return [h for h in hits if h.topic in STRONG]


def topic_label(hits: list[Hit]) -> str:
    """Chinese name of the dominant topic: strong topics before lottery."""
    for topic in STRONG + WEAK:
        if any(h.topic == topic for h in hits):
            return TOPIC_LABELS[topic]
    return ""


def parse_word_list(text: str, path: Path) -> Vocabulary:
    topics: dict[str, str] = {}
    legit, hosts = [], []
    category = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        header = HEADER.match(line)
        if header:
            category = header.group(1)
            if category not in CATEGORIES:
                raise UserError(f"词表分类 [{category}] 不可识别。", path=path, line=number,
                                hint=f"可用的分类：{'、'.join(CATEGORIES)}。")
            continue
        if category is None:
            raise UserError("词语写在了任何分类之前。", path=path, line=number,
                            hint="请先写一行分类名，如 [gambling]。")
        if category == "legit_context":
            legit.append(line)
        elif category == "trusted_hosts":
            hosts.append(line.lower().lstrip("*."))
        else:
            topics[_key(line)] = category
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Vocabulary(topics=topics, legit_context=legit, trusted_hosts=tuple(hosts), digest=digest)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    path = Path(path) if path else WORDS_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"无法读取筛查词表：{exc}。", path=path,
                        hint="请确认该文件存在且为 UTF-8 编码。")
    return parse_word_list(text, path)
