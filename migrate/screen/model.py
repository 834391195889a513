"""What the screening stage reports: findings, their Chinese names, and snippets around a match."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

CATEGORY_LABELS = {"spam": "垃圾链接", "pii": "个人信息", "empty": "空白页面", "error": "筛查出错"}
SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}

# rule -> Chinese name; `{topic}` is filled with 博彩/色情/… where the rule has one.
RULE_LABELS = {
    "hidden-spam-links": "隐藏的{topic}链接",
    "hidden-links": "隐藏的站外链接",
    "hidden-spam-text": "隐藏的{topic}文字",
    "hidden-iframe": "隐藏的站外框架（iframe）",
    "spam-link": "{topic}站外链接",
    "link-farm": "成片的站外链接（疑似链接农场）",
    "script-links": "脚本写入的{topic}链接",
    "referrer-redirect": "按来路跳转到站外的脚本（疑似搜索引擎劫持）",
    "id-number": "未脱敏的身份证号",
    "mobile": "未脱敏的手机号码",
    "bank-card": "未脱敏的银行卡号",
    "empty-body": "正文为空",
    "image-only": "正文只有图片（疑似扫描件）",
    "screen-failed": "自动筛查出错，需人工检查",
}

SNIPPET_WIDTH = 120   # characters kept on each side of a match


@dataclass
class Finding:
    category: str               # spam | pii | empty
    rule: str                   # a key of RULE_LABELS
    snippet: str                # the offending text or source, with some context
    where: str                  # where on the page (Chinese, for people)
    severity: str               # high | medium | low
    match: str = ""             # the part of `snippet` to highlight
    topic: str = ""             # 博彩 / 色情 / 违法广告 / 彩票 for spam rules
    count: int = 1              # how many occurrences this finding stands for
    attachment: str | None = None   # canonical URL of the attachment it was found in

    @property
    def label(self) -> str:
        """Chinese name of the rule, with its topic."""
        text = RULE_LABELS.get(self.rule, self.rule)
        return text.format(topic=self.topic or "垃圾")

    def to_dict(self) -> dict:
        data = asdict(self)
        if data["attachment"] is None:
            del data["attachment"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def excerpt(text: str, start: int, end: int, width: int = SNIPPET_WIDTH) -> str:
    """`text[start:end]` with up to `width` characters either side, whitespace folded."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = text[left:right]
    snippet = " ".join(snippet.split())
    return ("…" if left else "") + snippet + ("…" if right < len(text) else "")


def excerpt_around(text: str, needle: str, width: int = SNIPPET_WIDTH) -> str:
    """An excerpt centred on the first occurrence of `needle`, or the start of `text`."""
    index = text.find(needle) if needle else -1
    if index < 0:
        return excerpt(text, 0, 0, 2 * width)
    return excerpt(text, index, index + len(needle), width)
