"""The header of a plan: org unit, title and fiscal year, vision, motto,
mission, shared values and culture."""

from __future__ import annotations

import re

from .text import DIGITS, clean, strip_quotes, to_int

_FISCAL_YEAR_MARK = "ประจำปีงบประมาณ"
_YEAR = re.compile(rf"พ\.\s*ศ\.\s*([{DIGITS}]{{4}})")
#: Labels whose value follows on the same line or on the next ones.
_QUOTED = [
    ("vision", re.compile(r"^วิสัยทัศน์\s*:?\s*(.*)$")),
    ("motto", re.compile(r"^(?:MOTTO|Motto|คติพจน์)\s*:?\s*(.*)$")),
    ("mission", re.compile(r"^พันธกิจ\s*:?\s*(.*)$")),
    ("values_name", re.compile(r"^ค่านิยม\S*\s*(.*)$")),
    ("culture", re.compile(r"^วัฒนธรรมองค์กร\s*:?\s*(.*)$")),
]
#: "I คือ Integrity หมายถึง ...": one letter of the shared values.
_VALUE = re.compile(r"^([A-Z])\s+คือ\s+(.+?)\s+หมายถึง\s+(.+)$")
_STRATEGY_MAP = re.compile(r"^แผนที่ยุทธศาสตร์(?:ของ)?\s*(\S*)")
_REQUIRED = (
    ("title", "ชื่อแผน"), ("fiscal_year", "ปีงบประมาณ"), ("vision", "วิสัยทัศน์"),
    ("mission", "พันธกิจ"), ("short_name", "ชื่อย่อหน่วยงาน"),
)


def _next_value(lines: list[str], i: int, first: str) -> str:
    """Value of a label: text after it, else the next non-empty line(s)."""
    val = clean(first)
    if val:
        return val
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines):
        return ""
    val = clean(lines[j])
    # a quoted paragraph may span several lines
    if val.startswith("“") and "”" not in val:
        k = j + 1
        while k < len(lines) and "”" not in val:
            if lines[k].strip():
                val = val + " " + clean(lines[k])
            k += 1
    return val


def _read_strategy_map(h: dict, lines: list[str], i: int, m: re.Match, warnings: list[str]) -> None:
    """"แผนที่ยุทธศาสตร์ของ กพร." names the unit; the map itself is a picture."""
    if m.group(1) and m.group(1).endswith(".") and not h["short_name"]:
        h["short_name"] = m.group(1)
    rest = [x for x in lines[i + 1:] if x.strip()]
    nxt = clean(rest[0]) if rest else ""
    if not nxt or nxt.startswith("ตัวชี้วัดและค่าเป้าหมาย"):
        warnings.append("แผนที่ยุทธศาสตร์ (STRATEGY MAP) เป็นภาพในต้นฉบับ ไม่มีข้อความในไฟล์ จึงไม่ได้นำเข้า")


def _read_line(h: dict, lines: list[str], i: int, s: str, warnings: list[str]) -> None:
    """Take what line i (cleaned: s) says into the header h."""
    if h["org_name"] is None and h["title"] is None and _FISCAL_YEAR_MARK not in s:
        h["org_name"] = s
        return
    if h["title"] is None and _FISCAL_YEAR_MARK in s:
        h["title"] = s
        m = _YEAR.search(s)
        if m:
            h["fiscal_year"] = to_int(m.group(1))
        return
    m = _VALUE.match(s)
    if m:
        h["values"].append({"letter": m.group(1), "term": m.group(2), "meaning": m.group(3)})
        return
    for key, rx in _QUOTED:
        m = rx.match(s)
        if m:
            h[key] = strip_quotes(_next_value(lines, i, m.group(1)))
            return
    m = _STRATEGY_MAP.match(s)
    if m:
        _read_strategy_map(h, lines, i, m, warnings)


def _check(h: dict, warnings: list[str]) -> None:
    """Infer the short name from the motto if need be; warn about what is missing."""
    if not h["short_name"]:
        m = re.search(r"“([^”\s]{2,8}\.)”", h["motto"] or "")
        if m:
            h["short_name"] = m.group(1)
    if h["values_name"] and h["values"]:
        letters = "".join(v["letter"] for v in h["values"])
        if letters != h["values_name"].replace(" ", ""):
            warnings.append(f"ค่านิยม '{h['values_name']}' ไม่ตรงกับอักษรที่อธิบาย ({letters})")
    for key, label in _REQUIRED:
        if not h[key]:
            warnings.append(f"ไม่พบ{label}ในส่วนหัวของเอกสาร")


def parse_header(lines: list[str], warnings: list[str]) -> dict:
    h = {
        "org_name": None, "short_name": None, "title": None, "fiscal_year": None,
        "vision": "", "motto": "", "mission": "", "values_name": "", "values": [],
        "culture": "",
    }
    for i, raw in enumerate(lines):
        s = clean(raw)
        if s:
            _read_line(h, lines, i, s, warnings)
    _check(h, warnings)
    return h
