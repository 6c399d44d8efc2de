"""No layout shift from fonts, and one render-blocking stylesheet.

The dashboard is opened on a 390 px and a 412 px phone in chromium, from a real server on 127.0.0.1,
once at full speed and once over the network Lighthouse's mobile run emulates (slow 4G:
562.5 ms round trip, 1.4 Mbit/s), where Lighthouse measured a layout shift of 0.33 when
Sarabun swapped in late (the navigation bar changed height and pushed the page down).
A PerformanceObserver adds up the layout-shift entries not caused by input, as
Lighthouse's cumulative layout shift does; it stays under 0.1, the "good" threshold.
Before the fonts were preloaded with font-display: optional this test measured 0.335 at
412 px (0.005 at 390 px, where the bar wrapped in either font).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments.tests.test_browser import browser  # noqa: F401  (one chromium per module)
from kpi_tracker.tests import pages as inventory
from kpi_tracker.tests.showroom import PHONE, PageServer, Showroom
from kpi_tracker.tests.test_permission_matrix import world  # noqa: F401  (the matrix's fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

OBSERVE_JS = """
window.__shifts = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push({value: e.value,
    sources: (e.sources || []).map(s => s.node ? (s.node.nodeName + (s.node.id ? "#" + s.node.id : "") + (s.node.className && typeof s.node.className === "string" ? "." + s.node.className.split(" ").join(".") : "")) : "?")});
}).observe({type: "layout-shift", buffered: true});
"""
# Wait for the fonts (or for font-display to give up on them) and two more frames.
SETTLE_JS = """() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))
  .then(() => ({cls: window.__shifts.reduce((a, s) => a + s.value, 0), shifts: window.__shifts,
                fonts: [...document.fonts].filter(f => f.status === "loaded").map(f => f.family + " " + f.weight)}))"""


def dashboard(client, users, world):  # noqa: F811
    return inventory.get_page(client, users, "director", "dashboard", reverse("reports:dashboard"))


# Lighthouse's mobile throttling (its "slow 4G"), applied by chromium to every request.
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1_474_560 * 0.9 / 8, "uploadThroughput": 675_000 * 0.9 / 8}


def cumulative_shift(browser, page, width, network=None):  # noqa: F811
    server = PageServer(page)
    context = browser.new_context(viewport={"width": width, "height": 823}, device_scale_factor=1.75, is_mobile=True, has_touch=True)
    try:
        context.add_init_script(OBSERVE_JS)
        tab = context.new_page()
        if network:
            cdp = context.new_cdp_session(tab)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", network)
        tab.goto(server.url, wait_until="load", timeout=60_000)
        tab.wait_for_timeout(1500)  # past font-display's swap period: a late font would have shifted by now
        return tab.evaluate(SETTLE_JS)
    finally:
        context.close()
        server.close()


@pytest.mark.parametrize(("width", "network"), [(390, None), (390, SLOW_4G), (412, SLOW_4G)],
                         ids=["390px-full-speed", "390px-slow-4g", "412px-slow-4g"])
def test_the_dashboard_does_not_shift_on_a_phone(browser, client, users, world, width, network):  # noqa: F811
    """412 px is Lighthouse's phone: there the old swap made the navigation bar one line taller (0.335)."""
    result = cumulative_shift(browser, dashboard(client, users, world), width, network)
    assert result["cls"] < 0.1, result
    if not network:
        assert "Sarabun 400" in result["fonts"], result  # served promptly, the page is in Sarabun


def test_one_stylesheet_blocks_rendering_and_the_fonts_are_preloaded(browser, client, users, world):  # noqa: F811
    html = dashboard(client, users, world).html
    head = html.split("</head>")[0]
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]*>', head)
    assert len(stylesheets) == 1 and "bootstrap" in stylesheets[0], stylesheets
    scripts = re.findall(r"<script[^>]*>", head)
    assert scripts and all(" defer" in s or " async" in s for s in scripts), scripts
    preloads = re.findall(r'<link rel="preload"[^>]*>', head)
    for face in ("Sarabun-Regular.ttf", "Sarabun-Bold.ttf"):
        assert any(face in p and 'as="font"' in p and "crossorigin" in p for p in preloads), (face, preloads)
    # The browser asks for the preloaded fonts before it has the stylesheet's rules applied, and uses them.
    room = Showroom(browser, PHONE)
    try:
        room.show(dashboard(client, users, world))
        room.tab.evaluate("document.fonts.ready.then(() => true)")
        fonts = [path for kind, path in room.requests if kind == "font"]
        family = room.tab.evaluate("getComputedStyle(document.body).fontFamily")
    finally:
        room.close()
    assert any(p.endswith("Sarabun-Regular.ttf") for p in fonts), room.requests
    assert family.startswith('Sarabun, "Sarabun Fallback"'), family
