"""The PDF's text layer gives back exactly the Thai text that was rendered (reports/pdf_text.py).

What a search tool or a person copying from the PDF gets is what poppler
(pdftotext) and pypdf extract, so both are asked, on:

* a purpose-built sample rendered through reports.pdf.write_pdf, the
  scorecard's own path: every indicator name, criterion (milestone step) text
  and person's name of the FY 2565 plan, dates in Thai digits, and the hard
  cases (ำ after a tone mark, ำ at a word's end, stacked marks, Thai digits),
  one per line, in each weight and style the scorecard uses. Each line must come
  back exactly, whitespace runs counting as one space;
* the real scorecard of the whole plan (Q2, with progress): every name,
  criterion, person and date it shows must come back, whitespace ignored,
  since table cells wrap between Thai words. pdftotext reads it in content
  order (-raw): in reading order it interleaves the lines of neighbouring
  table cells, which has nothing to do with the text layer.

The same documents rendered without the fix draw the same shapes in the same
places (to the pixel, anti-aliasing aside: see pages_that_look_different), and
their text is wrong, which shows that the sample does exercise the bug.
reports/tests/test_pdf_engines.py asks the viewers' engines (pdf.js, PDFium,
MuPDF) as well.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path

import pytest
from django.conf import settings

from core import thai
from reports import pdf_text
from reports.pdf import FONT_DIR, font_faces, render_html, write_pdf
from reports.scorecard import Period, build_scorecard

from .pdf_helpers import pages_that_look_different, pdftotext, pypdf_pages, q2_scorecard, rasterise, squash, words

pytestmark = pytest.mark.django_db

HARD_CASES = [
    "น้ำ",  # ำ after a tone mark: drawn as NIKHAHIT+MAI THO, then า
    "นายนวล น้ำใจ",
    "ระดับความสำเร็จของการจัดทำคู่มือ … นายนวล น้ำใจ",  # the example
    "จัดทำ",  # ำ at a word's end
    "ทำ ค่ำ กำหนด ตำแหน่ง ผู้อำนวยการ",
    "ปี่ ปี๊บ ปู่ ฟื้น ฟื้นฟู ญี่ปุ่น ก๋วยเตี๋ยว ตั๋ว ปั้น",  # stacked and moved marks
    "ผู้มีส่วนได้เสีย ส่วน สั่ง ฐู ฎีกา ฤๅษี ศรีสะเกษ ฯลฯ เด็กๆ",
    "๐๑๒๓๔๕๖๗๘๙",
    "ปีงบประมาณ พ.ศ. ๒๕๖๕ ไตรมาสที่ ๒ ร้อยละ ๙๑.๕๐",
    "ITA (Integrity and Transparency Assessment) 5 G",
]
# The plan's strings in the scorecard's two main weights; the hard cases in every face it uses.
STYLES = ["", "font-weight: 700"]
EXTRA_STYLES = ["font-weight: 600", "font-style: italic"]


def sample_strings(plan) -> list[str]:
    from indicators.models import MilestoneStep, Person

    names = [i.name for i in plan.indicators.order_by("number")]
    criteria = list(
        MilestoneStep.objects.filter(criteria_set__indicator__plan=plan)
        .order_by("criteria_set__indicator__number", "criteria_set_id", "number")
        .values_list("text", flat=True)
    )
    people = [p.full_name for p in Person.objects.order_by("pk")]
    start, end = thai.fiscal_year_bounds(2565)
    days = [start + dt.timedelta(days=n) for n in range(0, (end - start).days + 1, 17)] + [end]
    dates = [thai.format_date(d, long=long, thai_digits=True) for d in days for long in (False, True)]
    assert len(names) == 30 and len(criteria) >= 100 and len(people) >= 14
    lines = [line for text in HARD_CASES + names + criteria + people + dates for line in text.splitlines()]
    return [line for line in lines if line.strip()]


def sample_lines(strings: list[str]) -> list[tuple[str, str]]:
    """(style, text) of each line of the sample."""
    hard = [line for text in HARD_CASES for line in text.splitlines()]
    return [(style, s) for style in STYLES for s in strings] + [(style, s) for style in EXTRA_STYLES for s in hard]


def sample_html(lines: list[tuple[str, str]]) -> str:
    paragraphs = "".join(f'<p style="{style}">{escape(s)}</p>' for style, s in lines)
    return f"""<!doctype html><html lang="th"><head><meta charset="utf-8"><title>ตัวอย่าง</title>
<style>{font_faces()}
@page {{ size: 1500pt 2400pt; margin: 20pt }}
html {{ font-family: "Sarabun"; font-size: 11pt; line-height: 1.5 }}
p {{ margin: 0; white-space: nowrap }}
</style></head><body>{paragraphs}</body></html>"""


_cache: dict = {}


@pytest.fixture
def sample(plan):
    """(expected lines, HTML, PDF with the fix), rendered once per module."""
    if "sample" not in _cache:
        lines = sample_lines(sample_strings(plan))
        html = sample_html(lines)
        _cache["sample"] = ([words(s) for _, s in lines], html, write_pdf(html))
    return _cache["sample"]


def plain_pdf(html: str) -> bytes:
    """The same HTML written by WeasyPrint without the fix."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()


