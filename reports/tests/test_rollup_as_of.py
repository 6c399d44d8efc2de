"""The department roll-up as of a date (?as_of=, typed in Buddhist Era like the scorecard's):
page, PDF, Excel and API; statuses, levels and timeliness are those of that day; a bad date is a
Thai message and a 400, never a 500 and never another day's numbers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from api import services as api_services
from api.tests.conftest import token_client
from assessments.levels import Timeliness
from indicators.models import OrgUnit
from reports.demo_department import MONITOR_USERNAME, build_department
from reports.rollup import build_rollup

pytestmark = pytest.mark.django_db

YEAR = 2569
TODAY = dt.date(2026, 12, 1)  # FY 2569 (1 Oct 2025 - 30 Sep 2026) has ended: both rounds closed
MID_MARCH = dt.date(2026, 3, 15)  # before the 6-month round closes (31 Mar 2026)
TYPED = "15/03/2569"


@pytest.fixture
def department(fy_today):
    fy_today(TODAY)
    build_department(units=5, indicators=6, year_be=YEAR, today=TODAY)
    return OrgUnit.objects.get(parent=None, name="กรมบังคับคดี")


@pytest.fixture
def monitor(department):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=MONITOR_USERNAME)


def numbers(rollup):
    return [(r.unit, r.summary.counts, r.summary.average_text, [(s.status, s.counts) for s in r.submissions],
             r.last_update) for r in rollup.rows]


def test_each_row_is_that_units_dashboard_on_that_day(monitor, client):
    rollup = build_rollup(user=monitor, params={"as_of": TYPED, "round": "6"}, today=TODAY)
    assert rollup.as_of == MID_MARCH and rollup.filters["as_of"] == MID_MARCH.isoformat() and not rollup.error
    client.force_login(monitor)
    for row in rollup.rows:
        page = client.get(reverse("reports:dashboard"), {"plan": row.plan_id, "round": rollup.round.pk,
                                                         "as_of": MID_MARCH.isoformat()})
        assert page.context["as_of"] == MID_MARCH
        summary = page.context["summary"].overall
        assert (row.summary.counts, row.summary.average_text) == (summary.counts, summary.average_text)
        dash = page.context["rows"]
        assert row.last_update == max((r.last_update for r in dash if r.last_update), default=None)
        assert row.last_update is None or row.last_update.date() <= MID_MARCH


def test_timeliness_and_levels_move_with_the_date(monitor):
    before = build_rollup(user=monitor, params={"as_of": TYPED, "round": "6"}, today=TODAY)
    now = build_rollup(user=monitor, params={"round": "6"}, today=TODAY)
    # Before the round closes nobody can be late; at the year's end some are (the demo has every state).
    assert before.totals.submission_counts[Timeliness.LATE] == 0
    assert all(s.counts[Timeliness.LATE] == 0 for r in before.rows for s in r.submissions)
    assert now.totals.submission_counts[Timeliness.LATE] > 0
    # The 12-month round's levels: what was done by mid-March, less than by the year's end.
    year_round = {"round": "12"}
    early = build_rollup(user=monitor, params={**year_round, "as_of": TYPED}, today=TODAY)
    late = build_rollup(user=monitor, params=year_round, today=TODAY)
    assert sum(r.summary.level_sum for r in early.rows) < sum(r.summary.level_sum for r in late.rows)


@pytest.mark.parametrize("typed", ["๑๕/๐๓/๒๕๖๙", "2026-03-15", "2569-03-15", " 15-3-2569 "])
def test_every_way_of_typing_the_day_is_the_same_roll_up(monitor, typed):
    expected = numbers(build_rollup(user=monitor, params={"as_of": TYPED}, today=TODAY))
    assert numbers(build_rollup(user=monitor, params={"as_of": typed}, today=TODAY)) == expected


def test_the_page_keeps_the_day_in_every_link_and_the_files_carry_it(monitor, client):
    client.force_login(monitor)
    page = client.get(reverse("reports:rollup"), {"as_of": TYPED, "kind": "provincial"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="15/03/2569"' in html and "15 มีนาคม 2569" in html
    day = f"as_of={MID_MARCH.isoformat()}"
    assert html.count(day) >= len(page.context["headers"]) + 2  # sort links, PDF, Excel
    assert all(f"plan={r.plan_id}&amp;round={page.context['r'].round.pk}&amp;{day}" in html
               for r in page.context["r"].rows)  # the drill-down opens the unit on the same day
    xlsx = client.get(reverse("reports:rollup-xlsx"), {"as_of": TYPED})
    assert xlsx.status_code == 200 and MID_MARCH.isoformat() in xlsx["Content-Disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert any("ข้อมูล ณ วันที่ 15 มีนาคม 2569" in str(c.value or "") for row in ws.iter_rows(max_row=4) for c in row)
    pdf = client.get(reverse("reports:rollup-pdf"), {"as_of": TYPED})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert MID_MARCH.isoformat() in pdf["Content-Disposition"]


BAD = [
    ("31/02/2569", "ไม่ถูกต้อง"),  # no such day
    ("พรุ่งนี้", "ไม่ถูกต้อง"),
    ("1" * 30, "ไม่ถูกต้อง"),
    ("02/12/2569", "ต้องไม่เกินวันนี้"),  # the day after TODAY
    ("01/01/2560", "ไม่มีแผนปฏิบัติการของปีงบประมาณ พ.ศ. 2560"),
]


@pytest.mark.parametrize("typed,message", BAD)
def test_a_bad_day_is_a_thai_message_and_a_400(monitor, client, typed, message):
    client.force_login(monitor)
    for name in ("reports:rollup", "reports:rollup-pdf", "reports:rollup-xlsx"):
        response = client.get(reverse(name), {"as_of": typed})
        assert response.status_code == 400, name
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode(), name
        assert not response.context["r"].rows
    api = token_client(api_services.token_issue(user=monitor, name="ทดสอบ")[1]).get("/api/v1/rollup/", {"as_of": typed})
    assert api.status_code == 400 and message in api.json()["as_of"][0]


def test_a_day_outside_the_year_asked_for_is_refused(monitor, client):
    client.force_login(monitor)
    page = client.get(reverse("reports:rollup"), {"year": str(YEAR), "as_of": "15/03/2568"})
    assert page.status_code == 400
    assert "วันที่ต้องอยู่ในปีงบประมาณ พ.ศ. 2569" in page.content.decode()
    # The form is still there, holding what was typed, so it can be corrected; the message is tied to the field.
    html = page.content.decode()
    assert 'value="15/03/2568"' in html
    assert 'aria-describedby="f-as-of-help rollup-error" aria-invalid="true"' in html and 'id="rollup-error"' in html
