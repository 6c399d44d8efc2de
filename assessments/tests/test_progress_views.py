"""Owners record progress: pages and actions as each role, history, uploads, conflicts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Evidence, HistoryEntry, RoundAssessment, StepCompletion
from assessments.selectors import progress_for
from indicators.models import MilestoneStep

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = dt.date(2022, 2, 15)


@pytest.fixture(autouse=True)
def _today(fy_today):
    fy_today(TODAY)


def steps_of(indicator):
    return {s.number: s for s in MilestoneStep.objects.filter(criteria_set__indicator=indicator)}


def client_for(client, users, role):
    if role != "anonymous":
        client.force_login(users[role])
    return client


def tick(client, step, rnd, day="2022-01-10", note="", files=None, htmx=False):
    data = {"done": "on", "done_on": day, "note": note, "round": rnd.pk}
    if files:
        data["files"] = files
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("assessments:step-save", args=[step.pk]), data, headers=headers)


def level(indicator, rnd):
    return progress_for([indicator], [rnd], TODAY)[indicator.pk].rounds[0].level


# --- pages as each role -----------------------------------------------------

@pytest.mark.parametrize("role,status", [
    ("anonymous", 302), ("owner", 200), ("coowner", 200), ("other_staff", 200),
    ("director", 200), ("viewer", 200), ("admin", 200),
])
def test_indicator_page_as_each_role(client, users, indicator, role, status):
    response = client_for(client, users, role).get(reverse("assessments:indicator", args=[indicator.pk]))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "ระดับความสำเร็จการจัดทำคู่มือกระบวนการ" in body
        assert "ดำเนินการรวบรวม ศึกษา วิเคราะห์ ข้อมูลรายละเอียดที่เกี่ยวข้องกับการจัดทำคู่มือมาตรฐาน" in body
        editable = role in ("owner", "coowner", "admin")
        assert ('type="checkbox" name="done"' in body) is editable
        assert ("ส่งผลการประเมินตนเอง" in body) is editable


@pytest.mark.parametrize("role,expected", [
    ("owner", 200), ("coowner", 200), ("admin", 200), ("other_staff", 403), ("director", 403), ("viewer", 403),
])
def test_only_owners_and_admins_may_tick(client, users, indicator, rounds, role, expected):
    step = steps_of(indicator)[1]
    response = tick(client_for(client, users, role), step, rounds[6], htmx=True)
    assert response.status_code == expected
    assert StepCompletion.objects.filter(step=step).exists() is (expected == 200)


def test_anonymous_post_redirects_to_login_and_changes_nothing(client, indicator, rounds):
    response = tick(client, steps_of(indicator)[1], rounds[6])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not StepCompletion.objects.exists()


def test_outsider_gets_404_for_another_units_indicator(client, users, indicator):
    from indicators.models import OrgUnit, Person

    elsewhere = OrgUnit.objects.create(name="สำนักงานบังคับคดีจังหวัดเชียงใหม่", kind="office")
    from conftest import make_user

    stranger = make_user("stranger")
    Person.objects.create(first_name="คนนอก", last_name="ทดสอบ", org_unit=elsewhere, user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("assessments:indicator", args=[indicator.pk])).status_code == 404


@pytest.mark.parametrize("role", ["owner", "coowner", "other_staff"])
def test_my_indicators_lists_what_the_user_owns(client, users, plan, role):
    body = client_for(client, users, role).get(reverse("assessments:my-indicators")).content.decode()
    if role == "owner":  # สุวิมล: 1-8 primary, plus the all-staff 20-23
        assert "ระดับความสำเร็จการจัดทำคู่มือกระบวนการ" in body
        assert "ผู้รับผิดชอบหลัก" in body and "ทุกตำแหน่ง" in body
        assert "ระดับความสำเร็จการถอดเทปการประชุม" not in body
    if role == "coowner":
        assert "ผู้รับผิดชอบรอง" in body
    if role == "other_staff":
        assert "ระดับความสำเร็จการถอดเทปการประชุม" in body
        assert "ระดับความสำเร็จการจัดทำคู่มือกระบวนการ" not in body


# --- the cumulative rule on the page -------------------------------------------

def test_out_of_order_tick_is_shown_done_but_not_counted(client, users, indicator, rounds):
    client.force_login(users["owner"])
    s = steps_of(indicator)
    for n in (1, 2, 4):
        assert tick(client, s[n], rounds[6], htmx=True).status_code == 200
    response = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk})
    body = response.content.decode()
    assert "ผลการประเมินตนเอง: ระดับ 2" in body
    assert "ยังไม่นับ เพราะขั้นตอนที่ 3 ยังไม่ได้ดำเนินการ" in body
    assert level(indicator, rounds[6]) == 2


def test_htmx_tick_returns_the_step_row_and_the_new_level_only(client, users, indicator, rounds):
    client.force_login(users["owner"])
    response = tick(client, steps_of(indicator)[1], rounds[6], htmx=True)
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li class="step-row rounded p-2 mb-2 border" id="step-{steps_of(indicator)[1].pk}"')
    assert "ผลการประเมินตนเอง: ระดับ 1" in body
    assert "<html" not in body and 'id="round-panel"' not in body
    assert len(body) < 12_000  # the whole panel with its history was four times this


def test_a_refused_htmx_tick_answers_with_the_whole_panel_in_place_of_the_row(client, users, indicator, rounds):
    """A step's form targets its row; a refusal (here: a date in the future) shows the fresh panel instead."""
    client.force_login(users["owner"])
    response = tick(client, steps_of(indicator)[1], rounds[6], day="2099-01-01", htmx=True)
    body = response.content.decode()
    assert response.headers["HX-Retarget"] == "#round-panel" and response.headers["HX-Reswap"] == "outerHTML"
    assert body.lstrip().startswith('<section id="round-panel"') and "alert-danger" in body
    assert not StepCompletion.objects.exists()


