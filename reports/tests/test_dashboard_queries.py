"""The dashboard's query count does not grow with the number of indicators.

The real 30-indicator plan is compared with a 300-indicator plan of another
group in the same fiscal year, alongside two more 30-indicator plans, so that
the data of other units is there too and must not leak into the counts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.core.cache import cache
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.tests.factories import make_plan

URL = reverse("reports:dashboard")


@pytest.fixture
def plans(plan, users, fy_today):
    fy_today(dt.date(2022, 2, 15))
    department = plan.org_unit.parent
    make_plan(name="กลุ่มตรวจสอบภายใน", indicators=30, department=department, recorder=users["admin"])
    make_plan(name="กลุ่มกฎหมาย", indicators=30, department=department, recorder=users["admin"])
    big = make_plan(name="สำนักงานบังคับคดีจังหวัดตัวอย่าง", indicators=300, department=department,
                    recorder=users["admin"])
    return {"small": plan, "big": big}


def count_queries(client, params) -> tuple[int, object]:
    """Queries with the row cache cold (reports.rows caches by plan version): the worst case."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_same_number_of_queries_at_30_and_300_indicators(client, users, plans, role):
    client.force_login(users[role])
    count_queries(client, {"plan": plans["small"].pk})  # warm the session
    small, r_small = count_queries(client, {"plan": plans["small"].pk})
    big, r_big = count_queries(client, {"plan": plans["big"].pk})
    assert len(r_small.context["rows"]) == 30
    assert len(r_big.context["rows"]) == 300
    assert big == small, f"{small} queries for 30 indicators, {big} for 300"
    assert small <= 21  # 20, + 1 (issue 18): which indicators the plan's 5G KPIs were cascaded to


@pytest.mark.django_db
def test_filters_grouping_and_as_of_do_not_add_queries(client, users, plans):
    client.force_login(users["admin"])
    base, _ = count_queries(client, {"plan": plans["big"].pk})
    for extra in (
        {"group": "section", "sort": "owner"},
        {"status": "behind", "sort": "name"},
        {"as_of": "2021-12-31", "group": "owner"},
        {"status": "awaiting"},  # a tile
        {"status": "stale", "stale": "60"},  # the attention panel's "no change for 60 days"
        {"q": "ระดับความสำเร็จ"},  # the search
        {"round": plans["big"].fiscal_year.rounds.get(months=12).pk, "as_of": "2022-02-01"},
    ):
        n, response = count_queries(client, {"plan": plans["big"].pk, **extra})
        assert n == base, extra


@pytest.mark.django_db
def test_tiles_search_and_attention_are_flat_from_30_to_300(client, users, plans):
    client.force_login(users["admin"])
    count_queries(client, {"plan": plans["small"].pk})  # warm the session
    for extra in ({"status": "behind"}, {"q": "ระดับ"}, {"status": "returned", "stale": "14"}):
        small, _ = count_queries(client, {"plan": plans["small"].pk, **extra})
        big, _ = count_queries(client, {"plan": plans["big"].pk, **extra})
        assert big == small, extra


@pytest.mark.django_db
def test_review_queue_queries_do_not_grow(client, users, plans):
    from assessments.models import RoundAssessment

    client.force_login(users["admin"])
    url = reverse("assessments:review-queue")
    client.get(url)
    big_pending = RoundAssessment.objects.filter(status="submitted").count()
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    RoundAssessment.objects.filter(indicator__plan=plans["big"]).delete()
    assert RoundAssessment.objects.filter(status="submitted").count() < big_pending
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
