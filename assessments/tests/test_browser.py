"""An owner in a real browser (Debian's chromium via Playwright): tick, see the level, no reload."""

import datetime as dt
import os
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


STEP1 = "ดำเนินการรวบรวม ศึกษา วิเคราะห์ ข้อมูลรายละเอียดที่เกี่ยวข้องกับการจัดทำคู่มือมาตรฐาน"
STEP2 = "เสนอทบทวนคำสั่งแต่งตั้งคณะทำงานจัดทำคู่มือมาตรฐาน"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # fixtures make here are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def login(page, live_server, user):
    user.set_password("browser-pass-2565")
    user.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้").fill(user.username)
    page.get_by_label("รหัสผ่าน").fill("browser-pass-2565")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


def test_owner_ticks_steps_and_sees_the_level_without_reload(browser, live_server, users, indicator, rounds):
    page = browser.new_page(viewport={"width": 390, "height": 844})
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


def test_non_owner_sees_no_edit_controls(browser, live_server, users, indicator):
    page = browser.new_page()
    login(page, live_server, users["other_staff"])
    page.goto(f"{live_server.url}/indicators/{indicator.pk}/")
    page.get_by_text(STEP1).wait_for()
    assert page.locator("input[type=checkbox]").count() == 0
    assert page.get_by_role("button", name="ส่งผลการประเมินตนเอง").count() == 0
