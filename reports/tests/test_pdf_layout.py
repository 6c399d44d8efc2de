"""Page layout of the scorecard PDF, read back from the rendered file (pdfplumber: text and
positions on each page), for the real plan's Q2 FY 2565 with recorded progress, both editions.

Each check returns the problems it finds (a list of sentences), so a failure says where;
`test_each_check_catches_its_defect` renders small documents that have the defect and proves
every check would fail on it.

- executive (สรุปผู้บริหาร) at most 3 A4 pages, with the 5G KPIs' status;
- no page ends with a heading, none holds only headings;
- an indicator's heading, its step table's header row and first row are on one page;
- a reviewer's line is never the first thing on a page (it stays with its indicator);
- a table row at the top of a page has its header row repeated above it;
- no empty placeholder ("– · ·", "()", a label with nothing after it);
- Sarabun lines 1.5 × the font size apart or more (labels do not touch).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass

import pdfplumber
import pytest

from reports.pdf import EXECUTIVE, FULL, FONT_DIR, font_faces, render_pdf, write_pdf
from reports.scorecard import Period, build_scorecard

from .pdf_helpers import pypdf_pages, q2_scorecard, squash

pytestmark = pytest.mark.django_db

HEADING_SIZE = 13.4  # h1 17pt, h2 15pt, h3 13.5pt, bold; body text and table headers are smaller
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙0123456789"
TABLE_HEADERS = ("ลำดับ", "ขั้นตอนที่")  # the first header cell of every numbered table


@dataclass
class Line:
    top: float
    bottom: float  # the baseline region: lines are grouped by it
    x0: float
    x1: float
    size: float
    bold: bool
    text: str

    @property
    def heading(self) -> bool:
        return self.bold and self.size >= HEADING_SIZE

    @property
    def numbered_row(self) -> bool:
        """The first line of a numbered table row: its number cell comes first."""
        return bool(self.text) and self.text[0] in THAI_DIGITS and not self.bold


def read_pages(data: bytes) -> list[list[Line]]:
    """Each page's body lines (running header and footer left out), top to bottom."""
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            rows = defaultdict(list)
            for c in page.chars:
                if c["text"].strip() and c["size"] > 2:  # not the 1 pt running-header sources
                    rows[round(c["bottom"])].append(c)
            lines = []
            for y in sorted(rows):
                chars = sorted(rows[y], key=lambda c: c["x0"])
                # a cell's line of the row: the body text, not the header or footer in the margins
                if y < 1.5 / 2.54 * 72 or y > page.height - 1.4 / 2.54 * 72:
                    continue
                size = max(c["size"] for c in chars)
                lines.append(Line(
                    top=min(c["top"] for c in chars), bottom=y, x0=chars[0]["x0"], x1=chars[-1]["x1"], size=size,
                    bold=all("Bold" in c["fontname"] for c in chars if c["size"] == size),
                    text="".join(c["text"] for c in chars),
                ))
            pages.append(lines)
    return pages


# --- the checks ----------------------------------------------------------------------


def headings_alone(pages) -> list[str]:
    problems = []
    for n, lines in enumerate(pages, start=1):
        if lines and lines[-1].heading:
            problems.append(f"page {n} ends with the heading “{lines[-1].text}”")
        if lines and all(line.heading for line in lines):
            problems.append(f"page {n} holds only headings")
    return problems


def indicators_split_from_their_tables(pages) -> list[str]:
    """Each "ตัวชี้วัดที่ …" heading of the detail part has, on its page, its step table's
    header row and first row below it (or the no-criteria note)."""
    problems = []
    for n, lines in enumerate(pages, start=1):
        for i, line in enumerate(lines):
            if not (line.heading and line.text.startswith("ตัวชี้วัดที่")):
                continue
            rest = lines[i + 1 :]
            upto = next((k for k, other in enumerate(rest) if other.heading), len(rest))
            rest = rest[:upto]
            if any("ยังไม่ได้กำหนดเกณฑ์การให้คะแนน" in other.text for other in rest):
                continue
            header = next((k for k, other in enumerate(rest) if other.text.startswith("ขั้นตอนที่")), None)
            if header is None:
                problems.append(f"page {n}: “{line.text[:40]}” without its step table's header row")
            elif not any(other.numbered_row for other in rest[header + 1 :]):
                problems.append(f"page {n}: “{line.text[:40]}” and its table header without the first row")
    return problems