def test_without_javascript_a_tick_redirects_back(client, users, indicator, rounds):
    client.force_login(users["owner"])
    response = tick(client, steps_of(indicator)[1], rounds[6])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("assessments:indicator", args=[indicator.pk]))


# --- history -----------------------------------------------------------------------

def test_every_kind_of_change_is_in_the_history(client, users, indicator, rounds):
    client.force_login(users["owner"])
    step = steps_of(indicator)[1]
    tick(client, step, rounds[6], note="ประชุมแล้ว", files=[SimpleUploadedFile("หลักฐาน ขั้นที่ ๑.pdf", PDF)])
    c = StepCompletion.objects.get(step=step)
    client.post(reverse("assessments:step-save", args=[step.pk]), {
        "done": "on", "done_on": "2022-01-12", "note": "แก้หมายเหตุ", "round": rounds[6].pk,
        "completion_id": c.pk, "version": c.version})
    e = Evidence.objects.get()
    client.post(reverse("assessments:evidence-remove", args=[e.pk]), {"round": rounds[6].pk})
    c.refresh_from_db()
    client.post(reverse("assessments:step-save", args=[step.pk]), {
        "done_on": "2022-01-12", "reason": "บันทึกผิดขั้นตอน", "round": rounds[6].pk,
        "completion_id": c.pk, "version": c.version})
    actions = list(HistoryEntry.objects.filter(indicator=indicator).order_by("pk").values_list("action", flat=True))
    assert actions == ["step_done", "evidence_added", "step_edited", "evidence_removed", "step_undone"]
    edited = HistoryEntry.objects.get(action="step_edited")
    assert edited.before["done_on"] == "2022-01-10" and edited.after["done_on"] == "2022-01-12"
    assert edited.before["note"] == "ประชุมแล้ว" and edited.after["note"] == "แก้หมายเหตุ"
    assert HistoryEntry.objects.get(action="step_undone").comment == "บันทึกผิดขั้นตอน"
    # Nothing is deleted: the revoked completion and the removed evidence are still there.
    assert StepCompletion.objects.filter(step=step, revoked_at__isnull=False).count() == 1
    assert Evidence.objects.filter(removed_at__isnull=False).count() == 1
    body = client.get(reverse("assessments:indicator", args=[indicator.pk])).content.decode()
    assert body.index("ยกเลิกการดำเนินการ") < body.index("บันทึกว่าดำเนินการแล้ว")  # newest first
    assert "บันทึกผิดขั้นตอน" in body


