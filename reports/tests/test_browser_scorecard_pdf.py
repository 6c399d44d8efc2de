"""The scorecard page in a real browser (Debian's chromium): the edition switch, and the PDF
button that shows the file is being made and never starts a second one on a double click."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from assessments.tests.test_browser import browser, fits, login, new_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_TIMEOUT = 90_000  # ms: the whole plan's PDF on a busy machine


def shoot(page, name: str) -> None:
    """Screenshots for a person to look at, when SCREENSHOT_DIR is set."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_pdf_button_is_busy_while_the_pdf_is_made_and_a_double_click_starts_one(
    new_page, live_server, users, plan, progress, width
):
    page = new_page({"width": width, "height": 900})
    login(page, live_server, users["director"])
    page.goto(f"{live_server.url}{reverse('reports:scorecard')}?plan={plan.pk}&quarter=2")
    info = fits(page, width)
    assert info["fits"], info
    shoot(page, f"scorecard-executive-{width}.png")

    requests = []
    page.on("request", lambda r: requests.append(r.url) if "scorecard.pdf" in r.url else None)
    button = page.get_by_role("link", name="ดาวน์โหลดรายงาน PDF")
    # Every state the button goes through, recorded as it happens.
    page.evaluate("""() => {
      const link = document.querySelector("a[data-pdf-download]");
      window.pdfStates = [];
      new MutationObserver(() => window.pdfStates.push(
        {busy: link.getAttribute("aria-busy"), text: link.textContent.trim(), disabled: link.classList.contains("disabled")}
      )).observe(link, {attributes: true, childList: true, subtree: true, characterData: true});
    }""")
    with page.expect_download(timeout=PDF_TIMEOUT) as download:
        button.dblclick()
    assert download.value.suggested_filename == "scorecard-2565-Q2-executive.pdf"
    states = page.evaluate("window.pdfStates")
    assert any(s["busy"] == "true" and s["disabled"] and "กำลังจัดทำไฟล์ PDF" in s["text"] for s in states), states
    # The cookie the response set tells the page the file came: the button is itself again.
    page.locator("a[data-pdf-download]:not([aria-busy])").wait_for(timeout=10_000)
    assert page.get_by_role("link", name="ดาวน์โหลดรายงาน PDF").is_visible()
    assert len(requests) == 1, requests

    page.get_by_role("link", name="ฉบับเต็ม", exact=True).click()
    page.get_by_role("heading", name="รายละเอียดรายตัวชี้วัด").wait_for()
    info = fits(page, width)
    assert info["fits"], info
    shoot(page, f"scorecard-full-{width}.png")
    assert "edition=full" in page.get_by_role("link", name="ดาวน์โหลดรายงาน PDF").get_attribute("href")
