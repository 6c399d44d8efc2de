"""The department roll-up (issue 18): one row per unit from the row source, filters, sorting,
drill-down, PDF and Excel, timeliness, who sees which units, and its query count."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments import levels
from assessments.levels import Timeliness
from conftest import make_user
from indicators.models import ActionPlan, Appointment, Cascade, Indicator, OrgUnit
from reports import rows as row_source
from reports.rollup import build_rollup
from reports.demo_department import MONITOR_USERNAME, build_department

pytestmark = pytest.mark.django_db

YEAR = 2569
TODAY = dt.date(2026, 12, 1)  # FY 2569 has ended: both rounds closed


@pytest.fixture
def today(fy_today):
    return fy_today(TODAY)


@pytest.fixture
def department(today):
    build_department(units=12, indicators=6, year_be=YEAR, today=TODAY)
    return OrgUnit.objects.get(parent=None, name="กรมบังคับคดี")


def monitor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=MONITOR_USERNAME)


def director_of(name):
    from django.contrib.auth import get_user_model

    unit = OrgUnit.objects.get(name=name)
    return get_user_model().objects.get(username=f"dir-{unit.pk}")


def test_a_unit_row_equals_that_units_dashboard_summary(department, client):
    client.force_login(monitor())
    rollup = build_rollup(user=monitor(), params={"round": "6"}, today=TODAY)
    assert len(rollup.rows) == 12
    for row in rollup.rows[:4]:
        page = client.get(reverse("reports:dashboard"), {"plan": row.plan_id, "round": rollup.round.pk})
        assert page.status_code == 200
        summary = page.context["summary"].overall
        assert row.summary.counts == summary.counts
        assert (row.summary.total, row.summary.average_text, row.summary.verified) == (
            summary.total, summary.average_text, summary.verified)
        dash_rows = page.context["rows"]
        assert row.last_update == max((r.last_update for r in dash_rows if r.last_update), default=None)


def test_every_status_and_every_timeliness_appear(department):
    rollup = build_rollup(user=monitor(), params={"round": "6"}, today=TODAY)
    counts = rollup.totals.summary.counts
    assert counts[levels.Status.MET] and counts[levels.Status.UNDEFINED]
    assert counts[levels.Status.BEHIND] + counts[levels.Status.OVERDUE]
    assert all(rollup.totals.submission_counts[t] for t in Timeliness.ORDER), rollup.totals.submission_counts


def test_timeliness_rule():
    close = dt.date(2026, 3, 31)
    assert levels.timeliness(close, close) == Timeliness.ON_TIME
    assert levels.timeliness(close + dt.timedelta(days=1), close) == Timeliness.LATE
    assert levels.timeliness(None, close) == Timeliness.NOT_SUBMITTED
    assert levels.unit_timeliness({"on_time": 3, "late": 1, "not_submitted": 0}) == Timeliness.LATE
    assert levels.unit_timeliness({"on_time": 3, "late": 1, "not_submitted": 1}) == Timeliness.NOT_SUBMITTED
    assert levels.unit_timeliness({"on_time": 3, "late": 0, "not_submitted": 0}) == Timeliness.ON_TIME
    assert levels.unit_timeliness({"on_time": 0, "late": 0, "not_submitted": 0}) == Timeliness.NOT_SUBMITTED


def test_filters_and_sorting_come_from_the_url(department, client):
    client.force_login(monitor())
    page = client.get(reverse("reports:rollup"), {"kind": "provincial", "round": "6", "status": "behind",
                                                  "sort": "average", "desc": "1"})
    assert page.status_code == 200
    rows = page.context["r"].rows
    assert rows and all(r.kind == "provincial" and r.summary.behind > 0 for r in rows)
    averages = [r.summary.average_level or 0 for r in rows]
    assert averages == sorted(averages, reverse=True)
    region = rows[0].region
    page = client.get(reverse("reports:rollup"), {"region": str(region)})
    assert {r.region for r in page.context["r"].rows} == {region}
    # Nonsense parameters are ignored, never a 500.
    page = client.get(reverse("reports:rollup"), {"kind": "x" * 500, "region": "๙๙", "sort": "'; drop", "year": "²"})
    assert page.status_code == 200 and len(page.context["r"].rows) == 12


def test_a_unit_director_sees_only_his_subtree(department, client):
    office = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).first().parent
    sibling = OrgUnit.objects.filter(kind=OrgUnit.Kind.PROVINCIAL).exclude(pk=office.pk).first()
    director = director_of(office.name)
    client.force_login(director)
    page = client.get(reverse("reports:rollup"))
    names = {r.unit for r in page.context["r"].rows}
    assert names == {office.name, *OrgUnit.objects.filter(parent=office).values_list("name", flat=True)}
    sibling_plan = ActionPlan.objects.get(org_unit=sibling)
    assert client.get(reverse("reports:dashboard"), {"plan": sibling_plan.pk}).status_code == 404
    sibling_indicator = sibling_plan.indicators.first()
    assert client.get(reverse("assessments:indicator", args=[sibling_indicator.pk])).status_code == 404
    own = ActionPlan.objects.get(org_unit=office).indicators.first()
    assert client.get(reverse("assessments:indicator", args=[own.pk])).status_code == 200


def test_staff_without_an_appointment_are_refused(department, client, django_user_model):
    client.force_login(make_user("plain-staff"))
    assert client.get(reverse("reports:rollup")).status_code == 403
    assert client.get(reverse("reports:rollup-xlsx")).status_code == 403


def test_the_excel_has_one_row_per_unit_with_the_same_numbers(department, client):
    client.force_login(monitor())
    response = client.get(reverse("reports:rollup-xlsx"), {"round": "6", "kind": "provincial"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    header = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "หน่วยงาน")
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=header + 1) if row[0].value]
    rollup = build_rollup(user=monitor(), params={"round": "6", "kind": "provincial"}, today=TODAY)
    assert [d[0] for d in data] == [r.unit for r in rollup.rows]
    assert [d[4] for d in data] == [r.summary.met for r in rollup.rows]


def test_query_count_is_the_same_for_10_and_100_units(today):
    build_department(units=10, indicators=2, year_be=YEAR, today=TODAY)
    with CaptureQueriesContext(connection) as small:
        assert len(build_rollup(user=monitor(), params={}, today=TODAY).rows) == 10
    build_department(units=100, indicators=2, year_be=YEAR, today=TODAY)
    with CaptureQueriesContext(connection) as large:
        assert len(build_rollup(user=monitor(), params={}, today=TODAY).rows) == 100
    assert len(small.captured_queries) == len(large.captured_queries)


def test_seed_department_is_idempotent_and_never_in_production(today, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_department", "--units", "3", stdout=StringIO())
    settings.DEBUG = True
    call_command("seed_department", "--units", "5", "--indicators", "6", "--year", str(YEAR), stdout=StringIO())
    counts = (OrgUnit.objects.count(), ActionPlan.objects.count(), Indicator.objects.count(), Cascade.objects.count())
    call_command("seed_department", "--units", "5", "--indicators", "6", "--year", str(YEAR), stdout=StringIO())
    assert (OrgUnit.objects.count(), ActionPlan.objects.count(), Indicator.objects.count(),
            Cascade.objects.count()) == counts
    assert counts[3] >= 5 * 5  # five 5G KPIs cascaded to every unit


def test_done_when_the_monitor_works_through_100_units(today, settings, client):
    """After seed_department --units 100: the roll-up of 100 units and 3,000 indicators, the provincial
    offices behind on the 6-month round, one of them, one of its indicators, PDF and Excel."""
    settings.DEBUG = True
    call_command("seed_department", "--units", "100", "--indicators", "30", "--year", str(YEAR), stdout=StringIO())
    client.force_login(monitor())
    page = client.get(reverse("reports:rollup"))
    assert page.status_code == 200
    r = page.context["r"]
    assert len(r.rows) == 100 and r.totals.summary.total == 3000
    query = {"kind": "provincial", "round": "6", "status": "behind"}
    page = client.get(reverse("reports:rollup"), query)
    rows = page.context["r"].rows
    assert rows and all(x.kind == "provincial" and x.summary.behind for x in rows)
    drill = reverse("reports:dashboard") + f"?plan={rows[0].plan_id}&amp;round={page.context['r'].round.pk}"
    assert drill in page.content.decode()
    unit_page = client.get(reverse("reports:dashboard"), {"plan": rows[0].plan_id, "round": page.context["r"].round.pk})
    assert unit_page.status_code == 200 and unit_page.context["plan"].pk == rows[0].plan_id
    one = unit_page.context["rows"][0]
    assert client.get(reverse("assessments:indicator", args=[one.indicator_id])).status_code == 200
    xlsx = client.get(reverse("reports:rollup-xlsx"), query)
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = client.get(reverse("reports:rollup-pdf"), query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert rows[0].unit in text and "ภาพรวมผลการดำเนินงานตามตัวชี้วัดระดับกรม" in text


def test_rows_for_plans_is_build_rows_summarised(department):
    """The additive row-source function agrees with build_rows for every unit (same progress, same summary)."""
    plans = list(ActionPlan.objects.filter(fiscal_year__year_be=YEAR).select_related("fiscal_year", "org_unit"))
    rounds = row_source.plan_rounds(plans[0])
    as_of = row_source.plan_default_as_of(plans[0], TODAY)
    many = row_source.rows_for_plans(plans=plans, rounds=rounds, round=rounds[0], as_of=as_of)
    for plan in plans:
        one = row_source.build_rows(plan=plan, as_of=as_of, round=rounds[0], rounds=rounds)
        assert many[plan.pk].summary.overall.counts == one.summary.overall.counts
        assert [(r.level, r.status, r.verified_level) for r in many[plan.pk].rows] == [
            (r.level, r.status, r.verified_level) for r in one.rows]


def test_a_director_appointed_on_the_department_sees_every_unit(department):
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create_user("dept-boss", password="x-long-password-1")
    Appointment.objects.create(user=boss, org_unit=department, role=Appointment.Role.DIRECTOR)
    assert len(build_rollup(user=boss, params={}, today=TODAY).rows) == 12


def test_unit_directors_are_told_which_units_submitted_on_time_late_or_not(today, fy_today):
    from django.core import mail

    build_department(units=12, indicators=6, year_be=YEAR, today=TODAY)
    fy_today(dt.date(2026, 9, 25))  # the 12-month round's last week; the 6-month round has closed
    call_command("send_reminders", "--date", "2026-09-25", stdout=StringIO(), stderr=StringIO())
    rollup = build_rollup(user=monitor(), params={"round": "6"}, today=TODAY)
    digests = {m.to[0]: m.body for m in mail.outbox if m.to[0].startswith("dir-")}
    checked = 0
    for row in rollup.rows:
        body = digests.get(f"dir-{row.unit_id}@example.go.th")
        if row.selected_submission.status == Timeliness.NOT_SUBMITTED:
            assert body is not None, f"{row.unit} never submitted the 6-month round: its director is told"
        if body is None:
            continue
        checked += 1
        sub = row.selected_submission
        assert f"{row.unit} · รอบ 6 เดือน: {sub.status_label}" in body
        assert f"ส่งตรงเวลา {sub.counts['on_time']} · ส่งล่าช้า {sub.counts['late']}" in body
    assert checked >= 3
