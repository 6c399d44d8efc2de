"""The scorecard's query count does not grow with the number of indicators.

The real plan (30 indicators) first; then 270 more indicators over three more
plans of other org units in the same fiscal year (one of 240), each with
criteria, owners, targets, completions, evidence, round results and history.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.core.cache import cache
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Evidence, HistoryEntry, RoundAssessment, StepCompletion
from indicators.models import (
    ActionPlan,
    CriteriaSet,
    Indicator,
    IndicatorOwner,
    MilestoneStep,
    OrgUnit,
    Person,
    Target,
)
from reports.scorecard import Period, build_scorecard

pytestmark = pytest.mark.django_db


def add_plan(plan, name: str, count: int, user) -> ActionPlan:
    """A plan of `count` indicators under a new division, made with bulk_create."""
    fy = plan.fiscal_year
    rounds = {r.months: r for r in fy.rounds.all()}
    unit = OrgUnit.objects.create(name=name, kind=OrgUnit.Kind.DIVISION, parent=plan.org_unit.parent)
    sections = [OrgUnit.objects.create(name=f"ฝ่าย {i} {name}", kind=OrgUnit.Kind.SECTION, parent=unit) for i in range(3)]
    people = Person.objects.bulk_create(
        Person(first_name=f"เจ้าหน้าที่{i}", last_name=name, org_unit=sections[i % 3]) for i in range(6)
    )
    new = ActionPlan.objects.create(org_unit=unit, fiscal_year=fy, title=f"แผนปฏิบัติการ {name}")
    indicators = Indicator.objects.bulk_create(
        Indicator(plan=new, number=n, name=f"ระดับความสำเร็จของงานที่ {n} ของ{name}", data_collector=sections[n % 3])
        for n in range(1, count + 1)
    )
    IndicatorOwner.objects.bulk_create(
        IndicatorOwner(indicator=ind, person=people[(ind.number + k) % 6], role=role, order=k)
        for ind in indicators
        for k, role in enumerate([IndicatorOwner.Role.PRIMARY, IndicatorOwner.Role.SECONDARY])
    )
    Target.objects.bulk_create(
        Target(indicator=ind, round=rounds[m], level=level) for ind in indicators for m, level in ((6, 3), (12, 5))
    )
    sets = CriteriaSet.objects.bulk_create(CriteriaSet(indicator=ind) for ind in indicators)
    steps = MilestoneStep.objects.bulk_create(
        MilestoneStep(criteria_set=cs, number=n, text=f"ขั้นตอนที่ {n}") for cs in sets for n in range(1, 6)
    )
    done = [s for s in steps if s.number <= (s.criteria_set.indicator.number % 5)]
    completions = StepCompletion.objects.bulk_create(
        StepCompletion(step=s, done_on=dt.date(2022, 1, s.number), recorded_by=user, note="บันทึก") for s in done
    )
    now = timezone.now()
    Evidence.objects.bulk_create(
        Evidence(completion=c, file="evidence/x", original_name="หลักฐาน.pdf", content_type="application/pdf",
                 size=10, sha256="0" * 64, uploaded_by=user, uploaded_at=now)
        for c in completions[::2]
    )
    RoundAssessment.objects.bulk_create(
        RoundAssessment(indicator=ind, round=rounds[6], status=RoundAssessment.ReviewStatus.VERIFIED, self_level=1,
                        verified_level=1, submitted_by=user, reviewed_by=user, reviewed_at=now)
        for ind in indicators[::3]
    )
    HistoryEntry.objects.bulk_create(
        HistoryEntry(indicator=ind, action=HistoryEntry.Action.STEP_DONE, actor=user, round=rounds[6]) for ind in indicators
    )
    HistoryEntry.objects.filter(indicator__plan=new).update(at=dt.datetime(2022, 1, 10, 10, 0, tzinfo=timezone.get_current_timezone()))
    return new


def count(fn) -> int:
    """Queries with the row cache cold (reports.rows caches by plan version): the worst case."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def scorecard_of(plan_pk):
    plan = ActionPlan.objects.select_related("fiscal_year", "org_unit").get(pk=plan_pk)
    return lambda: build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))


def test_row_builder_queries_stay_flat_from_30_to_300_indicators(plan, users, progress):
    small = count(scorecard_of(plan.pk))
    big = add_plan(plan, "กองบังคับคดีแพ่ง", 240, users["admin"])
    add_plan(plan, "กองบังคับคดีล้มละลาย", 20, users["admin"])
    add_plan(plan, "สำนักงานบังคับคดีจังหวัด", 10, users["admin"])
    assert Indicator.objects.filter(plan__fiscal_year=plan.fiscal_year).count() == 300
    assert count(scorecard_of(plan.pk)) == small
    assert count(scorecard_of(big.pk)) == small
    sc = scorecard_of(big.pk)()
    assert len(sc.rows) == 240 and len(sc.history) == 240
    assert sc.rows[2].level == 3
    assert any(step.evidence == ["หลักฐาน.pdf"] for row in sc.rows for step in row.steps)


def test_html_view_queries_stay_flat_from_30_to_300_indicators(client, plan, users, progress):
    client.force_login(users["admin"])  # an administrator of the department sees every plan
    url = reverse("reports:scorecard")
    client.get(url, {"plan": plan.pk, "quarter": 2, "edition": "full"})  # warm-up (session, content types)
    small = count(lambda: client.get(url, {"plan": plan.pk, "quarter": 2, "edition": "full"}))  # with every detail
    big = add_plan(plan, "กองบังคับคดีแพ่ง", 240, users["admin"])
    add_plan(plan, "กองบังคับคดีล้มละลาย", 30, users["admin"])
    response = client.get(url, {"plan": big.pk, "quarter": 2, "edition": "full"})
    assert response.status_code == 200 and response.content.decode().count('class="card mb-3"') == 240
    assert count(lambda: client.get(url, {"plan": big.pk, "quarter": 2, "edition": "full"})) == small
    assert count(lambda: client.get(url, {"plan": plan.pk, "quarter": 2, "edition": "full"})) == small
