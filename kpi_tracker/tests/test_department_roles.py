"""The two department roles of the permission matrix, by what their pages hold (issue 18 point 1).

The matrix (test_permission_matrix.py) checks status codes: the group's objects are a 404 to the
director of a sibling unit. Here: the pages without an object show him his own unit and nothing of
the group's, and the department monitor (กพร.) reads every plan but reviews nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments import services
from conftest import SIBLING_UNIT
from indicators.models import ActionPlan, Indicator
from reports.rollup import build_rollup

pytestmark = pytest.mark.django_db

GROUP_INDICATOR = "ตัวชี้วัดของกอง"  # the sibling plan's one indicator (conftest.department_users)


@pytest.fixture
def submitted(plan, department_users, rounds, fy_today):
    """Indicator ๒ of the group submitted for the 6-month round, so a reviewer has something to see."""
    fy_today(dt.date(2022, 3, 20))
    two = plan.indicators.get(number=2)
    step = two.criteria_sets.first().steps.order_by("number").first()
    services.step_complete(step=step, done_on=dt.date(2022, 3, 1), by=department_users["owner"])
    services.round_submit(indicator=two, round=rounds[6], by=department_users["owner"])
    return two


def test_sibling_director_sees_his_own_unit(client, department_users, plan, submitted):
    sibling_plan = ActionPlan.objects.get(org_unit__name=SIBLING_UNIT)
    client.force_login(department_users["sibling_director"])
    for name in ("reports:dashboard", "assessments:plan", "reports:scorecard"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        shown = page.context["plan"] if "plan" in page.context else page.context["req"].plan
        assert shown == sibling_plan, name
    queue = client.get(reverse("assessments:review-queue"))
    assert submitted.name not in queue.content.decode()
    listed = client.get(reverse("api:indicator-list")).json()["results"]
    assert [i["name"] for i in listed] == [GROUP_INDICATOR]
    plans = client.get(reverse("indicators:plan-list")).context["plans"]
    assert plans == [sibling_plan]
    rollup = build_rollup(user=department_users["sibling_director"], params={}, today=dt.date(2022, 3, 20))
    assert [r.unit for r in rollup.rows] == [SIBLING_UNIT]


def test_monitor_reads_every_plan_and_reviews_none(client, department_users, plan, submitted, rounds):
    monitor = department_users["monitor"]
    client.force_login(monitor)
    plans = {p["id"] for p in client.get(reverse("api:plan-list")).json()["results"]}
    assert plans == set(ActionPlan.objects.values_list("pk", flat=True))
    rollup = build_rollup(user=monitor, params={}, today=dt.date(2022, 3, 20))
    assert {r.unit for r in rollup.rows} == {plan.org_unit.name, SIBLING_UNIT}
    page = client.get(reverse("assessments:review", args=[submitted.pk, rounds[6].pk]))
    assert page.status_code == 403
    assert not Indicator.objects.reviewable_by(monitor).exists()
