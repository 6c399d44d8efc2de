"""Issue 14 in Chromium: a returned round reaches its owner, and a failed save never hides (issue 13, finding 3).

The "done when" of issue 14, step by step: the director returns owner1's
6-month round with a comment; her home page and navigation show it at once,
with the comment; she gets the e-mail with an absolute link and opens it;
she fixes a step date by typing a Buddhist Era date; history and level update
without a reload; she resubmits; the director sees what changed.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from assessments.tests.test_browser import PHONE, browser, login, new_page, panel, steps  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE = "https://kpi.example.go.th"
COMMENT = "ขั้นตอนที่ 3 ประชุมเมื่อ 25 มี.ค. 2565 ตามรายงานการประชุม กรุณาแก้ไขวันที่ดำเนินการ"


@pytest.fixture
def returned_world(users, indicator, rounds, fy_today, settings):
    """Owner1 submitted the 6-month round at level 2: step 3 is dated 5 Apr 2022, after the close."""
    from assessments import services

    settings.SITE_URL = SITE
    fy_today(dt.date(2022, 5, 16))
    s = steps(indicator)
    for step, day in zip(s[:3], (dt.date(2022, 1, 10), dt.date(2022, 2, 1), dt.date(2022, 4, 5))):
        services.step_complete(step=step, done_on=day, by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"], note="ประชุมล่าช้า")
    mail.outbox.clear()
    return s


def test_done_when_a_returned_round_reaches_owner1_and_her_fix_reaches_the_director(
        new_page, live_server, users, indicator, rounds, returned_world):
    from assessments.models import RoundAssessment

    six = rounds[6]
    third = returned_world[2]

    # The director returns the round, through the confirmation step.
    page = new_page()
    login(page, live_server, users["director"])
    page.goto(f"{live_server.url}{reverse('assessments:review', args=[indicator.pk, six.pk])}")
    page.get_by_label("ความเห็นถึงผู้รับผิดชอบ").fill(COMMENT)
    page.get_by_role("button", name="ส่งกลับแก้ไข…").click()
    page.get_by_role("heading", name="ยืนยันส่งกลับแก้ไข").wait_for()
    assert RoundAssessment.objects.get(indicator=indicator, round=six).status == "submitted"  # not yet
    page.get_by_role("button", name="ยืนยันส่งกลับแก้ไข").click()
    page.get_by_text(f"ส่งกลับแก้ไขตัวชี้วัดที่ 1 รอบ 6 เดือน แล้ว").wait_for()

    # Her e-mail, with an absolute link to the right tab.
    to_owner = [m for m in mail.outbox if m.to == ["owner@example.go.th"]]
    assert len(to_owner) == 1 and COMMENT in to_owner[0].body
    link = f"{SITE}/indicators/{indicator.pk}/?round={six.pk}"
    assert link in to_owner[0].body
    assert all(u.startswith(SITE) for u in re.findall(r"https?://\S+", to_owner[0].body))

    # Owner1 signs in: her home page and the navigation show it at once, with the comment.
    page = new_page()
    login(page, live_server, users["owner"])
    assert "/my/" in page.url
    returned = page.locator("#todo-returned")
    assert returned.get_by_text(COMMENT).is_visible()
    assert page.locator("section.todo-section").first.get_attribute("id") == "todo-returned"
    assert page.locator("#nav-notices").inner_text().strip().startswith("การแจ้งเตือน 1")
    page.screenshot(path="/tmp/i14-owner-home.png", full_page=True)

    # She opens the link from the e-mail.
    page.goto(link.replace(SITE, live_server.url))
    tab = page.locator("#round-tabs a.active")
    assert "รอบ 6 เดือน" in tab.inner_text() and "ส่งกลับแก้ไข" in tab.inner_text()
    assert panel(page).get_by_text(COMMENT).is_visible()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 2").wait_for()
    page.evaluate("window.__marker = 'same page'")

    # She fixes step 3's date by typing it in Buddhist Era, with Thai digits.
    row = page.locator(f"#step-{third.pk}")
    row.get_by_text("แก้ไขวันที่ หมายเหตุ เอกสารหลักฐาน หรือยกเลิก").click()
    date = row.get_by_label("วันที่ดำเนินการ")
    assert date.input_value() == "05/04/2565"
    date.fill("๒๕/๐๓/๒๕๖๕")
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 3").click()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 3").wait_for()
    history = page.locator("#history")
    history.get_by_text("วันที่ดำเนินการ 5 เม.ย. 2565 → 25 มี.ค. 2565").wait_for()
    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path="/tmp/i14-owner-fixed.png", full_page=True)

    # She resubmits; tab marker, status and history follow without a reload.
    panel(page).get_by_role("button", name="ส่งผลการประเมินตนเอง (รอบ 6 เดือน, ระดับ 3)").click()
    panel(page).get_by_text("ส่งผลการประเมินตนเอง รอบ 6 เดือน (ระดับ 3) แล้ว สถานะ: รอตรวจสอบ").wait_for()
    assert "รอตรวจสอบ" in page.locator("#round-tabs a.active").inner_text()
    assert COMMENT not in panel(page).inner_text()  # the old comment moved to the history
    assert history.get_by_text(COMMENT).count() >= 1
    assert page.evaluate("window.__marker") == "same page"

    # The director sees what changed since the return.
    page = new_page()
    login(page, live_server, users["director"])
    page.goto(f"{live_server.url}{reverse('assessments:review', args=[indicator.pk, six.pk])}")
    since = page.locator("#since-return")
    assert "วันที่ดำเนินการ 5 เม.ย. 2565 → 25 มี.ค. 2565" in since.inner_text()
    assert "ขั้นตอนที่ 3" in since.inner_text() and COMMENT in since.inner_text()
    page.screenshot(path="/tmp/i14-director-review.png", full_page=True)


@pytest.mark.parametrize("status,words", [
    (500, "เกิดข้อผิดพลาดที่เซิร์ฟเวอร์ (500)"),
    (403, "คุณไม่มีสิทธิ์ทำรายการนี้"),
    (400, "ข้อมูลที่ส่งไม่ถูกต้อง (400)"),
    ("network", "เชื่อมต่อเซิร์ฟเวอร์ไม่ได้"),
])
def test_a_failed_htmx_save_says_so_in_thai_beside_the_control_and_puts_it_back(
        new_page, live_server, users, indicator, rounds, fy_today, status, words):
    from assessments.models import StepCompletion

    fy_today(dt.date(2022, 2, 15))
    first = steps(indicator)[0]
    page = new_page()
    login(page, live_server, users["owner"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[6].pk}")
    if status == "network":
        page.route("**/steps/*/save/", lambda route: route.abort())
    else:
        page.route("**/steps/*/save/", lambda route: route.fulfill(status=status, body="error"))
    row = page.locator(f"#step-{first.pk}")
    box = row.get_by_role("checkbox")
    box.check()
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    alert = row.locator(".htmx-error")
    alert.wait_for()
    assert words in alert.inner_text() and alert.get_attribute("role") == "alert"
    assert not box.is_checked()  # back to what the server saved
    assert not StepCompletion.objects.filter(step=first).exists()
    if status == 500:
        page.screenshot(path="/tmp/i14-htmx-500.png")


def test_an_expired_session_sends_to_sign_in_and_back_with_the_unsaved_values(
        new_page, live_server, users, indicator, rounds, fy_today):
    from django.contrib.sessions.models import Session

    from assessments.models import StepCompletion

    fy_today(dt.date(2022, 2, 15))
    first = steps(indicator)[0]
    page = new_page()
    login(page, live_server, users["owner"])
    url = f"/indicators/{indicator.pk}/?round={rounds[6].pk}"
    page.goto(live_server.url + url)
    row = page.locator(f"#step-{first.pk}")
    row.get_by_role("checkbox").check()
    row.get_by_text("วันที่ดำเนินการ หมายเหตุ และเอกสารหลักฐาน").click()
    row.get_by_label("วันที่ดำเนินการ").fill("10/01/2565")
    row.get_by_label("หมายเหตุ", exact=True).fill("ประชุมคณะทำงานแล้ว")
    Session.objects.all().delete()  # the session expires while she types
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert not StepCompletion.objects.filter(step=first).exists()
    page.get_by_label("ชื่อผู้ใช้").fill("owner")
    page.get_by_label("รหัสผ่าน").fill("browser-pass-2565")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    page.wait_for_url(live_server.url + url)
    row = page.locator(f"#step-{first.pk}")
    notice = row.locator(".unsaved-restored")
    notice.wait_for()
    assert "ระบบยังไม่ได้บันทึก" in notice.inner_text() and "กดบันทึกอีกครั้ง" in notice.inner_text()
    assert row.get_by_role("checkbox").is_checked()
    assert row.get_by_label("หมายเหตุ", exact=True).input_value() == "ประชุมคณะทำงานแล้ว"
    assert row.get_by_label("วันที่ดำเนินการ").input_value() == "10/01/2565"
    assert not StepCompletion.objects.filter(step=first).exists()  # nothing saved that was not said so
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 1").wait_for()
    c = StepCompletion.objects.get(step=first)
    assert (c.done_on, c.note) == (dt.date(2022, 1, 10), "ประชุมคณะทำงานแล้ว")


def test_the_calendar_shows_buddhist_era_years_and_the_field_works_without_javascript(
        browser, new_page, live_server, users, indicator, rounds, fy_today):
    from assessments.models import StepCompletion

    fy_today(dt.date(2022, 5, 16))
    first, second = steps(indicator)[:2]
    page = new_page(PHONE)
    login(page, live_server, users["owner"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[6].pk}")
    row = page.locator(f"#step-{first.pk}")
    row.get_by_text("วันที่ดำเนินการ หมายเหตุ และเอกสารหลักฐาน").click()
    assert row.get_by_label("วันที่ดำเนินการ").input_value() == "31/03/2565"  # inside the 6-month round
    row.get_by_role("button", name="เลือกวันที่จากปฏิทิน (พ.ศ.)").click()
    calendar = row.locator(".be-calendar")
    assert calendar.locator(".be-calendar-title").inner_text() == "มีนาคม 2565"
    calendar.get_by_role("button", name="เดือนก่อน").click()
    assert calendar.locator(".be-calendar-title").inner_text() == "กุมภาพันธ์ 2565"
    page.screenshot(path="/tmp/i14-calendar-390.png")
    calendar.get_by_role("button", name="14 กุมภาพันธ์ 2565").click()
    assert row.get_by_label("วันที่ดำเนินการ").input_value() == "14/02/2565"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Without JavaScript: a plain text field, a full-page post, and the notice of the round it counts for.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        plain = context.new_page()
        login(plain, live_server, users["owner"])
        plain.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[6].pk}")
        row = plain.locator(f"#step-{second.pk}")
        assert row.locator(".be-calendar-button").count() == 0
        row.get_by_role("checkbox").check()
        row.locator("summary").click()
        row.get_by_label("วันที่ดำเนินการ").fill("02/04/2565")
        row.get_by_role("button", name="บันทึก ขั้นตอนที่ 2").click()
        warning = plain.locator(".alert-warning", has_text="นับในรอบ 12 เดือน ไม่นับในรอบ 6 เดือน")
        warning.wait_for()
        assert StepCompletion.objects.get(step=second).done_on == dt.date(2022, 4, 2)
    finally:
        context.close()


def test_the_new_pages_fit_a_390_pixel_wide_screen(new_page, live_server, users, indicator, rounds, returned_world,
                                                   tmp_path):
    """To-do list, indicator page (returned tab, report form, calendar open), notices, confirmation pages."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import services
    from assessments.tests.test_browser import fits, tiny_pdf

    services.round_return(indicator=indicator, round=rounds[6], by=users["director"], comment=COMMENT * 2)
    c = returned_world[0].completions.get()
    services.step_edit(step=returned_world[0], by=users["owner"], done_on=c.done_on, note=c.note,
                       expected_completion_id=c.pk, expected_version=c.version,
                       files=[SimpleUploadedFile("รายงานการประชุมคณะทำงาน_ครั้งที่1_2565_ฉบับแก้ไข.pdf",
                                                 tiny_pdf(tmp_path / "x.pdf"))])
    evidence = c.evidence.get()
    results = {}
    for width in (390, 1280):
        page = new_page({"width": width, "height": 844})
        login(page, live_server, users["owner"])
        results[f"my-{width}"] = fits(page, width)
        page.screenshot(path=f"/tmp/i14-my-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/indicators/{indicator.pk}/")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.locator(".be-calendar-button").first.click()
        page.locator(f"#evidence-{evidence.pk}").get_by_role("link", name="นำออก").click()
        page.get_by_role("button", name="ยืนยันนำออก").wait_for()
        results[f"indicator-{width}"] = fits(page, width)
        page.screenshot(path=f"/tmp/i14-indicator-{width}.png", full_page=True)
        page.goto(f"{live_server.url}{reverse('assessments:notices')}")
        results[f"notices-{width}"] = fits(page, width)
        page.screenshot(path=f"/tmp/i14-notices-{width}.png", full_page=True)
        page.goto(f"{live_server.url}{reverse('assessments:evidence-remove-confirm', args=[evidence.pk])}")
        results[f"evidence-confirm-{width}"] = fits(page, width)
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"], note="แก้แล้ว")
    for width in (390, 1280):
        page = new_page({"width": width, "height": 844})
        login(page, live_server, users["director"])
        page.goto(f"{live_server.url}{reverse('assessments:review', args=[indicator.pk, rounds[6].pk])}")
        results[f"review-{width}"] = fits(page, width)
        page.get_by_label("ความเห็นถึงผู้รับผิดชอบ").fill(COMMENT)
        page.get_by_role("button", name="ส่งกลับแก้ไข…").click()
        page.get_by_role("button", name="ยืนยันส่งกลับแก้ไข").wait_for()
        results[f"confirm-{width}"] = fits(page, width)
        page.screenshot(path=f"/tmp/i14-confirm-{width}.png", full_page=True)
    overflowing = {name: info for name, info in results.items() if not info["fits"]}
    assert not overflowing, overflowing


