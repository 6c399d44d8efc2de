"""The department's policy KPIs (นโยบาย ๕ G): an overview ("ภาพรวม") and
numbered KPIs grouped under numbered groups, each with a target."""

from __future__ import annotations

import re

from core import thai

from .text import DIGITS, clean, name_key, to_int

_TARGET_RE = re.compile(
    rf"^(?P<name>.*?)\s*(?:เป้าหมาย\s*)?(?P<pre>ร้อยละ)?\s*"
    rf"(?P<value>[{DIGITS}]+(?:\.[{DIGITS}]+)?)\s*(?P<post>คะแนน|หน่วย|แห่ง|ครั้ง|เรื่อง)?\s*$"
)
_MONTHS = {name: number for number, name in enumerate(thai.MONTHS_LONG) if name}
_DATE_RE = re.compile(rf"([{DIGITS}]{{1,2}})\s*({'|'.join(_MONTHS)})\s*([{DIGITS}]{{4}})")
_GROUP_RE = re.compile(rf"^([{DIGITS}]+)\.\s+(\S.*)$")
_ITEM_RE = re.compile(rf"^([{DIGITS}]+)\)\s*(.+)$")
_OVERVIEW = "ภาพรวม"


def _split_target(text: str) -> tuple[str, str | None, str | None]:
    """"ร้อยละความพึงพอใจ ร้อยละ 91" -> (name, "91", "ร้อยละ"); no unit: (text, None, None)."""
    m = _TARGET_RE.match(text)
    if not m or not (m.group("pre") or m.group("post")):
        return text, None, None
    unit = m.group("pre") or m.group("post")
    return clean(m.group("name")), thai.to_arabic_digits(m.group("value")), unit


def _parse_thai_date(s: str) -> str | None:
    """The first "15 ตุลาคม 2564" in s as an ISO date (a year past 2400 is Buddhist Era)."""
    m = _DATE_RE.search(s)
    if not m:
        return None
    day, month, year = to_int(m.group(1)), _MONTHS[m.group(2)], to_int(m.group(3))
    if year > 2400:
        year = thai.ce_year(year)
    return f"{year:04d}-{month:02d}-{day:02d}"


def _read_title(head: str, warnings: list[str]) -> tuple[str, str | None, str | None]:
    """(title, announced on, parent org unit) from the section's first line."""
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", head)
    title, announced = (m.group(1), _parse_thai_date(m.group(2))) if m else (head, None)
    if announced is None:
        warnings.append("ส่วนตัวชี้วัดนโยบาย: ไม่พบวันที่ประกาศในหัวข้อ")
    pm = re.search(r"ที่สำคัญของ\s*(กรม\S+)", title)
    return title, announced, (pm.group(1) if pm else None)


def _read_items(lines: list[str], warnings: list[str]) -> tuple[list[str], list[dict]]:
    """(overview KPI names, grouped KPIs) from the lines after the title."""
    overview: list[str] = []
    items: list[dict] = []
    group_no, group = None, None
    in_overview = False
    for raw in lines:
        s = clean(raw)
        if not s:
            continue
        s = re.sub(r"^-\s*", "", s)
        if s.startswith(_OVERVIEW):
            in_overview = True
            s = re.sub(r"^[:\-]\s*", "", clean(s[len(_OVERVIEW):]))
            if not s:
                continue
        gm, im = _GROUP_RE.match(s), _ITEM_RE.match(s)
        if gm and not im:
            in_overview = False
            group_no, group = to_int(gm.group(1)), gm.group(2)
            continue
        if not im:
            warnings.append(f"ส่วนตัวชี้วัดนโยบาย: อ่านบรรทัดไม่ได้ ข้ามไป: '{s}'")
            continue
        name, value, unit = _split_target(im.group(2))
        if in_overview or group is None:
            overview.append(name)
            continue
        number = to_int(im.group(1))
        if value is None:
            warnings.append(f"ตัวชี้วัดนโยบายข้อ {number}: ไม่พบค่าเป้าหมายและหน่วย")
        items.append({
            "number": number, "group_number": group_no, "group": group, "name": name,
            "target_value": value, "target_unit": unit, "headline": False,
        })
    return overview, items


def _mark_headlines(overview: list[str], items: list[dict], warnings: list[str]) -> None:
    """The KPIs named in the overview are the headline ones."""
    keys = {name_key(n) for n in overview}
    for it in items:
        it["headline"] = name_key(it["name"]) in keys
    matched = {name_key(it["name"]) for it in items if it["headline"]}
    for n in overview:
        if name_key(n) not in matched:
            warnings.append(f"ตัวชี้วัดภาพรวม '{n}' ไม่ตรงกับตัวชี้วัดนโยบายข้อใด")


def parse_policy(lines: list[str], warnings: list[str]) -> tuple[dict | None, str | None]:
    """(policy KPIs, name of the parent org unit) from the policy section's lines."""
    if not lines:
        warnings.append("ไม่พบส่วนตัวชี้วัดและค่าเป้าหมายที่สำคัญของกรม (นโยบาย)")
        return None, None
    title, announced, parent = _read_title(clean(lines[0]), warnings)
    overview, items = _read_items(lines[1:], warnings)
    _mark_headlines(overview, items, warnings)
    return {"title": title, "announced_on": announced, "items": items}, parent
