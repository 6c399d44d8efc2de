"""Writes to the plan. Each is atomic; none hides work in save() or signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from core import thai

from . import versions

from .models import (
    ActionPlan,
    CoreValue,
    CriteriaSet,
    FiscalYear,
    Indicator,
    IndicatorOwner,
    MilestoneStep,
    OrgUnit,
    Person,
    PolicyKPI,
    Round,
    Target,
)


@transaction.atomic
def fiscal_year_ensure(*, year_be: int) -> FiscalYear:
    """The fiscal year with its 6- and 12-month rounds (both start on 1 October)."""
    starts_on, ends_on = thai.fiscal_year_bounds(year_be)
    fy, _ = FiscalYear.objects.get_or_create(year_be=year_be, defaults={"starts_on": starts_on, "ends_on": ends_on})
    for months in (6, 12):
        _, created = Round.objects.get_or_create(
            fiscal_year=fy,
            months=months,
            defaults={"starts_on": fy.starts_on, "closes_on": thai.round_closing_date(year_be, months)},
        )
        if created:
            versions.everything_changed()  # the year's rounds are cached (assessments.selectors.plan_rounds)
    return fy


def org_unit_ensure(*, name: str, kind: str, parent: OrgUnit | None = None, short_name: str = "") -> OrgUnit:
    unit, created = OrgUnit.objects.get_or_create(
        parent=parent, name=name, defaults={"kind": kind, "short_name": short_name}
    )
    return unit


@dataclass
class LoadResult:
    plan: ActionPlan
    created: bool
    warnings: list[str] = field(default_factory=list)


def _plan_units(data: dict) -> tuple[OrgUnit, OrgUnit]:
    """The department (กรม) and the group the plan belongs to, made if missing."""
    department = org_unit_ensure(name=data["org_unit"]["parent"], kind=OrgUnit.Kind.DEPARTMENT)
    group = org_unit_ensure(
        name=data["org_unit"]["name"],
        kind=OrgUnit.Kind.GROUP,
        parent=department,
        short_name=data["org_unit"].get("short_name", ""),
    )
    return department, group


def _people_ensure(data: dict, group: OrgUnit) -> tuple[dict[str, OrgUnit], dict[str, Person]]:
    """The group's sections by name, and its people by the parser's key, made if missing."""
    sections = {
        s["name"]: org_unit_ensure(name=s["name"], kind=OrgUnit.Kind.SECTION, parent=group)
        for s in data.get("sections", [])
    }
    people: dict[str, Person] = {}
    for p in data.get("people", []):
        unit = sections.get(p.get("section") or "", group)
        person, _ = Person.objects.get_or_create(
            org_unit=unit,
            first_name=p["first_name"],
            last_name=p.get("last_name", ""),
            defaults={"title": p.get("title", "")},
        )
        people[p["key"]] = person
    return sections, people


def _plan_create(data: dict, group: OrgUnit, fy: FiscalYear) -> ActionPlan:
    """The plan's own row and its core values (ค่านิยม)."""
    plan = ActionPlan.objects.create(
        org_unit=group,
        fiscal_year=fy,
        title=data.get("title", ""),
        vision=data.get("vision", ""),
        mission=data.get("mission", ""),
        motto=data.get("motto", ""),
        values_name=data.get("values_name", ""),
        culture=data.get("culture", ""),
    )
    CoreValue.objects.bulk_create(
        CoreValue(plan=plan, order=i, letter=v["letter"], term=v["term"], meaning=v["meaning"])
        for i, v in enumerate(data.get("values", []), start=1)
    )
    return plan


def _indicator_create(item: dict, *, plan: ActionPlan, sections: dict[str, OrgUnit],
                      people: dict[str, Person], rounds: dict[str, Round]) -> Indicator:
    """One indicator of the parser's JSON with its owners, targets and criteria."""
    card = item.get("card") or {}
    indicator = Indicator.objects.create(
        plan=plan,
        number=item["number"],
        name=item["name"],
        card_title=card.get("title", ""),
        category=item.get("category", ""),
        dimension=card.get("dimension", ""),
        perspective=card.get("perspective", ""),
        objective_number=card.get("objective_number"),
        objective=card.get("objective", ""),
        unit=item.get("unit") or "ระดับ",
        weight=card.get("weight", "-") or "-",
        description=card.get("description", ""),
        conditions=card.get("conditions", ""),
        data_source=card.get("data_source", ""),
        supervisor=card.get("supervisor", ""),
        data_collector=sections.get(card.get("data_collector") or ""),
        all_staff=bool(item.get("all_staff")),
    )
    IndicatorOwner.objects.bulk_create(
        IndicatorOwner(
            indicator=indicator,
            person=people[key],
            role=IndicatorOwner.Role.PRIMARY if order == 0 else IndicatorOwner.Role.SECONDARY,
            order=order,
        )
        for order, key in enumerate(item.get("owners", []))
    )
    Target.objects.bulk_create(
        Target(indicator=indicator, round=rounds[months], level=int(level))
        for months, level in item.get("targets", {}).items()
    )
    _criteria_create(indicator, card.get("criteria", []), rounds)
    return indicator


