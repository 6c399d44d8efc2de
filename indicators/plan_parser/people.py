"""People named as owners in the table, and the sections (ฝ่าย) they belong to.

The plan names no one's section: it is inferred from the data collector
(ผู้จัดเก็บข้อมูล) of the cards of the indicators a person owns.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .text import ALL_STAFF, clean, similar

#: Section given to people whose section cannot be inferred from the cards.
FALLBACK_SECTION = "ฝ่ายบริหารทั่วไป"

_TITLES = {"นางสาว": "นางสาว", "น.ส.": "นางสาว", "นาย": "นาย", "นาง": "นาง"}
_PERSON_RE = re.compile(r"(นางสาว|น\.ส\.|นาย|นาง)\s*([^\s]+)\s+([^\s]+)")


@dataclass
class Owners:
    """Everyone named in the table, and who owns each row."""

    people: dict[str, dict]        # "first last" -> person
    of_row: list[list[str]]        # keys of each row's owners, primary first
    all_staff_of_row: list[bool]


def _parse_owners(text: str, where: str, warnings: list[str]) -> tuple[list[dict], bool]:
    """(people named in one owners cell, whether it says "ทุกตำแหน่ง")."""
    text = clean(text)
    if text == ALL_STAFF:
        return [], True
    people = []
    pos = 0
    leftover = []
    for m in _PERSON_RE.finditer(text):
        if text[pos:m.start()].strip():
            leftover.append(text[pos:m.start()].strip())
        people.append({"title": _TITLES[m.group(1)], "first_name": m.group(2), "last_name": m.group(3)})
        pos = m.end()
    if text[pos:].strip():
        leftover.append(text[pos:].strip())
    if leftover:
        warnings.append(f"{where}: อ่านชื่อผู้รับผิดชอบบางส่วนไม่ได้: {' / '.join(leftover)}")
    if not people and not leftover:
        warnings.append(f"{where}: ไม่พบผู้รับผิดชอบ")
    return people, False


def collect_owners(rows: list[dict], warnings: list[str]) -> Owners:
    """Read every row's owners; one person per "first last" name."""
    owners = Owners(people={}, of_row=[], all_staff_of_row=[])
    people = owners.people
    for row in rows:
        where = f"ตัวชี้วัดที่ {row['number']}"
        found, all_staff = _parse_owners(row["owners_text"], where, warnings)
        keys = []
        for p in found:
            key = f"{p['first_name']} {p['last_name']}"
            if key not in people:
                people[key] = {"key": key, **p, "section": None}
            elif people[key]["title"] != p["title"]:
                warnings.append(
                    f"{where}: คำนำหน้าชื่อของ {key} ไม่ตรงกับที่พบครั้งแรก "
                    f"('{p['title']}' กับ '{people[key]['title']}')"
                )
            if key not in keys:
                keys.append(key)
        owners.of_row.append(keys)
        owners.all_staff_of_row.append(all_staff)
    return owners


def _canonical_sections(names: list[str]) -> dict[str, str]:
    """Map each collector spelling to the most frequent similar spelling."""
    counts = Counter(n for n in names if n)
    order = list(dict.fromkeys(n for n in names if n))
    canon: dict[str, str] = {}
    for n in order:
        best = n
        for other in order:
            if other == n:
                continue
            a, b = n.removeprefix("ฝ่าย"), other.removeprefix("ฝ่าย")
            close = similar(a, b) >= 0.85 or (len(b) > 6 and b in a) or (len(a) > 6 and a in b)
            if close and (counts[other], -order.index(other)) > (counts[best], -order.index(best)):
                best = other
        canon[n] = best
    return canon


def unify_collectors(rows: list[dict], card_of_row: dict[int, dict], warnings: list[str]) -> list[str]:
    """Spell each card's data collector the way most cards do; the section names, in order."""
    collectors = [
        card_of_row[ri]["data_collector"]
        for ri in range(len(rows))
        if ri in card_of_row and card_of_row[ri]["data_collector"]
    ]
    canon = _canonical_sections(collectors)
    for ri in range(len(rows)):
        card = card_of_row.get(ri)
        if card is None:
            continue
        name = card["data_collector"]
        if name and canon.get(name, name) != name:
            warnings.append(
                f"ตัวชี้วัดที่ {rows[ri]['number']}: ผู้จัดเก็บข้อมูลเขียนว่า '{name}' "
                f"ต่างจากรายละเอียดตัวชี้วัดอื่น ('{canon[name]}') จึงใช้ชื่อหลัง"
            )
            card["data_collector"] = canon[name]
    return list(dict.fromkeys(canon[c] for c in collectors))


def _section_of(owners: Owners, key: str, card_of_row: dict[int, dict]) -> str | None:
    """The data collector of the first carded indicator the person is primary owner of
    (else, if primary of none, of the first carded one they share)."""

    def section_of_row(ri: int) -> str | None:
        card = card_of_row.get(ri)
        return (card["data_collector"] or None) if card is not None else None

    primary = [ri for ri, ks in enumerate(owners.of_row) if ks and ks[0] == key]
    owned = [ri for ri, ks in enumerate(owners.of_row) if key in ks]
    sec = next((section_of_row(ri) for ri in primary if section_of_row(ri)), None)
    if sec is None and not primary:
        sec = next((section_of_row(ri) for ri in owned if section_of_row(ri)), None)
    return sec


def assign_sections(owners: Owners, card_of_row: dict[int, dict], section_names: list[str],
                    warnings: list[str]) -> None:
    """Give every person a section; add the fallback section to section_names if used."""
    fallback_used = []
    for key, person in owners.people.items():
        sec = _section_of(owners, key, card_of_row)
        if sec is None:
            sec = FALLBACK_SECTION
            fallback_used.append(key)
        person["section"] = sec
    if owners.people:
        warnings.append(
            "เอกสารไม่ได้ระบุฝ่ายของบุคลากร: อนุมานจากผู้จัดเก็บข้อมูลของตัวชี้วัดที่เป็นผู้รับผิดชอบหลัก "
            "(ถ้าไม่เป็นผู้รับผิดชอบหลักของตัวชี้วัดใด ใช้ตัวชี้วัดแรกที่ร่วมรับผิดชอบซึ่งมีรายละเอียด)"
        )
    if fallback_used:
        warnings.append(
            f"ไม่มีรายละเอียดตัวชี้วัดที่ระบุฝ่ายของ {', '.join(fallback_used)} "
            f"(เป็นผู้รับผิดชอบหลักเฉพาะตัวชี้วัดที่ไม่มีรายละเอียด) จึงกำหนดเป็น "
            f"'{FALLBACK_SECTION}' ตามสมมติฐาน"
        )
        if FALLBACK_SECTION not in section_names:
            section_names.append(FALLBACK_SECTION)