def test_upload_removal_and_untick_keep_history_and_tabs_true_without_a_reload(
        new_page, live_server, users, indicator, rounds, fy_today, tmp_path):
    from assessments.models import Evidence
    from assessments.tests.test_browser import tiny_pdf

    fy_today(dt.date(2022, 2, 15))
    first = steps(indicator)[0]
    pdf = tmp_path / "คำสั่งแต่งตั้ง.pdf"
    tiny_pdf(pdf)
    page = new_page()
    login(page, live_server, users["owner"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[6].pk}")
    page.evaluate("window.__marker = 'same page'")
    row = page.locator(f"#step-{first.pk}")
    row.get_by_role("checkbox").check()
    row.get_by_text("วันที่ดำเนินการ หมายเหตุ และเอกสารหลักฐาน").click()
    row.get_by_label("เอกสารหลักฐาน").set_input_files(str(pdf))
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    history = page.locator("#history")
    history.get_by_text("แนบเอกสารหลักฐาน").wait_for()
    # The file's name opens it in the browser (inline), for those allowed to see it.
    link = page.locator(f"#step-{first.pk}").get_by_role("link", name=pdf.name)
    assert link.get_attribute("href") == reverse("assessments:evidence-view", args=[Evidence.objects.get().pk])

    # Removing asks first; cancelling keeps the file; confirming removes it and the history says so.
    row = page.locator(f"#step-{first.pk}")
    row.get_by_role("link", name="นำออก").click()
    row.get_by_role("link", name="ยกเลิก").click()
    assert row.locator(".evidence-confirm").count() == 0 and Evidence.objects.get().removed_at is None
    row.get_by_role("link", name="นำออก").click()
    row.get_by_label("เหตุผล (ถ้ามี)").fill("แนบผิดไฟล์")
    row.get_by_role("button", name="ยืนยันนำออก").click()
    history.get_by_text("นำเอกสารหลักฐานออก").wait_for()
    assert Evidence.objects.get().removed_at is not None
    assert page.locator(f"#step-{first.pk}").get_by_role("link", name=pdf.name).count() == 0

    # Un-tick with a reason: level and history follow.
    row = page.locator(f"#step-{first.pk}")
    row.get_by_role("checkbox").uncheck()
    row.locator("summary").click()
    row.get_by_label("เหตุผล (เมื่อยกเลิกเครื่องหมายดำเนินการแล้ว)").fill("ยังไม่ได้ลงนาม")
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    history.get_by_text("ยกเลิกการดำเนินการ").wait_for()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 0").wait_for()
    assert page.evaluate("window.__marker") == "same page"


def test_a_tick_changes_its_row_the_level_and_the_other_rows_colours_and_keeps_what_is_typed_elsewhere(
        new_page, live_server, users, indicator, rounds, fy_today):
    """Issue 19: a tick's answer is its row plus what it changed elsewhere (the level, the other steps'
    counted / not-yet-counted state, the submit form, the history's new line), swapped in place."""
    from assessments.models import HistoryEntry

    fy_today(dt.date(2022, 2, 15))
    first, second, third = steps(indicator)[:3]
    page = new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, live_server, users["owner"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[6].pk}")
    page.evaluate("window.__marker = 'same page'")

    def tick(step, number):
        row = page.locator(f"#step-{step.pk}")
        row.get_by_role("checkbox").check()
        row.get_by_role("button", name=f"บันทึก ขั้นตอนที่ {number}").click()
        page.locator(f"#step-{step.pk} .step-flash").wait_for()

    def colour(step):
        return page.locator(f"#step-{step.pk}").evaluate("el => getComputedStyle(el).backgroundColor")

    plain = colour(first)
    tick(second, 2)  # done, not counted: step 1 is not done yet
    assert colour(second) not in (plain, colour(first))
    assert "ยังไม่นับ" in page.locator(f"#step-{second.pk}").inner_text()
    # Owner1 starts a note on step 3, then ticks step 1: step 2 turns counted, her note stays.
    row3 = page.locator(f"#step-{third.pk}")
    row3.get_by_text("วันที่ดำเนินการ หมายเหตุ และเอกสารหลักฐาน").click()
    row3.get_by_label("หมายเหตุ", exact=True).fill("กำลังพิมพ์อยู่")
    tick(first, 1)
    panel(page).locator("#achieved-level").get_by_text("ผลการประเมินตนเอง: ระดับ 2").wait_for()
    assert colour(second) == colour(first) != plain
    assert "ยังไม่นับ" not in page.locator(f"#step-{second.pk}").inner_text()
    assert row3.get_by_label("หมายเหตุ", exact=True).input_value() == "กำลังพิมพ์อยู่"
    assert "ระดับ 2)" in page.locator("#submit-panel button[type=submit]").inner_text()
    rows = page.locator("#history-rows tr")
    assert rows.count() == HistoryEntry.objects.filter(indicator=indicator).count() == 2
    assert "ขั้นตอนที่ 1" in rows.first.inner_text()  # newest first
    assert page.locator(".step-flash").count() == 1  # the last save's message only
    assert page.evaluate("window.__marker") == "same page"
    assert errors == []  # htmx found what each form includes (#history-empty, after the history filled too)
    page.screenshot(path="/tmp/i19-tick-answer.png", full_page=True)
