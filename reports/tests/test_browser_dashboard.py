"""Every page fits its screen, and the director's dashboard works, in a real browser (Debian's chromium).

- Every page of the product (the URL list of kpi_tracker/tests/test_permission_matrix.py: a
  page added there is covered here too; the Django admin aside), for every role that may open
  it, at 1280 and 390 px: neither the page nor any element in it scrolls sideways (a table in a
  scrolling wrapper counts).
- The dashboard's tiles filter the table (the filter is in the URL), the search finds an
  indicator by a Thai substring of its name (also without JavaScript), the attention panel
  lists a returned round, and the printed dashboard fits A4 landscape.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.tests.test_browser import browser  # noqa: F401  (fixture)
from kpi_tracker.tests import pages as page_inventory
from kpi_tracker.tests.test_permission_matrix import MATRIX, ROLES, world  # noqa: F401  (world: fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
# Files, JSON and downloads are not pages: the one list the page checks keep (kpi_tracker/tests/pages.py).
NOT_PAGES = set(page_inventory.NOT_PAGES)

# The page's width, and every element wider inside than its box. Skipped: elements with no box
# of their own (inline: clientWidth 0), visually hidden ones (1 px by design), and SVG internals.
SIDEWAYS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    if (el.clientWidth <= 1) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const id = el.id ? "#" + el.id : "";
      const cls = typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      out.push(`${el.tagName.toLowerCase()}${id}${cls} ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  return {page: document.documentElement.scrollWidth, window: window.innerWidth, elements: out.slice(0, 8)};
}"""


def pages_for(role: str) -> list[str]:
    """The URL names a role may open as a page (GET answers 200), from the permission matrix."""
    return sorted(name for name, case in MATRIX.items() if case.get.get(role) == 200 and name not in NOT_PAGES)


