"""The API's progress is the dashboard's: the same rows, statuses, levels and section counts,
at every quarter end of a year with recorded progress, for both rounds.

The dashboard is read as its reader reads it (its HTML, through the helpers of
reports/tests/test_screen_and_paper_agree.py); the API as its client does (JSON).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.levels import Status
from reports.tests.test_screen_and_paper_agree import QUARTER_ENDS, from_dashboard, year  # noqa: F401 (fixture)

from .conftest import token_client

pytestmark = pytest.mark.django_db


def from_api(body: dict) -> dict:
    rows = {
        r["number"]: {
            "target": r["target"],
            "self": r["level"] if r["has_criteria"] else None,
            "verified": r["verified_level"],
            "status": r["status"],
        }
        for r in body["rows"]
    }

    def section(s):
        return {"total": s["total"], **s["counts"], "average": s["average_text"]}

    sections = {s["name"]: section(s) for s in body["sections"]}
    sections["รวม"] = section(body["summary"])
    return {"rows": rows, "sections": sections}


def test_api_progress_equals_the_dashboard_at_every_quarter_end_for_both_rounds(client, users, year, token_of):
    client.force_login(users["director"])
    api = token_client(token_of("director"))
    rounds = {r.months: r for r in year.fiscal_year.rounds.all()}
    seen = set()
    for as_of in QUARTER_ENDS:
        for months in (6, 12):
            where = f"as of {as_of}, round {months}"
            params = {"as_of": as_of.isoformat(), "round": rounds[months].pk}
            html = client.get(reverse("reports:dashboard"), {"plan": year.pk, **params}).content.decode()
            response = api.get(f"/api/v1/plans/{year.pk}/progress/", params)
            assert response.status_code == 200, (where, response.content)
            body = response.json()
            assert body["as_of"] == as_of.isoformat() and body["round"]["id"] == rounds[months].pk, where
            dashboard, shown = from_dashboard(html), from_api(body)
            assert len(shown["rows"]) == 30, where
            assert shown["rows"] == dashboard["rows"], where
            assert shown["sections"] == dashboard["sections"], where
            seen |= {r["status"] for r in body["rows"]}
            # The status filter keeps exactly the rows of that status.
            for status in {r["status"] for r in body["rows"]}:
                only = api.get(f"/api/v1/plans/{year.pk}/progress/", {**params, "status": status}).json()
                assert {r["number"] for r in only["rows"]} == {
                    n for n, r in shown["rows"].items() if r["status"] == status}, where
    assert {Status.MET, Status.BEHIND, Status.OVERDUE, Status.ON_TRACK, Status.UNDEFINED} <= seen
