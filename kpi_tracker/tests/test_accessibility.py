"""axe-core (WCAG 2.0/2.1 A and AA) finds nothing on any page, for any role, at 1280 and 390 px.

The pages are those of kpi_tracker/tests/pages.py (every page of the permission matrix,
for every role that may read it, plus the states: a returned round, forms sent back
with errors, the error pages, English). Each is rendered by the Django test client and
shown to Debian's chromium at a made-up origin whose static files come from the app's
own finders, so no server runs and the browser sees exactly what html-validate checked.
In the browser every <details> is opened, the phone menu is unfolded, and each <dialog>
is opened in turn, so what they hide is checked too.

axe-core comes from node_modules (package.json; `npm ci`); the context bypasses the page's
content security policy only so that the test can inject it.
"""

from __future__ import annotations

import json

import pytest

from assessments.tests.test_browser import browser  # noqa: F401  (one chromium per module)
from kpi_tracker.tests import pages as inventory
from kpi_tracker.tests.checks import AXE_JS, need
from kpi_tracker.tests.showroom import DESKTOP, PHONE, Showroom
from kpi_tracker.tests.test_permission_matrix import ROLES, world  # noqa: F401  (the matrix's fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = {1280: DESKTOP, 390: PHONE}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}

# Open what a click would open: every <details>, the phone menu.
UNFOLD_JS = """() => {
  document.querySelectorAll("details").forEach(d => d.open = true);
  const toggler = document.querySelector("[data-toggle-target]");
  if (toggler && toggler.offsetParent !== null && toggler.getAttribute("aria-expanded") !== "true") toggler.click();
  return document.querySelectorAll("dialog").length;
}"""
AXE_RUN_JS = "options => axe.run(document, options).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary}))})))"
OPEN_DIALOG_JS = "n => { const d = document.querySelectorAll('dialog')[n]; if (d.open) d.close(); d.showModal(); }"
CLOSE_DIALOG_JS = "n => document.querySelectorAll('dialog')[n].close()"


def axe(tab) -> list[dict]:
    tab.add_script_tag(path=str(need(AXE_JS)))
    return tab.evaluate(AXE_RUN_JS, AXE_OPTIONS)


def violations_on(room: Showroom, page: inventory.Page, width: int) -> list[str]:
    room.show(page)
    room.tab.evaluate("document.fonts.ready.then(() => true)")
    dialogs = room.tab.evaluate(UNFOLD_JS)
    found = [("", v) for v in axe(room.tab)]
    for n in range(dialogs):
        room.tab.evaluate(OPEN_DIALOG_JS, n)
        found += [(f" (dialog {n + 1} open)", v) for v in axe(room.tab)]
        room.tab.evaluate(CLOSE_DIALOG_JS, n)
    return [
        f"{page} at {width} px{where}: {v['id']} ({v['impact']}): {v['help']}\n"
        f"      {node['target']}  {node['html'][:220]}"
        for where, v in found for node in v["nodes"]
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_axe_violations(browser, client, users, world, role):  # noqa: F811
    pages = [p for p in inventory.all_pages(client, users, world, roles=(role,)) if p.is_html]
    assert pages, role
    problems = []
    for width, viewport in WIDTHS.items():
        room = Showroom(browser, viewport)
        try:
            problems += [line for page in pages for line in violations_on(room, page, width)]
        finally:
            room.close()
    assert not problems, f"{len(problems)} axe-core violations for {role}:\n" + "\n".join(problems)


def test_axe_finds_a_violation(browser):  # noqa: F811
    """The check can fail: light grey text, an unlabelled field, a tab list of list items, an unlabelled list in a dialog."""
    bad = inventory.Page("bad page", "nobody", "/bad/", 200,
                         '<!doctype html><html lang="th"><head><meta charset="utf-8"><title>x</title></head><body><main>'
                         '<p style="color:#bbb">faint grey text</p><input name="q">'
                         '<ul role="tablist"><li><a href="?a">ก</a></li></ul>'
                         '<dialog><p>ยืนยัน?</p><select name="in-dialog"><option>ก</option></select></dialog></main></body></html>',
                         {"Content-Type": "text/html; charset=utf-8"})
    room = Showroom(browser, WIDTHS[390])
    try:
        problems = violations_on(room, bad, 390)
    finally:
        room.close()
    text = json.dumps(problems)
    for rule in ("color-contrast", "label", "aria-required-children"):
        assert rule in text, (rule, problems)
    assert "bad page as nobody (/bad/) at 390 px" in problems[0]
    # What only an open dialog shows is checked with the dialog open.
    assert any("(dialog 1 open)" in p and "in-dialog" in p for p in problems), problems


FOCUSED_JS = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {what: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + (e.textContent || e.name || "").trim().slice(0, 40),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, colour: s.outlineColor};
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_keyboard_focus_is_always_visible(browser, client, users, world, viewport):  # noqa: F811
    """Tab through the owner's indicator page (every kind of control): each stop draws a solid ring of 3 px."""
    from django.urls import reverse

    page = inventory.get_page(client, users, "owner", "indicator", reverse("assessments:indicator", args=world["indicator"]))
    room = Showroom(browser, viewport)
    try:
        room.show(page)
        room.tab.evaluate(UNFOLD_JS)
        stops, seen = [], set()
        for _ in range(60):
            room.tab.keyboard.press("Tab")
            stop = room.tab.evaluate(FOCUSED_JS)
            if stop["what"] in seen:
                continue
            seen.add(stop["what"])
            stops.append(stop)
    finally:
        room.close()
    kinds = {s["what"].split(" ")[0].split("#")[0] for s in stops}
    assert {"a", "button", "input", "summary", "textarea"} <= kinds, kinds
    faint = [s for s in stops if s["style"] == "none" or s["width"] < 3]
    assert not faint, faint
