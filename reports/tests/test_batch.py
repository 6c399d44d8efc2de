"""ชุดรายงานสิ้นไตรมาส (reports/batch.py, reports/batch_views.py), with Celery eager (no broker).

Two small synthetic plans (sampledata.plans.make_plan, three indicators each) under one
department; a viewer of the department sees both, the director of the first unit only his,
staff without an appointment none. The task runs in-process after the job's commit, as it
does without a broker (django_capture_on_commit_callbacks runs what would run at commit).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from assessments import services
from assessments.models import Notice
from indicators.models import Appointment, Indicator, MilestoneStep, OrgUnit
from reports import batch
from reports.models import BatchJob
from sampledata.plans import make_plan

from conftest import make_user

pytestmark = pytest.mark.django_db
START, PAGE = "reports:batch-start", "reports:batch"


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    """The job runs in the test's process even where CELERY_BROKER_URL is set (a developer's shell)."""
    from kpi_tracker.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def real_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def world(fy_today):
    fy_today(dt.date(2022, 2, 15))
    department = OrgUnit.objects.create(name="กรมบังคับคดี", kind=OrgUnit.Kind.DEPARTMENT)
    first = make_plan(name="กลุ่มงานทดสอบ", indicators=3, department=department, sections=1, people=2)
    # A name Windows would refuse as it is: ":" "/" "?" and a trailing dot.
    second = make_plan(name="กอง: ทดสอบ/สอง?.", indicators=3, department=department, sections=1, people=2)
    viewer, director, staff = make_user("viewer"), make_user("director"), make_user("staff")
    Appointment.objects.create(user=viewer, org_unit=department, role=Appointment.Role.VIEWER)
    Appointment.objects.create(user=director, org_unit=first.org_unit, role=Appointment.Role.DIRECTOR)
    third = Indicator.objects.get(plan=first, number=3)  # steps 1-2 done, no round assessed
    step = MilestoneStep.objects.get(criteria_set__indicator=third, number=3)
    services.step_complete(step=step, done_on=dt.date(2021, 12, 1), by=director,
                           files=[SimpleUploadedFile("รายงานการประชุม.pdf", real_pdf())])
    return {"viewer": viewer, "director": director, "staff": staff, "first": first, "second": second}


def start(client, user, capture, **data):
    client.force_login(user)
    with capture(execute=True):
        return client.post(reverse(START), {"fiscal_year": "2565", "quarter": "1", **data})


def zip_of(client, job) -> zipfile.ZipFile:
    response = client.get(reverse("reports:batch-download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def stored_batches() -> list[str]:
    found = []

    def walk(folder):
        if not default_storage.exists(folder):
            return
        folders, files = default_storage.listdir(folder)
        found.extend(f"{folder}/{f}" for f in files)
        for sub in folders:
            walk(f"{folder}/{sub}")

    walk("batches")
    return found


def test_the_zip_holds_every_unit_s_scorecards_and_annex(client, world, django_capture_on_commit_callbacks):
    response = start(client, world["viewer"], django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse(PAGE)
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.DONE, job.error
    assert (job.done, job.total) == (8, 8) and job.size > 0 and job.finished_at
    archive = zip_of(client, job)
    root = "รายงานผลการดำเนินงาน ไตรมาสที่ 1 ปีงบประมาณ 2565"
    files = ("scorecard-2565-Q1-executive.pdf", "scorecard-2565-Q1.pdf", "scorecard-2565-Q1.xlsx",
             "evidence-annex-2565-Q1.pdf")
    expected = {f"{root}/{unit}/{name}" for unit in ("กลุ่มงานทดสอบ", "กอง_ ทดสอบ_สอง_") for name in files}
    assert set(archive.namelist()) == expected
    for name in archive.namelist():
        data = archive.read(name)
        assert data.startswith(b"%PDF" if name.endswith(".pdf") else b"PK"), name
    # The evidence PDF is appended to its unit's annex, with its bookmark; the other unit's annex lists none.
    annex = PdfReader(io.BytesIO(archive.read(f"{root}/กลุ่มงานทดสอบ/evidence-annex-2565-Q1.pdf")))
    titles = [item.title for item in annex.outline if not isinstance(item, list)]
    nested = [i.title for item in annex.outline if isinstance(item, list) for i in item]
    assert any("รายงานการประชุม.pdf" in t for t in titles + nested)
    empty = PdfReader(io.BytesIO(archive.read(f"{root}/กอง_ ทดสอบ_สอง_/evidence-annex-2565-Q1.pdf")))
    assert len(annex.pages) > len(empty.pages)
    notice = Notice.objects.get(recipient=world["viewer"], kind=Notice.Kind.REPORT_BATCH)
    assert "พร้อมดาวน์โหลด" in notice.title and notice.link == reverse(PAGE)
    assert no_temporary_files()


def no_temporary_files() -> bool:
    from django.conf import settings

    return not list((Path(settings.VAR_DIR) / "batch-tmp").iterdir())


def test_the_download_is_named_in_thai(client, world, django_capture_on_commit_callbacks):
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    response = client.get(reverse("reports:batch-download", args=[job.pk]))
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert batch.download_name(job) == "ชุดรายงานสิ้นไตรมาส 1-2565.zip"


def test_a_director_gets_only_the_units_he_may_see(client, world, django_capture_on_commit_callbacks):
    start(client, world["director"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.DONE and job.total == 4
    units = {name.split("/")[1] for name in zip_of(client, job).namelist()}
    assert units == {"กลุ่มงานทดสอบ"}


def test_a_batch_of_one_unit(client, world, django_capture_on_commit_callbacks):
    start(client, world["viewer"], django_capture_on_commit_callbacks, scope=str(world["second"].org_unit_id))
    job = BatchJob.objects.get()
    assert job.scope == world["second"].org_unit and job.total == 4
    assert {n.split("/")[1] for n in zip_of(client, job).namelist()} == {"กอง_ ทดสอบ_สอง_"}


def test_staff_without_an_appointment_may_not_start_one(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["staff"])
    assert client.get(reverse(PAGE)).status_code == 403
    assert start(client, world["staff"], django_capture_on_commit_callbacks).status_code == 403
    assert not BatchJob.objects.exists()


def test_a_unit_outside_what_the_user_sees_is_refused(client, world, django_capture_on_commit_callbacks):
    response = start(client, world["director"], django_capture_on_commit_callbacks,
                     scope=str(world["second"].org_unit_id))
    assert response.status_code == 400
    assert "เลือกหน่วยงานที่คุณมีสิทธิ์ดูแผนปฏิบัติการ" in response.content.decode()
    assert not BatchJob.objects.exists()


@pytest.mark.parametrize("data, message", [
    ({"quarter": "5"}, "เลือกไตรมาสที่ 1 ถึง 4"),
    ({"quarter": "หนึ่ง"}, "เลือกไตรมาสที่ 1 ถึง 4"),
    ({"fiscal_year": "2570"}, "เลือกปีงบประมาณที่มีแผนปฏิบัติการที่คุณมีสิทธิ์ดู"),
    ({"fiscal_year": ""}, "จำเป็น"),
])
def test_bad_input_says_why_and_starts_nothing(client, world, django_capture_on_commit_callbacks, data, message):
    response = start(client, world["viewer"], django_capture_on_commit_callbacks, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BatchJob.objects.exists()


def test_a_downloaded_batch_is_its_owner_s_only(client, world, django_capture_on_commit_callbacks):
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    client.force_login(world["director"])  # may open the page, but this batch is not his
    assert client.get(reverse("reports:batch-download", args=[job.pk])).status_code == 404
    client.force_login(world["staff"])
    assert client.get(reverse("reports:batch-download", args=[job.pk])).status_code == 403


def test_a_failure_leaves_no_file_and_shows_why(client, world, django_capture_on_commit_callbacks, monkeypatch):
    from reports import excel

    made = []

    def render_xlsx(sc):  # the first unit's workbook is made; the second one's fails
        if made:
            raise RuntimeError("disk on fire")
        made.append(sc)
        return b"PK-not-really"

    monkeypatch.setattr(excel, "render_xlsx", render_xlsx)
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.FAILED and not job.file and job.size == 0
    assert "กอง: ทดสอบ/สอง?." in job.error and "ไม่คาดคิด" in job.error
    assert 0 < job.done < job.total
    assert stored_batches() == []
    assert no_temporary_files()
    page = client.get(reverse(PAGE)).content.decode()
    assert job.error in page and 'data-state="failed"' in page
    assert client.get(reverse("reports:batch-download", args=[job.pk])).status_code == 404
    notice = Notice.objects.get(recipient=world["viewer"], kind=Notice.Kind.REPORT_BATCH)
    assert "ไม่สำเร็จ" in notice.title and notice.body == job.error


def test_storage_that_cannot_save_fails_the_job(client, world, django_capture_on_commit_callbacks, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", refuse)
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.FAILED and "พื้นที่จัดเก็บเต็ม" in job.error
    assert job.done == job.total == 8  # every file was made; only the save failed
    assert stored_batches() == []


def test_a_failure_after_the_save_deletes_the_saved_zip(client, world, django_capture_on_commit_callbacks,
                                                        monkeypatch):
    def notify(**kwargs):
        raise RuntimeError("the notice table is gone")

    monkeypatch.setattr(batch, "notify", notify)
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.FAILED and not job.file
    assert stored_batches() == []


def test_a_broker_that_is_down_fails_the_job_not_the_page(client, world, django_capture_on_commit_callbacks,
                                                          monkeypatch):
    from reports import tasks

    def down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.batch_run_task, "delay", down)
    response = start(client, world["viewer"], django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.FAILED and "ส่งงานเข้าคิวไม่ได้" in job.error


def test_a_double_submit_starts_one_job(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["viewer"])
    data = {"fiscal_year": "2565", "quarter": "2"}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse(START), data)
        second = client.post(reverse(START), data, follow=True)
    assert BatchJob.objects.count() == 1 and len(queued) == 1
    assert "กำลังจัดทำอยู่แล้ว ไม่ได้เริ่มซ้ำ" in second.content.decode()
    # Another quarter, or the same one once this is finished, is a new job.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse(START), {**data, "quarter": "1"})
    assert BatchJob.objects.count() == 2
    BatchJob.objects.filter(quarter=2).update(state=BatchJob.State.DONE)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse(START), data)
    assert BatchJob.objects.filter(quarter=2).count() == 2


def test_the_database_refuses_two_identical_active_jobs(world):
    BatchJob.objects.create(requested_by=world["viewer"], fiscal_year=2565, quarter=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchJob.objects.create(requested_by=world["viewer"], fiscal_year=2565, quarter=1, state="running")


def test_a_job_taken_twice_runs_once(world):
    job = BatchJob.objects.create(requested_by=world["viewer"], fiscal_year=2565, quarter=1,
                                  state=BatchJob.State.DONE, file="batches/x.zip", size=3)
    batch.batch_run(job.pk)
    job.refresh_from_db()
    assert job.state == BatchJob.State.DONE and job.file == "batches/x.zip"


def test_a_stale_job_shows_as_failed_and_can_be_started_again(client, world, django_capture_on_commit_callbacks,
                                                               settings):
    old = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 3600)
    job = BatchJob.objects.create(requested_by=world["viewer"], fiscal_year=2565, quarter=1,
                                  state=BatchJob.State.RUNNING, total=8, done=3)
    BatchJob.objects.filter(pk=job.pk).update(updated_at=old)
    client.force_login(world["viewer"])
    page = client.get(reverse(PAGE)).content.decode()
    assert 'data-state="failed"' in page and "หยุดไปโดยไม่เสร็จ" in page and "every 2s" not in page
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == BatchJob.State.FAILED
    assert BatchJob.objects.filter(state=BatchJob.State.DONE).count() == 1


def test_the_list_polls_while_a_job_runs(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["viewer"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse(START), {"fiscal_year": "2565", "quarter": "1"})
    page = client.get(reverse(PAGE)).content.decode()
    assert 'data-hx-trigger="every 2s"' in page and "<progress" in page and "โหลดหน้าใหม่" in page
    fragment = client.get(reverse(PAGE), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="batch-jobs"') and "<html" not in fragment
    BatchJob.objects.update(state=BatchJob.State.RUNNING, total=8, done=3)
    fragment = client.get(reverse(PAGE), headers={"HX-Request": "true"}).content.decode()
    assert 'max="8" value="3"' in fragment and "จัดทำแล้ว 3 จาก 8 ไฟล์" in fragment
    BatchJob.objects.update(state=BatchJob.State.QUEUED, done=0)
    for callback in queued:
        callback()
    fragment = client.get(reverse(PAGE), headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in fragment and reverse("reports:batch-download", args=[BatchJob.objects.get().pk]) in fragment


def test_the_roll_up_links_to_the_batch(client, world):
    client.force_login(world["viewer"])
    assert reverse(PAGE) in client.get(reverse("reports:rollup")).content.decode()


@pytest.mark.parametrize("name, safe", [
    ("กอง: ทดสอบ/สอง?.", "กอง_ ทดสอบ_สอง_"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("  สำนักงาน   บังคับคดี  ", "สำนักงาน บังคับคดี"),
    ("", "_"),
])
def test_safe_names(name, safe):
    assert batch.safe_name(name) == safe


def test_a_long_thai_name_is_not_cut_inside_a_syllable():
    name = "สำนักงานบังคับคดีจังหวัด" * 10
    cut = batch.safe_name(name, limit=21)  # the 22nd character is a vowel sign above its consonant
    assert len(cut) <= 21 and not cut.endswith("ั") and name.startswith(cut)


def test_units_of_the_same_name_get_folders_of_their_own(world):
    from indicators.models import ActionPlan

    first = world["first"]
    other_parent = OrgUnit.objects.create(name="สำนักอื่น", kind=OrgUnit.Kind.DIVISION, parent=first.org_unit.parent)
    twin = make_plan(name="กลุ่มงานทดสอบ", indicators=1, department=other_parent, sections=1, people=2)
    plans = list(ActionPlan.objects.filter(pk__in=[first.pk, twin.pk]).select_related("org_unit__parent"))
    folders = batch.unit_folders(plans)
    assert folders[first.pk] == "กลุ่มงานทดสอบ (กรมบังคับคดี)"
    assert folders[twin.pk] == "กลุ่มงานทดสอบ (สำนักอื่น)"


def test_a_unit_without_a_plan_that_year_says_so(client, world, django_capture_on_commit_callbacks):
    later = make_plan(name="กลุ่มงานปีหน้า", indicators=1, department=world["first"].org_unit.parent, year_be=2566,
                      sections=1, people=2)
    response = start(client, world["viewer"], django_capture_on_commit_callbacks, scope=str(later.org_unit_id))
    assert response.status_code == 400
    assert "ไม่มีแผนปฏิบัติการของปีงบประมาณ พ.ศ. 2565 ที่คุณมีสิทธิ์ดูในหน่วยงานที่เลือก" in response.content.decode()
    assert not BatchJob.objects.exists()


def test_the_page_costs_the_same_queries_for_one_job_and_twenty(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["viewer"])
    counts = []
    for jobs in (1, 20):
        BatchJob.objects.all().delete()
        BatchJob.objects.bulk_create(
            BatchJob(requested_by=world["viewer"], fiscal_year=2565, quarter=1 + n % 4, scope=world["first"].org_unit,
                     state=BatchJob.State.DONE, file=f"batches/{n}.zip") for n in range(jobs))
        assert client.get(reverse(PAGE)).status_code == 200  # the reader's Scope cached (indicators.readers)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(PAGE)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_job_closed_while_it_ran_keeps_no_zip(client, world, django_capture_on_commit_callbacks, monkeypatch):
    from reports import excel

    real = excel.render_xlsx

    def close_meanwhile(sc):  # as a new request for the same batch does with a job it finds stale
        BatchJob.objects.update(state=BatchJob.State.FAILED, error="ปิดแล้ว")
        return real(sc)

    monkeypatch.setattr(excel, "render_xlsx", close_meanwhile)
    start(client, world["viewer"], django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.FAILED and job.error == "ปิดแล้ว" and not job.file
    assert stored_batches() == [] and no_temporary_files()
