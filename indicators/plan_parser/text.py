"""Small text helpers shared by every part of the plan parser."""

from __future__ import annotations

import difflib
import re
import unicodedata

from core import thai

#: A digit class for regular expressions: Arabic or Thai digits.
DIGITS = "0-9๐-๙"
#: "ทุกตำแหน่ง": every member of the group owns the indicator.
ALL_STAFF = "ทุกตำแหน่ง"


def is_thai_letter(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e4e" and ch not in "\u0e3f"


def clean(s: str | None) -> str:
    """NFC, whitespace collapsed, stripped."""
    if s is None:
        return ""
    s = unicodedata.normalize("NFC", s)
    return re.sub(r"\s+", " ", s).strip()


def to_int(digits: str) -> int:
    return int(thai.to_arabic_digits(digits))


def strip_quotes(s: str) -> str:
    s = clean(s)
    pairs = [("“", "”"), ('"', '"'), ("‘", "’")]
    for a, b in pairs:
        if len(s) >= 2 and s.startswith(a) and s.endswith(b) and s.count(a) == 1 and s.count(b) == 1:
            return s[len(a):-len(b)].strip()
    return s


def join(prev: str, nxt_raw: str) -> str:
    """Join a wrapped continuation line to the text so far.

    Rule: a continuation line that starts with a space comes from a narrow
    column that the converter wrapped mid-phrase (cards of indicators 3 and
    17 in FY 2565); there, if both sides of the break are Thai letters, the
    wrap split a Thai word or a phrase written without spaces, so the pieces
    are joined with no space ("ประเมินความ" + "เสี่ยง").  In every other case
    (Latin or punctuation at the break, or an ordinary paragraph) they are
    joined with one space.
    """
    nxt = clean(nxt_raw)
    if not prev:
        return nxt
    if not nxt:
        return prev
    narrow = nxt_raw[:1] in (" ", "\u00a0")
    if narrow and is_thai_letter(prev[-1]) and is_thai_letter(nxt[0]):
        return prev + nxt
    return prev + " " + nxt


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


_NAME_PREFIX = re.compile(r"^(ระดับ|ร้อยละ)(ความสำเร็จ|ความพึงพอใจ)?(ของ)?(การ)?(ใน)?")


def name_key(s: str) -> str:
    """An indicator name reduced for comparison: Arabic digits, no spaces or
    punctuation, no leading "ระดับความสำเร็จของการ..." boilerplate."""
    s = thai.to_arabic_digits(clean(s))
    s = re.sub(r"[\s()（）.,:]", "", s)
    return _NAME_PREFIX.sub("", s)


def nfc_tree(obj):
    """Every string inside lists and dicts in NFC."""
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [nfc_tree(x) for x in obj]
    if isinstance(obj, dict):
        return {k: nfc_tree(v) for k, v in obj.items()}
    return obj
