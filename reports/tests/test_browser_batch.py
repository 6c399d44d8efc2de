"""The quarter-end batch page in Chromium: started from the form (eager, no broker), and a running
job's progress bar that turns into a download link by itself (htmx polling), at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from assessments.tests.test_browser import browser  # noqa: F401  (fixture)
from indicators.models import Appointment, OrgUnit
from reports.models import BatchJob
from reports.tests.test_browser_dashboard import WIDTHS, sideways, signed_in_context
from sampledata.plans import make_plan

from conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    """The job runs in the test's process even where CELERY_BROKER_URL is set (a developer's shell)."""
    from kpi_tracker.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def viewer(fy_today):
    fy_today(dt.date(2022, 2, 15))
    department = OrgUnit.objects.create(name="กรมบังคับคดี", kind=OrgUnit.Kind.DEPARTMENT)
    make_plan(name="กลุ่มงานทดสอบ", indicators=2, department=department, sections=1, people=2)
    user = make_user("batch-viewer")
    Appointment.objects.create(user=user, org_unit=department, role=Appointment.Role.VIEWER)
    return user


def test_a_batch_started_from_the_form_is_ready_to_download(browser, live_server, viewer):  # noqa: F811
    context = signed_in_context(browser, live_server, viewer, 1280)
    page = context.new_page()
    page.goto(live_server.url + reverse("reports:batch"))
    page.get_by_label("ไตรมาส").select_option("1")
    page.get_by_role("button", name="เริ่มจัดทำชุดรายงาน").click()
    page.get_by_text("สั่งจัดทำชุดรายงานไตรมาสที่ 1").wait_for()
    link = page.get_by_role("link", name="ดาวน์โหลด ZIP")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "ชุดรายงานสิ้นไตรมาส 1-2565.zip"
    context.close()


def test_the_progress_bar_follows_the_job_without_a_reload(browser, live_server, viewer):  # noqa: F811
    job = BatchJob.objects.create(requested_by=viewer, fiscal_year=2565, quarter=2, state=BatchJob.State.RUNNING,
                                  total=8, done=3)
    failures = []
    for width in WIDTHS:
        BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.State.RUNNING, done=3, file="")
        context = signed_in_context(browser, live_server, viewer, width)
        page = context.new_page()
        page.goto(live_server.url + reverse("reports:batch"))
        bar = page.locator(f"#batch-progress-{job.pk}")
        assert bar.get_attribute("value") == "3" and bar.get_attribute("max") == "8"
        failures += [f"{width}px: {p}" for p in sideways(page)]
        BatchJob.objects.filter(pk=job.pk).update(done=6)
        expect(page.locator(f"#batch-progress-{job.pk}")).to_have_attribute("value", "6", timeout=6000)
        stored = BatchJob.objects.get(pk=job.pk)
        stored.file.save("ready.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=False)
        BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.State.DONE, done=8, file=stored.file.name, size=22)
        page.get_by_role("link", name="ดาวน์โหลด ZIP").wait_for(timeout=6000)
        assert page.locator(f"#batch-progress-{job.pk}").count() == 0
        failures += [f"{width}px done: {p}" for p in sideways(page)]
        context.close()
    assert not failures, "\n".join(failures)