def reviewer_lines_cut_off(pages) -> list[str]:
    problems = []
    for n, lines in enumerate(pages, start=1):
        for i, line in enumerate(lines):
            if line.text.startswith(("ความเห็นผู้ตรวจสอบ", "หมายเหตุผู้ส่งผลการประเมินตนเอง")) and (
                i == 0 or lines[i - 1].heading
            ):
                problems.append(f"page {n} starts with “{line.text[:40]}”, away from its indicator")
    return problems


def rows_without_header(pages) -> list[str]:
    """On every page, the first numbered table row has a header row above it."""
    problems = []
    for n, lines in enumerate(pages, start=1):
        first = next((i for i, line in enumerate(lines) if line.numbered_row), None)
        if first is not None and not any(line.text.startswith(TABLE_HEADERS) for line in lines[:first]):
            problems.append(f"page {n}: the row “{lines[first].text[:40]}” has no header row above it")
    return problems


PLACEHOLDER = re.compile(r"·|\(\s*\)|[:：]\s*[–-]?\s*$|–\s*[·:]")


def empty_placeholders(pages) -> list[str]:
    return [
        f"page {n}: “{line.text}”"
        for n, lines in enumerate(pages, start=1)
        for line in lines
        if PLACEHOLDER.search(line.text)
    ]


def tight_lines(pages, minimum: float = 1.5) -> tuple[list[str], int]:
    """Baselines of consecutive lines of one text block (same size, same left edge) are at
    least `minimum` × the size apart. Returns the problems and how many pairs were measured."""
    problems, measured = [], 0
    for n, lines in enumerate(pages, start=1):
        for a, b in zip(lines, lines[1:]):
            if abs(a.size - b.size) > 0.01 or abs(a.x0 - b.x0) > 1:
                continue
            gap = b.bottom - a.bottom
            if gap > 2.2 * a.size:  # another block (a cell padding, a margin) in between
                continue
            measured += 1
            if gap < minimum * a.size - 0.75:  # positions are whole points (rounded)
                problems.append(f"page {n}: “{a.text[:30]}” / “{b.text[:30]}” {gap:.1f} pt apart at {a.size:.1f} pt")
    return problems, measured


CHECKS = [headings_alone, indicators_split_from_their_tables, reviewer_lines_cut_off, rows_without_header,
          empty_placeholders]


# --- the Q2 FY 2565 scorecard --------------------------------------------------------

_cache: dict = {}


@pytest.fixture
def editions(request):
    """{edition: (PDF bytes, pages)} of the Q2 FY 2565 scorecard with progress, rendered once."""
    if "editions" not in _cache:
        sc, full = q2_scorecard(request)  # the full edition, shared with test_pdf.py
        executive = render_pdf(sc, EXECUTIVE)
        _cache["editions"] = {FULL: (full, read_pages(full)), EXECUTIVE: (executive, read_pages(executive))}
        _cache["sc"] = sc
    return _cache["editions"]


def test_the_executive_edition_fits_three_pages_with_the_kpis_status(editions):
    data, pages = editions[EXECUTIVE]
    sc = _cache["sc"]
    assert len(pages) <= 3, f"{len(pages)} pages"
    text = squash("".join(line.text for lines in pages for line in lines))
    assert squash("(สรุปผู้บริหาร)") in text and "ภาคผนวก" not in text and "ขั้นตอนที่" not in text
    assert "ผู้อำนวยการกลุ่มพัฒนาระบบบริหาร" in text  # the signature block
    kpi_header = next(line for lines in pages for line in lines if squash(line.text).startswith("ลำดับตัวชี้วัดค่าเป้าหมาย"))
    assert squash(kpi_header.text).endswith("สถานะ")
    for k in sc.policy_kpis:
        assert squash(k.status_label) in text
    cells = squash("".join(pypdf_pages(data)))  # pypdf keeps a wrapped cell's lines together
    for row in sc.rows:
        assert squash(row.name) in cells, row.number
    digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            assert squash(f"หน้า {n}/{len(pdf.pages)}".translate(digits)) in squash(page.extract_text())


def test_the_full_edition_flows_and_holds_every_indicators_detail(editions):
    _, pages = editions[FULL]
    sc = _cache["sc"]
    executive_pages = len(editions[EXECUTIVE][1])
    # One indicator per page would be 30 pages of detail; flowing, they take far fewer.
    assert len(pages) <= executive_pages + 20, f"{len(pages)} pages"
    headings = [line.text for lines in pages for line in lines if line.heading and line.text.startswith("ตัวชี้วัดที่")]
    assert len(headings) == len(sc.rows)
    text = squash("".join(line.text for lines in pages for line in lines))
    for expected in ("ประชุมคณะทำงานแล้ว", "ส่งผลรอบ๖เดือน", "ขั้นตอนที่๓ยังไม่มีเอกสารหลักฐาน", "ฉบับเต็ม"):
        assert squash(expected) in text, expected


