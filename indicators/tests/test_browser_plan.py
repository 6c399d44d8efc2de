"""The plan pages in Chromium: the "done when" of issue 15.

The administrator writes the five steps of indicator ๒๐ and its owners tick them at once;
copies FY 2565 to 2566, renames an indicator, publishes, and owners see FY 2566; an
uploaded plan document shows its differences before anything is saved; after the seed
`make run` does, the director's dashboard shows every status.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import call_command

from assessments.tests.test_browser import PHONE, browser, fits, login, new_page  # noqa: F401 (fixtures)
from indicators.models import ActionPlan, MilestoneStep
from indicators.tests.test_plan_import import RENAMED_30, changed_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = ["สำรวจความพึงพอใจรอบแรก", "วิเคราะห์ผลการสำรวจ", "ปรับปรุงบริการตามผลสำรวจ", "สำรวจซ้ำ", "รายงานผลต่อผู้อำนวยการ"]
SHOTS = os.environ.get("KPI_SCREENSHOTS")  # a folder: save screenshots there to look at them


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_admin_writes_the_steps_of_20_and_staff_ticks_them(new_page, live_server, users, plan, fy_today):
    page = new_page()
    login(page, live_server, users["admin"])
    page.get_by_role("link", name="จัดการแผน").click()
    page.get_by_role("link", name=f"{plan.org_unit.name} · ปีงบประมาณ พ.ศ. 2565").click()
    shot(page, "plan-detail-1280")
    page.get_by_role("link", name="เกณฑ์/เป้าหมาย ตัวชี้วัดที่ 20", exact=True).click()
    for n, text in enumerate(STEPS, start=1):
        page.get_by_label(f"ขั้นตอนที่ {n}", exact=True).fill(text)
    shot(page, "criteria-1280")
    page.get_by_role("button", name="บันทึกเกณฑ์และค่าเป้าหมาย").click()
    page.get_by_text("บันทึกเกณฑ์การให้คะแนนและค่าเป้าหมายของตัวชี้วัดที่ 20 แล้ว").wait_for()
    assert "กำหนดเกณฑ์การให้คะแนนตัวชี้วัดที่ 20" in page.locator("#plan-history").inner_text()

    twenty = plan.indicators.get(number=20)
    staff = new_page(PHONE)
    login(staff, live_server, users["other_staff"])
    staff.goto(f"{live_server.url}/indicators/{twenty.pk}/")
    staff.get_by_label(STEPS[0]).check()
    staff.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    staff.get_by_text("ผลการประเมินตนเอง: ระดับ 1").wait_for()
    assert MilestoneStep.objects.get(criteria_set__indicator=twenty, number=1).completions.exists()


def test_copy_rename_publish_and_owners_see_2566(new_page, live_server, users, plan):
    admin = new_page()
    login(admin, live_server, users["admin"])
    admin.goto(f"{live_server.url}/plans/{plan.pk}/")
    admin.get_by_role("button", name="คัดลอกแผนนี้ไปปีงบประมาณ 2566").click()
    admin.get_by_text("สร้างร่างแผนปีงบประมาณ พ.ศ. 2566แล้ว").wait_for()
    draft = ActionPlan.objects.get(fiscal_year__year_be=2566)
    assert draft.status == "draft"
    admin.get_by_role("link", name="แก้ไข ตัวชี้วัดที่ 30", exact=True).click()
    admin.locator("#id_name").fill(RENAMED_30)
    admin.get_by_role("button", name="บันทึก", exact=True).click()
    admin.get_by_text("บันทึกตัวชี้วัดแล้ว").wait_for()

    owner = new_page(PHONE)
    login(owner, live_server, users["other_staff"])
    owner.goto(f"{live_server.url}/my/")
    assert RENAMED_30 not in owner.content()  # still a draft

    admin.get_by_role("button", name="เผยแพร่แผน").click()
    admin.get_by_text("เผยแพร่แผนแล้ว").wait_for()
    shot(admin, "plan-2566-published-1280")
    owner.goto(f"{live_server.url}/my/")
    body = owner.content()
    assert "2566" in body and RENAMED_30 in body
    assert fits(owner)["fits"]


def test_uploading_a_changed_plan_shows_the_differences_before_saving(new_page, live_server, users, plan, tmp_path):
    from indicators import services

    draft = services.plan_copy(plan=plan, to_year_be=2566, by=users["admin"])
    document = tmp_path / "แผนปฏิบัติการ 2566.txt"
    document.write_bytes(changed_document())
    page = new_page(PHONE)
    login(page, live_server, users["admin"])
    page.goto(f"{live_server.url}/plans/{draft.pk}/import/")
    page.get_by_label("ไฟล์แผนปฏิบัติการ (.txt) หรือแม่แบบ Excel (.xlsx)").set_input_files(str(document))
    page.get_by_role("button", name="อ่านไฟล์และแสดงสิ่งที่จะเปลี่ยนแปลง").click()
    preview = page.locator("#import-preview")
    preview.wait_for()
    text = preview.inner_text()
    assert "เปลี่ยนชื่อ" in text and RENAMED_30 in text and "ยกเลิก (ไม่มีในไฟล์)" in text
    assert "ค่าเป้าหมายรอบ 6 เดือน: 3 → 2" in text
    assert page.locator("#parser-warnings li").count() > 5
    assert fits(page)["fits"], fits(page)
    shot(page, "import-preview-390")
    assert draft.indicators.get(number=30).name != RENAMED_30  # nothing saved yet
    page.get_by_role("button", name="ยืนยันนำเข้า").click()
    page.get_by_text("นำเข้าแล้ว").wait_for()
    assert draft.indicators.get(number=30).name == RENAMED_30


def test_after_the_seed_the_dashboard_shows_every_status(new_page, live_server, plan, settings):
    """As `make run` seeds: load_plan (the plan fixture), create_demo_accounts, record_demo_year."""
    settings.DEBUG = True
    call_command("create_demo_accounts", stdout=open(os.devnull, "w"))
    call_command("record_demo_year", stdout=open(os.devnull, "w"))
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้").fill("director")
    page.get_by_label("รหัสผ่าน").fill("kpi-demo-2565")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/reports/dashboard/")
    shot(page, "demo-dashboard-1280")

    def seen():
        return set(page.locator("[data-status]").evaluate_all("els => els.map(e => e.dataset.status)"))

    # Today lies after FY 2565: the dashboard opens on 30 Sep 2565, the 12-month round's closing day
    # (behind, not yet overdue); the 6-month round, closed in March, shows the overdue ones.
    assert {"met", "behind"} <= seen()
    assert page.get_by_text("รอตรวจสอบ").count() >= 1
    r6 = plan.fiscal_year.rounds.get(months=6)
    page.goto(f"{live_server.url}/reports/dashboard/?round={r6.pk}")
    assert {"met", "overdue"} <= seen()
    r12 = plan.fiscal_year.rounds.get(months=12)
    page.goto(f"{live_server.url}/reports/dashboard/?as_of=2022-03-31&round={r12.pk}")
    assert {"on_track", "behind"} <= seen()
    page.goto(f"{live_server.url}/reports/dashboard/?as_of=2022-03-31")
    assert {"met", "behind"} <= seen()
    page.goto(f"{live_server.url}/reports/scorecard/?plan={plan.pk}&quarter=2")
    shot(page, "demo-q2-scorecard-1280")
    body = page.content()
    assert "รอตรวจสอบ" in body and "ผ่านการตรวจสอบ" in body and "บรรลุเป้าหมาย" in body