def signed_in_context(browser, live_server, user, width):  # noqa: F811
    """A browser context with the user's session (made by Django's test client, no sign-in form)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        host = urlsplit(live_server.url).hostname
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}])
    return context


def sideways(page) -> list[str]:
    info = page.evaluate(SIDEWAYS_JS)
    problems = list(info["elements"])
    if info["page"] > info["window"]:
        problems.insert(0, f"the page is {info['page']} px wide in a {info['window']} px window")
    return problems


def test_no_page_scrolls_sideways_for_any_role_at_1280_and_390(browser, live_server, users, world):  # noqa: F811
    users["admin"].is_superuser = True
    users["admin"].save()
    failures, seen = [], 0
    for role in ROLES:
        names = pages_for(role)
        for width in WIDTHS:
            context = signed_in_context(browser, live_server, None if role == "anonymous" else users[role], width)
            page = context.new_page()
            for name in names:
                case = MATRIX[name]
                url = live_server.url + reverse(name, args=world[case.args] if case.args else [])
                response = page.goto(url)
                assert response.status == 200, f"{role} {name}: {response.status}"
                seen += 1
                for problem in sideways(page):
                    failures.append(f"{role} {width}px {name}: {problem}")
            context.close()
    assert seen >= 2 * len(ROLES), "too few pages were opened to mean anything"
    assert not failures, "\n".join(failures)


@pytest.fixture
def returned(plan, users, rounds, fy_today):
    """Indicator ๘'s 6-month round submitted and returned; indicator ๔'s awaiting review."""
    fy_today(dt.date(2022, 3, 25))
    eight, four = plan.indicators.get(number=8), plan.indicators.get(number=4)
    for indicator in (eight, four):
        step = indicator.criteria_sets.filter(round=None).first().steps.get(number=1)
        services.step_complete(step=step, done_on=dt.date(2022, 1, 5), by=users["admin"])
        services.round_submit(indicator=indicator, round=rounds[6], by=users["admin"])
    services.round_return(indicator=eight, round=rounds[6], by=users["director"], comment="แนบหลักฐานเพิ่ม")
    return plan


def test_the_attention_panel_lists_the_returned_round_with_owner_and_link(browser, live_server, users, returned):  # noqa: F811
    context = signed_in_context(browser, live_server, users["director"], 1280)
    page = context.new_page()
    page.goto(live_server.url + reverse("reports:dashboard"))
    panel = page.get_by_role("region", name="ต้องติดตาม")
    listed = panel.locator('[data-attention="returned"]')
    item = listed.get_by_role("link", name="8. " + returned.indicators.get(number=8).name)
    assert item.count() == 1
    assert "นาครอด" in listed.inner_text()  # the owner is named beside it
    assert panel.locator('[data-attention="awaiting"]').get_by_role("link", name="4. ", exact=False).count() == 1
    item.click()
    page.wait_for_url(f"**{reverse('assessments:indicator', args=[returned.indicators.get(number=8).pk])}")
    context.close()


def test_tiles_filter_the_table_and_the_filter_is_in_the_url(browser, live_server, users, returned):  # noqa: F811
    for width in WIDTHS:
        context = signed_in_context(browser, live_server, users["director"], width)
        page = context.new_page()
        page.goto(live_server.url + reverse("reports:dashboard"))
        tiles = page.get_by_role("region", name="สรุป")
        behind = int(page.locator('[data-tile="behind"]').inner_text())
        assert 0 < behind < 30
        tiles.get_by_role("link", name="ต่ำกว่าเป้าหมาย").click()
        page.wait_for_url("**status=behind**")
        assert parse_qs(urlsplit(page.url).query)["status"] == ["behind"]
        statuses = page.locator("tr[data-indicator] [data-status]").evaluate_all("els => els.map(e => e.dataset.status)")
        assert statuses == ["behind"] * behind
        assert tiles.get_by_role("link", name="ต่ำกว่าเป้าหมาย").get_attribute("aria-current") == "true"
        assert not sideways(page)
        # The tile for review: the one indicator awaiting it.
        tiles.get_by_role("link", name="รอตรวจสอบ").click()
        page.wait_for_url("**status=awaiting**")
        assert page.locator("tr[data-indicator]").evaluate_all("els => els.map(e => e.dataset.indicator)") == ["4"]
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_search_finds_an_indicator_by_a_thai_substring_of_its_name(browser, live_server, users, plan, fy_today,  # noqa: F811
                                                                   javascript):
    fy_today(dt.date(2022, 3, 25))
    client = Client()
    client.force_login(users["viewer"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "domain": urlsplit(live_server.url).hostname, "path": "/"}])
    page = context.new_page()
    page.goto(live_server.url + reverse("reports:dashboard"))
    page.get_by_label("ค้นหา (ลำดับ ชื่อตัวชี้วัด หรือผู้รับผิดชอบ)").fill("ควบคุมภายใน")
    page.get_by_role("search").get_by_role("button", name="แสดง").click()
    page.wait_for_url("**q=**")
    shown = page.locator("tr[data-indicator]").evaluate_all("els => els.map(e => e.dataset.indicator)")
    assert shown == ["3"]  # ระดับความสำเร็จของการขับเคลื่อนแผนการควบคุมภายใน
    assert not sideways(page)
    # An owner's name finds their indicators too.
    page.get_by_label("ค้นหา (ลำดับ ชื่อตัวชี้วัด หรือผู้รับผิดชอบ)").fill("นาครอด")
    page.get_by_role("search").get_by_role("button", name="แสดง").click()
    page.wait_for_url("**q=%E0%B8%99**")
    shown = page.locator("tr[data-indicator]").evaluate_all("els => els.map(e => e.dataset.indicator)")
    assert shown == [str(n) for n in range(1, 9)]
    context.close()


def test_the_dashboard_prints_on_a4_landscape_without_cut_columns(browser, live_server, users, returned, tmp_path):  # noqa: F811
    import subprocess

    # A4 landscape at 96 px/inch less the 10 mm margins: 297 mm - 20 mm = 277 mm = 1047 px.
    context = signed_in_context(browser, live_server, users["director"], 1047)
    page = context.new_page()
    page.goto(live_server.url + reverse("reports:dashboard"))
    page.emulate_media(media="print")
    assert not sideways(page)
    assert page.locator("nav.navbar").is_hidden() and page.locator("form.filters").is_hidden()
    # Every column of the indicator table is inside the printed width.
    right = page.locator("table.dash-table").evaluate("t => t.getBoundingClientRect().right")
    assert right <= 1047
    pdf = tmp_path / "dashboard.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert "(A4)" in size and width > height, size  # A4, landscape
    context.close()
