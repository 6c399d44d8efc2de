"""Owners and the director in a real browser (Debian's chromium via Playwright).

The app is pytest-django's live server, in another thread of this process, so
the `fy_today` fixture freezes "today" for it too. One chromium per module;
each test gets fresh browser contexts (its own cookies) and closes them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


STEP1 = "ดำเนินการรวบรวม ศึกษา วิเคราะห์ ข้อมูลรายละเอียดที่เกี่ยวข้องกับการจัดทำคู่มือมาตรฐาน"
STEP2 = "เสนอทบทวนคำสั่งแต่งตั้งคณะทำงานจัดทำคู่มือมาตรฐาน"
PASSWORD = "browser-pass-2565"
PHONE = {"width": 390, "height": 844}

# The elements whose right edge passes the viewport, to say why a page scrolls sideways.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5) continue;
    // Inside a scrolling box (.table-responsive) is fine: only the box itself counts. An absolutely
    // positioned element is clipped only by a box at or above its containing block.
    let p = el.parentElement, clipped = false;
    let escaping = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    while (p && p !== document.body) {
      const s = getComputedStyle(p);
      if (escaping && s.position !== "static") escaping = false;
      if (!escaping && ["auto", "scroll", "hidden", "clip"].includes(s.overflowX)) { clipped = true; break; }
      p = p.parentElement;
    }
    if (clipped) continue;
    const id = el.id ? "#" + el.id : "";
    const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    out.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(r.right)}`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, offenders: out.slice(0, 10)};
}"""


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # fixtures make here are ordinary synchronous ones. The variable is undone
    # when the module ends (it must not leak into check --deploy).
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            b = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield b
            b.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=None) -> a page in a fresh context (no cookies shared with other pages)."""
    contexts = []

    def make(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, accept_downloads=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def login(page, live_server, user):
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้").fill(user.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def fits(page, width: int = 390) -> dict:
    info = page.evaluate(OVERFLOW_JS)
    info["fits"] = info["scrollWidth"] <= width
    return info


def tiny_pdf(path) -> bytes:
    """A valid one-page PDF (the evidence check sniffs the content, not the name)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buf = io.BytesIO()
    writer.write(buf)
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


def steps(indicator):
    return list(indicator.criteria_sets.get(round=None).steps.order_by("number"))


def panel(page):
    return page.locator("#round-panel")