def _criteria_create(indicator: Indicator, criteria_list: list[dict], rounds: dict[str, Round]) -> None:
    """The indicator's criteria sets (whole year, or one per round) and their steps."""
    for criteria in criteria_list:
        cs = CriteriaSet.objects.create(
            indicator=indicator,
            round=rounds[criteria["round"]] if criteria.get("round") else None,
            title=criteria.get("title") or "เกณฑ์การให้คะแนน",
        )
        MilestoneStep.objects.bulk_create(
            MilestoneStep(criteria_set=cs, number=n, text=text)
            for n, text in enumerate(criteria["steps"], start=1)
        )


@transaction.atomic
def plan_load(*, data: dict, replace: bool = False) -> LoadResult:
    """Create the plan described by `data` (the parser's JSON); idempotent.

    If the plan of that org unit and year exists it is left untouched (so a
    re-run of `make run` never undoes an administrator's edits), unless
    replace is set and it has no recorded progress.
    """
    versions.everything_changed()  # units, people and plans of the year may change
    department, group = _plan_units(data)
    fy = fiscal_year_ensure(year_be=int(data["fiscal_year"]))
    existing = ActionPlan.objects.filter(org_unit=group, fiscal_year=fy).first()
    if existing is not None:
        if not replace:
            return LoadResult(existing, created=False, warnings=list(data.get("warnings", [])))
        # Progress hangs on the plan's steps (and their foreign key protects it): never replaced away.
        if MilestoneStep.objects.filter(criteria_set__indicator__plan=existing, completions__isnull=False).exists():
            raise PlanError(gettext("แผนนี้มีผลการดำเนินงานบันทึกไว้แล้ว จึงแทนที่ทั้งแผนไม่ได้ "
                                    "ให้นำเข้าแบบดูตัวอย่างในหน้าจัดการแผนแทน"))
        existing.delete()

    sections, people = _people_ensure(data, group)
    plan = _plan_create(data, group, fy)
    rounds = {str(r.months): r for r in fy.rounds.all()}
    for item in data["indicators"]:
        _indicator_create(item, plan=plan, sections=sections, people=people, rounds=rounds)

    kpis = data.get("policy_kpis") or {}
    for k in kpis.get("items", []):
        PolicyKPI.objects.update_or_create(
            fiscal_year=fy,
            org_unit=department,
            number=k["number"],
            defaults={
                "group_number": k.get("group_number", 0),
                "group": k.get("group", ""),
                "name": k["name"],
                "target_value": Decimal(str(k["target_value"])),
                "target_unit": k.get("target_unit", ""),
                "headline": bool(k.get("headline")),
            },
        )
    return LoadResult(plan, created=True, warnings=list(data.get("warnings", [])))


# --- moving an org unit (issue 13) ------------------------------------------------------------------
# Who may see what follows tree_path (Indicator.objects.visible_to): a unit's
# path and every path below it must change together, in one transaction, or the
# directors of the old and the new parent see the wrong plans.


def org_unit_move_problem(*, unit: OrgUnit, new_parent: OrgUnit | None) -> str | None:
    """Why unit cannot go under new_parent (Thai), or None."""
    from django.utils.translation import gettext as _

    if new_parent is None or unit.pk is None:
        return None
    if new_parent.pk == unit.pk:
        return _("หน่วยงานสังกัดตัวเองไม่ได้")
    if new_parent.tree_path.startswith(unit.tree_path):
        return _("ย้าย {unit} ไปสังกัด {parent} ไม่ได้ เพราะ {parent} เป็นหน่วยงานในสังกัดของ {unit} เอง").format(
            unit=unit.name, parent=new_parent.name)
    return None


@transaction.atomic
def org_unit_move(*, unit: OrgUnit, new_parent: OrgUnit | None, by) -> OrgUnit:
    """Put unit (with everything under it) under new_parent; refuses a cycle with a Thai message."""
    versions.everything_changed()  # which plans a unit's 5G KPIs and people belong to changes
    import logging

    from django.core.exceptions import ValidationError
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    # Lock the whole tree's rows we read, so two moves at once cannot make a cycle between them.
    units = {u.pk: u for u in OrgUnit.objects.select_for_update().filter(
        pk__in=[unit.pk] + ([new_parent.pk] if new_parent else []))}
    unit = units[unit.pk]
    new_parent = units.get(new_parent.pk) if new_parent else None
    problem = org_unit_move_problem(unit=unit, new_parent=new_parent)
    if problem:
        raise ValidationError(problem)
    old_prefix = unit.tree_path
    new_prefix = (new_parent.tree_path if new_parent else "/") + f"{unit.pk}/"
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    if new_prefix != old_prefix:
        OrgUnit.objects.filter(tree_path__startswith=old_prefix).update(
            tree_path=Concat(Value(new_prefix), Substr("tree_path", len(old_prefix) + 1)))
    logging.getLogger("kpi_tracker.audit").info(
        "org unit %s moved from %s to %s by %s", unit.pk, old_prefix, new_prefix, getattr(by, "pk", by))
    unit.refresh_from_db()
    return unit


# --- plan administration (issue 15): definitions, next year's plan, import -------------
#
# Every write below is atomic, keyword-only, and leaves a PlanChange row (who, when,
# before, after). Progress lives in the assessments app, which this app never imports:
# the few facts needed about it are read through reverse relations (step.completions,
# indicator.round_assessments) by the names assessments gives them.

from django.core.exceptions import ValidationError  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.utils.translation import gettext_lazy as _l  # noqa: E402

from .models import LEVELS, PlanChange  # noqa: E402

