"""Detail cards (รายละเอียดตัวชี้วัด): one per indicator that has one, each
starting with "รายละเอียดตัวชี้วัด...", read label by label; and the matching
of cards to table rows by the similarity of their titles, never by their
printed number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import DIGITS, clean, join, name_key, similar, to_int

CARD_START = "รายละเอียดตัวชี้วัด"
_LABELS = [
    ("dimension", re.compile(r"^(มิติ\S*)\s+(.+)$")),
    ("objective", re.compile(rf"^วัตถุประสงค์ที่\s*([{DIGITS}]+)\s*:?\s*(.*)$")),
    ("title", re.compile(rf"^ตัวชี้วัดที่\s*([{DIGITS}]+)\s*:?\s*(.*)$")),
    ("unit", re.compile(r"^หน่วยวัด\s*:?\s*(.*)$")),
    ("weight", re.compile(r"^น้ำหนัก\s*:?\s*(.*)$")),
    ("description", re.compile(r"^คำอธิบาย\s*:?\s*(.*)$")),
    ("criteria", re.compile(r"^(เกณฑ์การให้คะแนน.*)$")),
    ("round", re.compile(rf"^(รอบการประเมินที่\s*([{DIGITS}]+))\s*:?\s*$")),
    ("steps_header", re.compile(r"^(ระดับ|ขั้นตอนที่)\s+รายละเอียด")),
    ("milestone_header", re.compile(r"^ระดับคะแนน\s+ระดับขั้น")),
    ("conditions", re.compile(r"^เงื่อนไข\s*:?\s*(.*)$")),
    ("data_source", re.compile(r"^แหล่งข้อมูล\s*/?\s*วิธีการจัดเก็บข้อมูล\s*:?\s*(.*)$")),
    ("supervisor", re.compile(r"^ผู้กำกับดูแลตัวชี้วัด\s*:?\s*(.*)$")),
    ("data_collector", re.compile(r"^ผู้จัดเก็บข้อมูล\s*:?\s*(.*)$")),
]
#: Thai name of each field a card should have, for warnings.
FIELD_LABELS = {
    "dimension": "มิติ", "objective": "วัตถุประสงค์", "title": "ชื่อตัวชี้วัด",
    "unit": "หน่วยวัด", "weight": "น้ำหนัก", "description": "คำอธิบาย",
    "conditions": "เงื่อนไข", "data_source": "แหล่งข้อมูล / วิธีการจัดเก็บข้อมูล",
    "supervisor": "ผู้กำกับดูแลตัวชี้วัด", "data_collector": "ผู้จัดเก็บข้อมูล",
}
#: Fields whose continuation lines are joined to the text so far.
_PROSE = ("title", "description", "objective", "supervisor", "data_collector")
#: Fields made of bulleted or numbered items.
_ITEMS = ("conditions", "data_source")
#: Labels that carry a number, and the field the number goes to.
_NUMBER_OF = {"objective": "objective_number", "title": "printed_number"}
_DEFAULT_CRITERIA_TITLE = "เกณฑ์การให้คะแนน"


@dataclass
class ParsedCard:
    card: dict
    seen: list[str]       # the labels found, in order
    problems: list[str]   # Thai sentences, without the indicator's number


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
        it = re.sub(r"^[-–•]\s*", "", clean(it))
        if it:
            out.append(it)
    return "\n".join(out)


def _looks_cut(text: str) -> bool:
    """Text that ends where a value must follow (e.g. 'ประจำปี พ.ศ.' with no year)."""
    return bool(re.search(r"(พ\.\s*ศ\.|ที่|วันที่|ตาม|ของ|และ|หรือ|เช่น)\s*$", text))


class _CardReader:
    """Reads one card line by line.

    A line is either a label (handled by the ``_on_<label>`` method, which
    returns False when the label does not count here, e.g. a second title)
    or text that continues the current ``field``, a criteria step while
    ``in_steps``, or a row of the milestone table, which is skipped.
    """

    def __init__(self, round_keys: list[str]):
        self.round_keys = round_keys
        self.card = {
            "printed_number": None, "title": "", "dimension": "", "perspective": "",
            "objective_number": None, "objective": "", "weight": "", "unit": "",
            "description": "", "conditions": "", "data_source": "", "supervisor": "",
            "data_collector": "", "criteria": [],
        }
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.field: str | None = None        # field that continuation lines extend
        self.items: dict[str, list[str]] = {name: [] for name in _ITEMS}
        self.sets: list[dict] = []
        self.current: dict | None = None     # current criteria set
        self.in_steps = False
        self.round_index = 0
        self.skipped_intro: list[str] = []
        self.milestone = False

    # ---- labels ----

    def _start_set(self, title: str, rnd: str | None) -> None:
        self.current = {"round": rnd, "title": title, "steps": [], "_nums": []}
        self.sets.append(self.current)

    def _on_dimension(self, m: re.Match) -> bool:
        if self.card["dimension"] != "" or "title" in self.seen:
            return False
        self.card["dimension"], self.card["perspective"] = m.group(1), m.group(2)
        self.seen.append("dimension")
        self.field = None
        return True

    def _on_numbered(self, name: str, m: re.Match) -> bool:
        """objective, title: a number, then text; only the first of each counts."""
        if name in self.seen:
            return False
        self.card[_NUMBER_OF[name]] = to_int(m.group(1))
        self.card[name] = clean(m.group(2))
        self.seen.append(name)
        self.field = name
        return True

    def _on_one_line(self, name: str, m: re.Match) -> bool:
        """unit, weight, supervisor, data_collector: the value follows the label."""
        self.card[name] = clean(m.group(1))
        self.seen.append(name)
        self.field = name
        self.in_steps = False
        return True

    def _on_description(self, m: re.Match) -> bool:
        self.card["description"] = clean(m.group(1))
        self.seen.append("description")
        self.field = "description"
        return True

    def _on_criteria(self, m: re.Match) -> bool:
        heading = re.sub(r"\s*:\s*$", "", clean(m.group(1)))
        rm = re.search(rf"รอบ\s*([{DIGITS}]+)\s*เดือน", heading)
        self._start_set(heading, str(to_int(rm.group(1))) if rm else None)
        self.seen.append("criteria")
        self.field = "criteria_intro"
        self.in_steps = False
        return True

    def _on_round(self, m: re.Match) -> bool:
        """"รอบการประเมินที่ 2": the next round of the table's round columns."""
        keys, index = self.round_keys, self.round_index
        rnd = keys[index] if index < len(keys) else None
        if rnd is None:
            self.problems.append(f"มี '{m.group(1)}' เกินจำนวนรอบในตาราง")
        self.round_index += 1
        self._start_set(clean(m.group(1)), rnd)
        self.field = "criteria_intro"
        self.in_steps = False
        return True

    def _on_milestone_header(self, m: re.Match) -> bool:
        self.milestone = True
        self.in_steps = False
        self.field = "milestone"
        return True

    def _on_steps_header(self, m: re.Match) -> bool:
        if self.current is None:
            self._start_set(_DEFAULT_CRITERIA_TITLE, None)
            self.problems.append("ตารางขั้นตอนไม่มีหัวข้อ 'เกณฑ์การให้คะแนน' นำหน้า")
        self.in_steps = True
        self.milestone = False
        self.field = "steps"
        return True

    def _on_items(self, name: str, m: re.Match) -> bool:
        """conditions, data_source: a list that may start on the label's line."""
        first = clean(m.group(1))
        if first:
            self.items[name].append(first)
        self.seen.append(name)
        self.field = name
        self.in_steps = False
        return True

    def _label(self, s: str) -> bool:
        """Handle s if it is a label that counts here; False if it is text."""
        name, m = _label_of(s)
        if name is None:
            return False
        if name in ("unit", "weight", "supervisor", "data_collector"):
            return self._on_one_line(name, m)
        if name in _ITEMS:
            return self._on_items(name, m)
        if name in _NUMBER_OF:
            return self._on_numbered(name, m)
        return getattr(self, f"_on_{name}")(m)

    # ---- text ----

    def _step(self, raw: str, s: str) -> bool:
        """A numbered step, or the continuation of the last one."""
        sm = re.match(rf"^([{DIGITS}]+)\s+(.+)$", s)
        if sm and not re.fullmatch(r"[\s✓✔]*", sm.group(2)):
            self.current["_nums"].append(to_int(sm.group(1)))
            self.current["steps"].append(clean(sm.group(2)))
            return True
        if self.current["steps"]:
            self.current["steps"][-1] = join(self.current["steps"][-1], raw)
            return True
        return False

    def _text(self, raw: str, s: str) -> None:
        """A line that is not a label: continue whatever is being read."""
        if self.field == "milestone":
            if re.fullmatch(rf"[{DIGITS}]?[\s✓✔/xX]*", s) or s.startswith("ขั้นตอนที่"):
                return
            self.field = None
        if self.in_steps and self._step(raw, s):
            return
        field = self.field
        if field in _PROSE:
            self.card[field] = join(self.card[field], raw)
        elif field in _ITEMS:
            items = self.items[field]
            if re.match(rf"^([-–•]|[{DIGITS}]+[.)])\s*", s) or not items:
                items.append(s)
            else:
                items[-1] = join(items[-1], raw)
        elif field == "criteria_intro":
            self.skipped_intro.append(s)
        else:
            self.problems.append(f"ข้ามบรรทัดที่อ่านไม่ได้: '{s[:80]}'")

    def read(self, lines: list[str]) -> ParsedCard:
        for raw in lines:
            s = clean(raw)
            if s and not self._label(s):
                self._text(raw, s)
        for name in _ITEMS:
            self.card[name] = _items_text(self.items[name])
        if self.milestone or self.skipped_intro:
            self.problems.append(
                "ข้ามคำอธิบายเกณฑ์แบบ Milestone และตารางเครื่องหมาย ✓ "
                "(ความหมายเดียวกับกฎ 'ดำเนินการเป็นขั้นตอนตามลำดับ')"
            )
        self.card["criteria"] = _criteria(self.sets, self.problems)
        return ParsedCard(self.card, self.seen, self.problems)


