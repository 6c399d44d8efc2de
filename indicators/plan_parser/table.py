"""The summary table of indicators (tab separated): number and name, unit,
owners, 6- and 12-month targets; repeated header rows carry the category."""

from __future__ import annotations

import re
from collections import Counter

from .text import ALL_STAFF, DIGITS, clean, to_int

ROW_START = re.compile(rf"^\s*([{DIGITS}]+)\.\s*(\S.*)$")
_NUM = re.compile(rf"^[{DIGITS}]+(?:\.[{DIGITS}]+)?$")
_LOOSE_ROW = re.compile(
    rf"^([{DIGITS}]+)\.\s*(.+?)\s+(ระดับ|ร้อยละ|คะแนน|จำนวน|ครั้ง)\s+"
    rf"((?:นางสาว|น\.ส\.|นาย|นาง|{ALL_STAFF}).*?)\s+([{DIGITS}]+)\s+([{DIGITS}]+)$"
)
_CATEGORY = re.compile(r"^([A-Z])\s*:\s*(.+)$")
_DEFAULT_ROUNDS = ["6", "12"]

Row = tuple[int, str, str, str, list[int]]


def _split_row(line: str) -> Row | None:
    """(number, name, unit, owners, targets) from a table row, or None."""
    cells = [clean(c) for c in line.split("\t")]
    cells = [c for c in cells if c]
    if not cells:
        return None
    m = ROW_START.match(cells[0])
    if not m:
        return None
    if len(cells) >= 5 and _NUM.match(cells[-1]) and _NUM.match(cells[-2]):
        return (
            to_int(m.group(1)), m.group(2), cells[1], cells[-3],
            [to_int(cells[-2]), to_int(cells[-1])],
        )
    return None


def _split_row_loose(line: str) -> Row | None:
    """Fallback for a row whose tabs were lost: rely on words, not columns."""
    m = _LOOSE_ROW.match(clean(line))
    if not m:
        return None
    return (
        to_int(m.group(1)), m.group(2), m.group(3), m.group(4),
        [to_int(m.group(5)), to_int(m.group(6))],
    )


def _category(first: str, warnings: list[str]) -> str | None:
    """"C : ตัวชี้วัดตามหน้าที่/งานประจำ" from a header row's first cell, or None."""
    cm = _CATEGORY.match(first)
    if not cm:
        return None
    cat = f"{cm.group(1)} : {cm.group(2)}"
    dm = re.match(r"^(.*?)\s+(มิติ\S*.*)$", cat)
    if dm:
        warnings.append(
            f"หัวตาราง: ข้อความ '{dm.group(2)}' ต่อท้ายประเภทตัวชี้วัด "
            "ไม่ได้นำไปใช้ (มิติ/ด้านของแต่ละตัวชี้วัดอ่านจากรายละเอียดตัวชี้วัด)"
        )
        cat = dm.group(1)
    return cat


def _row(raw: str, s: str, category: str | None, warnings: list[str]) -> dict | None:
    """One indicator row, read by columns or else by words; None (with a warning) if unreadable."""
    parsed = _split_row(raw)
    loose = False
    if parsed is None:
        parsed = _split_row_loose(raw)
        loose = parsed is not None
    if parsed is None:
        warnings.append(f"ตารางตัวชี้วัด: อ่านบรรทัดไม่ได้ ข้ามไป: '{s[:120]}'")
        return None
    number, name, unit, owners, targets = parsed
    if loose:
        warnings.append(
            f"ตัวชี้วัดที่ {number}: แถวในตารางไม่มีการแบ่งคอลัมน์ อ่านโดยอาศัยคำ "
            "(ควรตรวจชื่อ หน่วยวัด ผู้รับผิดชอบ และค่าเป้าหมาย)"
        )
    if category is None:
        warnings.append(f"ตัวชี้วัดที่ {number}: ไม่พบประเภทตัวชี้วัดในหัวตาราง")
    return {
        "number": number, "name": name, "category": category, "unit": unit,
        "owners_text": owners, "targets": targets,
    }


def _check_numbers(rows: list[dict], warnings: list[str]) -> None:
    """Warn about numbers printed twice and numbers missing from 1..n."""
    seen = Counter(r["number"] for r in rows)
    for n, c in seen.items():
        if c > 1:
            warnings.append(f"ตัวชี้วัดที่ {n}: มีเลขซ้ำในตาราง {c} แถว")
    got = sorted(seen)
    if rows and got != list(range(1, len(rows) + 1)):
        missing = sorted(set(range(1, max(got) + 1)) - set(got))
        if missing:
            warnings.append("ตารางตัวชี้วัด: ไม่พบตัวชี้วัดลำดับที่ " + ", ".join(map(str, missing)))


def parse_table(lines: list[str], warnings: list[str]) -> tuple[list[dict], list[str]]:
    """(rows, round keys such as ["6", "12"]) from the table's lines."""
    rows: list[dict] = []
    round_keys: list[str] = []
    category = None
    for raw in lines:
        s = clean(raw)
        if not s or s.startswith("ประเภทตัวชี้วัด"):
            continue
        first = clean(raw.split("\t")[0])
        months = re.findall(rf"([{DIGITS}]+)\s*เดือน", s)
        if months and not ROW_START.match(first):
            round_keys = [str(to_int(x)) for x in months]
            continue
        cat = _category(first, warnings)
        if cat is not None:
            category = cat
            continue
        if re.fullmatch(r"(ระดับ\s*)+", s) or re.fullmatch(rf"([{DIGITS}]\s*)+", s):
            continue
        row = _row(raw, s, category, warnings)
        if row is not None:
            rows.append(row)
    if not round_keys:
        round_keys = list(_DEFAULT_ROUNDS)
        if rows:
            warnings.append("ตารางตัวชี้วัด: ไม่พบหัวคอลัมน์รอบ (เดือน) ใช้รอบ 6 และ 12 เดือน")
    _check_numbers(rows, warnings)
    return rows, round_keys
