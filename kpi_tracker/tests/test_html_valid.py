"""Every page, as every role sees it (and in its states), is valid HTML for html-validate.

The rules are html-validate's `standard` and `a11y` presets (.htmlvalidate.json). The pages
come from kpi_tracker/tests/pages.py (derived from the permission matrix); one node process
checks them all.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from kpi_tracker.tests import pages as inventory
from kpi_tracker.tests.checks import HTML_VALIDATE, HTML_VALIDATE_CONFIG, ROOT, need, node
from kpi_tracker.tests.test_permission_matrix import MATRIX, world  # noqa: F401  (the matrix's fixture)

pytestmark = pytest.mark.django_db

TEMPLATES = ROOT / "templates"
STATIC_JS = ROOT / "static" / "js"


def validate(pages: list[inventory.Page], folder: Path) -> list[str]:
    """html-validate over the pages in one process; one line per error naming the page and the element."""
    files = {}
    for n, page in enumerate(pages):
        path = folder / f"page-{n:03d}.html"
        path.write_text(page.html, encoding="utf-8")
        files[str(path)] = page
    report = folder / "html-validate.json"  # a file: node cuts a long report written to a pipe
    run = subprocess.run(
        [node(), str(need(HTML_VALIDATE)), "--config", str(need(HTML_VALIDATE_CONFIG)),
         "--formatter", f"json={report}", *files],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    if run.returncode not in (0, 1) or not report.exists():
        pytest.fail(f"html-validate did not run (exit {run.returncode}): {run.stderr[-2000:]}")
    problems = []
    for result in json.loads(report.read_text(encoding="utf-8")):
        page = files[result["filePath"]] if result["filePath"] in files else files[str(ROOT / result["filePath"])]
        lines = page.html.splitlines()
        for m in result["messages"]:
            source = lines[m["line"] - 1].strip()[:160] if 0 < m["line"] <= len(lines) else ""
            problems.append(f"{page}: {m['ruleId']}: {m['message']} [{m.get('selector') or ''}] line {m['line']}: {source}")
    return problems


def test_every_page_of_the_matrix_is_checked(client, users, world):  # noqa: F811
    """Every URL a role may GET (200) is an HTML page, checked for that role, or named in NOT_PAGES as not HTML."""
    assert set(inventory.NOT_PAGES) <= set(MATRIX), "NOT_PAGES names URLs that are not in the matrix"
    pages = inventory.matrix_pages(client, users, world)
    not_html = inventory.pages_not_html(pages)
    assert not not_html, f"add these to pages.NOT_PAGES (saying why) or make them HTML pages: {not_html}"
    checked = {(p.label, p.role) for p in pages}
    readable = {(name, role) for name, case in MATRIX.items() for role in inventory.ROLES
                if case.get[role] == 200 and name not in inventory.NOT_PAGES}
    assert checked == readable and len(checked) >= 30, sorted(readable ^ checked)
    # A URL set aside as "not a page" really is no HTML page (else it would escape both checks).
    for name in inventory.NOT_PAGES:
        case = MATRIX[name]
        role = next(r for r in inventory.ROLES if case.get[r] == 200)
        url = reverse(name, args=world[case.args] if case.args else [])
        if name.startswith("reports:scorecard-"):  # one indicator keeps the PDF quick, as in the matrix test
            url += f"?plan={world['plan'].pk}&quarter=1&indicator={world['indicator'][0]}"
        page = inventory.get_page(client, users, role, name, url)
        assert page.status == 200 and not page.is_html, (name, page.status, page.headers.get("Content-Type"))


def test_states_render_what_they_say(client, users, world):  # noqa: F811
    """The states really are the states: the error shown, the round returned, the lock-out page."""
    by_label = {p.label: p for p in inventory.state_pages(client, users, world)}
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in by_label["login: wrong password"].html
    # An error is tied to the fields it is about, for a screen reader.
    login = by_label["login: wrong password"].html
    assert 'id="login-error"' in login and len(re.findall(r'aria-invalid="true" aria-describedby="login-error"', login)) == 2
    review = by_label["review: decision without its reason"].html
    error_id = re.search(r'<span id="((?:verify|return)-error)">', review).group(1)
    assert f'aria-invalid="true" aria-describedby="{error_id}"' in review
    assert by_label["login: locked out (429)"].status == 429
    assert by_label["404 page"].status == 404 and by_label["404 page"].is_html
    assert any(p.status == 403 for label, p in by_label.items() if label.startswith("403 page"))
    assert by_label["review: decision without its reason"].status == 400
    assert by_label["dashboard: 5G KPI value not a number"].status == 400
    assert 'class="alert alert-danger"' in by_label["indicator: step saved with a date in the future"].html
    assert "กรุณาแนบรายงานการประชุมของขั้นตอนที่ 1 แล้วส่งใหม่" in by_label["indicator: returned round"].html
    assert '<html lang="en">' in by_label["dashboard in English"].html


def test_every_page_is_valid_html(client, users, world, tmp_path):  # noqa: F811
    pages = [p for p in inventory.all_pages(client, users, world) if p.is_html]
    assert len(pages) >= 40, len(pages)
    problems = validate(pages, tmp_path)
    assert not problems, f"{len(problems)} HTML errors:\n" + "\n".join(problems)


def test_the_validator_finds_errors(tmp_path):
    """The check can fail: a page with a bare hx- attribute and a duplicate id is refused."""
    bad = inventory.Page("bad", "nobody", "/bad/", 200,
                         '<!doctype html><html lang="th"><head><meta charset="utf-8"><title>x</title></head>'
                         '<body><main><form hx-post="/x/" id="a"></form><p id="a">x</p></main></body></html>',
                         {"Content-Type": "text/html"})
    problems = validate([bad], tmp_path)
    assert any("no-unknown-attribute" in p or "attribute-misuse" in p or "hx-post" in p for p in problems), problems
    assert any("no-dup-id" in p for p in problems), problems


BARE_HX = re.compile(r"""(?<![\w-])hx-[a-z]+(?:-[a-z]+)*\s*=|setAttribute\(\s*["']hx-|\[hx-""")


def test_htmx_attributes_are_in_their_data_form():
    """htmx reads data-hx-*; a bare hx-* attribute is not valid HTML."""
    offenders = []
    for path in [*TEMPLATES.rglob("*.html"), *STATIC_JS.rglob("*.js")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BARE_HX.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert not offenders, "write data-hx-… instead:\n" + "\n".join(offenders)
