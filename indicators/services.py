"""Writes to the plan. Each is atomic; none hides work in save() or signals."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from kpi_tracker import thai

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
        Round.objects.get_or_create(
            fiscal_year=fy,
            months=months,
            defaults={"starts_on": fy.starts_on, "closes_on": thai.round_closing_date(year_be, months)},
        )
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
    department, group = _plan_units(data)
    fy = fiscal_year_ensure(year_be=int(data["fiscal_year"]))
    existing = ActionPlan.objects.filter(org_unit=group, fiscal_year=fy).first()
    if existing is not None:
        if not replace:
            return LoadResult(existing, created=False, warnings=list(data.get("warnings", [])))
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