def test_owner_ticks_steps_and_sees_the_level_without_reload(new_page, live_server, users, indicator, rounds):
    page = new_page(PHONE)
    login(page, live_server, users["owner"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[12].pk}")
    page.evaluate("window.__marker = 'same page'")
    # Keyboard only: focus the checkbox by its label, Space ticks it, then the save button.
    page.get_by_label(STEP1).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    page.get_by_text("ผลการประเมินตนเอง: ระดับ 1").wait_for()
    page.get_by_label(STEP2).check()
    page.get_by_role("button", name="บันทึก ขั้นตอนที่ 2").click()
    page.get_by_text("ผลการประเมินตนเอง: ระดับ 2").wait_for()
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped the panel; no reload
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.reload()
    assert page.get_by_label(STEP1).is_checked() and page.get_by_label(STEP2).is_checked()


def test_keyboard_alone_records_a_step_with_its_date_and_note(new_page, live_server, users, indicator, rounds, fy_today):
    """Tab, Space and Enter only: tick, open the details, type the date and note, save."""
    from assessments.models import StepCompletion

    page = new_page(PHONE)
    login(page, live_server, users["owner"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/?round={rounds[6].pk}")
    first = steps(indicator)[0]
    page.get_by_label(STEP1).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the <summary> of the step's details
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # วันที่ดำเนินการ
    assert page.evaluate("document.activeElement.name") == "done_on"
    # A text field for a Buddhist Era date (dd/mm/2565); Tab selected its default, typing replaces it.
    page.keyboard.type("10/01/2565")
    assert page.evaluate("document.activeElement.value") == "10/01/2565"
    # On to หมายเหตุ, past เอกสารหลักฐาน (left empty; Chromium gives a file field more than one stop).
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "note":
            break
    assert page.evaluate("document.activeElement.name") == "note"
    page.keyboard.type("บันทึกด้วยแป้นพิมพ์")
    page.keyboard.press("Tab")  # บันทึก ขั้นตอนที่ 1
    page.keyboard.press("Enter")
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 1").wait_for()
    panel(page).get_by_text("หมายเหตุ: บันทึกด้วยแป้นพิมพ์").wait_for()
    completion = StepCompletion.objects.get(step=first, revoked_at__isnull=True)
    assert completion.done_on == dt.date(2022, 1, 10) and completion.note == "บันทึกด้วยแป้นพิมพ์"


def test_owner_records_date_note_and_pdf_then_submits_the_round(new_page, live_server, users, indicator, rounds, fy_today, tmp_path):
    from assessments.models import Evidence, RoundAssessment

    fy_today(dt.date(2022, 2, 15))
    pdf = tmp_path / "รายงานการประชุมคณะทำงาน.pdf"
    pdf_bytes = tiny_pdf(pdf)
    one, two = steps(indicator)[:2]

    page = new_page()
    login(page, live_server, users["owner"])
    page.get_by_role("link", name="ตัวชี้วัดของฉัน").first.click()
    # The to-do list has a row per round; the 6-month round closes first, so it comes first.
    page.get_by_role("link", name=indicator.name, exact=True).first.click()
    page.get_by_role("heading", name=f"{indicator.number}. {indicator.name}").wait_for()
    # On 15 Feb 2022 the page opens on the 6-month round.
    assert panel(page).get_by_role("heading", name="รอบ 6 เดือน").is_visible()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 0").wait_for()
    page.evaluate("window.__marker = 'same page'")

    row = page.locator(f"#step-{one.pk}")
    row.get_by_label(STEP1).check()
    row.get_by_text("วันที่ดำเนินการ หมายเหตุ และเอกสารหลักฐาน").click()
    row.get_by_label("วันที่ดำเนินการ").fill("2021-11-01")
    row.get_by_label("หมายเหตุ", exact=True).fill("รวบรวมข้อมูลจากทุกฝ่ายแล้ว")
    row.get_by_label("เอกสารหลักฐาน").set_input_files(str(pdf))
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").click()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 1").wait_for()
    panel(page).get_by_text("บันทึกขั้นตอนที่ 1 ว่าดำเนินการแล้ว").wait_for()
    row = page.locator(f"#step-{one.pk}")
    assert "วันที่ดำเนินการ 1 พ.ย. 2564" in row.inner_text()
    assert row.get_by_text("หมายเหตุ: รวบรวมข้อมูลจากทุกฝ่ายแล้ว").is_visible()
    assert row.get_by_role("link", name=pdf.name).is_visible()

    row = page.locator(f"#step-{two.pk}")
    row.get_by_label(STEP2).check()
    row.get_by_text("วันที่ดำเนินการ หมายเหตุ และเอกสารหลักฐาน").click()
    row.get_by_label("วันที่ดำเนินการ").fill("2022-01-10")
    row.get_by_label("หมายเหตุ", exact=True).fill("เสนออธิบดีลงนามแล้ว")
    row.get_by_role("button", name="บันทึก ขั้นตอนที่ 2").click()
    panel(page).get_by_text("ผลการประเมินตนเอง: ระดับ 2").wait_for()
    assert "วันที่ดำเนินการ 10 ม.ค. 2565" in page.locator(f"#step-{two.pk}").inner_text()
    assert page.evaluate("window.__marker") == "same page"  # no reload so far

    # The evidence comes back byte for byte, as a download (its name opens it in the browser).
    with page.expect_download() as download:
        page.locator(f"#step-{one.pk}").get_by_role("link", name="ดาวน์โหลด").click()
    assert download.value.suggested_filename == pdf.name
    assert open(download.value.path(), "rb").read() == pdf_bytes

    # Level 2 is below the target (3): the reviewer gets a reason.
    page.get_by_label("เหตุผลที่ต่ำกว่าค่าเป้าหมาย (ผู้ตรวจสอบจะเห็น)").fill("ส่งผลรอบ ๖ เดือน")
    page.get_by_role("button", name="ส่งผลการประเมินตนเอง (รอบ 6 เดือน, ระดับ 2)").click()
    panel(page).get_by_text("ส่งผลการประเมินตนเอง รอบ 6 เดือน (ระดับ 2) แล้ว สถานะ: รอตรวจสอบ").wait_for()
    assert page.evaluate("window.__marker") == "same page"

    def assert_locked():
        p = panel(page)
        assert p.locator(".badge", has_text="รอตรวจสอบ").is_visible()
        assert p.get_by_text("รอบนี้ส่งผลการประเมินตนเองแล้ว จึงแก้ไขขั้นตอนไม่ได้").is_visible()
        assert p.locator("input[type=checkbox], input[type=file], input[type=text], textarea").count() == 0
        assert p.get_by_role("button").count() == 0  # no save, remove or submit buttons
        assert p.get_by_text("☑").count() == 2  # the two steps, read-only
        assert p.get_by_role("link", name=pdf.name).is_visible()

    assert_locked()
    page.reload()
    assert_locked()

    a = RoundAssessment.objects.get(indicator=indicator, round=rounds[6])
    assert (a.status, a.self_level, a.submitted_by, a.submit_note) == ("submitted", 2, users["owner"], "ส่งผลรอบ ๖ เดือน")
    evidence = Evidence.objects.get(completion__step=one)
    assert (evidence.original_name, evidence.content_type, evidence.size) == (pdf.name, "application/pdf", len(pdf_bytes))


def test_director_verifies_one_round_returns_another_and_the_owner_reads_the_comment(
    new_page, live_server, users, plan, rounds, fy_today
):
    from assessments import services
    from assessments.models import RoundAssessment

    fy_today(dt.date(2022, 2, 15))
    owner, director, six = users["owner"], users["director"], rounds[6]
    one, two = plan.indicators.get(number=1), plan.indicators.get(number=2)
    for ind, count in ((one, 2), (two, 1)):
        for step in steps(ind)[:count]:
            services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=owner)
        services.round_submit(indicator=ind, round=six, by=owner)
    a1 = RoundAssessment.objects.get(indicator=one, round=six)
    a2 = RoundAssessment.objects.get(indicator=two, round=six)
    comment = "กรุณาแนบรายงานการประชุมของขั้นตอนที่ 1 แล้วส่งใหม่"

    page = new_page()
    login(page, live_server, director)
    page.get_by_role("link", name="รอตรวจสอบ", exact=True).click()
    page.get_by_role("heading", name="รอตรวจสอบ").wait_for()
    assert page.locator("tr[data-assessment]").count() == 2

    page.locator(f'tr[data-assessment="{a1.pk}"]').get_by_role("link", name="ตรวจสอบ").click()
    page.get_by_role("heading", name=f"1. {one.name}").wait_for()
    assert page.locator("[data-self-level]").inner_text().strip() == "ระดับ 2"
    assert page.get_by_label("ผลการตรวจสอบ (ระดับ)").input_value() == "2"
    page.get_by_role("button", name="ผ่านการตรวจสอบ…").click()
    page.get_by_role("button", name="ยืนยันผ่านการตรวจสอบ").click()  # the confirmation step
    page.get_by_text("ตัวชี้วัดที่ 1 รอบ 6 เดือน: ผ่านการตรวจสอบ ระดับ 2 แล้ว").wait_for()
    assert page.locator("tr[data-assessment]").count() == 1

    page.locator(f'tr[data-assessment="{a2.pk}"]').get_by_role("link", name="ตรวจสอบ").click()
    page.get_by_role("heading", name=f"2. {two.name}").wait_for()
    page.get_by_label("ความเห็นถึงผู้รับผิดชอบ").fill(comment)
    page.get_by_role("button", name="ส่งกลับแก้ไข…").click()
    page.get_by_role("button", name="ยืนยันส่งกลับแก้ไข").click()
    page.get_by_text("ส่งกลับแก้ไขตัวชี้วัดที่ 2 รอบ 6 เดือน แล้ว").wait_for()
    assert page.get_by_text("ไม่มีรายการรอตรวจสอบ").is_visible()
    assert page.get_by_text(f"ความเห็น: {comment}").is_visible()  # ตรวจสอบล่าสุด

    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.status, a1.verified_level, a1.reviewed_by) == ("verified", 2, director)
    assert (a2.status, a2.review_comment, a2.reviewed_by) == ("returned", comment, director)

    # The owner, in a browser of their own.
    page = new_page()
    login(page, live_server, owner)
    page.get_by_role("link", name="ตัวชี้วัดของฉัน").first.click()
    assert page.locator("#todo-returned").get_by_text(comment).is_visible()
    page.locator("#todo-returned").get_by_role("link", name=two.name, exact=True).click()
    note = panel(page).locator(".alert-danger", has_text="ส่งกลับแก้ไข:")
    note.wait_for()
    assert comment in note.inner_text() and "director" in note.inner_text()
    # Returned: the owner may change the steps and submit again.
    assert panel(page).locator("input[type=checkbox]").count() == len(steps(two))
    assert panel(page).get_by_role("button", name="ส่งผลการประเมินตนเอง (รอบ 6 เดือน, ระดับ 1)").is_visible()

    page.goto(f"{live_server.url}{reverse('assessments:indicator', args=[one.pk])}")
    assert panel(page).get_by_text("ผลการตรวจสอบ: ระดับ 2").is_visible()
    assert panel(page).locator(".badge", has_text="ผ่านการตรวจสอบ").is_visible()
    assert panel(page).locator("input[type=checkbox]").count() == 0


