"""A fixed number of queries per page at 30, 300 and 3,000 indicators (issue 19 point 1).

The dashboard, the indicator page, the owner's page (ตัวชี้วัดของฉัน), the scorecard page and the
department roll-up (10 and 100 units) each issue the same number of queries at every size, on a
cold cache (cleared: the rows are built again) and on a warm one (the next request). Plans are
made with bulk_create (sampledata.plans.make_plan); each page checks that it really shows the size.

Marked `scale`: part of the normal suite (`-m "not browser"` runs it), and one module to run when
touching a query (`-m scale`). Two tests, each with its own plans, so `-n 2` runs them side by side.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, Person
from reports.tests.factories import make_plan

pytestmark = [pytest.mark.django_db, pytest.mark.scale]

SIZES = (30, 300, 3000)


@pytest.fixture
def department(plan, fy_today):
    fy_today(dt.date(2022, 2, 15))
    return plan.org_unit.parent


@pytest.fixture
def plans(department, users):
    """One plan of each size beside the group's own, in the same fiscal year."""
    return {n: make_plan(name=f"หน่วยงานขนาด {n}", indicators=n, department=department, recorder=users["admin"],
                         people=30) for n in SIZES}


def cold_and_warm(client, url, params=None):
    """(queries on a cold cache, queries on a warm one, the cold response: the one that built the page,
    whose context holds what it showed; a warm one may be served from the page cache)."""
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url, params or {})
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url, params or {}).status_code == 200
    return len(cold.captured_queries), len(warm.captured_queries), response


def assert_flat(counts: dict, page: str):
    """counts: size -> (cold, warm); the same pair at every size."""
    first = counts[min(counts)]
    assert all(c == first for c in counts.values()), f"{page}: queries (cold, warm) by size: {counts}"


# One indicator's row is asked for by name: the same queries (the rows of the whole plan are built
# and filtered; reports/tests/test_dashboard_queries.py pins that a search adds none), without laying
# out 3,000 rows of HTML. That the full page's count does not grow with the rows it renders is
# checked here from 30 to 300, where 270 more rows would show any query made per row.
ONE_ROW = {"q": "ระดับความสำเร็จของงานที่ 7 ("}


def test_pages_at_30_300_and_3000_indicators(client, users, plans):
    client.force_login(users["admin"])  # the department administrator sees every plan
    client.get(reverse("reports:ping"))  # the session's first queries are not the page's
    counts = {page: {} for page in ("dashboard", "dashboard, one row", "indicator page", "scorecard page")}
    for n, plan in plans.items():
        if n < 3000:
            *counted, response = cold_and_warm(client, reverse("reports:dashboard"), {"plan": plan.pk})
            assert len(response.context["rows"]) == n
            counts["dashboard"][n] = tuple(counted)
        *counted, response = cold_and_warm(client, reverse("reports:dashboard"), {"plan": plan.pk, **ONE_ROW})
        assert [r.number for r in response.context["rows"]] == [7]
        counts["dashboard, one row"][n] = tuple(counted)
        one = plan.indicators.get(number=n)  # the last one: nothing is cut off at any size
        *counted, response = cold_and_warm(client, reverse("assessments:indicator", args=[one.pk]))
        assert response.context["indicator"] == one
        counts["indicator page"][n] = tuple(counted)
        *counted, response = cold_and_warm(client, reverse("reports:scorecard"), {"plan": plan.pk, "quarter": 2})
        assert len(response.context["sc"].rows) == n
        counts["scorecard page"][n] = tuple(counted)
    assert counts["dashboard"][30] == counts["dashboard, one row"][30]
    for page, by_size in counts.items():
        assert_flat(by_size, page)
    _owners_page(client, plans)


def _owners_page(client, plans):
    """Each plan's first person owns a fifteenth of it (primary or secondary owner): 2, 20 and 200 indicators."""
    owner_page = {}
    for n, plan in plans.items():
        person = Person.objects.filter(org_unit__parent=plan.org_unit).order_by("pk").first()
        person.user = get_user_model().objects.create_user(username=f"owner-{n}", password="pw-not-used-123")
        person.save(update_fields=["user"])
        owned = Indicator.objects.owned_by(person.user).count()
        assert owned >= n // 15
        client.force_login(person.user)
        client.get(reverse("reports:ping"))
        *counted, response = cold_and_warm(client, reverse("assessments:my-indicators"))
        shown = {row["indicator"].pk for _key, _label, rows in response.context["sections"] for row in rows}
        assert len(shown) == owned
        owner_page[n] = tuple(counted)
    assert_flat(owner_page, "owner's page")


def test_rollup_of_10_and_100_units(client, department, users):
    """300 and 3,000 indicators: 10 and then 100 units of 30, all read by the department administrator."""
    client.force_login(users["admin"])
    client.get(reverse("reports:ping"))
    rollup, made = {}, 1  # the group's own plan is a unit of the roll-up too
    for units in (10, 100):
        for k in range(made, units):
            make_plan(name=f"สำนักงานที่ {k}", indicators=30, department=department, recorder=users["admin"],
                      sections=1, people=2)
        made = units
        *counted, response = cold_and_warm(client, reverse("reports:rollup"))
        assert len(response.context["r"].rows) == units
        assert response.context["r"].totals.summary.total == 30 * units
        rollup[units] = tuple(counted)
    assert_flat(rollup, "roll-up")
