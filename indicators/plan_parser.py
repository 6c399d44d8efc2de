"""Parse an annual action plan (แผนปฏิบัติการ) text export into plain data.

Pure standard library: no Django import, so it can be tested and reused
anywhere (the ``import_plan`` management command calls :func:`parse_plan`).

The input is the text conversion of the Word/PDF plan of one org unit for one
fiscal year (layout of ``fixtures/plan_2565.txt``):

1. a header: org unit, title with the fiscal year, vision, motto, mission,
   shared values, culture;
2. the department's policy KPIs (นโยบาย ๕ G): an overview ("ภาพรวม") and
   numbered KPIs grouped under numbered groups;
3. the summary table of indicators (tab separated): number and name, unit,
   owners, 6- and 12-month targets; repeated header rows carry the category;
4. detail cards (one per indicator, not every indicator has one), each
   starting with "รายละเอียดตัวชี้วัด...".  Cards are matched to table rows
   by the similarity of their titles, never by their printed number.

The result is a JSON-serialisable dict (see :func:`parse_plan`); anything the
parser could not read is described, in Thai, in ``result["warnings"]``.
Nothing in here refers to line numbers of a particular file.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter

__all__ = [
    "CORRECTIONS",
    "FALLBACK_SECTION",
    "SCRIPT_LOOKALIKES",
    "apply_corrections",
    "parse_plan",
]

# --------------------------------------------------------------------------
# Corrections
# --------------------------------------------------------------------------

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

#: Section given to people whose section cannot be inferred from the cards.
FALLBACK_SECTION = "ฝ่ายบริหารทั่วไป"

_THAI = "\u0e00-\u0e7f"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_DIGITS = "0-9๐-๙"
_THAI_MONTHS = {
    "มกราคม": 1, "กุมภาพันธ์": 2, "มีนาคม": 3, "เมษายน": 4, "พฤษภาคม": 5,
    "มิถุนายน": 6, "กรกฎาคม": 7, "สิงหาคม": 8, "กันยายน": 9, "ตุลาคม": 10,
    "พฤศจิกายน": 11, "ธันวาคม": 12,
}
_TITLES = {"นางสาว": "นางสาว", "น.ส.": "นางสาว", "นาย": "นาย", "นาง": "นาง"}
_PERSON_RE = re.compile(r"(นางสาว|น\.ส\.|นาย|นาง)\s*([^\s]+)\s+([^\s]+)")
_ALL_STAFF = "ทุกตำแหน่ง"


def _is_thai_letter(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e4e" and ch not in "\u0e3f"


def _is_foreign_letter(ch: str) -> bool:
    """A letter that is neither Thai nor basic Latin."""
    if not ch or _is_thai_letter(ch) or ch.isascii():
        return False
    return unicodedata.category(ch).startswith(("L", "M"))


def _fix_foreign_letters(text: str, warnings: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """Replace non-Thai-script letters embedded in Thai words (generic rule)."""
    out = list(text)
    changed: list[tuple[str, str]] = []
    unknown: set[str] = set()
    for i, ch in enumerate(text):
        if not _is_foreign_letter(ch):
            continue
        # the run of letters this one belongs to must touch a Thai letter
        j = i
        while j > 0 and (_is_foreign_letter(text[j - 1])):
            j -= 1
        k = i
        while k + 1 < len(text) and _is_foreign_letter(text[k + 1]):
            k += 1
        touches_thai = (j > 0 and _is_thai_letter(text[j - 1])) or (
            k + 1 < len(text) and _is_thai_letter(text[k + 1])
        )
        if not touches_thai:
            continue
        if ch in SCRIPT_LOOKALIKES:
            out[i] = SCRIPT_LOOKALIKES[ch]
        else:
            unknown.add(ch)
    fixed = "".join(out)
    if fixed != text:
        # report each changed word once
        for m in re.finditer(r"\S+", text):
            word = m.group()
            new = fixed[m.start():m.end()]
            if new != word and (word, new) not in changed:
                changed.append((word, new))
    for ch in sorted(unknown):
        warnings.append(
            f"พบอักษรต่างระบบ '{ch}' (U+{ord(ch):04X}) ปนในคำภาษาไทย "
            "และไม่ทราบว่าแทนอักษรไทยตัวใด จึงคงไว้ตามต้นฉบับ"
        )
    return fixed, changed


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
    text, changed = _fix_foreign_letters(text, [])
    for word, new in changed:
        applied.append(
            {
                "wrong": word,
                "right": new,
                "reason": "อักษรต่างระบบ (เช่น เทวนาครี) ปนในคำภาษาไทย แทนด้วยอักษรไทยที่ตรงกัน",
                "count": 1,
            }
        )
    return text, applied


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _clean(s: str | None) -> str:
    """NFC, whitespace collapsed, stripped."""
    if s is None:
        return ""
    s = unicodedata.normalize("NFC", s)
    return re.sub(r"\s+", " ", s).strip()


def _to_int(digits: str) -> int:
    return int(digits.translate(_THAI_DIGITS))


def _to_arabic(s: str) -> str:
    return s.translate(_THAI_DIGITS)


def _strip_quotes(s: str) -> str:
    s = _clean(s)
    pairs = [("“", "”"), ('"', '"'), ("‘", "’")]
    for a, b in pairs:
        if len(s) >= 2 and s.startswith(a) and s.endswith(b) and s.count(a) == 1 and s.count(b) == 1:
            return s[len(a):-len(b)].strip()
    return s


def _join(prev: str, nxt_raw: str) -> str:
    """Join a wrapped continuation line to the text so far.

    Rule: a continuation line that starts with a space comes from a narrow
    column that the converter wrapped mid-phrase (cards of indicators 3 and
    17 in FY 2565); there, if both sides of the break are Thai letters, the
    wrap split a Thai word or a phrase written without spaces, so the pieces
    are joined with no space ("ประเมินความ" + "เสี่ยง").  In every other case
    (Latin or punctuation at the break, or an ordinary paragraph) they are
    joined with one space.
    """
    nxt = _clean(nxt_raw)
    if not prev:
        return nxt
    if not nxt:
        return prev
    narrow = nxt_raw[:1] in (" ", "\u00a0")
    if narrow and _is_thai_letter(prev[-1]) and _is_thai_letter(nxt[0]):
        return prev + nxt
    return prev + " " + nxt


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


_NAME_PREFIX = re.compile(r"^(ระดับ|ร้อยละ)(ความสำเร็จ|ความพึงพอใจ)?(ของ)?(การ)?(ใน)?")


def _name_key(s: str) -> str:
    s = _to_arabic(_clean(s))
    s = re.sub(r"[\s()（）.,:]", "", s)
    return _NAME_PREFIX.sub("", s)


def _title_score(card_title: str, table_name: str) -> float:
    a, b = _name_key(card_title), _name_key(table_name)
    if not a or not b:
        return 0.0
    score = _similar(a, b)
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and short in long_:
        score = max(score, 0.9)
    return score


# --------------------------------------------------------------------------
# Header (org unit, vision, values ...)
# --------------------------------------------------------------------------


def _next_value(lines: list[str], i: int, first: str) -> str:
    """Value of a label: text after it, else the next non-empty line(s)."""
    val = _clean(first)
    if val:
        return val
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines):
        return ""
    val = _clean(lines[j])
    # a quoted paragraph may span several lines
    if val.startswith("“") and "”" not in val:
        k = j + 1
        while k < len(lines) and "”" not in val:
            if lines[k].strip():
                val = val + " " + _clean(lines[k])
            k += 1
    return val


def _parse_header(lines: list[str], warnings: list[str]) -> dict:
    h = {
        "org_name": None, "short_name": None, "title": None, "fiscal_year": None,
        "vision": "", "motto": "", "mission": "", "values_name": "", "values": [],
        "culture": "",
    }
    for i, raw in enumerate(lines):
        s = _clean(raw)
        if not s:
            continue
        if h["org_name"] is None and h["title"] is None and "ประจำปีงบประมาณ" not in s:
            h["org_name"] = s
            continue
        if h["title"] is None and "ประจำปีงบประมาณ" in s:
            h["title"] = s
            m = re.search(rf"พ\.\s*ศ\.\s*([{_DIGITS}]{{4}})", s)
            if m:
                h["fiscal_year"] = _to_int(m.group(1))
            continue
        m = re.match(r"^วิสัยทัศน์\s*:?\s*(.*)$", s)
        if m:
            h["vision"] = _strip_quotes(_next_value(lines, i, m.group(1)))
            continue
        m = re.match(r"^(?:MOTTO|Motto|คติพจน์)\s*:?\s*(.*)$", s)
        if m:
            h["motto"] = _strip_quotes(_next_value(lines, i, m.group(1)))
            continue
        m = re.match(r"^พันธกิจ\s*:?\s*(.*)$", s)
        if m:
            h["mission"] = _strip_quotes(_next_value(lines, i, m.group(1)))
            continue
        m = re.match(r"^ค่านิยม\S*\s*(.*)$", s)
        if m:
            h["values_name"] = _strip_quotes(_next_value(lines, i, m.group(1)))
            continue
        m = re.match(r"^([A-Z])\s+คือ\s+(.+?)\s+หมายถึง\s+(.+)$", s)
        if m:
            h["values"].append(
                {"letter": m.group(1), "term": m.group(2), "meaning": m.group(3)}
            )
            continue
        m = re.match(r"^วัฒนธรรมองค์กร\s*:?\s*(.*)$", s)
        if m:
            h["culture"] = _strip_quotes(_next_value(lines, i, m.group(1)))
            continue
        m = re.match(r"^แผนที่ยุทธศาสตร์(?:ของ)?\s*(\S*)", s)
        if m:
            if m.group(1) and m.group(1).endswith(".") and not h["short_name"]:
                h["short_name"] = m.group(1)
            rest = [x for x in lines[i + 1:] if x.strip()]
            nxt = _clean(rest[0]) if rest else ""
            if not nxt or nxt.startswith("ตัวชี้วัดและค่าเป้าหมาย"):
                warnings.append(
                    "แผนที่ยุทธศาสตร์ (STRATEGY MAP) เป็นภาพในต้นฉบับ ไม่มีข้อความในไฟล์ จึงไม่ได้นำเข้า"
                )
    if not h["short_name"]:
        m = re.search(r"“([^”\s]{2,8}\.)”", h["motto"] or "")
        if m:
            h["short_name"] = m.group(1)
    if h["values_name"] and h["values"]:
        letters = "".join(v["letter"] for v in h["values"])
        if letters != h["values_name"].replace(" ", ""):
            warnings.append(
                f"ค่านิยม '{h['values_name']}' ไม่ตรงกับอักษรที่อธิบาย ({letters})"
            )
    for key, label in (
        ("title", "ชื่อแผน"), ("fiscal_year", "ปีงบประมาณ"), ("vision", "วิสัยทัศน์"),
        ("mission", "พันธกิจ"), ("short_name", "ชื่อย่อหน่วยงาน"),
    ):
        if not h[key]:
            warnings.append(f"ไม่พบ{label}ในส่วนหัวของเอกสาร")
    return h


# --------------------------------------------------------------------------
# Policy KPIs
# --------------------------------------------------------------------------

_TARGET_RE = re.compile(
    rf"^(?P<name>.*?)\s*(?:เป้าหมาย\s*)?(?P<pre>ร้อยละ)?\s*"
    rf"(?P<value>[{_DIGITS}]+(?:\.[{_DIGITS}]+)?)\s*(?P<post>คะแนน|หน่วย|แห่ง|ครั้ง|เรื่อง)?\s*$"
)


def _split_target(text: str) -> tuple[str, str | None, str | None]:
    m = _TARGET_RE.match(text)
    if not m or not (m.group("pre") or m.group("post")):
        return text, None, None
    unit = m.group("pre") or m.group("post")
    return _clean(m.group("name")), _to_arabic(m.group("value")), unit


def _parse_thai_date(s: str) -> str | None:
    m = re.search(rf"([{_DIGITS}]{{1,2}})\s*({'|'.join(_THAI_MONTHS)})\s*([{_DIGITS}]{{4}})", s)
    if not m:
        return None
    day, month, year = _to_int(m.group(1)), _THAI_MONTHS[m.group(2)], _to_int(m.group(3))
    if year > 2400:
        year -= 543
    return f"{year:04d}-{month:02d}-{day:02d}"


def _parse_policy(lines: list[str], warnings: list[str]) -> tuple[dict | None, str | None]:
    if not lines:
        warnings.append("ไม่พบส่วนตัวชี้วัดและค่าเป้าหมายที่สำคัญของกรม (นโยบาย)")
        return None, None
    head = _clean(lines[0])
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", head)
    title, announced = (m.group(1), _parse_thai_date(m.group(2))) if m else (head, None)
    if announced is None:
        warnings.append("ส่วนตัวชี้วัดนโยบาย: ไม่พบวันที่ประกาศในหัวข้อ")
    parent = None
    pm = re.search(r"ที่สำคัญของ\s*(กรม\S+)", title)
    if pm:
        parent = pm.group(1)
    overview: list[str] = []
    items: list[dict] = []
    group_no, group = None, None
    in_overview = False
    for raw in lines[1:]:
        s = _clean(raw)
        if not s:
            continue
        s = re.sub(r"^-\s*", "", s)
        if s.startswith("ภาพรวม"):
            in_overview = True
            s = _clean(s[len("ภาพรวม"):])
            s = re.sub(r"^[:\-]\s*", "", s)
            if not s:
                continue
        gm = re.match(rf"^([{_DIGITS}]+)\.\s+(\S.*)$", s)
        im = re.match(rf"^([{_DIGITS}]+)\)\s*(.+)$", s)
        if gm and not im:
            in_overview = False
            group_no, group = _to_int(gm.group(1)), gm.group(2)
            continue
        if not im:
            warnings.append(f"ส่วนตัวชี้วัดนโยบาย: อ่านบรรทัดไม่ได้ ข้ามไป: '{s}'")
            continue
        name, value, unit = _split_target(im.group(2))
        if in_overview or group is None:
            overview.append(name)
            continue
        if value is None:
            warnings.append(
                f"ตัวชี้วัดนโยบายข้อ {_to_int(im.group(1))}: ไม่พบค่าเป้าหมายและหน่วย"
            )
        items.append(
            {
                "number": _to_int(im.group(1)),
                "group_number": group_no,
                "group": group,
                "name": name,
                "target_value": value,
                "target_unit": unit,
                "headline": False,
            }
        )
    keys = {_name_key(n) for n in overview}
    for it in items:
        it["headline"] = _name_key(it["name"]) in keys
    matched = {_name_key(it["name"]) for it in items if it["headline"]}
    for n in overview:
        if _name_key(n) not in matched:
            warnings.append(f"ตัวชี้วัดภาพรวม '{n}' ไม่ตรงกับตัวชี้วัดนโยบายข้อใด")
    return {"title": title, "announced_on": announced, "items": items}, parent


# --------------------------------------------------------------------------
# Summary table
# --------------------------------------------------------------------------


def _parse_owners(text: str, where: str, warnings: list[str]) -> tuple[list[dict], bool]:
    text = _clean(text)
    if text == _ALL_STAFF:
        return [], True
    people = []
    pos = 0
    leftover = []
    for m in _PERSON_RE.finditer(text):
        if text[pos:m.start()].strip():
            leftover.append(text[pos:m.start()].strip())
        people.append(
            {
                "title": _TITLES[m.group(1)],
                "first_name": m.group(2),
                "last_name": m.group(3),
            }
        )
        pos = m.end()
    if text[pos:].strip():
        leftover.append(text[pos:].strip())
    if leftover:
        warnings.append(
            f"{where}: อ่านชื่อผู้รับผิดชอบบางส่วนไม่ได้: {' / '.join(leftover)}"
        )
    if not people and not leftover:
        warnings.append(f"{where}: ไม่พบผู้รับผิดชอบ")
    return people, False


_ROW_START = re.compile(rf"^\s*([{_DIGITS}]+)\.\s*(\S.*)$")
_NUM = re.compile(rf"^[{_DIGITS}]+(?:\.[{_DIGITS}]+)?$")


def _split_row(line: str) -> tuple[int, str, str, str, list[int]] | None:
    """(number, name, unit, owners, targets) from a table row, or None."""
    cells = [_clean(c) for c in line.split("\t")]
    cells = [c for c in cells if c]
    if not cells:
        return None
    m = _ROW_START.match(cells[0])
    if not m:
        return None
    if len(cells) >= 5 and _NUM.match(cells[-1]) and _NUM.match(cells[-2]):
        return (
            _to_int(m.group(1)), m.group(2), cells[1], cells[-3],
            [_to_int(cells[-2]), _to_int(cells[-1])],
        )
    return None


def _split_row_loose(line: str) -> tuple[int, str, str, str, list[int]] | None:
    """Fallback for a row whose tabs were lost: rely on words, not columns."""
    s = _clean(line)
    m = re.match(
        rf"^([{_DIGITS}]+)\.\s*(.+?)\s+(ระดับ|ร้อยละ|คะแนน|จำนวน|ครั้ง)\s+"
        rf"((?:นางสาว|น\.ส\.|นาย|นาง|{_ALL_STAFF}).*?)\s+([{_DIGITS}]+)\s+([{_DIGITS}]+)$",
        s,
    )
    if not m:
        return None
    return (
        _to_int(m.group(1)), m.group(2), m.group(3), m.group(4),
        [_to_int(m.group(5)), _to_int(m.group(6))],
    )


def _parse_table(lines: list[str], warnings: list[str]) -> tuple[list[dict], list[str]]:
    rows: list[dict] = []
    round_keys: list[str] = []
    category = None
    for raw in lines:
        s = _clean(raw)
        if not s:
            continue
        first = _clean(raw.split("\t")[0]) if raw.strip() else ""
        if s.startswith("ประเภทตัวชี้วัด"):
            continue
        months = re.findall(rf"([{_DIGITS}]+)\s*เดือน", s)
        if months and not _ROW_START.match(first):
            round_keys = [str(_to_int(x)) for x in months]
            continue
        cm = re.match(r"^([A-Z])\s*:\s*(.+)$", first)
        if cm:
            cat = f"{cm.group(1)} : {cm.group(2)}"
            dm = re.match(r"^(.*?)\s+(มิติ\S*.*)$", cat)
            if dm:
                warnings.append(
                    f"หัวตาราง: ข้อความ '{dm.group(2)}' ต่อท้ายประเภทตัวชี้วัด "
                    "ไม่ได้นำไปใช้ (มิติ/ด้านของแต่ละตัวชี้วัดอ่านจากรายละเอียดตัวชี้วัด)"
                )
                cat = dm.group(1)
            category = cat
            continue
        if re.fullmatch(r"(ระดับ\s*)+", s) or re.fullmatch(rf"([{_DIGITS}]\s*)+", s):
            continue
        parsed = _split_row(raw)
        loose = False
        if parsed is None:
            parsed = _split_row_loose(raw)
            loose = parsed is not None
        if parsed is None:
            warnings.append(f"ตารางตัวชี้วัด: อ่านบรรทัดไม่ได้ ข้ามไป: '{s[:120]}'")
            continue
        number, name, unit, owners, targets = parsed
        if loose:
            warnings.append(
                f"ตัวชี้วัดที่ {number}: แถวในตารางไม่มีการแบ่งคอลัมน์ อ่านโดยอาศัยคำ "
                "(ควรตรวจชื่อ หน่วยวัด ผู้รับผิดชอบ และค่าเป้าหมาย)"
            )
        if category is None:
            warnings.append(f"ตัวชี้วัดที่ {number}: ไม่พบประเภทตัวชี้วัดในหัวตาราง")
        rows.append(
            {
                "number": number, "name": name, "category": category, "unit": unit,
                "owners_text": owners, "targets": targets,
            }
        )
    if not round_keys:
        round_keys = ["6", "12"]
        if rows:
            warnings.append("ตารางตัวชี้วัด: ไม่พบหัวคอลัมน์รอบ (เดือน) ใช้รอบ 6 และ 12 เดือน")
    seen = Counter(r["number"] for r in rows)
    for n, c in seen.items():
        if c > 1:
            warnings.append(f"ตัวชี้วัดที่ {n}: มีเลขซ้ำในตาราง {c} แถว")
    expected = list(range(1, len(rows) + 1))
    got = sorted(seen)
    if rows and got != expected:
        missing = sorted(set(range(1, max(got) + 1)) - set(got))
        if missing:
            warnings.append(
                "ตารางตัวชี้วัด: ไม่พบตัวชี้วัดลำดับที่ " + ", ".join(map(str, missing))
            )
    return rows, round_keys


# --------------------------------------------------------------------------
# Detail cards
# --------------------------------------------------------------------------

_CARD_START = "รายละเอียดตัวชี้วัด"
_LABELS = [
    ("dimension", re.compile(r"^(มิติ\S*)\s+(.+)$")),
    ("objective", re.compile(rf"^วัตถุประสงค์ที่\s*([{_DIGITS}]+)\s*:?\s*(.*)$")),
    ("title", re.compile(rf"^ตัวชี้วัดที่\s*([{_DIGITS}]+)\s*:?\s*(.*)$")),
    ("unit", re.compile(r"^หน่วยวัด\s*:?\s*(.*)$")),
    ("weight", re.compile(r"^น้ำหนัก\s*:?\s*(.*)$")),
    ("description", re.compile(r"^คำอธิบาย\s*:?\s*(.*)$")),
    ("criteria", re.compile(r"^(เกณฑ์การให้คะแนน.*)$")),
    ("round", re.compile(rf"^(รอบการประเมินที่\s*([{_DIGITS}]+))\s*:?\s*$")),
    ("steps_header", re.compile(r"^(ระดับ|ขั้นตอนที่)\s+รายละเอียด")),
    ("milestone_header", re.compile(r"^ระดับคะแนน\s+ระดับขั้น")),
    ("conditions", re.compile(r"^เงื่อนไข\s*:?\s*(.*)$")),
    ("data_source", re.compile(r"^แหล่งข้อมูล\s*/?\s*วิธีการจัดเก็บข้อมูล\s*:?\s*(.*)$")),
    ("supervisor", re.compile(r"^ผู้กำกับดูแลตัวชี้วัด\s*:?\s*(.*)$")),
    ("data_collector", re.compile(r"^ผู้จัดเก็บข้อมูล\s*:?\s*(.*)$")),
]
_FIELD_LABELS = {
    "dimension": "มิติ", "objective": "วัตถุประสงค์", "title": "ชื่อตัวชี้วัด",
    "unit": "หน่วยวัด", "weight": "น้ำหนัก", "description": "คำอธิบาย",
    "conditions": "เงื่อนไข", "data_source": "แหล่งข้อมูล / วิธีการจัดเก็บข้อมูล",
    "supervisor": "ผู้กำกับดูแลตัวชี้วัด", "data_collector": "ผู้จัดเก็บข้อมูล",
}


def _label_of(s: str):
    for name, rx in _LABELS:
        m = rx.match(s)
        if m:
            return name, m
    return None, None


def _items_text(items: list[str]) -> str:
    """Bulleted / numbered items: '- ' bullets dropped, numbers kept, '\n' joined."""
    out = []
    for it in items:
        it = re.sub(r"^[-–•]\s*", "", _clean(it))
        if it:
            out.append(it)
    return "\n".join(out)


def _looks_cut(text: str) -> bool:
    """Text that ends where a value must follow (e.g. 'ประจำปี พ.ศ.' with no year)."""
    return bool(re.search(r"(พ\.\s*ศ\.|ที่|วันที่|ตาม|ของ|และ|หรือ|เช่น)\s*$", text))


def _parse_card(lines: list[str], round_keys: list[str], ordinal: int) -> tuple[dict, list[str], list[str]]:
    """Parse one card.  Returns (card, seen_fields, problems)."""
    card = {
        "printed_number": None, "title": "", "dimension": "", "perspective": "",
        "objective_number": None, "objective": "", "weight": "", "unit": "",
        "description": "", "conditions": "", "data_source": "", "supervisor": "",
        "data_collector": "", "criteria": [],
    }
    problems: list[str] = []
    seen: list[str] = []
    field = None          # field that continuation lines extend
    items: dict[str, list[str]] = {"conditions": [], "data_source": []}
    sets: list[dict] = []
    current = None        # current criteria set
    in_steps = False
    round_index = 0
    skipped_intro: list[str] = []
    milestone = False

    def start_set(title: str, rnd):
        nonlocal current
        current = {"round": rnd, "title": title, "steps": [], "_nums": []}
        sets.append(current)

    for raw in lines[1:]:
        s = _clean(raw)
        if not s:
            continue
        name, m = _label_of(s)
        if name == "dimension" and card["dimension"] == "" and "title" not in seen:
            card["dimension"], card["perspective"] = m.group(1), m.group(2)
            seen.append("dimension")
            field = None
            continue
        if name == "dimension":
            name = None
        if name == "objective" and "objective" not in seen:
            card["objective_number"] = _to_int(m.group(1))
            card["objective"] = _clean(m.group(2))
            seen.append("objective")
            field = "objective"
            continue
        if name == "title" and "title" not in seen:
            card["printed_number"] = _to_int(m.group(1))
            card["title"] = _clean(m.group(2))
            seen.append("title")
            field = "title"
            continue
        if name in ("unit", "weight", "supervisor", "data_collector"):
            card[name] = _clean(m.group(1))
            seen.append(name)
            field = name
            in_steps = False
            continue
        if name == "description":
            card["description"] = _clean(m.group(1))
            seen.append("description")
            field = "description"
            continue
        if name == "criteria":
            heading = re.sub(r"\s*:\s*$", "", _clean(m.group(1)))
            rm = re.search(rf"รอบ\s*([{_DIGITS}]+)\s*เดือน", heading)
            start_set(heading, str(_to_int(rm.group(1))) if rm else None)
            seen.append("criteria")
            field = "criteria_intro"
            in_steps = False
            continue
        if name == "round":
            rnd = round_keys[round_index] if round_index < len(round_keys) else None
            if rnd is None:
                problems.append(f"มี '{m.group(1)}' เกินจำนวนรอบในตาราง")
            round_index += 1
            start_set(_clean(m.group(1)), rnd)
            field = "criteria_intro"
            in_steps = False
            continue
        if name == "milestone_header":
            milestone = True
            in_steps = False
            field = "milestone"
            continue
        if name == "steps_header":
            if current is None:
                start_set("เกณฑ์การให้คะแนน", None)
                problems.append("ตารางขั้นตอนไม่มีหัวข้อ 'เกณฑ์การให้คะแนน' นำหน้า")
            in_steps = True
            milestone = False
            field = "steps"
            continue
        if name in ("conditions", "data_source"):
            first = _clean(m.group(1))
            if first:
                items[name].append(first)
            seen.append(name)
            field = name
            in_steps = False
            continue
        # ---- not a label: a row or a continuation ----
        if field == "milestone":
            if re.fullmatch(rf"[{_DIGITS}]?[\s✓✔/xX]*", s) or s.startswith("ขั้นตอนที่"):
                continue
            field = None
        if in_steps:
            sm = re.match(rf"^([{_DIGITS}]+)\s+(.+)$", s)
            if sm and not re.fullmatch(r"[\s✓✔]*", sm.group(2)):
                current["_nums"].append(_to_int(sm.group(1)))
                current["steps"].append(_clean(sm.group(2)))
                continue
            if current["steps"]:
                current["steps"][-1] = _join(current["steps"][-1], raw)
                continue
        if field in ("title", "description", "objective", "supervisor", "data_collector"):
            key = field
            card[key] = _join(card[key], raw)
            continue
        if field in ("conditions", "data_source"):
            if re.match(rf"^([-–•]|[{_DIGITS}]+[.)])\s*", s) or not items[field]:
                items[field].append(s)
            else:
                items[field][-1] = _join(items[field][-1], raw)
            continue
        if field == "criteria_intro":
            skipped_intro.append(s)
            continue
        problems.append(f"ข้ามบรรทัดที่อ่านไม่ได้: '{s[:80]}'")

    card["conditions"] = _items_text(items["conditions"])
    card["data_source"] = _items_text(items["data_source"])
    if milestone or skipped_intro:
        problems.append(
            "ข้ามคำอธิบายเกณฑ์แบบ Milestone และตารางเครื่องหมาย ✓ "
            "(ความหมายเดียวกับกฎ 'ดำเนินการเป็นขั้นตอนตามลำดับ')"
        )
    criteria = []
    for st in sets:
        if not st["steps"]:
            if any(o is not st and o["steps"] for o in sets):
                continue  # a heading that only introduces per-round sets
            problems.append(f"'{st['title']}' ไม่มีรายการขั้นตอน")
            continue
        if len(st["steps"]) != 5:
            problems.append(f"'{st['title']}' มี {len(st['steps'])} ขั้นตอน (คาดว่า 5)")
        if st["_nums"] != list(range(1, len(st["_nums"]) + 1)):
            problems.append(
                f"'{st['title']}' ลำดับขั้นตอนไม่ต่อเนื่อง: {st['_nums']}"
            )
        for n, step in enumerate(st["steps"], start=1):
            if _looks_cut(step):
                problems.append(
                    f"'{st['title']}' ขั้นตอนที่ {n} ข้อความดูเหมือนขาดตอน ('…{step[-20:]}') คงไว้ตามต้นฉบับ"
                )
        criteria.append({"round": st["round"], "title": st["title"], "steps": st["steps"]})
    rounds = [c["round"] for c in criteria]
    if len(criteria) > 1 and (None in rounds or len(set(rounds)) != len(rounds)):
        problems.append("มีเกณฑ์การให้คะแนนหลายชุดแต่ระบุรอบไม่ครบหรือซ้ำ")
    card["criteria"] = criteria
    return card, seen, problems


def _split_cards(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """(lines before the first card, [card lines, ...])."""
    before: list[str] = []
    cards: list[list[str]] = []
    for raw in lines:
        if _clean(raw).startswith(_CARD_START):
            cards.append([raw])
        elif cards:
            cards[-1].append(raw)
        else:
            before.append(raw)
    return before, cards


def _match_cards(cards: list[dict], rows: list[dict]) -> dict[int, int]:
    """card index -> row index, by title similarity (greedy, one-to-one)."""
    scored = []
    for ci, c in enumerate(cards):
        for ri, r in enumerate(rows):
            scored.append((_title_score(c["title"], r["name"]), ci, ri))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    out: dict[int, int] = {}
    used_rows: set[int] = set()
    for score, ci, ri in scored:
        if score < 0.6:
            break
        if ci in out or ri in used_rows:
            continue
        out[ci] = ri
        used_rows.add(ri)
    return out


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
            close = _similar(a, b) >= 0.85 or (len(b) > 6 and b in a) or (len(a) > 6 and a in b)
            if close and (counts[other], -order.index(other)) > (counts[best], -order.index(best)):
                best = other
        canon[n] = best
    return canon


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


def parse_plan(text: str) -> dict:
    """Parse the text of an action plan into a JSON-serialisable dict.

    Keys, in order: ``org_unit``, ``fiscal_year``, ``title``, ``vision``,
    ``motto``, ``mission``, ``values_name``, ``values``, ``culture``,
    ``sections``, ``people``, ``policy_kpis``, ``indicators``, ``warnings``.
    Never raises on a malformed document: what cannot be read is skipped and
    described in ``warnings`` (Thai sentences).
    """
    warnings: list[str] = []
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.lstrip("\ufeff")
    for wrong, right, _reason in CORRECTIONS:
        text = text.replace(wrong, right)
    text, _changed = _fix_foreign_letters(text, warnings)
    lines = text.split("\n")

    # ---- split the document into its parts ----
    before_cards, card_blocks = _split_cards(lines)
    pol_i = next(
        (i for i, l in enumerate(before_cards) if _clean(l).startswith("ตัวชี้วัดและค่าเป้าหมาย")),
        None,
    )
    tab_i = next(
        (i for i, l in enumerate(before_cards) if _clean(l).startswith("ประเภทตัวชี้วัด")),
        None,
    )
    if tab_i is None:
        warnings.append("ไม่พบตารางสรุปตัวชี้วัด (หัวตาราง 'ประเภทตัวชี้วัด')")
        tab_i = len(before_cards)
    header_end = pol_i if pol_i is not None else tab_i
    header_lines = before_cards[:header_end]
    policy_lines: list[str] = []
    if pol_i is not None:
        # the policy block ends at the table's own title line (if any) or the table
        end = tab_i
        for j in range(pol_i + 1, tab_i):
            s = _clean(before_cards[j])
            if s.startswith("แผนปฏิบัติ") and "ประจำปีงบประมาณ" in s:
                end = j
                break
        policy_lines = before_cards[pol_i:end]
    table_lines = before_cards[tab_i:]

    header = _parse_header(header_lines, warnings)
    policy, parent = _parse_policy(policy_lines, warnings)
    rows, round_keys = _parse_table(table_lines, warnings)

    # ---- cards ----
    parsed_cards = []
    for k, block in enumerate(card_blocks, start=1):
        card, seen, problems = _parse_card(block, round_keys, k)
        parsed_cards.append((card, seen, problems))
    matches = _match_cards([c for c, _, _ in parsed_cards], rows)
    card_of_row: dict[int, int] = {ri: ci for ci, ri in matches.items()}

    for ci, (card, seen, problems) in enumerate(parsed_cards):
        label = f"รายละเอียดตัวชี้วัดลำดับที่ {ci + 1} ในเอกสาร"
        if card["printed_number"] is not None:
            label += f" (พิมพ์ว่า 'ตัวชี้วัดที่ {card['printed_number']}')"
        if ci not in matches:
            warnings.append(
                f"{label}: ชื่อ '{card['title'] or '-'}' ไม่ตรงกับตัวชี้วัดใดในตาราง จึงไม่ได้นำเข้า"
            )
            continue
        row = rows[matches[ci]]
        where = f"ตัวชี้วัดที่ {row['number']}"
        if card["printed_number"] != row["number"]:
            warnings.append(
                f"{where}: รายละเอียดตัวชี้วัดพิมพ์เลขเป็น 'ตัวชี้วัดที่ {card['printed_number']}' "
                f"แต่ชื่อ '{card['title']}' ตรงกับตัวชี้วัดที่ {row['number']} ในตาราง "
                "จึงจับคู่ตามชื่อ"
            )
        for p in problems:
            warnings.append(f"{where}: {p}")
        for fld in ("dimension", "objective", "title", "unit", "weight", "description",
                    "conditions", "data_source", "supervisor", "data_collector"):
            if fld not in seen:
                warnings.append(
                    f"{where}: รายละเอียดตัวชี้วัดไม่มีหัวข้อ '{_FIELD_LABELS[fld]}'"
                    + (" (เอกสารจบก่อนถึงหัวข้อนี้)" if ci == len(parsed_cards) - 1 else "")
                )
        if "criteria" not in seen or not card["criteria"]:
            warnings.append(f"{where}: รายละเอียดตัวชี้วัดไม่มีเกณฑ์การให้คะแนนที่อ่านได้")
        if card["unit"] and row["unit"] and card["unit"] != row["unit"]:
            warnings.append(
                f"{where}: หน่วยวัดในรายละเอียด ('{card['unit']}') ไม่ตรงกับตาราง ('{row['unit']}')"
            )

    # ---- sections: canonical collector names ----
    collectors = []
    for ri in range(len(rows)):
        ci = card_of_row.get(ri)
        if ci is not None and parsed_cards[ci][0]["data_collector"]:
            collectors.append(parsed_cards[ci][0]["data_collector"])
    canon = _canonical_sections(collectors)
    for ri in range(len(rows)):
        ci = card_of_row.get(ri)
        if ci is None:
            continue
        card = parsed_cards[ci][0]
        name = card["data_collector"]
        if name and canon.get(name, name) != name:
            warnings.append(
                f"ตัวชี้วัดที่ {rows[ri]['number']}: ผู้จัดเก็บข้อมูลเขียนว่า '{name}' "
                f"ต่างจากรายละเอียดตัวชี้วัดอื่น ('{canon[name]}') จึงใช้ชื่อหลัง"
            )
            card["data_collector"] = canon[name]
    section_names = list(dict.fromkeys(canon[c] for c in collectors))

    # ---- people ----
    people: dict[str, dict] = {}
    owners_of_row: list[list[str]] = []
    all_staff_of_row: list[bool] = []
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
        owners_of_row.append(keys)
        all_staff_of_row.append(all_staff)

    def section_of_row(ri: int):
        ci = card_of_row.get(ri)
        if ci is None:
            return None
        return parsed_cards[ci][0]["data_collector"] or None

    fallback_used = []
    for key, person in people.items():
        primary = [ri for ri, ks in enumerate(owners_of_row) if ks and ks[0] == key]
        owned = [ri for ri, ks in enumerate(owners_of_row) if key in ks]
        sec = next((section_of_row(ri) for ri in primary if section_of_row(ri)), None)
        if sec is None and not primary:
            sec = next((section_of_row(ri) for ri in owned if section_of_row(ri)), None)
        if sec is None:
            sec = FALLBACK_SECTION
            fallback_used.append(key)
        person["section"] = sec
    if people:
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

    # ---- indicators ----
    indicators = []
    for ri, row in enumerate(rows):
        t = row["targets"]
        targets = {round_keys[i] if i < len(round_keys) else str(i): t[i] for i in range(len(t))}
        ci = card_of_row.get(ri)
        card_out = None
        if ci is None:
            warnings.append(
                f"ตัวชี้วัดที่ {row['number']}: ไม่พบรายละเอียดตัวชี้วัด (ยังไม่ได้กำหนดเกณฑ์การให้คะแนน)"
            )
        else:
            c = parsed_cards[ci][0]
            card_out = {
                "printed_number": c["printed_number"],
                "title": c["title"],
                "dimension": c["dimension"],
                "perspective": c["perspective"],
                "objective_number": c["objective_number"],
                "objective": c["objective"],
                "weight": c["weight"],
                "description": c["description"],
                "conditions": c["conditions"],
                "data_source": c["data_source"],
                "supervisor": c["supervisor"],
                "data_collector": c["data_collector"],
                "criteria": c["criteria"],
            }
        indicators.append(
            {
                "number": row["number"],
                "name": row["name"],
                "category": row["category"],
                "unit": row["unit"],
                "owners": owners_of_row[ri],
                "all_staff": all_staff_of_row[ri],
                "targets": targets,
                "card": card_out,
            }
        )

    if parent is None:
        warnings.append("ไม่พบชื่อหน่วยงานต้นสังกัด (กรม) ในหัวข้อตัวชี้วัดนโยบาย")

    result = {
        "org_unit": {
            "name": header["org_name"],
            "short_name": header["short_name"],
            "parent": parent,
        },
        "fiscal_year": header["fiscal_year"],
        "title": header["title"],
        "vision": header["vision"],
        "motto": header["motto"],
        "mission": header["mission"],
        "values_name": header["values_name"],
        "values": header["values"],
        "culture": header["culture"],
        "sections": [{"name": n} for n in section_names],
        "people": list(people.values()),
        "policy_kpis": policy,
        "indicators": indicators,
        "warnings": warnings,
    }
    return _nfc_tree(result)


def _nfc_tree(obj):
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [_nfc_tree(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _nfc_tree(v) for k, v in obj.items()}
    return obj
