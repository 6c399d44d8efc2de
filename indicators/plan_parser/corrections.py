"""Spelling corrections and letters of another script, fixed before parsing."""

from __future__ import annotations

import re
import unicodedata

from .text import is_thai_letter

#: Spelling corrections applied to the whole text before parsing, as a
#: careful clerk would.  (wrong, right, reason).  Each one is listed, with
#: where it occurs in the FY 2565 plan, in fixtures/README.md.
CORRECTIONS: list[tuple[str, str, str]] = [
    (
        "อายุัด",
        "อายัด",
        "สระอุและไม้หันอากาศซ้อนบนพยัญชนะตัวเดียวกัน (ลำดับอักขระที่เป็นไปไม่ได้); "
        "คำที่ถูกคือ 'อายัด' (คำสั่งอายัด, สำนวนอายัด)",
    ),
    (
        "รายนวด",
        "รายหมวด",
        "ตาราง 'PMQA รายหมวด ๔' สะกดถูก; 'รายนวด' ไม่มีความหมาย (PMQA ประเมินเป็นหมวด)",
    ),
    (
        "ระดับ ความสำเร็จ",
        "ระดับความสำเร็จ",
        "ช่องว่างแทรกกลางคำ 'ระดับความสำเร็จ' ซึ่งที่อื่นทั้งเอกสารเขียนติดกัน",
    ),
    (
        "เปรียบเรียง",
        "เรียบเรียง",
        "'เปรียบเรียง' ไม่ใช่คำ; บริบท 'ศึกษาวิเคราะห์ เรียบเรียงสรุปข้อมูล'",
    ),
    (
        "ความเป็นชอบ",
        "ความเห็นชอบ",
        "'ความเป็นชอบ' ไม่ใช่คำ; เอกสารใช้ 'ความเห็นชอบ' ในบริบทเดียวกันทุกแห่ง",
    ),
    (
        "ดำเนินการถ่ายตัวชี้วัด",
        "ดำเนินการถ่ายทอดตัวชี้วัด",
        "พยางค์ 'ทอด' หาย; ขั้นตอนเดียวกันของตัวชี้วัดที่ ๕ และคำอธิบายของ "
        "ตัวชี้วัดที่ ๔ และ ๕ เขียน 'ถ่ายทอดตัวชี้วัด'",
    ),
]

#: Letters of another script that a conversion put inside Thai words, mapped
#: to the Thai letter they stand for.  Devanagari consonants follow the
#: standard Indic (Pali/Sanskrit) to Thai correspondence, e.g. "นवल" -> "นวล".
SCRIPT_LOOKALIKES: dict[str, str] = dict(
    zip(
        "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहळ",
        "กขคฆงจฉชฌญฏฐฑฒณตถทธนปผพภมยรลวศษสหฬ",
    )
)

_LOOKALIKE_REASON = "อักษรต่างระบบ (เช่น เทวนาครี) ปนในคำภาษาไทย แทนด้วยอักษรไทยที่ตรงกัน"


def _is_foreign_letter(ch: str) -> bool:
    """A letter that is neither Thai nor basic Latin."""
    if not ch or is_thai_letter(ch) or ch.isascii():
        return False
    return unicodedata.category(ch).startswith(("L", "M"))


def _run_touches_thai(text: str, i: int) -> bool:
    """Whether the run of foreign letters around text[i] touches a Thai letter."""
    j = i
    while j > 0 and _is_foreign_letter(text[j - 1]):
        j -= 1
    k = i
    while k + 1 < len(text) and _is_foreign_letter(text[k + 1]):
        k += 1
    return (j > 0 and is_thai_letter(text[j - 1])) or (k + 1 < len(text) and is_thai_letter(text[k + 1]))


def _changed_words(text: str, fixed: str) -> list[tuple[str, str]]:
    """(old word, new word) for each word that differs, each pair once."""
    changed: list[tuple[str, str]] = []
    for m in re.finditer(r"\S+", text):
        word = m.group()
        new = fixed[m.start():m.end()]
        if new != word and (word, new) not in changed:
            changed.append((word, new))
    return changed


def fix_foreign_letters(text: str, warnings: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """Replace non-Thai-script letters embedded in Thai words (generic rule).

    Returns the fixed text and the changed words; a letter with no known Thai
    counterpart is kept and described in ``warnings``.
    """
    out = list(text)
    unknown: set[str] = set()
    for i, ch in enumerate(text):
        if not _is_foreign_letter(ch) or not _run_touches_thai(text, i):
            continue
        if ch in SCRIPT_LOOKALIKES:
            out[i] = SCRIPT_LOOKALIKES[ch]
        else:
            unknown.add(ch)
    fixed = "".join(out)
    changed = _changed_words(text, fixed) if fixed != text else []
    for ch in sorted(unknown):
        warnings.append(
            f"พบอักษรต่างระบบ '{ch}' (U+{ord(ch):04X}) ปนในคำภาษาไทย "
            "และไม่ทราบว่าแทนอักษรไทยตัวใด จึงคงไว้ตามต้นฉบับ"
        )
    return fixed, changed


def correct(text: str, warnings: list[str]) -> str:
    """The text with :data:`CORRECTIONS` and the foreign-letter rule applied."""
    for wrong, right, _reason in CORRECTIONS:
        text = text.replace(wrong, right)
    text, _changed = fix_foreign_letters(text, warnings)
    return text


def apply_corrections(text: str) -> tuple[str, list[dict]]:
    """Apply :data:`CORRECTIONS` and the foreign-letter rule to ``text``.

    Returns the corrected text and a list of ``{"wrong", "right", "reason",
    "count"}`` for every correction that changed something (useful for a
    management command to log).  Warnings about unknown foreign letters are
    produced by :func:`parse_plan`, not here.
    """
    applied = []
    text = unicodedata.normalize("NFC", text)
    for wrong, right, reason in CORRECTIONS:
        n = text.count(wrong)
        if n:
            text = text.replace(wrong, right)
            applied.append({"wrong": wrong, "right": right, "reason": reason, "count": n})
    text, changed = fix_foreign_letters(text, [])
    for word, new in changed:
        applied.append({"wrong": word, "right": new, "reason": _LOOKALIKE_REASON, "count": 1})
    return text, applied
