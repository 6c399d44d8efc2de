"""The PDF: opens, sane page count, Sarabun embedded, indicator names in order, BE header.

The full plan is rendered once per run (WeasyPrint takes a few seconds), shared
with test_pdf_text.py, which checks the text layer character by character.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from reports.pdf import render_html, render_pdf
from reports.scorecard import Period, build_scorecard

from .pdf_helpers import pypdf_pages, q2_scorecard, squash

pytestmark = pytest.mark.django_db


@pytest.fixture
def q2(request):
    """(scorecard, pdf bytes, text of each page) of the real plan's Q2 FY 2565, rendered once."""
    sc, data = q2_scorecard(request)
    return sc, data, pypdf_pages(data)


def normalise(text: str) -> str:
    # Table cells wrap between Thai words: compare without whitespace. The text
    # layer is exact otherwise (ำ, tone marks: reports/pdf_text.py).
    return squash(text)


def test_it_opens_with_a_sane_page_count(q2):
    sc, data, pages = q2
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert 5 <= len(reader.pages) <= 80
    box = reader.pages[0].mediabox  # A4 landscape
    assert round(float(box.width) / 72 * 25.4) == 297 and round(float(box.height) / 72 * 25.4) == 210


def test_sarabun_is_embedded(q2):
    _, data, _ = q2
    reader = PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    assert any("Sarabun" in name for name in fonts), fonts
    assert all(embedded for name, embedded in fonts.items() if "Sarabun" in name)
    assert all("Sarabun" in name for name in fonts), f"a font other than Sarabun was used: {fonts}"


def test_indicator_names_appear_in_order(q2):
    sc, _, pages = q2
    text = normalise("".join(pages))
    position = 0
    for row in sc.rows:
        found = text.find(normalise(row.name), position)
        assert found >= 0, f"ตัวชี้วัดที่ {row.number} not found after position {position}"
        position = found + 1


def test_header_names_the_department_group_year_quarter_and_as_of_date(q2):
    _, _, pages = q2
    first = normalise(pages[0])
    for expected in ("กรมบังคับคดี", "กลุ่มพัฒนาระบบบริหาร", "ไตรมาสที่๒", "ปีงบประมาณพ.ศ.๒๕๖๕", "๓๑มีนาคม๒๕๖๕"):
        assert normalise(expected) in first, expected
    assert "2565" not in pages[0] and "2022" not in pages[0]


def test_every_page_is_numbered_in_thai_digits(q2):
    _, _, pages = q2
    total = len(pages)
    digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    for n, page in enumerate(pages, start=1):
        assert normalise(f"หน้า {n}/{total}".translate(digits)) in normalise(page)


def test_signature_lines_and_details_are_there(q2):
    _, _, pages = q2
    text = normalise("".join(pages))
    for expected in ("ผู้รายงาน", "ผู้อำนวยการกลุ่มพัฒนาระบบบริหาร", "ความเห็นผู้ตรวจสอบ", "ขั้นตอนที่๓ยังไม่มีเอกสารหลักฐาน", "ประชุมคณะทำงานแล้ว"):
        assert normalise(expected) in text, expected


def test_arabic_digits_when_the_setting_is_off(plan, progress, settings):
    settings.REPORT_THAI_DIGITS = False
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2), indicator_ids=[progress["one"].pk])
    html = render_html(sc)
    assert "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565" in html and "๒๕๖๕" not in html
    assert 'counter(page, decimal)' in html
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(sc))).pages)
    assert "2565" in text and "๒๕๖๕" not in text


def test_database_text_is_escaped_and_never_written_into_css(plan):
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2), indicator_ids=[plan.indicators.get(number=1).pk])
    sc.group = 'กลุ่ม"; } body { display: none } <script>'
    sc.rows[0].name = "<img src=x onerror=alert(1)>"
    html = render_html(sc)
    style = html.split("<style>")[1].split("</style>")[0]
    assert "กลุ่ม" not in style and "display: none" not in style
    assert "<img src=x" not in html and "<script>" not in html