def test_non_owner_sees_no_edit_controls(new_page, live_server, users, indicator):
    page = new_page()
    login(page, live_server, users["other_staff"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/")
    page.get_by_text(STEP1).wait_for()
    assert page.get_by_text("คุณดูตัวชี้วัดนี้ได้อย่างเดียว (ไม่ได้เป็นผู้รับผิดชอบ)").is_visible()
    assert page.locator("input[type=checkbox], input[type=file], textarea").count() == 0
    assert page.get_by_role("button", name="ส่งผลการประเมินตนเอง").count() == 0
    assert page.get_by_role("button", name="บันทึก ขั้นตอนที่ 1").count() == 0


def test_pages_fit_a_390_pixel_wide_screen(new_page, live_server, users, plan, indicator, rounds, fy_today, tmp_path):
    """Indicator page (controls open), my indicators, dashboard, review queue and review page at 390 px."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import services

    fy_today(dt.date(2022, 2, 15))
    owner, six = users["owner"], rounds[6]
    long_name = "รายงานผลการดำเนินงาน_ไตรมาส1_ปีงบประมาณ2565_ฉบับแก้ไขครั้งที่2_final_v3.pdf"
    upload = SimpleUploadedFile(long_name, tiny_pdf(tmp_path / "x.pdf"), content_type="application/pdf")
    long_note = "ประชุมคณะทำงานครั้งที่1/2565 " + "https://example.go.th/" + "a" * 80
    first, second, third = steps(indicator)[:3]
    services.step_complete(step=first, done_on=dt.date(2021, 11, 1), by=owner, note=long_note, files=[upload])
    services.step_complete(step=second, done_on=dt.date(2021, 12, 15), by=owner)
    services.step_complete(step=third, done_on=dt.date(2022, 1, 10), by=owner)
    two = plan.indicators.get(number=2)
    services.step_complete(step=steps(two)[0], done_on=dt.date(2022, 1, 5), by=owner)
    services.round_submit(indicator=two, round=six, by=owner, note=long_note)

    results = {}
    page = new_page(PHONE)
    login(page, live_server, owner)
    page.goto(f"{live_server.url}{reverse('assessments:indicator', args=[indicator.pk])}?round={six.pk}")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results["indicator"] = fits(page)
    page.goto(f"{live_server.url}{reverse('assessments:my-indicators')}")
    results["my-indicators"] = fits(page)

    page = new_page(PHONE)
    login(page, live_server, users["director"])
    page.goto(f"{live_server.url}{reverse('reports:dashboard')}")
    page.locator("[data-tile=met]").wait_for()
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results["dashboard"] = fits(page)
    page.goto(f"{live_server.url}{reverse('assessments:review-queue')}")
    results["review-queue"] = fits(page)
    page.goto(f"{live_server.url}{reverse('assessments:review', args=[two.pk, six.pk])}")
    page.get_by_role("button", name="ผ่านการตรวจสอบ…").wait_for()
    results["review"] = fits(page)

    overflowing = {name: info for name, info in results.items() if not info["fits"]}
    assert not overflowing, overflowing
