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


@pytest.mark.django_db
def test_after_a_tick_the_next_dashboard_shows_it(client, plan, users, rounds, fy_today):
    fy_today(dt.date(2022, 2, 15))
    client.force_login(users["director"])
    one = plan.indicators.get(number=1)
    assert row(client.get(URL), 1).level == 0
    with CaptureQueriesContext(connection) as warm:
        assert row(client.get(URL), 1).level == 0  # served from the cache
    step = steps_of(one, rounds[6])[0]
    # Through the page, as an owner does (htmx POST), then the director's next view.
    owner_client = client.__class__()
    owner_client.force_login(users["owner"])
    response = owner_client.post(reverse("assessments:step-save", args=[step.pk]),
                                 {"done": "on", "done_on": "2022-01-10", "note": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content[:500]
    assert step.completions.filter(revoked_at__isnull=True).exists()
    fresh = client.get(URL)
    assert row(fresh, 1).level == 1
    assert row(fresh, 1).last_update is not None
    with CaptureQueriesContext(connection) as cold:
        client.get(f"{URL}?stale=14")  # same rows, from the cache again
    assert len(warm.captured_queries) == len(cold.captured_queries)


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