# assessments.RoundAssessment.LOCKED, by value (a test checks the two agree).
LOCKED_STATUSES = ("submitted", "verified")
TEXT_MAX = 5000


class PlanError(ValidationError):
    """A change to the plan refused for a reason the user can act on (message in Thai)."""


def _clean(value, *, what: str, limit: int = TEXT_MAX, required: bool = False) -> str:
    import unicodedata

    value = unicodedata.normalize("NFC", str(value or ""))
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if required and not value:
        raise PlanError(_("กรุณาระบุ{what}").format(what=what))
    if len(value) > limit:
        raise PlanError(_("{what}ยาวเกินไป ใส่ได้ไม่เกิน {limit} ตัวอักษร").format(what=what, limit=f"{limit:,}"))
    return value


def plan_change_record(*, plan: ActionPlan, by, action: str, summary: str, indicator: Indicator | None = None,
                       before=None, after=None) -> PlanChange:
    versions.plan_changed(plan.pk)  # every plan administration edit records a change: cached pages go stale
    return PlanChange.objects.create(plan=plan, indicator=indicator, actor=by, action=action, summary=summary,
                                     before=before, after=after)


def step_has_progress(step: MilestoneStep) -> bool:
    """Any completion, even a revoked one: its history and evidence hang on the step."""
    return step.completions.exists()


def _locked_rounds(indicator: Indicator, round_ids=None) -> list[Round]:
    qs = Round.objects.filter(assessments__indicator=indicator, assessments__status__in=LOCKED_STATUSES)
    if round_ids is not None:
        qs = qs.filter(pk__in=round_ids)
    return list(qs.order_by("closes_on"))


def _refuse_if_locked(indicator: Indicator, round_ids, what: str) -> None:
    locked = _locked_rounds(indicator, round_ids)
    if locked:
        raise PlanError(
            _("แก้ไข{what}ของตัวชี้วัดที่ {number} ไม่ได้ เพราะ{rounds}ส่งผลการประเมินตนเองแล้ว (รอตรวจสอบหรือผ่านการตรวจสอบ) "
              "ต้องให้ผู้ดูแลระบบเปิดรอบให้แก้ไขอีกครั้งก่อน").format(
                what=what, number=indicator.number, rounds=", ".join(r.label for r in locked))
        )


@transaction.atomic
def step_delete(*, step: MilestoneStep, by=None) -> None:
    """The one rule: a step that has progress is never deleted (edit its text, or withdraw the indicator)."""
    step = (MilestoneStep.objects.select_for_update(of=("self",)).select_related("criteria_set__indicator__plan")
            .get(pk=step.pk))
    if step_has_progress(step):
        raise PlanError(
            _("ลบขั้นตอนที่ {number} ของตัวชี้วัดที่ {indicator} ไม่ได้ เพราะมีการบันทึกผลการดำเนินงานแล้ว "
              "(ประวัติและเอกสารหลักฐานจะหายไป) ให้แก้ไขข้อความของขั้นตอน หรือยกเลิกตัวชี้วัดแทน").format(
                number=step.number, indicator=step.criteria_set.indicator.number)
        )
    indicator = step.criteria_set.indicator
    plan_change_record(plan=indicator.plan, by=by, action="step_deleted", indicator=indicator,
                       summary=_("ลบขั้นตอนที่ {number}").format(number=step.number), before={"text": step.text})
    step.delete()


@transaction.atomic
def plan_update(*, plan: ActionPlan, by, title: str, vision: str, mission: str, motto: str, values_name: str,
                culture: str) -> ActionPlan:
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    new = {
        "title": _clean(title, what=_("ชื่อแผน"), limit=255, required=True),
        "vision": _clean(vision, what=_("วิสัยทัศน์")),
        "mission": _clean(mission, what=_("พันธกิจ")),
        "motto": _clean(motto, what=_("คติพจน์"), limit=255),
        "values_name": _clean(values_name, what=_("ค่านิยมร่วม"), limit=100),
        "culture": _clean(culture, what=_("วัฒนธรรมองค์กร")),
    }
    before = {k: getattr(plan, k) for k in new}
    changed = [k for k in new if before[k] != new[k]]
    if changed:
        for k in changed:
            setattr(plan, k, new[k])
        plan.save(update_fields=changed)
        plan_change_record(plan=plan, by=by, action="plan_edited", summary=_("แก้ไขข้อมูลแผน"),
                           before={k: before[k] for k in changed}, after={k: new[k] for k in changed})
    return plan


@transaction.atomic
def core_values_set(*, plan: ActionPlan, by, values: list[tuple[str, str, str]]) -> None:
    """ค่านิยมร่วม: (letter, term, meaning) in order; replaces the list."""
    before = list(plan.core_values.order_by("order").values_list("letter", "term", "meaning"))
    cleaned = [
        (_clean(letter, what=_("อักษร"), limit=5), _clean(term, what=_("คำ"), limit=100),
         _clean(meaning, what=_("ความหมาย"), limit=255))
        for letter, term, meaning in values
    ]
    cleaned = [v for v in cleaned if any(v)]
    if [tuple(v) for v in before] == cleaned:
        return
    plan.core_values.all().delete()
    CoreValue.objects.bulk_create(
        CoreValue(plan=plan, order=i, letter=a, term=b, meaning=c) for i, (a, b, c) in enumerate(cleaned, start=1)
    )
    plan_change_record(plan=plan, by=by, action="values_edited", summary=_("แก้ไขค่านิยมร่วม"),
                       before=[list(v) for v in before], after=[list(v) for v in cleaned])


