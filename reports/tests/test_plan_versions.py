"""The row cache never shows stale data: every write to a plan replaces its version (issue 19).

reports.rows.build_rows is cached under indicators.versions.token(plan); these tests
fill the cache through the dashboard, write through the real services, and check that
the version changed and the next page shows the write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Evidence
from indicators import services as plan_services
from indicators import versions
from indicators.models import PolicyKPI
from reports.tests.conftest import steps_of

URL = reverse("reports:dashboard")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def row(response, number):
    return next(r for r in response.context["all_rows"] if r.number == number)


def shown_level(response, number) -> str:
    """The self-assessed level the reader sees in indicator `number`'s row (cached pages have no context)."""
    html = response.content.decode()
    row_html = html[html.index(f'<tr data-indicator="{number}"'):]
    cell = row_html[row_html.index('data-cell="self">') + len('data-cell="self">'):]
    return cell[:cell.index("</td>")]


@pytest.mark.django_db
def test_after_a_tick_the_next_dashboard_shows_it(client, plan, users, rounds, fy_today):
    fy_today(dt.date(2022, 2, 15))
    client.force_login(users["director"])
    one = plan.indicators.get(number=1)
    assert row(client.get(URL), 1).level == 0
    with CaptureQueriesContext(connection) as warm:
        cached = client.get(URL)  # served from the cache: no rows are built
    assert "all_rows" not in cached.context and shown_level(cached, 1) == "0"
    step = steps_of(one, rounds[6])[0]
    # Through the page, as an owner does (htmx POST), then the director's next view.
    owner_client = client.__class__()
    owner_client.force_login(users["owner"])
    response = owner_client.post(reverse("assessments:step-save", args=[step.pk]),
                                 {"done": "on", "done_on": "2022-01-10", "note": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content[:500]
    assert step.completions.filter(revoked_at__isnull=True).exists()
    fresh = client.get(URL)
    assert row(fresh, 1).level == 1 and shown_level(fresh, 1) == "1"
    assert row(fresh, 1).last_update is not None
    client.get(f"{URL}?stale=14")
    with CaptureQueriesContext(connection) as again:
        assert shown_level(client.get(f"{URL}?stale=14"), 1) == "1"  # another view, from the cache again
    assert len(warm.captured_queries) == len(again.captured_queries)


@pytest.mark.django_db
def test_every_kind_of_write_changes_the_version(plan, users, rounds, fy_today):
    fy_today(dt.date(2022, 3, 25))
    owner, director, admin = users["owner"], users["director"], users["admin"]
    one = plan.indicators.get(number=1)
    step1, step2 = steps_of(one, rounds[6])[:2]
    seen = [versions.token(plan.pk)]

    def changed(what):
        now = versions.token(plan.pk)
        assert now not in seen, f"{what} did not change the plan's version"
        seen.append(now)

    c = services.step_complete(step=step1, done_on=dt.date(2022, 1, 10), by=owner)
    changed("step tick")
    c = services.step_edit(step=step1, by=owner, done_on=dt.date(2022, 1, 11), note="แก้ไข",
                           expected_completion_id=c.pk, expected_version=c.version)
    changed("step edit")
    services.step_complete(step=step2, done_on=dt.date(2022, 1, 12), by=owner,
                           files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    changed("step tick with evidence")
    services.evidence_remove(evidence=Evidence.objects.get(original_name="หลักฐาน.pdf"), by=owner, reason="ผิดไฟล์")
    changed("evidence removed")
    c2 = step2.completions.get(revoked_at__isnull=True)
    services.step_uncomplete(step=step2, by=owner, reason="บันทึกผิด", expected_completion_id=c2.pk,
                             expected_version=c2.version)
    changed("step untick")
    services.round_report_save(indicator=one, round=rounds[6], by=owner, results="ผล", problems="", remedies="")
    changed("round report")
    services.round_submit(indicator=one, round=rounds[6], by=owner, note="ส่ง")
    changed("round submit")
    services.round_return(indicator=one, round=rounds[6], by=director, comment="แก้ไข")
    changed("round return")
    services.round_submit(indicator=one, round=rounds[6], by=owner, note="ส่งอีกครั้ง")
    changed("round resubmit")
    services.round_verify(indicator=one, round=rounds[6], by=director)
    changed("round verify")
    services.round_reopen(indicator=one, round=rounds[6], by=director, reason="เปิดแก้ไข")
    changed("round reopen")
    kpi = PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).first()
    assert kpi is not None, "the FY 2565 plan has 5G policy KPIs"
    services.kpi_measurement_record(kpi=kpi, value=Decimal("5"), measured_on=dt.date(2022, 3, 1), source="", by=director)
    changed("5G KPI value")
    plan_services.indicator_update(indicator=one, by=admin, name=one.name + " (ปรับ)")
    changed("plan administration: indicator renamed")
    plan_services.plan_update(plan=plan, by=admin, title=plan.title + " ๒", vision=plan.vision, mission=plan.mission,
                              motto=plan.motto, values_name=plan.values_name, culture=plan.culture)
    changed("plan administration: plan edited")


@pytest.mark.django_db
def test_a_flushed_cache_never_serves_old_rows(client, plan, users, rounds, fy_today):
    """The version lives in the cache: flushed, it comes back as a new random token, not as an old one."""
    fy_today(dt.date(2022, 2, 15))
    client.force_login(users["director"])
    before = versions.token(plan.pk)
    assert row(client.get(URL), 1).level == 0
    cache.clear()
    assert versions.token(plan.pk) != before
    services.step_complete(step=steps_of(plan.indicators.get(number=1), rounds[6])[0], done_on=dt.date(2022, 1, 10),
                           by=users["owner"])
    assert row(client.get(URL), 1).level == 1


@pytest.mark.django_db
def test_a_version_read_before_the_commit_is_replaced_by_the_commit(plan, users, rounds, fy_today, django_capture_on_commit_callbacks):
    """A reader between the write and its commit caches old rows under a token the commit replaces."""
    fy_today(dt.date(2022, 2, 15))
    with django_capture_on_commit_callbacks(execute=True):
        services.step_complete(step=steps_of(plan.indicators.get(number=1), rounds[6])[0],
                               done_on=dt.date(2022, 1, 10), by=users["owner"])
        during = versions.token(plan.pk)
    assert versions.token(plan.pk) != during


def first_undone_step(steps):
    """The first step not done of an indicator whose earlier steps are all done (ticking it raises the level)."""
    from assessments.models import StepCompletion
    from indicators.models import MilestoneStep

    done = StepCompletion.objects.active().values_list("step_id", flat=True)
    return next(s for s in steps.exclude(pk__in=done).order_by("criteria_set__indicator_id", "number")
                if not MilestoneStep.objects.filter(criteria_set=s.criteria_set, number__lt=s.number)
                .exclude(pk__in=done).exists())


def tick_in_year_end_round(step, by):
    """Reopen the indicator's locked rounds (an administrator's correction), then tick the step for the
    12-month round of FY 2569."""
    from assessments.models import RoundAssessment

    indicator = step.criteria_set.indicator
    for assessment in RoundAssessment.objects.filter(indicator=indicator, status__in=["submitted", "verified"]):
        services.round_reopen(indicator=indicator, round=assessment.round, by=by, reason="แก้ไขผล")
    services.step_complete(step=step, done_on=dt.date(2026, 9, 1), by=by)


@pytest.mark.django_db
def test_after_a_tick_the_next_rollup_shows_it(client, fy_today):
    """The roll-up keeps each unit's figures under that unit's plan version: a write in one unit shows at once."""
    from django.contrib.auth import get_user_model

    from indicators.models import MilestoneStep
    from reports.demo_department import MONITOR_USERNAME, build_department

    fy_today(dt.date(2026, 12, 1))
    build_department(units=8, indicators=6, year_be=2569, today=dt.date(2026, 12, 1))
    monitor = get_user_model().objects.get(username=MONITOR_USERNAME)
    client.force_login(monitor)
    url = reverse("reports:rollup")

    def unit_row(response, plan_id):
        return next(r for r in response.context["r"].rows if r.plan_id == plan_id)

    step = first_undone_step(MilestoneStep.objects.filter(criteria_set__indicator__plan__org_unit__kind="branch"))
    plan_id = step.criteria_set.indicator.plan_id
    first = client.get(url)
    before = unit_row(first, plan_id).summary.level_sum
    with CaptureQueriesContext(connection) as warm:
        cached = client.get(url)  # the page from the cache (its roll-up is built only when read, below)
    assert len(warm.captured_queries) < 10 and cached.content.count(b"<tr") == first.content.count(b"<tr")
    assert unit_row(cached, plan_id).summary.level_sum == before
    tick_in_year_end_round(step, monitor)
    assert unit_row(client.get(url), plan_id).summary.level_sum > before


@pytest.mark.django_db
def test_a_tick_on_a_cascaded_indicator_shows_on_the_parent_plans_kpi_card(client, fy_today):
    """The KPI card counts the indicators carried down to other units' plans: their writes reach it too."""
    from django.contrib.auth import get_user_model
    from indicators.models import ActionPlan, Cascade, MilestoneStep
    from reports.demo_department import MONITOR_USERNAME, build_department

    today = dt.date(2026, 12, 1)
    fy_today(today)
    build_department(units=8, indicators=6, year_be=2569, today=today)
    client.force_login(get_user_model().objects.get(username=MONITOR_USERNAME))

    monitor = get_user_model().objects.get(username=MONITOR_USERNAME)
    step = first_undone_step(MilestoneStep.objects.filter(criteria_set__indicator__cascaded_from__policy_kpi__isnull=False))
    kpi = Cascade.objects.filter(child=step.criteria_set.indicator, policy_kpi__isnull=False).first().policy_kpi
    # A plan that shows the KPI (its unit is below the KPI's), not the plan of the ticked indicator.
    plan = ActionPlan.objects.filter(fiscal_year=kpi.fiscal_year, org_unit__tree_path__startswith=kpi.org_unit.tree_path) \
        .exclude(pk=step.criteria_set.indicator.plan_id).first()
    url = f"{URL}?plan={plan.pk}"

    def card():
        html = client.get(url).content.decode()
        start = html.index(f'data-cascade="{kpi.pk}"')
        return html[start:html.index("</p>", start)]

    before = card()
    assert card() == before  # the second view is served from the cache
    tick_in_year_end_round(step, monitor)
    assert card() != before


@pytest.mark.django_db
def test_after_a_tick_the_next_indicator_page_shows_it(client, plan, users, rounds, fy_today):
    """The indicator page's content is cached per version and reader's rights: a tick shows at once."""
    fy_today(dt.date(2022, 2, 15))
    client.force_login(users["director"])
    one = plan.indicators.get(number=1)
    url = reverse("assessments:indicator", args=[one.pk])
    step = steps_of(one, rounds[6])[0]
    first = client.get(url)
    assert "indicator" in first.context and "progress" in first.context
    cached = client.get(url)
    assert "progress" not in cached.context  # the content came from the cache
    assert cached.content.count(b'name="csrfmiddlewaretoken"') == first.content.count(b'name="csrfmiddlewaretoken"')
    services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"])
    fresh = client.get(url)
    assert "progress" in fresh.context  # built again
    assert fresh.context["progress"].for_round(rounds[6]).level == 1
    # The owner, who may edit, never gets the director's cached page: different forms.
    owner = client.__class__()
    owner.force_login(users["owner"])
    mine = owner.get(url)
    assert "progress" in mine.context and mine.context["can_edit"]
