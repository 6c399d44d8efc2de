"""GET /api/v1/rollup/: the department roll-up page's rows (reports.rollup.build_rollup), as JSON for a token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from api import services
from indicators.models import ActionPlan, OrgUnit
from reports.demo_department import MONITOR_USERNAME, build_department
from reports.rollup import build_rollup

from .conftest import token_client

pytestmark = pytest.mark.django_db

YEAR = 2569
TODAY = dt.date(2026, 12, 1)  # FY 2569 has ended: both rounds closed
URL = "/api/v1/rollup/"


@pytest.fixture
def department(fy_today):
    fy_today(TODAY)
    build_department(units=6, indicators=6, year_be=YEAR, today=TODAY)
    return OrgUnit.objects.get(parent=None, name="กรมบังคับคดี")


def user(username):
    return get_user_model().objects.get(username=username)


def token_for(u):
    return token_client(services.token_issue(user=u, name="ทดสอบภาพรวม")[1])


def as_json(row) -> dict:
    """What the API must say for one of build_rollup's rows."""
    s = row.summary
    return {
        "plan": row.plan_id, "unit": row.unit_id, "unit_name": row.unit, "kind": row.kind, "region": row.region,
        "depth": row.depth, "total": s.total, "counts": s.counts, "average_level": s.average_level,
        "average_text": s.average_text, "verified": s.verified,
        "submissions": [(x.round_id, x.counts, x.status) for x in row.submissions],
        "selected": row.selected_submission.status if row.selected_submission else None,
        "last_update": row.last_update,
    }


def from_api(row) -> dict:
    from django.utils.dateparse import parse_datetime

    s = row["summary"]
    return {
        "plan": row["plan"], "unit": row["unit"], "unit_name": row["unit_name"], "kind": row["kind"],
        "region": row["region"], "depth": row["depth"], "total": s["total"], "counts": s["counts"],
        "average_level": s["average_level"], "average_text": s["average_text"], "verified": s["verified"],
        "submissions": [(x["round"], x["counts"], x["status"]) for x in row["submissions"]],
        "selected": row["selected_submission"]["status"] if row["selected_submission"] else None,
        "last_update": parse_datetime(row["last_update"]) if row["last_update"] else None,
    }


@pytest.mark.parametrize("params", [
    {},
    {"round": "6"},
    {"round": "12", "sort": "average", "desc": "1"},
    {"year": str(YEAR), "round": "6", "kind": "provincial", "status": "behind", "sort": "overdue"},
    {"round": "6", "status": "not_submitted", "sort": "submitted", "desc": "1"},
    {"region": "1", "sort": "updated"},
])
def test_the_api_rows_are_the_pages_rows(department, client, params):
    monitor = user(MONITOR_USERNAME)
    client.force_login(monitor)
    page = client.get(reverse("reports:rollup"), params)
    assert page.status_code == 200
    page_rows = page.context["r"].rows
    response = token_for(monitor).get(URL, params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [from_api(r) for r in body["rows"]] == [as_json(r) for r in page_rows]
    # The same as build_rollup for that user and those parameters (one row source, nothing recomputed).
    direct = build_rollup(user=monitor, params=params, today=TODAY)
    assert [from_api(r) for r in body["rows"]] == [as_json(r) for r in direct.rows]
    assert body["count"] == len(direct.rows) and body["all_units"] == direct.all_units
    assert body["totals"]["units"] == direct.totals.units
    assert body["totals"]["summary"]["counts"] == direct.totals.summary.counts
    assert body["totals"]["submission_counts"] == direct.totals.submission_counts
    assert body["year_be"] == YEAR and body["round"]["months"] == direct.round.months
    assert body["filters"] == direct.filters and body["sort"] == direct.sort


def test_every_unit_with_thai_as_utf8_and_be_dates(department):
    response = token_for(user(MONITOR_USERNAME)).get(URL, {"round": "6"})
    raw = response.content
    assert b"\\u0e" not in raw.lower()
    body = response.json()
    names = set(ActionPlan.objects.filter(fiscal_year__year_be=YEAR).values_list("org_unit__name", flat=True))
    assert {r["unit_name"] for r in body["rows"]} == names
    assert all(name.encode("utf-8") in raw for name in names)
    assert body["count"] == 6 and body["all_units"] == 6
    assert body["as_of"] == "2026-09-30" and body["as_of_be"] == "30/09/2569"
    assert body["round"]["closes_on_be"].endswith("/2569")
    row = next(r for r in body["rows"] if r["last_update"])
    assert row["last_update_be"].endswith("/2569") or row["last_update_be"].endswith("/2570")
    assert {x["status"] for r in body["rows"] for x in r["submissions"]} <= {"on_time", "late", "not_submitted"}


def test_a_unit_director_sees_only_his_subtree(department):
    office = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).first().parent
    director = user(f"dir-{office.pk}")
    body = token_for(director).get(URL).json()
    names = {r["unit_name"] for r in body["rows"]}
    assert names == {office.name, *OrgUnit.objects.filter(parent=office).values_list("name", flat=True)}
    assert body["all_units"] == len(names) < 6


def test_who_may_read_it_and_bad_filters(department, plan, users):
    # No appointment: 403, as on the page; no credentials: 401.
    refused = token_for(users["owner"]).get(URL)
    assert refused.status_code == 403 and "ภาพรวมระดับกรม" in refused.json()["detail"]
    assert token_client("nonsense").get(URL).status_code == 401
    from django.test import Client

    assert Client().get(URL).status_code == 401
    monitor = token_for(user(MONITOR_USERNAME))
    assert monitor.post(URL).status_code == 405
    # Bad filters: a Thai 400, never a 500 and never a silent other year.
    for bad in ({"kind": "x" * 500}, {"region": "๙๙"}, {"sort": "'; drop"}, {"status": "nope"}, {"round": "7"},
                {"year": "2500"}):
        response = monitor.get(URL, bad)
        assert response.status_code == 400, (bad, response.content)
        assert set(response.json()) == set(bad)
