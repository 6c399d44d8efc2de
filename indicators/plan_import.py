"""Import with a preview: a plan document (text, the seed's layout) or the Excel KPI template.

Both are read into the same plain "specs" (one dict per indicator, JSON-friendly
so a preview can wait in the session), compared with the plan as it is now
(`preview`), and only applied when the administrator confirms
(services.plan_import_apply, one transaction). Reading never writes.

A spec: {"number", "name", "fields": {field: text}, "owners": [names] | None,
"all_staff": bool | None, "targets": {"6": level, "12": level},
"criteria": {"year"|"6"|"12": [five steps]} | None}. A key left out (or None)
means "not in this file: leave as it is".
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core import thai

from .models import LEVELS, ActionPlan, Indicator
from .plan_parser import parse_plan

CARD_FIELDS = {  # parser card key → Indicator field
    "title": "card_title", "dimension": "dimension", "perspective": "perspective", "objective": "objective",
    "description": "description", "conditions": "conditions", "data_source": "data_source",
    "supervisor": "supervisor",
}
FIELD_LABELS = {
    "name": _l("ชื่อตัวชี้วัด"), "card_title": _l("ชื่อในรายละเอียดตัวชี้วัด"), "category": _l("ประเภทตัวชี้วัด"),
    "dimension": _l("มิติ"), "perspective": _l("ด้าน"), "objective": _l("วัตถุประสงค์"), "unit": _l("หน่วยวัด"),
    "description": _l("คำอธิบาย"), "conditions": _l("เงื่อนไข"), "data_source": _l("แหล่งข้อมูล"),
    "supervisor": _l("ผู้กำกับดูแลตัวชี้วัด"),
}
MAX_BYTES = 5 * 1024 * 1024


class ImportError_(Exception):
    """The whole file is unusable; the message is Thai."""


@dataclass
class Difference:
    number: int
    kind: str  # new | renamed | changed | withdrawn
    name: str
    old_name: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {"new": _("ตัวชี้วัดใหม่"), "renamed": _("เปลี่ยนชื่อ"), "changed": _("เปลี่ยนแปลง"),
                "withdrawn": _("ยกเลิก (ไม่มีในไฟล์)")}[self.kind]

    @property
    def colour(self) -> str:
        return {"new": "success", "renamed": "primary", "changed": "warning", "withdrawn": "danger"}[self.kind]


@dataclass
class Preview:
    kind: str  # "text" | "excel"
    specs: list[dict]
    warnings: list[str]
    errors: list[str]
    differences: list[Difference]
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading ----------------------------------------------------------------------

def read_upload(upload, plan: ActionPlan) -> tuple[str, list[dict], list[str], list[str]]:
    """(kind, specs, warnings, errors) of an uploaded file; errors are row-by-row Thai sentences."""
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        raise ImportError_(_("ไฟล์ว่างเปล่า"))
    if size > MAX_BYTES:
        raise ImportError_(_("ไฟล์ใหญ่เกินไป (รับได้ไม่เกิน 5 MB)"))
    raw = upload.read()
    if raw[:4] == b"PK\x03\x04":
        specs, errors = specs_from_excel(raw, plan)
        return "excel", specs, [], errors
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportError_(_("อ่านไฟล์ไม่ได้: ต้องเป็นไฟล์ข้อความ UTF-8 (.txt) ในรูปแบบเอกสารแผน หรือแม่แบบ Excel (.xlsx)"))
    data = parse_plan(text)
    if not data.get("indicators"):
        raise ImportError_(_("ไม่พบตารางตัวชี้วัดในไฟล์ (ต้องเป็นเอกสารแผนในรูปแบบเดียวกับแผนปี 2565)"))
    errors = []
    year = data.get("fiscal_year")
    if year and int(year) != plan.fiscal_year.year_be:
        errors.append(_("เอกสารเป็นแผนของปีงบประมาณ พ.ศ. {doc} แต่แผนที่เลือกเป็นปี {plan} "
                        "(คัดลอกแผนไปปี {doc} ก่อน แล้วนำเข้าในแผนนั้น)").format(doc=year, plan=plan.fiscal_year.year_be))
    unit = (data.get("org_unit") or {}).get("name")
    if unit and unit != plan.org_unit.name:
        errors.append(_("เอกสารเป็นแผนของ {doc} ไม่ใช่ {plan}").format(doc=unit, plan=plan.org_unit.name))
    return "text", specs_from_parsed(data), list(data.get("warnings", [])), errors


def specs_from_parsed(data: dict) -> list[dict]:
    people = {p["key"]: f"{p['first_name']} {p.get('last_name', '')}".strip() for p in data.get("people", [])}
    specs = []
    for item in data["indicators"]:
        card = item.get("card") or {}
        fields = {"category": item.get("category", ""), "unit": item.get("unit") or "ระดับ"}
        if card:
            fields.update({f: card.get(k, "") or "" for k, f in CARD_FIELDS.items()})
        criteria = None
        if card.get("criteria"):
            criteria = {(c.get("round") or "year"): list(c["steps"]) for c in card["criteria"]}
        specs.append({
            "number": int(item["number"]), "name": item["name"], "fields": fields,
            "owners": [people.get(k, k) for k in item.get("owners", [])], "all_staff": bool(item.get("all_staff")),
            "targets": {str(k): int(v) for k, v in (item.get("targets") or {}).items()},
            "criteria": criteria,
        })
    return specs


# --- the Excel KPI template ------------------------------------------------------------

COLUMNS = [
    ("number", "ลำดับ"), ("name", "ชื่อตัวชี้วัด"), ("primary", "ผู้รับผิดชอบหลัก"),
    ("secondary", "ผู้รับผิดชอบรอง (คั่นด้วย ,)"), ("all_staff", "ทุกตำแหน่ง (ใช่/ไม่ใช่)"),
    ("target_6", "ค่าเป้าหมายรอบ 6 เดือน (ระดับ)"), ("target_12", "ค่าเป้าหมายรอบ 12 เดือน (ระดับ)"),
] + [(f"step_{n}", f"ขั้นตอนที่ {n}") for n in range(1, LEVELS + 1)]
YES = {"ใช่", "yes", "y", "1", "true", "x", "✓"}
NO = {"", "ไม่ใช่", "ไม่", "no", "n", "0", "false", "-"}


def template_xlsx(plan: ActionPlan) -> bytes:
    """One row per indicator of the plan, as it is now: edit, then upload for a preview."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "ตัวชี้วัด"
    ws.append([label for _key, label in COLUMNS])
    for c in ws[1]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    indicators = (plan.indicators.prefetch_related("owners__person", "targets__round", "criteria_sets__steps")
                  .order_by("number"))
    for ind in indicators:
        owners = sorted(ind.owners.all(), key=lambda o: o.order)
        targets = {t.round.months: t.level for t in ind.targets.all()}
        sets = list(ind.criteria_sets.all())
        year = next((cs for cs in sets if cs.round_id is None), None)
        steps = [s.text for s in year.steps.all()] if year else [""] * LEVELS
        row = [ind.number, ind.name, _person_name(owners[0].person) if owners else "",
               ", ".join(_person_name(o.person) for o in owners[1:]), "ใช่" if ind.all_staff else "",
               targets.get(6), targets.get(12)] + (steps + [""] * LEVELS)[:LEVELS]
        ws.append(row)
        for cell in ws[ws.max_row]:
            # Text that starts like a formula stays text (formula injection), as in reports/excel.py.
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r":
                cell.data_type = "s"
    widths = [8, 50, 24, 30, 12, 12, 12] + [40] * LEVELS
    for i, w in enumerate(widths):
        ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = w
    ws.freeze_panes = "C2"
    notes = wb.create_sheet("คำอธิบาย")
    for line in [
        "แม่แบบตัวชี้วัด: หนึ่งแถวต่อหนึ่งตัวชี้วัด",
        "ลำดับ: ตัวเลข ไม่ซ้ำกัน; ตัวชี้วัดที่มีอยู่ในแผนแต่ไม่มีในไฟล์จะถูกยกเลิก",
        "ผู้รับผิดชอบ: ชื่อ นามสกุล ตามทะเบียนบุคลากรของหน่วยงาน",
        "ค่าเป้าหมาย: ระดับ 1-5 หรือเว้นว่าง",
        "ขั้นตอนที่ 1-5: เกณฑ์เดียวกันทั้งปี ใส่ครบทั้ง 5 ขั้นตอน หรือเว้นว่างทั้งหมดเพื่อไม่เปลี่ยนเกณฑ์ (เช่น เกณฑ์ที่แยกตามรอบ ให้แก้ไขในหน้าเว็บ)",
        f"แผน: {plan.org_unit.name} {thai.fiscal_year_label(plan.fiscal_year.year_be)}",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _person_name(p) -> str:
    return f"{p.first_name} {p.last_name}".strip()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def specs_from_excel(raw: bytes, plan: ActionPlan) -> tuple[list[dict], list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:
        raise ImportError_(_("อ่านไฟล์ Excel ไม่ได้ (ต้องเป็นไฟล์ .xlsx ที่ดาวน์โหลดจากแม่แบบ)"))
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True, max_col=len(COLUMNS))
    header = next(rows, None)
    expected = [label for _key, label in COLUMNS]
    if header is None or [_cell(h) for h in header[: len(COLUMNS)]] != expected:
        raise ImportError_(_("หัวตารางไม่ตรงกับแม่แบบ (แถวที่ 1 ต้องเป็น: {columns})").format(columns=" | ".join(expected)))
    specs, errors, seen = [], [], {}
    for r, values in enumerate(rows, start=2):
        if r > 2000:
            errors.append(_("ไฟล์มีเกิน 2,000 แถว"))
            break
        cells = {key: _cell(v) for (key, _label), v in zip(COLUMNS, list(values) + [None] * len(COLUMNS))}
        if not any(cells.values()):
            continue
        row_errors = []
        number = thai.to_arabic_digits(cells["number"])
        if not number.isdigit() or not 1 <= int(number) <= 999:
            row_errors.append(_("ลำดับต้องเป็นตัวเลข 1 ถึง 999"))
        elif int(number) in seen:
            row_errors.append(_("ลำดับ {n} ซ้ำกับแถวที่ {row}").format(n=number, row=seen[int(number)]))
        else:
            seen[int(number)] = r
        if not cells["name"]:
            row_errors.append(_("ไม่ได้ระบุชื่อตัวชี้วัด"))
        elif len(cells["name"]) > 500:
            row_errors.append(_("ชื่อตัวชี้วัดยาวเกิน 500 ตัวอักษร"))
        targets = _row_targets(cells, row_errors)
        all_staff = cells["all_staff"].lower()
        if all_staff not in YES | NO:
            row_errors.append(_("ช่อง{column}ต้องเป็น \"ใช่\" หรือเว้นว่าง").format(column=Indicator.ALL_STAFF_LABEL))
        criteria = _row_criteria(cells, row_errors)
        owners = ([cells["primary"]] if cells["primary"] else []) + [
            s.strip() for s in cells["secondary"].replace("،", ",").split(",") if s.strip()]
        if row_errors:
            errors.extend(_("แถวที่ {row}: {error}").format(row=r, error=e) for e in row_errors)
            continue
        specs.append({"number": int(number), "name": cells["name"], "fields": {}, "owners": owners,
                      "all_staff": all_staff in YES, "targets": targets, "criteria": criteria})
    if not specs and not errors:
        errors.append(_("ไม่พบตัวชี้วัดในไฟล์ (แถวที่ 2 เป็นต้นไป)"))
    errors.extend(owner_errors(specs, plan))
    return specs, errors


def _row_targets(cells: dict, row_errors: list) -> dict[str, int]:
    """The row's targets per round ("6", "12"), levels 1 to 5; a bad one adds a Thai error."""
    targets = {}
    for months in ("6", "12"):
        value = thai.to_arabic_digits(cells[f"target_{months}"])
        if value == "":
            continue
        if not value.isdigit() or not 1 <= int(value) <= LEVELS:
            row_errors.append(_("ค่าเป้าหมายรอบ {m} เดือนต้องเป็นระดับ 1 ถึง 5 (พบ \"{v}\")").format(m=months, v=value[:20]))
        else:
            targets[months] = int(value)
    return targets


def _row_criteria(cells: dict, row_errors: list) -> dict | None:
    """The row's five whole-year steps, all or none; a partial set adds a Thai error."""
    steps = [cells[f"step_{n}"] for n in range(1, LEVELS + 1)]
    if not any(steps):
        return None
    missing = [str(n) for n, s in enumerate(steps, start=1) if not s]
    if missing:
        row_errors.append(_("ขั้นตอนต้องมีครบ 5 ขั้นตอน (ยังไม่ได้ระบุขั้นตอนที่ {steps}) หรือเว้นว่างทั้งหมด").format(
            steps=", ".join(missing)))
    return {"year": steps}


def owner_errors(specs: list[dict], plan: ActionPlan) -> list[str]:
    from .models import Person

    known = {_person_name(p) for p in Person.objects.filter(org_unit__tree_path__startswith=plan.org_unit.tree_path)}
    errors = []
    for s in specs:
        for name in s.get("owners") or []:
            if " ".join(name.split()) not in known:
                errors.append(_("ตัวชี้วัดที่ {n}: ไม่พบบุคลากรชื่อ \"{name}\" ในหน่วยงานนี้").format(n=s["number"], name=name))
    return errors


# --- comparing ----------------------------------------------------------------------

def current_state(plan: ActionPlan) -> dict[int, dict]:
    """The plan as specs (number → spec), to compare with a file."""
    state = {}
    for ind in plan.indicators.prefetch_related("owners__person", "targets__round", "criteria_sets__steps",
                                                "criteria_sets__round"):
        owners = [_person_name(o.person) for o in sorted(ind.owners.all(), key=lambda o: o.order)]
        criteria = {(str(cs.round.months) if cs.round_id else "year"): [s.text for s in cs.steps.all()]
                    for cs in ind.criteria_sets.all()}
        state[ind.number] = {
            "pk": ind.pk, "number": ind.number, "name": ind.name,
            "fields": {f: getattr(ind, f) for f in FIELD_LABELS if f != "name"},
            "owners": owners, "all_staff": ind.all_staff,
            "targets": {str(t.round.months): t.level for t in ind.targets.all()},
            "criteria": criteria or None,
        }
    return state


def _round_name(key: str) -> str:
    return _("ทั้งปี") if key == "year" else thai.round_label(int(key))


def preview(plan: ActionPlan, kind: str, specs: list[dict], warnings: list[str], errors: list[str]) -> Preview:
    state = current_state(plan)
    diffs: list[Difference] = []
    unchanged = 0
    for spec in sorted(specs, key=lambda s: s["number"]):
        old = state.get(spec["number"])
        if old is None:
            details = []
            if spec.get("owners"):
                details.append(_("ผู้รับผิดชอบ: {names}").format(names=", ".join(spec["owners"])))
            if spec.get("criteria"):
                details.append(_("มีเกณฑ์การให้คะแนน"))
            diffs.append(Difference(spec["number"], "new", spec["name"], details=details))
            continue
        details = []
        for f, value in (spec.get("fields") or {}).items():
            if f in old["fields"] and (old["fields"][f] or "") != (value or ""):
                details.append(_("{field}: \"{old}\" → \"{new}\"").format(
                    field=FIELD_LABELS.get(f, f), old=_short(old["fields"][f]), new=_short(value)))
        if spec.get("owners") is not None and spec["owners"] != old["owners"]:
            details.append(_("ผู้รับผิดชอบ: {old} → {new}").format(old=", ".join(old["owners"]) or "-",
                                                                     new=", ".join(spec["owners"]) or "-"))
        if spec.get("all_staff") is not None and spec["all_staff"] != old["all_staff"]:
            details.append(_("{field}: {old} → {new}").format(field=Indicator.ALL_STAFF_LABEL, old=_yes(old["all_staff"]), new=_yes(spec["all_staff"])))
        for months, level in (spec.get("targets") or {}).items():
            if old["targets"].get(months) != level:
                details.append(_("ค่าเป้าหมาย{round}: {old} → {new}").format(
                    round=thai.round_label(int(months)), old=old["targets"].get(months) or "-", new=level))
        if spec.get("criteria") is not None and spec["criteria"] != (old["criteria"] or {}):
            for key in sorted(set(spec["criteria"]) | set(old["criteria"] or {})):
                new_steps, old_steps = spec["criteria"].get(key), (old["criteria"] or {}).get(key)
                if new_steps == old_steps:
                    continue
                if old_steps is None:
                    details.append(_("เกณฑ์การให้คะแนน ({round}): กำหนดใหม่").format(round=_round_name(key)))
                elif new_steps is None:
                    details.append(_("เกณฑ์การให้คะแนน ({round}): เลิกใช้").format(round=_round_name(key)))
                else:
                    for n, (a, b) in enumerate(zip(old_steps + [""] * LEVELS, new_steps), start=1):
                        if a != b:
                            details.append(_("เกณฑ์ ({round}) ขั้นตอนที่ {n}: \"{old}\" → \"{new}\"").format(
                                round=_round_name(key), n=n, old=_short(a), new=_short(b)))
        renamed = spec["name"] != old["name"]
        if renamed:
            diffs.append(Difference(spec["number"], "renamed", spec["name"], old_name=old["name"], details=details))
        elif details:
            diffs.append(Difference(spec["number"], "changed", spec["name"], details=details))
        else:
            unchanged += 1
    numbers = {s["number"] for s in specs}
    for number, old in sorted(state.items()):
        if number not in numbers:
            diffs.append(Difference(number, "withdrawn", old["name"]))
    return Preview(kind, specs, warnings, errors, diffs, unchanged)


def _short(text, limit: int = 80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _yes(value: bool) -> str:
    return _("ใช่") if value else _("ไม่ใช่")
