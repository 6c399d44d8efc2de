"""Synthetic plans of any size, for the size tests and bench/run.py (the product never imports this).

Everything is made with bulk_create so a 300-indicator plan takes well under
a second on SQLite. Each indicator gets what the real plan has: a section
(data collector), a primary and a secondary owner, targets for both rounds, a
whole-year set of five steps, some steps done (some out of order), a few
rounds submitted or verified, and history rows.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from assessments.models import HistoryEntry, RoundAssessment, StepCompletion
from indicators import readers, versions
from indicators.models import (
    ActionPlan,
    CriteriaSet,
    FiscalYear,
    Indicator,
    IndicatorOwner,
    MilestoneStep,
    OrgUnit,
    Person,
    Target,
)
from indicators.services import fiscal_year_ensure

FIRST_NAMES = ["สมชาย", "เกศินี", "ธนพร", "ณัฐ", "จักรพันธ์", "ไพโรจน์", "อรุณี", "กมล", "ประภา", "วีระ"]


def make_plan(*, name: str, indicators: int, department: OrgUnit | None = None, year_be: int = 2565,
              recorder=None, sections: int = 3, people: int = 10) -> ActionPlan:
    fy: FiscalYear = fiscal_year_ensure(year_be=year_be)
    rounds = {r.months: r for r in fy.rounds.all()}
    if department is None:
        department, _ = OrgUnit.objects.get_or_create(parent=None, name="กรมบังคับคดี", defaults={"kind": "department"})
    group = OrgUnit.objects.create(name=name, kind=OrgUnit.Kind.GROUP, parent=department)
    units = [
        OrgUnit.objects.create(name=f"ฝ่ายที่ {n} {name}", kind=OrgUnit.Kind.SECTION, parent=group)
        for n in range(1, sections + 1)
    ]
    persons = Person.objects.bulk_create(
        Person(title="นาย", first_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]}{n}", last_name=name[:20],
               org_unit=units[n % len(units)])
        for n in range(people)
    )
    readers.people_changed()  # bulk_create sends no signal
    if recorder is None:
        recorder, _ = get_user_model().objects.get_or_create(username="factory-recorder")
    plan = ActionPlan.objects.create(org_unit=group, fiscal_year=fy, title=f"แผน {name}")
    objs = _indicators(plan, name=name, count=indicators, units=units, persons=persons, rounds=rounds)
    _progress(objs, starts_on=fy.starts_on, rounds=rounds, recorder=recorder)
    versions.plan_changed(plan.pk)  # bulk_create sends no signal
    return plan


def _indicators(plan: ActionPlan, *, name: str, count: int, units, persons, rounds) -> list[Indicator]:
    """Indicators 1..count, each with a primary and a secondary owner and targets 3 and 5."""
    objs = Indicator.objects.bulk_create(
        Indicator(plan=plan, number=n, name=f"ระดับความสำเร็จของงานที่ {n} ({name})",
                  data_collector=units[n % len(units)], all_staff=(n % 17 == 0))
        for n in range(1, count + 1)
    )
    IndicatorOwner.objects.bulk_create(
        [IndicatorOwner(indicator=i, person=persons[k % len(persons)], role="primary", order=0)
         for k, i in enumerate(objs)]
        + [IndicatorOwner(indicator=i, person=persons[(k + 1) % len(persons)], role="secondary", order=1)
           for k, i in enumerate(objs)]
    )
    Target.objects.bulk_create(
        [Target(indicator=i, round=rounds[6], level=3) for i in objs]
        + [Target(indicator=i, round=rounds[12], level=5) for i in objs]
    )
    return objs


def _progress(objs: list[Indicator], *, starts_on: dt.date, rounds, recorder) -> None:
    """Criteria, ticked steps, 6-month assessments and history for the indicators."""
    # Every tenth indicator has no criteria yet, like indicators 7 and 20-30 of the real plan.
    with_criteria = [i for k, i in enumerate(objs) if k % 10 != 9]
    sets = CriteriaSet.objects.bulk_create(CriteriaSet(indicator=i) for i in with_criteria)
    steps = MilestoneStep.objects.bulk_create(
        MilestoneStep(criteria_set=cs, number=n, text=f"ขั้นตอนที่ {n}") for cs in sets for n in range(1, 6)
    )
    completions = []
    for k, step in enumerate(steps):
        ind = k // 5
        # 0..5 steps done, and now and then step 4 without step 3 (out of order).
        done = ind % 6
        if step.number <= done or (ind % 7 == 0 and step.number == 4):
            completions.append(
                StepCompletion(step=step, done_on=starts_on + dt.timedelta(days=10 * step.number + ind % 9),
                               recorded_by=recorder)
            )
    StepCompletion.objects.bulk_create(completions)
    RoundAssessment.objects.bulk_create(
        RoundAssessment(indicator=i, round=rounds[6],
                        status=RoundAssessment.ReviewStatus.SUBMITTED if k % 4 == 0 else RoundAssessment.ReviewStatus.VERIFIED,
                        self_level=3, verified_level=None if k % 4 == 0 else 3, submitted_by=recorder)
        for k, i in enumerate(with_criteria) if k % 4 in (0, 1)
    )
    HistoryEntry.objects.bulk_create(
        HistoryEntry(indicator=i, action=HistoryEntry.Action.STEP_DONE, actor=recorder) for i in with_criteria
    )