INDICATOR_TEXT_FIELDS = {
    # field: (label, max length)
    "name": (_l("ชื่อตัวชี้วัด"), 500),
    "card_title": (_l("ชื่อในรายละเอียดตัวชี้วัด"), 500),
    "category": (_l("ประเภทตัวชี้วัด"), 255),
    "dimension": (_l("มิติ"), 255),
    "perspective": (_l("ด้าน"), 255),
    "objective": (_l("วัตถุประสงค์"), 500),
    "unit": (_l("หน่วยวัด"), 100),
    "weight": (_l("น้ำหนัก"), 20),
    "description": (_l("คำอธิบาย"), TEXT_MAX),
    "conditions": (_l("เงื่อนไข"), TEXT_MAX),
    "data_source": (_l("แหล่งข้อมูล"), TEXT_MAX),
    "supervisor": (_l("ผู้กำกับดูแลตัวชี้วัด"), 255),
}


def _indicator_snapshot(indicator: Indicator) -> dict:
    data = {k: getattr(indicator, k) for k in INDICATOR_TEXT_FIELDS}
    data.update(number=indicator.number, objective_number=indicator.objective_number,
                data_collector=indicator.data_collector.name if indicator.data_collector_id else "",
                all_staff=indicator.all_staff)
    return data


def _check_number(plan: ActionPlan, number, exclude_pk=None) -> int:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise PlanError(_("ลำดับตัวชี้วัดต้องเป็นตัวเลข"))
    if not 1 <= number <= 999:
        raise PlanError(_("ลำดับตัวชี้วัดต้องอยู่ระหว่าง 1 ถึง 999"))
    clash = Indicator.objects.filter(plan=plan, number=number).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise PlanError(_("ลำดับที่ {number} เป็นของตัวชี้วัด \"{name}\" อยู่แล้ว").format(number=number, name=clash.name))
    return number


def _check_collector(plan: ActionPlan, unit: OrgUnit | None) -> OrgUnit | None:
    if unit is not None and not unit.tree_path.startswith(plan.org_unit.tree_path):
        raise PlanError(_("ผู้จัดเก็บข้อมูลต้องเป็นฝ่ายในหน่วยงานของแผนนี้"))
    return unit