def lines_of(text: str) -> list[str]:
    return [words(line) for line in text.splitlines() if line.strip()]


def first_difference(got: list[str], expected: list[str]) -> str:
    for n, (a, b) in enumerate(zip(got, expected)):
        if a != b:
            return f"line {n + 1}: got {a!r}, expected {b!r}"
    return f"{len(got)} lines extracted, {len(expected)} expected"


def test_poppler_gives_back_every_line_of_the_sample(sample):
    expected, _, data = sample
    got = lines_of(pdftotext(data))
    assert got == expected, first_difference(got, expected)


def test_pypdf_gives_back_every_line_of_the_sample(sample):
    expected, _, data = sample
    got = [line for page in pypdf_pages(data) for line in lines_of(page)]
    assert got == expected, first_difference(got, expected)


def scorecard_strings(sc) -> list[str]:
    """What the scorecard shows of the plan: names, criteria, people, dates."""
    strings = [sc.group, sc.department, sc.plan_title, sc.period.title(thai_digits=True)]
    strings.append("ข้อมูล ณ วันที่ " + thai.format_date(sc.period.as_of, long=True, thai_digits=True))
    for row in sc.rows:
        strings += [row.name, row.section, *row.owners, row.reviewed_by, row.review_comment, row.submit_note]
        for step in row.steps:
            strings += [step.text, step.recorded_by, step.note]
            if step.done_on:
                strings.append(thai.format_date(step.done_on, thai_digits=True))
    return [s for s in strings if s]


@pytest.mark.parametrize("extractor", ["pdftotext -raw", "pypdf"])
def test_the_scorecard_gives_back_every_name_criterion_person_and_date(request, extractor):
    sc, data = q2_scorecard(request)
    text = pdftotext(data, "-raw") if extractor == "pdftotext -raw" else "\n".join(pypdf_pages(data))
    strings = scorecard_strings(sc)
    assert len(strings) > 200
    assert sum("ำ" in s for s in strings) > 50
    missing = [s for s in strings if squash(s) not in squash(text)]
    assert not missing, f"{len(missing)} of {len(strings)} strings not extracted by {extractor}, e.g. {missing[:3]}"
    assert "สาเร็จ" not in text and "จัดทา" not in text


def test_the_pages_look_as_without_the_fix(sample, plan, progress):
    expected, html, data = sample
    plain = plain_pdf(html)
    assert not pages_that_look_different(data, plain)
    # ... while the text without the fix is wrong: the sample exercises the bug.
    assert lines_of(pdftotext(plain)) != expected
    assert "ความสำเร็จ" not in pdftotext(plain) and "ความสำเร็จ" in pdftotext(data)

    # A scorecard: tables, charts, running headers, every weight the template uses.
    ids = list(plan.indicators.filter(number__in=[1, 2, 7, 12]).values_list("pk", flat=True))
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2), indicator_ids=ids)
    html = render_html(sc)
    fixed, plain = write_pdf(html), plain_pdf(html)
    assert len(rasterise(fixed)) >= 5
    different = pages_that_look_different(fixed, plain)
    assert not different, f"pages {different} differ from the unfixed rendering"


def test_the_comparison_of_pages_sees_a_mark_moved_by_a_point(sample):
    """pages_that_look_different would catch a composite glyph that put a mark in the wrong place."""
    html = sample_html([("", "ส่วน น้ำใจ ปี่")])
    moved = html.replace("</style>", ".m { position: relative; top: 1pt }</style>").replace("ส่วน", 'ส<span class="m">่</span>วน')
    assert not pages_that_look_different(plain_pdf(html), write_pdf(html))
    assert pages_that_look_different(plain_pdf(html), plain_pdf(moved)) == [1]


def test_the_pdf_is_thai_and_says_what_it_is(request):
    import io

    from pypdf import PdfReader

    sc, data = q2_scorecard(request)
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "th"
    meta = reader.metadata
    assert meta.title == "รายงานผลการดำเนินงานตามตัวชี้วัด กลุ่มพัฒนาระบบบริหาร ไตรมาสที่ ๒ ปีงบประมาณ พ.ศ. ๒๕๖๕"
    assert meta.author == "กลุ่มพัฒนาระบบบริหาร กรมบังคับคดี"
    assert meta.subject.startswith("ผลการดำเนินงานตามตัวชี้วัดของแผนปฏิบัติการประจำปีงบประมาณ พ.ศ. ๒๕๖๕")
    assert "ข้อมูล ณ วันที่ ๓๑ มีนาคม ๒๕๖๕" in meta.subject
    created = meta.creation_date
    assert created is not None and abs(created - sc.generated_at) < dt.timedelta(seconds=2)


def test_another_weasyprint_version_is_refused(monkeypatch):
    import weasyprint

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(pdf_text.UnsupportedWeasyPrint, match="written against WeasyPrint 70.0.*71.0 is installed"):
        write_pdf("<p>น้ำใจ</p>")


def test_the_pin_is_the_installed_and_the_required_weasyprint():
    import weasyprint

    requirements = (Path(settings.BASE_DIR) / "requirements.txt").read_text()
    pinned = re.search(r"^weasyprint==(\S+)$", requirements, re.MULTILINE | re.IGNORECASE)
    assert pinned and pinned[1] == pdf_text.WEASYPRINT_VERSION == weasyprint.__version__