def test_unticking_needs_a_reason(client, users, indicator, rounds):
    client.force_login(users["owner"])
    step = steps_of(indicator)[1]
    tick(client, step, rounds[6])
    c = StepCompletion.objects.get(step=step)
    response = client.post(reverse("assessments:step-save", args=[step.pk]), {
        "round": rounds[6].pk, "completion_id": c.pk, "version": c.version}, HTTP_HX_REQUEST="true")
    assert "กรุณาระบุเหตุผล" in response.content.decode()
    assert StepCompletion.objects.active().filter(step=step).exists()


# --- evidence -----------------------------------------------------------------------

def test_evidence_keeps_its_thai_name_and_downloads_as_attachment(client, users, indicator, rounds):
    client.force_login(users["owner"])
    tick(client, steps_of(indicator)[1], rounds[6], files=[SimpleUploadedFile("รายงานการประชุม ครั้งที่ ๑.pdf", PDF)])
    e = Evidence.objects.get()
    assert e.original_name == "รายงานการประชุม ครั้งที่ ๑.pdf"
    assert "รายงาน" not in e.file.name  # stored under a random name, outside static
    response = client.get(reverse("assessments:evidence-download", args=[e.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("role,status", [("viewer", 200), ("other_staff", 200), ("anonymous", 302)])
def test_evidence_download_follows_indicator_visibility(client, users, indicator, rounds, role, status):
    owner = client_for(client, users, "owner")
    tick(owner, steps_of(indicator)[1], rounds[6], files=[SimpleUploadedFile("a.pdf", PDF)])
    client.logout()
    e = Evidence.objects.get()
    assert client_for(client, users, role).get(reverse("assessments:evidence-download", args=[e.pk])).status_code == status


@pytest.mark.parametrize("name,content,message", [
    ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "ไม่ใช่ชนิดที่รับได้"),
    ("page.html", b"<html><script>alert(1)</script></html>", "ไม่ใช่ชนิดที่รับได้"),
    ("picture.pdf", PNG, "ไม่ใช่ชนิดที่รับได้"),  # extension and content disagree
    ("empty.pdf", b"", "ว่างเปล่า"),
])
def test_wrong_type_files_are_refused_and_nothing_is_saved(client, users, indicator, rounds, name, content, message):
    client.force_login(users["owner"])
    response = tick(client, steps_of(indicator)[1], rounds[6], files=[SimpleUploadedFile(name, content)], htmx=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StepCompletion.objects.exists() and not Evidence.objects.exists() and not HistoryEntry.objects.exists()


def test_oversized_file_is_refused(client, users, indicator, rounds, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(users["owner"])
    big = SimpleUploadedFile("ใหญ่.pdf", PDF + b"0" * 2048)
    body = tick(client, steps_of(indicator)[1], rounds[6], files=[big], htmx=True).content.decode()
    assert "เกินขนาดที่รับได้" in body
    assert not StepCompletion.objects.exists()


# --- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("day,message", [
    ("2022-02-16", "ต้องไม่เป็นวันในอนาคต"),
    ("2021-09-30", "ต้องอยู่ในปีงบประมาณ พ.ศ. 2565"),
    ("31/02/2022", "วันที่ไม่ถูกต้อง"),
])
def test_bad_dates_get_a_thai_message(client, users, indicator, rounds, day, message):
    client.force_login(users["owner"])
    body = tick(client, steps_of(indicator)[1], rounds[6], day=day, htmx=True).content.decode()
    assert message in body
    assert not StepCompletion.objects.exists()


def test_a_note_of_100000_characters_is_refused(client, users, indicator, rounds):
    client.force_login(users["owner"])
    body = tick(client, steps_of(indicator)[1], rounds[6], note="ก" * 100_000, htmx=True).content.decode()
    assert "หมายเหตุยาวเกินไป" in body
    assert not StepCompletion.objects.exists()


def test_html_in_a_note_is_escaped(client, users, indicator, rounds):
    client.force_login(users["owner"])
    tick(client, steps_of(indicator)[1], rounds[6], note="<script>alert('x')</script>")
    body = client.get(reverse("assessments:indicator", args=[indicator.pk])).content.decode()
    assert "<script>alert(" not in body and "&lt;script&gt;" in body


def test_a_step_of_another_indicator_is_forbidden(client, users, plan, rounds):
    """สุวิมล owns ๑-๘, not ๒๔: posting to a step of ๒๔ is refused."""
    client.force_login(users["owner"])
    other = plan.indicators.get(number=24)
    nine = plan.indicators.get(number=9)  # owned by ธนพร, not สุวิมล
    step = steps_of(nine)[1]
    assert tick(client, step, rounds[6]).status_code == 403
    assert client.post(reverse("assessments:step-save", args=[999999]), {"done": "on"}).status_code == 404
    assert not StepCompletion.objects.exists()
    assert other.pk  # exists, without criteria


def test_missing_csrf_token_is_refused_in_thai(users, indicator, rounds):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["owner"])
    response = tick(client, steps_of(indicator)[1], rounds[6])
    assert response.status_code == 403
    assert "ไม่ได้บันทึกข้อมูลใด ๆ" in response.content.decode()
    assert not StepCompletion.objects.exists()


# --- submitting and the lock ------------------------------------------------------------

def test_submitting_locks_the_round_for_owners(client, users, indicator, rounds):
    client.force_login(users["owner"])
    s = steps_of(indicator)
    tick(client, s[1], rounds[6])
    response = client.post(reverse("assessments:round-submit", args=[indicator.pk, rounds[6].pk]), {"note": "ส่งแล้ว"})
    assert response.status_code == 302
    a = RoundAssessment.objects.get(indicator=indicator, round=rounds[6])
    assert a.status == "submitted" and a.self_level == 1
    body = tick(client, s[2], rounds[6], htmx=True).content.decode()
    assert "ส่งผลการประเมินตนเองแล้ว" in body and "แก้ไขขั้นตอนนี้ไม่ได้" in body
    assert not StepCompletion.objects.filter(step=s[2]).exists()
    page = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    assert "รอตรวจสอบ" in page and 'name="done"' not in page
    assert HistoryEntry.objects.filter(action="round_submitted").count() == 1


def test_a_returned_round_is_open_again_and_shows_the_comment(client, users, indicator, rounds):
    from assessments import services

    client.force_login(users["owner"])
    tick(client, steps_of(indicator)[1], rounds[6])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    services.round_return(indicator=indicator, round=rounds[6], by=users["director"], comment="แนบหลักฐานการประชุมด้วย")
    page = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    assert "แนบหลักฐานการประชุมด้วย" in page and 'name="done"' in page
    assert "แนบหลักฐานการประชุมด้วย" in client.get(reverse("assessments:my-indicators")).content.decode()


# --- no lost updates --------------------------------------------------------------------

def test_two_owners_ticking_different_steps_both_succeed(client, users, indicator, rounds):
    from django.test import Client

    a, b = Client(), Client()
    a.force_login(users["owner"])
    b.force_login(users["coowner"])
    s = steps_of(indicator)
    assert tick(a, s[1], rounds[6]).status_code == 302
    assert tick(b, s[2], rounds[6]).status_code == 302
    assert level(indicator, rounds[6]) == 2


def test_a_stale_form_does_not_overwrite_a_newer_change(client, users, indicator, rounds):
    from django.test import Client

    a, b = Client(), Client()
    a.force_login(users["owner"])
    b.force_login(users["coowner"])
    step = steps_of(indicator)[1]
    tick(a, step, rounds[6], note="บันทึกของสุวิมล")
    c = StepCompletion.objects.get(step=step)
    stale = {"done": "on", "done_on": "2022-01-10", "round": rounds[6].pk, "completion_id": c.pk, "version": c.version}
    b.post(reverse("assessments:step-save", args=[step.pk]), {**stale, "note": "พัชรเมศร์แก้"})
    response = a.post(reverse("assessments:step-save", args=[step.pk]), {**stale, "note": "สุวิมลแก้ทับ"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "ถูกแก้ไขโดยผู้อื่น" in body
    assert "พัชรเมศร์แก้" in body  # the current state is shown
    c.refresh_from_db()
    assert c.note == "พัชรเมศร์แก้"
    # Someone ticking a step that another owner already ticked is told so, too.
    response = tick(b, step, rounds[6], htmx=True)
    assert "มีผู้บันทึกว่าดำเนินการแล้ว" in response.content.decode()
    assert StepCompletion.objects.filter(step=step).count() == 1


# --- query counts -----------------------------------------------------------------------

def _extra_plan_owned_by(user, n):
    """Another unit's plan with n indicators, all owned by the user, with a tick each."""
    from assessments.services import step_complete
    from indicators.models import (ActionPlan, CriteriaSet, Indicator, IndicatorOwner, OrgUnit, Target)

    person = user.person
    plan = ActionPlan.objects.get()
    unit = OrgUnit.objects.create(name=f"หน่วยทดสอบ {n}", kind="division", parent=plan.org_unit.parent)
    other = ActionPlan.objects.create(org_unit=unit, fiscal_year=plan.fiscal_year, title="แผนทดสอบ")
    rounds = list(plan.fiscal_year.rounds.all())
    for k in range(1, n + 1):
        i = Indicator.objects.create(plan=other, number=k, name=f"ตัวชี้วัดทดสอบที่ {k}")
        IndicatorOwner.objects.create(indicator=i, person=person, role="primary")
        for r in rounds:
            Target.objects.create(indicator=i, round=r, level=3 if r.months == 6 else 5)
        cs = CriteriaSet.objects.create(indicator=i)
        steps = MilestoneStep.objects.bulk_create(MilestoneStep(criteria_set=cs, number=m, text=f"ขั้นตอน {m}") for m in range(1, 6))
        step_complete(step=steps[0], done_on=dt.date(2022, 1, 5), by=user)
    return other


def _count(client, url, django_assert_max_num_queries=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_my_indicators_and_indicator_page_queries_do_not_grow(client, users, plan):
    client.force_login(users["coowner"])  # owns 3 indicators (1, 9, 10) + the 4 all-staff ones
    from django.core.cache import cache

    page = reverse("assessments:indicator", args=[plan.indicators.get(number=1).pk])
    cache.clear()  # each count from a cold cache (the year's rounds are cached too)
    small = _count(client, reverse("assessments:my-indicators"))
    cache.clear()
    page_small = _count(client, page)  # built
    page_small_cached = _count(client, page)  # its content from the cache
    _extra_plan_owned_by(users["coowner"], 30)
    # the extra plan is in the same year: "my indicators" now lists 30 more
    cache.clear()
    large = _count(client, reverse("assessments:my-indicators"))
    cache.clear()
    page_large = _count(client, page)
    assert small == large
    assert page_small == page_large
    assert page_small_cached == _count(client, page) < page_small
