"""Extra plans for the size tests and bench/run.py: many indicators, several org units.

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
    if recorder is None:
        recorder, _ = get_user_model().objects.get_or_create(username="factory-recorder")
    plan = ActionPlan.objects.create(org_unit=group, fiscal_year=fy, title=f"แผน {name}")
    objs = Indicator.objects.bulk_create(
        Indicator(plan=plan, number=n, name=f"ระดับความสำเร็จของงานที่ {n} ({name})",
                  data_collector=units[n % len(units)], all_staff=(n % 17 == 0))
        for n in range(1, indicators + 1)
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
    # Every tenth indicator has no criteria yet, like indicators 7 and 20-30 of the real plan.
    with_criteria = [i for k, i in enumerate(objs) if k % 10 != 9]
    sets = CriteriaSet.objects.bulk_create(CriteriaSet(indicator=i) for i in with_criteria)
    steps = MilestoneStep.objects.bulk_create(
        MilestoneStep(criteria_set=cs, number=n, text=f"ขั้นตอนที่ {n}") for cs in sets for n in range(1, 6)
    )
    start = fy.starts_on
    completions = []
    for k, step in enumerate(steps):
        ind = k // 5
        # 0..5 steps done, and now and then step 4 without step 3 (out of order).
        done = ind % 6
        if step.number <= done or (ind % 7 == 0 and step.number == 4):
            completions.append(
                StepCompletion(step=step, done_on=start + dt.timedelta(days=10 * step.number + ind % 9),
                               recorded_by=recorder)
            )
    StepCompletion.objects.bulk_create(completions)
    RoundAssessment.objects.bulk_create(
        RoundAssessment(indicator=i, round=rounds[6],
                        status=RoundAssessment.Status.SUBMITTED if k % 4 == 0 else RoundAssessment.Status.VERIFIED,
                        self_level=3, verified_level=None if k % 4 == 0 else 3, submitted_by=recorder)
        for k, i in enumerate(with_criteria) if k % 4 in (0, 1)
    )
    HistoryEntry.objects.bulk_create(
        HistoryEntry(indicator=i, action=HistoryEntry.Action.STEP_DONE, actor=recorder) for i in with_criteria
    )
    return plan


def complete_steps(indicator: Indicator, numbers, done_on: dt.date, by, round=None) -> list[StepCompletion]:
    """Tick steps of the indicator's criteria (whole-year set unless a round is given) through the service."""
    from assessments import services

    cs = indicator.criteria_sets.get(round=round)
    return [
        services.step_complete(step=cs.steps.get(number=n), done_on=done_on, by=by) for n in numbers
    ]
