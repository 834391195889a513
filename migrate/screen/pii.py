"""Unmasked personal data in text: resident ID numbers, mobile numbers, bank card numbers.

Each candidate is validated (ID check digit and birth date, Luhn plus a banking cue) so document
numbers and amounts are not reported. Reports never repeat the data: every number is masked in
the snippet, keeping the same length so positions in the text still line up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from migrate.screen.model import Finding, excerpt

FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－　", "0123456789Xx- ")
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}) ?((?:18|19|20)\d{2})(\d{2})(\d{2}) ?(\d{3}[0-9Xx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)([- ]?)(\d{4})\2(\d{4})(?![0-9A-Za-z])")
CARD = re.compile(r"(?<![0-9A-Za-z])(\d{16,19}|\d{4}([ -])\d{4}\2\d{4}\2\d{4}(?:\2\d{1,3})?)(?![0-9A-Za-z])")
BANK_CUE = re.compile(r"银行|卡号|账号|帐号|开户|储蓄卡|信用卡|借记卡|社保卡|一卡通")
# Accounts of offices (对公账户) are published on purpose, e.g. for paying fees.
OFFICE_ACCOUNT = re.compile(r"对公|单位|基本户|基本账户|专户|专用账户|财政|国库|非税")
MONEY_AFTER = re.compile(r"^\s*(?:元|万|亿)")
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
CUE_WINDOW = 30


@dataclass
class Match:
    rule: str
    start: int
    end: int
    value: str          # digits only (and X)


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def is_valid_id(number: str, today: date | None = None) -> bool:
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or int(number[:2]) not in PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= (today or date.today()):
        return False
    return id_check_digit(number[:17]) == number[17]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


def find_id_numbers(text: str) -> list[Match]:
    found = []
    for m in ID_NUMBER.finditer(text):
        value = _digits(m.group())
        if is_valid_id(value):
            found.append(Match("id-number", m.start(), m.end(), value.upper()))
    return found


def find_mobiles(text: str) -> list[Match]:
    found = []
    for m in MOBILE.finditer(text):
        if MONEY_AFTER.match(text[m.end():m.end() + 3]) or text[max(0, m.start() - 1):m.start()] in ("¥", "￥"):
            continue
        found.append(Match("mobile", m.start(), m.end(), _digits(m.group())))
    return found


def find_bank_cards(text: str) -> list[Match]:
    found = []
    for m in CARD.finditer(text):
        value = _digits(m.group())
        before = text[max(0, m.start() - CUE_WINDOW):m.start()]
        if not luhn_ok(value) or not BANK_CUE.search(before) or OFFICE_ACCOUNT.search(before):
            continue
        found.append(Match("bank-card", m.start(), m.end(), value))
    return found


def _overlaps(match: Match, taken: list[Match]) -> bool:
    return any(match.start < t.end and t.start < match.end for t in taken)


def find_pii(text: str) -> list[Match]:
    """All personal-data matches in `text`, ID numbers first; no two matches overlap."""
    text = text.translate(FULL_WIDTH)
    matches = find_id_numbers(text)
    for finder in (find_bank_cards, find_mobiles):
        matches.extend(m for m in finder(text) if not _overlaps(m, matches))
    return sorted(matches, key=lambda m: m.start)


def mask(original: str, rule: str) -> str:
    """The same characters with the middle digits starred (same length, separators kept)."""
    keep_head = {"id-number": 6, "mobile": 3, "bank-card": 4}[rule]
    digit_positions = [i for i, ch in enumerate(original) if ch.isalnum()]
    hidden = set(digit_positions[keep_head:len(digit_positions) - 4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(original))


def masked_text(text: str, matches: list[Match]) -> str:
    text = text.translate(FULL_WIDTH)
    pieces, last = [], 0
    for m in matches:
        pieces.append(text[last:m.start])
        pieces.append(mask(text[m.start:m.end], m.rule))
        last = m.end
    pieces.append(text[last:])
    return "".join(pieces)


SEVERITY = {"id-number": "high", "bank-card": "high", "mobile": "medium"}


def screen_pii(text: str, where: str, attachment: str | None = None) -> list[Finding]:
    """One finding per kind of personal data in `text`, counting the distinct numbers."""
    if not text:
        return []
    matches = find_pii(text)
    if not matches:
        return []
    shown = masked_text(text, matches)
    findings = []
    for rule in ("id-number", "bank-card", "mobile"):
        of_rule = [m for m in matches if m.rule == rule]
        if not of_rule:
            continue
        first = of_rule[0]
        findings.append(Finding("pii", rule, excerpt(shown, first.start, first.end, 40), where, SEVERITY[rule],
                                shown[first.start:first.end], count=len({m.value for m in of_rule}),
                                attachment=attachment))
    return findings