@transaction.atomic
def indicator_create(*, plan: ActionPlan, by, number, name: str, data_collector: OrgUnit | None = None,
                     **fields) -> Indicator:
    number = _check_number(plan, number)
    values = {k: _clean(fields.get(k, ""), what=label, limit=limit) for k, (label, limit) in INDICATOR_TEXT_FIELDS.items()
              if k != "name"}
    values["unit"] = values["unit"] or "ระดับ"
    values["weight"] = values["weight"] or "-"
    indicator = Indicator.objects.create(
        plan=plan, number=number, name=_clean(name, what=_("ชื่อตัวชี้วัด"), limit=500, required=True),
        objective_number=fields.get("objective_number"), data_collector=_check_collector(plan, data_collector),
        all_staff=bool(fields.get("all_staff")), **values,
    )
    plan_change_record(plan=plan, by=by, action="indicator_added", indicator=indicator,
                       summary=_("เพิ่มตัวชี้วัดที่ {number} {name}").format(number=number, name=indicator.name),
                       after=_indicator_snapshot(indicator))
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, by, **fields) -> Indicator:
    """Change any of the definition's fields (number renumbers; name renames)."""
    indicator = (Indicator.objects.select_for_update(of=("self",)).select_related("plan", "data_collector")
                 .get(pk=indicator.pk))
    before = _indicator_snapshot(indicator)
    for k, value in fields.items():
        if k in INDICATOR_TEXT_FIELDS:
            label, limit = INDICATOR_TEXT_FIELDS[k]
            setattr(indicator, k, _clean(value, what=label, limit=limit, required=(k == "name")))
        elif k == "number":
            indicator.number = _check_number(indicator.plan, value, exclude_pk=indicator.pk)
        elif k == "data_collector":
            indicator.data_collector = _check_collector(indicator.plan, value)
        elif k in ("all_staff", "objective_number"):
            setattr(indicator, k, value)
        else:
            raise TypeError(f"indicator_update: unknown field {k}")
    after = _indicator_snapshot(indicator)
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        indicator.save()
        if "number" in changed:
            summary = _("เปลี่ยนลำดับตัวชี้วัดจาก {old} เป็น {new}").format(old=before["number"], new=after["number"])
        elif "name" in changed:
            summary = _("เปลี่ยนชื่อตัวชี้วัดที่ {number} เป็น \"{name}\"").format(number=indicator.number, name=indicator.name)
        else:
            summary = _("แก้ไขรายละเอียดตัวชี้วัดที่ {number}").format(number=indicator.number)
        plan_change_record(plan=indicator.plan, by=by, action="indicator_edited", indicator=indicator, summary=summary,
                           before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return indicator


@transaction.atomic
def indicator_withdraw(*, indicator: Indicator, by, reason: str) -> Indicator:
    indicator = Indicator.all_objects.select_for_update(of=("self",)).select_related("plan").get(pk=indicator.pk)
    reason = _clean(reason, what=_("เหตุผลที่ยกเลิกตัวชี้วัด"), limit=2000, required=True)
    if indicator.withdrawn_at is not None:
        raise PlanError(_("ตัวชี้วัดนี้ถูกยกเลิกไปแล้ว"))
    _refuse_if_locked(indicator, None, _("(ยกเลิก)"))
    indicator.withdrawn_at, indicator.withdraw_reason = timezone.now(), reason
    indicator.save(update_fields=["withdrawn_at", "withdraw_reason"])
    plan_change_record(plan=indicator.plan, by=by, action="indicator_withdrawn", indicator=indicator,
                       summary=_("ยกเลิกตัวชี้วัดที่ {number} {name}").format(number=indicator.number, name=indicator.name),
                       after={"reason": reason})
    return indicator


def _person_label(p: Person) -> str:
    return p.full_name


@transaction.atomic
def owners_set(*, indicator: Indicator, by, primary: Person | None, secondary: list[Person] = (),
               all_staff: bool | None = None) -> None:
    """ผู้รับผิดชอบหลัก / รอง (and ทุกตำแหน่ง): replaces the list, primary first."""
    indicator = Indicator.objects.select_for_update(of=("self",)).select_related("plan__org_unit").get(pk=indicator.pk)
    people = ([primary] if primary else []) + [p for p in secondary if p and p != primary]
    unit_path = indicator.plan.org_unit.tree_path
    for p in people:
        if not p.org_unit.tree_path.startswith(unit_path):
            raise PlanError(_("{name} ไม่ได้อยู่ในหน่วยงานของแผนนี้").format(name=p.full_name))
    if len({p.pk for p in people}) != len(people):
        raise PlanError(_("ระบุผู้รับผิดชอบคนเดียวกันซ้ำ"))
    before = [_person_label(o.person) for o in indicator.owners.select_related("person").order_by("order")]
    after = [_person_label(p) for p in people]
    staff_changed = all_staff is not None and bool(all_staff) != indicator.all_staff
    if before == after and not staff_changed:
        return
    indicator.owners.all().delete()
    IndicatorOwner.objects.bulk_create(
        IndicatorOwner(indicator=indicator, person=p, order=i,
                       role=IndicatorOwner.Role.PRIMARY if i == 0 else IndicatorOwner.Role.SECONDARY)
        for i, p in enumerate(people)
    )
    b, a = {"owners": before}, {"owners": after}
    if staff_changed:
        b["all_staff"], a["all_staff"] = indicator.all_staff, bool(all_staff)
        indicator.all_staff = bool(all_staff)
        indicator.save(update_fields=["all_staff"])
    plan_change_record(plan=indicator.plan, by=by, action="owners_set", indicator=indicator, before=b, after=a,
                       summary=_("กำหนดผู้รับผิดชอบตัวชี้วัดที่ {number}: {names}").format(
                           number=indicator.number,
                           names=", ".join(after) + (f" ({indicator.ALL_STAFF_LABEL})" if indicator.all_staff else "") or "-"))


@transaction.atomic
def targets_set(*, indicator: Indicator, by, levels: dict) -> None:
    """ค่าเป้าหมาย per round: {Round: level or None}. A submitted or verified round's target stays."""
    indicator = Indicator.objects.select_for_update(of=("self",)).select_related("plan").get(pk=indicator.pk)
    current = {t.round_id: t for t in indicator.targets.all()}
    changes_b, changes_a = {}, {}
    for rnd, level in levels.items():
        if rnd.fiscal_year_id != indicator.plan.fiscal_year_id:
            raise PlanError(_("รอบการประเมินไม่ได้อยู่ในปีงบประมาณของแผนนี้"))
        if level is not None and not (1 <= int(level) <= LEVELS):
            raise PlanError(_("ค่าเป้าหมายต้องเป็นระดับ 1 ถึง 5"))
        old = current.get(rnd.pk)
        old_level = old.level if old else None
        if old_level == (int(level) if level is not None else None):
            continue
        _refuse_if_locked(indicator, [rnd.pk], _("ค่าเป้าหมาย{round}").format(round=rnd.label))
        if level is None:
            old.delete()
        elif old is None:
            Target.objects.create(indicator=indicator, round=rnd, level=int(level))
        else:
            old.level = int(level)
            old.save(update_fields=["level"])
        changes_b[str(rnd.months)], changes_a[str(rnd.months)] = old_level, level
    if changes_a:
        plan_change_record(plan=indicator.plan, by=by, action="targets_set", indicator=indicator,
                           before=changes_b, after=changes_a,
                           summary=_("กำหนดค่าเป้าหมายตัวชี้วัดที่ {number}: {targets}").format(
                               number=indicator.number,
                               targets=", ".join(f"{thai.round_label(int(m))} {_('ระดับ')} {v or '-'}"
                                                 for m, v in changes_a.items())))


@transaction.atomic
def criteria_write(*, indicator: Indicator, by, sets: dict, title: str = "") -> None:
    """เกณฑ์การให้คะแนน: {None: five steps} for the whole year, or {Round: five steps, ...} per round.

    Existing steps are edited in place (their progress stays attached); a set or
    step that would disappear goes through step_delete's rule; nothing that a
    submitted or verified round counted may change.
    """
    indicator = Indicator.objects.select_for_update(of=("self",)).select_related("plan").get(pk=indicator.pk)
    if not sets:
        raise PlanError(_("กรุณาระบุเกณฑ์การให้คะแนนอย่างน้อยหนึ่งชุด"))
    if None in sets and len(sets) > 1:
        raise PlanError(_("เลือกอย่างใดอย่างหนึ่ง: เกณฑ์เดียวกันทั้งปี หรือเกณฑ์แยกตามรอบ"))
    all_rounds = list(Round.objects.filter(fiscal_year_id=indicator.plan.fiscal_year_id))
    cleaned: dict = {}
    for rnd, steps in sets.items():
        if rnd is not None and rnd.fiscal_year_id != indicator.plan.fiscal_year_id:
            raise PlanError(_("รอบการประเมินไม่ได้อยู่ในปีงบประมาณของแผนนี้"))
        where = _("รอบ {round}").format(round=rnd.label) if rnd else _("ทั้งปี")
        texts = [_clean(t, what=_("ขั้นตอนที่ {n} ({where})").format(n=n, where=where))
                 for n, t in enumerate(steps, start=1)]
        if len(texts) != LEVELS or not all(texts):
            missing = [str(n) for n in range(1, LEVELS + 1) if n > len(texts) or not texts[n - 1]]
            raise PlanError(_("เกณฑ์การให้คะแนน ({where}) ต้องมีครบ 5 ขั้นตอน ยังไม่ได้ระบุขั้นตอนที่ {steps}").format(
                where=where, steps=", ".join(missing)))
        cleaned[rnd.pk if rnd else None] = texts

    def rounds_of(round_id):
        return [r.pk for r in all_rounds] if round_id is None else [round_id]

    existing = {cs.round_id: cs for cs in indicator.criteria_sets.prefetch_related("steps")}
    before = {str(k): [s.text for s in cs.steps.all()] for k, cs in existing.items()}
    for round_id, cs in existing.items():
        if round_id not in cleaned:
            _refuse_if_locked(indicator, rounds_of(round_id), _("เกณฑ์การให้คะแนน"))
            for step in cs.steps.all():
                step_delete(step=step, by=by)
            cs.delete()
    for round_id, texts in cleaned.items():
        cs = existing.get(round_id)
        if cs is None:
            cs = CriteriaSet.objects.create(indicator=indicator, round_id=round_id,
                                            **({"title": title[:255]} if title else {}))
        steps = {s.number: s for s in cs.steps.all()} if round_id in existing else {}
        for n, text in enumerate(texts, start=1):
            step = steps.get(n)
            if step is None:
                MilestoneStep.objects.create(criteria_set=cs, number=n, text=text)
            elif step.text != text:
                if step_has_progress(step):
                    _refuse_if_locked(indicator, rounds_of(round_id), _("ขั้นตอนที่ {n}").format(n=n))
                step.text = text
                step.save(update_fields=["text"])
    after = {str(k): v for k, v in cleaned.items()}
    if after != before:
        plan_change_record(plan=indicator.plan, by=by, action="criteria_written", indicator=indicator,
                           before=before or None, after=after,
                           summary=_("กำหนดเกณฑ์การให้คะแนนตัวชี้วัดที่ {number}").format(number=indicator.number))


@transaction.atomic
def policy_kpi_update(*, kpi: PolicyKPI, plan: ActionPlan, by, name: str, target_value, target_unit: str,
                      higher_is_better: bool = True) -> PolicyKPI:
    versions.everything_changed()  # a KPI of a unit is shown on the plans of the units below it
    kpi = PolicyKPI.objects.select_for_update().get(pk=kpi.pk)
    try:
        value = Decimal(str(target_value).replace(",", ""))
    except Exception:
        raise PlanError(_("ค่าเป้าหมายต้องเป็นตัวเลข"))
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise PlanError(_("ค่าเป้าหมายต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"))
    if value < 0:
        raise PlanError(_("ค่าเป้าหมายต้องไม่ติดลบ"))
    new = {"name": _clean(name, what=_("ชื่อตัวชี้วัด"), limit=500, required=True),
           "target_value": value.quantize(Decimal("0.01")),
           "target_unit": _clean(target_unit, what=_("หน่วย"), limit=50), "higher_is_better": bool(higher_is_better)}
    before = {k: getattr(kpi, k) for k in new}
    changed = [k for k in new if before[k] != new[k]]
    if changed:
        for k in changed:
            setattr(kpi, k, new[k])
        kpi.save(update_fields=changed)
        plan_change_record(plan=plan, by=by, action="kpi_edited",
                           summary=_("แก้ไขตัวชี้วัดนโยบาย ๕ G ข้อ {number}").format(number=kpi.number),
                           before={k: str(before[k]) for k in changed}, after={k: str(new[k]) for k in changed})
    return kpi


def policy_kpis_of(plan: ActionPlan):
    """The 5G KPIs shown with a plan: its fiscal year's, of its unit or any unit above it."""
    return PolicyKPI.objects.filter(fiscal_year_id=plan.fiscal_year_id, org_unit_id__in=plan.org_unit.ancestor_ids)


@transaction.atomic
def plan_copy(*, plan: ActionPlan, to_year_be: int, by) -> ActionPlan:
    """คัดลอกแผนไปปีงบประมาณถัดไป: a DRAFT with every indicator, owner, criterion, target and KPI; no progress."""
    if to_year_be == plan.fiscal_year.year_be:
        raise PlanError(_("ปีงบประมาณปลายทางต้องต่างจากปีของแผนต้นทาง"))
    if not 2400 <= int(to_year_be) <= 2700:
        raise PlanError(_("ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2566"))
    fy = fiscal_year_ensure(year_be=int(to_year_be))
    if ActionPlan.objects.filter(org_unit=plan.org_unit, fiscal_year=fy).exists():
        raise PlanError(_("{unit} มีแผน{year} อยู่แล้ว").format(unit=plan.org_unit.name,
                                                                  year=thai.fiscal_year_label(fy.year_be)))
    rounds = {r.months: r for r in fy.rounds.all()}
    new = ActionPlan.objects.create(
        org_unit=plan.org_unit, fiscal_year=fy, status=ActionPlan.PublicationStatus.DRAFT,
        title=plan.title.replace(str(plan.fiscal_year.year_be), str(fy.year_be)).replace(
            thai.to_thai_digits(plan.fiscal_year.year_be), thai.to_thai_digits(fy.year_be)),
        vision=plan.vision, mission=plan.mission, motto=plan.motto, values_name=plan.values_name, culture=plan.culture,
    )
    CoreValue.objects.bulk_create(
        CoreValue(plan=new, order=v.order, letter=v.letter, term=v.term, meaning=v.meaning)
        for v in plan.core_values.all()
    )
    for old in plan.indicators.prefetch_related("owners", "targets__round", "criteria_sets__steps", "criteria_sets__round"):
        ind = Indicator.objects.create(
            plan=new, number=old.number, objective_number=old.objective_number,
            data_collector_id=old.data_collector_id, all_staff=old.all_staff,
            **{k: getattr(old, k) for k in INDICATOR_TEXT_FIELDS},
        )
        IndicatorOwner.objects.bulk_create(
            IndicatorOwner(indicator=ind, person_id=o.person_id, role=o.role, order=o.order) for o in old.owners.all()
        )
        Target.objects.bulk_create(
            Target(indicator=ind, round=rounds[t.round.months], level=t.level) for t in old.targets.all()
        )
        for cs in old.criteria_sets.all():
            new_cs = CriteriaSet.objects.create(indicator=ind, title=cs.title,
                                                round=rounds[cs.round.months] if cs.round_id else None)
            MilestoneStep.objects.bulk_create(
                MilestoneStep(criteria_set=new_cs, number=s.number, text=s.text) for s in cs.steps.all()
            )
    for k in policy_kpis_of(plan):
        PolicyKPI.objects.get_or_create(
            fiscal_year=fy, org_unit_id=k.org_unit_id, number=k.number,
            defaults={"group_number": k.group_number, "group": k.group, "name": k.name, "target_value": k.target_value,
                      "target_unit": k.target_unit, "headline": k.headline, "higher_is_better": k.higher_is_better},
        )
    summary = _("คัดลอกจากแผน{year} (ร่าง ยังไม่เผยแพร่)").format(year=thai.fiscal_year_label(plan.fiscal_year.year_be))
    plan_change_record(plan=new, by=by, action="plan_copied", summary=summary, before={"plan": plan.pk})
    plan_change_record(plan=plan, by=by, action="plan_copied_to",
                       summary=_("คัดลอกไปเป็นแผน{year}").format(year=thai.fiscal_year_label(fy.year_be)),
                       after={"plan": new.pk})
    return new


@transaction.atomic
def plan_publish(*, plan: ActionPlan, by) -> ActionPlan:
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == ActionPlan.PublicationStatus.PUBLISHED:
        raise PlanError(_("แผนนี้เผยแพร่แล้ว"))
    if not plan.indicators.exists():
        raise PlanError(_("แผนนี้ยังไม่มีตัวชี้วัด จึงยังเผยแพร่ไม่ได้"))
    plan.status = ActionPlan.PublicationStatus.PUBLISHED
    plan.save(update_fields=["status"])
    plan_change_record(plan=plan, by=by, action="plan_published",
                       summary=_("เผยแพร่แผน ผู้รับผิดชอบเห็นและบันทึกผลได้แล้ว"))
    return plan


@transaction.atomic
def plan_import_apply(*, plan: ActionPlan, specs: list[dict], by, source: str) -> dict:
    """Apply a previewed import (indicators.plan_import specs) in one transaction; returns counts.

    Indicators are matched by number: new ones are added, the rest updated,
    and those missing from the file withdrawn. Any refusal (a locked round, a
    step with progress, an unknown person) undoes everything.
    """
    plan = ActionPlan.objects.select_for_update(of=("self",)).select_related("org_unit", "fiscal_year").get(pk=plan.pk)
    people = {f"{p.first_name} {p.last_name}".strip(): p
              for p in Person.objects.filter(org_unit__tree_path__startswith=plan.org_unit.tree_path)}
    rounds = {str(r.months): r for r in plan.fiscal_year.rounds.all()}
    existing = {i.number: i for i in plan.indicators.all()}
    numbers = {int(s["number"]) for s in specs}
    counts = {"added": 0, "updated": 0, "withdrawn": 0}
    # Withdraw first, so a number given back can be reused by a new indicator.
    for number, ind in sorted(existing.items()):
        if number not in numbers:
            indicator_withdraw(indicator=ind, by=by,
                               reason=_("ไม่มีในไฟล์ที่นำเข้า ({source})").format(source=source[:200]))
            counts["withdrawn"] += 1
    for spec in sorted(specs, key=lambda s: s["number"]):
        number = int(spec["number"])
        fields = {k: v for k, v in (spec.get("fields") or {}).items() if k in INDICATOR_TEXT_FIELDS}
        ind = existing.get(number)
        if ind is None:
            ind = indicator_create(plan=plan, by=by, number=number, name=spec["name"], **fields)
            counts["added"] += 1
        else:
            ind = indicator_update(indicator=ind, by=by, name=spec["name"], **fields)
            counts["updated"] += 1
        if spec.get("owners") is not None:
            chosen = []
            for name in spec["owners"]:
                person = people.get(" ".join(name.split()))
                if person is None:
                    raise PlanError(_("ตัวชี้วัดที่ {n}: ไม่พบบุคลากรชื่อ \"{name}\" ในหน่วยงานนี้").format(n=number, name=name))
                chosen.append(person)
            owners_set(indicator=ind, by=by, primary=chosen[0] if chosen else None, secondary=chosen[1:],
                       all_staff=spec.get("all_staff"))
        if spec.get("targets"):
            targets_set(indicator=ind, by=by, levels={rounds[m]: lvl for m, lvl in spec["targets"].items() if m in rounds})
        if spec.get("criteria"):
            criteria_write(indicator=ind, by=by, sets={
                (None if key == "year" else rounds[key]): steps for key, steps in spec["criteria"].items()
                if key == "year" or key in rounds})
    plan_change_record(plan=plan, by=by, action="plan_imported", after=counts,
                       summary=_("นำเข้าจากไฟล์ {source}: เพิ่ม {added} แก้ไข {updated} ยกเลิก {withdrawn} ตัวชี้วัด").format(
                           source=source[:200], **counts))
    return counts


# --- ถ่ายทอดตัวชี้วัด: cascades (issue 18) ---------------------------------------------------
# A child indicator carries part of a department 5G KPI or of an indicator of a unit above
# its own, in the same fiscal year. Set and unset on the plan pages; a PlanChange row each.

from .models import Cascade  # noqa: E402


def cascade_parent_choices(child: Indicator) -> tuple[list[PolicyKPI], list[Indicator]]:
    """What child may carry: 5G KPIs and indicators of units strictly above its plan's unit, same year."""
    above = child.plan.org_unit.ancestor_ids[:-1]
    fy = child.plan.fiscal_year_id
    kpis = list(PolicyKPI.objects.filter(fiscal_year_id=fy, org_unit_id__in=above).select_related("org_unit")
                .order_by("org_unit__tree_path", "number"))
    parents = list(Indicator.objects.filter(plan__fiscal_year_id=fy, plan__org_unit_id__in=above)
                   .select_related("plan__org_unit").order_by("plan__org_unit__tree_path", "number"))
    return kpis, parents


@transaction.atomic
def cascade_set(*, child: Indicator, by, policy_kpi: PolicyKPI | None = None, parent: Indicator | None = None) -> Cascade:
    """Link child to its parent (exactly one of policy_kpi, parent); refused with a Thai message when the
    parent is not of a unit above the child's, or of another fiscal year, or already linked."""
    child = Indicator.objects.select_related("plan__org_unit").get(pk=child.pk)
    if (policy_kpi is None) == (parent is None):
        raise PlanError(_("กรุณาเลือกตัวชี้วัดต้นทางหนึ่งรายการ"))
    kpis, parents = cascade_parent_choices(child)
    if policy_kpi is not None and policy_kpi.pk not in {k.pk for k in kpis}:
        raise PlanError(_("ตัวชี้วัดต้นทางต้องเป็นของหน่วยงานที่อยู่เหนือหน่วยงานนี้ ในปีงบประมาณเดียวกัน"))
    if parent is not None and parent.pk not in {p.pk for p in parents}:
        raise PlanError(_("ตัวชี้วัดต้นทางต้องเป็นของหน่วยงานที่อยู่เหนือหน่วยงานนี้ ในปีงบประมาณเดียวกัน"))
    if Cascade.objects.filter(child=child, policy_kpi=policy_kpi, indicator=parent).exists():
        raise PlanError(_("ตัวชี้วัดนี้รับการถ่ายทอดจากตัวชี้วัดต้นทางนี้อยู่แล้ว"))
    link = Cascade.objects.create(child=child, policy_kpi=policy_kpi, indicator=parent)
    source = policy_kpi or parent
    plan_change_record(plan=child.plan, by=by, action="cascade_set", indicator=child,
                       summary=_("ตัวชี้วัดที่ {number} รับการถ่ายทอดจาก {source}").format(number=child.number, source=source),
                       after={"policy_kpi": getattr(policy_kpi, "pk", None), "indicator": getattr(parent, "pk", None)})
    return link


@transaction.atomic
def cascade_unset(*, link: Cascade, by) -> None:
    link = Cascade.objects.select_related("child__plan", "policy_kpi", "indicator").get(pk=link.pk)
    source = link.policy_kpi or link.indicator
    plan_change_record(plan=link.child.plan, by=by, action="cascade_unset", indicator=link.child,
                       summary=_("ยกเลิกการถ่ายทอดจาก {source} ของตัวชี้วัดที่ {number}").format(
                           source=source, number=link.child.number),
                       before={"policy_kpi": link.policy_kpi_id, "indicator": link.indicator_id})
    link.delete()