@pytest.mark.parametrize("edition", [EXECUTIVE, FULL])
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_no_layout_defect(editions, edition, check):
    _, pages = editions[edition]
    assert check(pages) == []


@pytest.mark.parametrize("edition", [EXECUTIVE, FULL])
def test_lines_are_set_at_one_and_a_half(editions, edition):
    _, pages = editions[edition]
    problems, measured = tight_lines(pages)
    assert measured >= 10, "too few multi-line blocks to measure"
    assert problems == []


# --- the checks catch what they look for ------------------------------------------------

STYLE = """@page { size: A4 landscape; margin: 1.5cm 1.2cm 1.4cm 1.8cm }
html { font-family: "Sarabun"; font-size: 11pt; line-height: 1.5 }
h2 { font-size: 15pt; font-weight: 700; margin: 0 } h3 { font-size: 13.5pt; font-weight: 700; margin: 0 }
table { border-collapse: collapse; width: 100% } td, th { padding: 1pt 4pt; vertical-align: top }
tr { break-inside: avoid } p { margin: 0 }"""


def _pdf(body: str, style: str = "") -> list[list[Line]]:
    html = f"""<!doctype html><html lang="th"><head><meta charset="utf-8"><title>t</title>
<style>{font_faces()}{STYLE}{style}</style></head><body>{body}</body></html>"""
    return read_pages(write_pdf(html))


def _rows(n: int, first: int = 1) -> str:
    return "".join(f"<tr><td>{i}</td><td>ขั้นตอนการดำเนินงานที่ {i}<br>บรรทัดที่สอง</td></tr>" for i in range(first, first + n))


def test_each_check_catches_its_defect():
    filler = '<div style="height: 14.8cm">ข้อความ</div>'
    # A heading left alone at the foot of a page (nothing keeps it with what follows).
    pages = _pdf(filler + '<h2>หัวข้อที่อยู่ท้ายหน้า</h2><div style="height: 12cm; break-inside: avoid">เนื้อหา</div>',
                 "h2 { break-after: auto }")
    assert headings_alone(pages)
    # An indicator heading whose step table starts on the next page.
    table = f"<table><thead><tr><th>ขั้นตอนที่</th><th>เกณฑ์</th></tr></thead><tbody>{_rows(5)}</tbody></table>"
    pages = _pdf(filler + '<h3>ตัวชี้วัดที่ ๑ ทดสอบ</h3><table style="break-before: page"><thead><tr><th>ขั้นตอนที่</th>'
                 f"<th>เกณฑ์</th></tr></thead><tbody>{_rows(5)}</tbody></table>")
    assert indicators_split_from_their_tables(pages)
    # A reviewer line pushed alone to the top of a page.
    pages = _pdf(table + '<p style="break-before: page">ความเห็นผู้ตรวจสอบ (ตรวจสอบแล้ว): ครบถ้วน</p>')
    assert reviewer_lines_cut_off(pages)
    # A long table whose header row is not repeated (a plain row, not a <thead>).
    pages = _pdf(f"<table><tr><th>ลำดับ</th><th>ตัวชี้วัด</th></tr>{_rows(40)}</table>")
    assert len(pages) > 1 and rows_without_header(pages)
    # The old "– · ·" glitch, and a label with nothing after it.
    assert empty_placeholders(_pdf("<p>ผลการตรวจสอบ – · ·</p>")) and empty_placeholders(_pdf("<p>ความเห็น: –</p>"))
    # Sarabun at 1.35 (the labels of the old indicator header touched).
    problems, measured = tight_lines(_pdf("<p>" + "ข้อความภาษาไทยยาวพอที่จะขึ้นบรรทัดใหม่ " * 40 + "</p>",
                                          "html { line-height: 1.35 }"))
    assert measured and problems
    # ... and a document without these defects passes every check.
    good = _pdf(f"<h3>ตัวชี้วัดที่ ๑ ทดสอบ</h3><table><thead><tr><th>ขั้นตอนที่</th><th>เกณฑ์</th></tr></thead>"
                f"<tbody>{_rows(40)}</tbody></table><p>ความเห็นผู้ตรวจสอบ (ตรวจสอบแล้ว): ครบถ้วน</p>")
    assert len(good) > 1 and all(check(good) == [] for check in CHECKS) and tight_lines(good)[0] == []
