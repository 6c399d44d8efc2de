"""The scorecards read back as the exact Thai text in every engine people view PDFs with.

pdf.js (Firefox), PDFium (Chrome, Edge), MuPDF, poppler and pypdf are each asked for
the text of the scorecard of every quarter of FY 2565 (reports/tests/pdf_engines.py
says how). Every indicator name and every criterion text must be found exactly
(whitespace aside: table cells wrap between Thai words), no replacement or
private-use character may appear, and a search for words with ำ and tone marks must
find every occurrence the HTML has. A failure names the engine and its version.
The evidence annex is checked the same way in reports/tests/test_annex.py.
"""

from __future__ import annotations

import pytest

from core import thai
from reports.pdf import render_html, write_pdf
from reports.scorecard import Period, build_scorecard

from .pdf_engines import ENGINES, html_text, junk, read, squash

pytestmark = pytest.mark.django_db

SEARCH_WORDS = ["สำเร็จ", "น้ำ", "ดำเนินการ", "ผู้รับผิดชอบ"]
_cache: dict = {}


def quarter_pdf(request, quarter: int):
    """(scorecard, print HTML, PDF) of the quarter, with the recorded progress; once per run."""
    if quarter not in _cache:
        plan = request.getfixturevalue("plan")
        request.getfixturevalue("progress")
        sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, quarter))
        html = render_html(sc)
        _cache[quarter] = (sc, html, write_pdf(html))
    return _cache[quarter]


def check_reading(reading, names: list[str], criteria: list[str], html: str) -> list[str]:
    """What is wrong with one engine's reading of a PDF (empty when nothing is)."""
    problems = []
    text = squash(reading.text)
    bad = junk(reading.text)
    if bad:
        problems.append(f"{len(bad)} junk characters, e.g. {sorted({f'U+{ord(c):04X}' for c in bad})[:5]}")
    missing = [n for n in names if squash(n) not in text]
    if missing:
        problems.append(f"{len(missing)} of {len(names)} indicator names not found, e.g. {missing[:2]}")
    missing = [c for c in criteria if squash(c) not in text]
    if missing:
        problems.append(f"{len(missing)} of {len(criteria)} criterion texts not found, e.g. {missing[:2]}")
    shown = squash(html_text(html))
    for word in SEARCH_WORDS:
        if text.count(word) < shown.count(word):
            problems.append(f'"{word}" found {text.count(word)} times, the HTML has it {shown.count(word)} times')
    return [f"{reading.engine}: {p}" for p in problems]


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_reads_the_scorecard_exactly(request, engine, quarter):
    sc, html, data = quarter_pdf(request, quarter)
    names = [row.name for row in sc.rows]
    criteria = [step.text for row in sc.rows for step in row.steps]
    assert len(names) == 30 and len(criteria) >= 90
    reading = read(engine, data)
    problems = check_reading(reading, names, criteria, html)
    assert not problems, "\n".join(problems)
    # The words of the search test are really there, so the comparison means something.
    assert all(squash(html_text(html)).count(word) for word in ["สำเร็จ", "ดำเนินการ", "ผู้รับผิดชอบ"])
    assert thai.to_thai_digits(str(sc.period.fiscal_year)) in reading.text


def test_the_check_catches_the_junk_of_empty_targets(request):
    """The earlier text layer (marks mapped to nothing) fails this check in pdf.js, as the issue saw."""
    from .pdf_engines import Reading

    sc, html, data = quarter_pdf(request, 2)
    good = read("pypdf", data)
    bad = Reading("pdf.js (simulated)", good.text.replace("ำ", "\uffffำ").replace("ร็", "ร\ufffa็"))
    names = [row.name for row in sc.rows]
    problems = check_reading(bad, names, [], html)
    assert any("junk" in p for p in problems) and any("indicator names not found" in p for p in problems)
    assert all(p.startswith("pdf.js (simulated): ") for p in problems)