def _check_steps(st: dict, problems: list[str]) -> None:
    """Five steps numbered 1..5, none cut short."""
    if len(st["steps"]) != 5:
        problems.append(f"'{st['title']}' มี {len(st['steps'])} ขั้นตอน (คาดว่า 5)")
    if st["_nums"] != list(range(1, len(st["_nums"]) + 1)):
        problems.append(f"'{st['title']}' ลำดับขั้นตอนไม่ต่อเนื่อง: {st['_nums']}")
    for n, step in enumerate(st["steps"], start=1):
        if _looks_cut(step):
            problems.append(
                f"'{st['title']}' ขั้นตอนที่ {n} ข้อความดูเหมือนขาดตอน ('…{step[-20:]}') คงไว้ตามต้นฉบับ"
            )


def _criteria(sets: list[dict], problems: list[str]) -> list[dict]:
    """The criteria sets that have steps, checked."""
    criteria = []
    for st in sets:
        if not st["steps"]:
            if any(o is not st and o["steps"] for o in sets):
                continue  # a heading that only introduces per-round sets
            problems.append(f"'{st['title']}' ไม่มีรายการขั้นตอน")
            continue
        _check_steps(st, problems)
        criteria.append({"round": st["round"], "title": st["title"], "steps": st["steps"]})
    rounds = [c["round"] for c in criteria]
    if len(criteria) > 1 and (None in rounds or len(set(rounds)) != len(rounds)):
        problems.append("มีเกณฑ์การให้คะแนนหลายชุดแต่ระบุรอบไม่ครบหรือซ้ำ")
    return criteria


def parse_card(lines: list[str], round_keys: list[str]) -> ParsedCard:
    """Parse one card (its first line is the "รายละเอียดตัวชี้วัด" heading)."""
    return _CardReader(round_keys).read(lines[1:])


def split_cards(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """(lines before the first card, [card lines, ...])."""
    before: list[str] = []
    cards: list[list[str]] = []
    for raw in lines:
        if clean(raw).startswith(CARD_START):
            cards.append([raw])
        elif cards:
            cards[-1].append(raw)
        else:
            before.append(raw)
    return before, cards


def _title_score(card_title: str, table_name: str) -> float:
    a, b = name_key(card_title), name_key(table_name)
    if not a or not b:
        return 0.0
    score = similar(a, b)
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and short in long_:
        score = max(score, 0.9)
    return score


def match_cards(cards: list[dict], rows: list[dict]) -> dict[int, int]:
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
