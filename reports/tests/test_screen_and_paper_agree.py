"""Screen and paper agree: the dashboard, the scorecard page, the PDF and the Excel file
show the same per-section counts, statuses, levels and averages, at every quarter end of
a year with recorded progress, for both rounds.

Each renderer is read the way its reader reads it (the HTML, the PDF's text layer, the
workbook's cells) and compared with the others; none is asked for its Python objects.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.levels import Status
from reports.tests.conftest import tick
from reports.tests.pdf_helpers import pdftotext

pytestmark = pytest.mark.django_db

QUARTER_ENDS = [dt.date(2021, 12, 31), dt.date(2022, 3, 31), dt.date(2022, 6, 30), dt.date(2022, 9, 30)]
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
LABELS = {str(label): status for status, label in Status.LABELS.items()}
# The printed indicator table keeps a row on one line with the summary's short column heading.
LABELS["ยังไม่กำหนดเกณฑ์"] = Status.UNDEFINED


@pytest.fixture
def year(plan, users, rounds, fy_today):
    """A year of progress: met, behind, overdue; submitted, verified and returned rounds."""
    fy_today(dt.date(2022, 10, 20))
    admin, director = users["admin"], users["director"]
    ind = {n: plan.indicators.get(number=n) for n in (1, 2, 3, 4, 5, 8, 12, 13)}
    tick(ind[1], [dt.date(2021, 11, 1), dt.date(2021, 12, 15), dt.date(2022, 2, 1), dt.date(2022, 7, 1)], admin, round=rounds[6])
    tick(ind[2], [dt.date(2021, 12, 31), dt.date(2022, 1, 1)], admin, round=rounds[6])
    tick(ind[3], [dt.date(2022, 1, 10)], admin, round=rounds[6])
    tick(ind[4], [dt.date(2021, 10, 20), dt.date(2021, 11, 20), dt.date(2022, 3, 20), dt.date(2022, 6, 1),
                  dt.date(2022, 8, 1)], admin, round=rounds[6])
    tick(ind[5], [dt.date(2022, 5, 1)], admin, round=rounds[6])
    tick(ind[8], [dt.date(2021, 11, 5), dt.date(2022, 1, 5), dt.date(2022, 3, 5)], admin, round=rounds[6])
    tick(ind[12], [dt.date(2022, 3, 1)], admin, round=rounds[6])
    tick(ind[13], [dt.date(2021, 12, 1), dt.date(2022, 2, 1), dt.date(2022, 7, 1)], admin, round=rounds[6])

    def dated(assessment, day):
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        assessment.submitted_at = at
        if assessment.reviewed_at:
            assessment.reviewed_at = at
        assessment.save()

    dated(services.round_submit(indicator=ind[1], round=rounds[6], by=admin, note="ส่งผล"), dt.date(2022, 3, 25))
    dated(services.round_verify(indicator=ind[1], round=rounds[6], by=director, level=2, reason="ขาดหลักฐาน"),
          dt.date(2022, 3, 28))
    dated(services.round_submit(indicator=ind[8], round=rounds[6], by=admin), dt.date(2022, 3, 20))
    dated(services.round_return(indicator=ind[8], round=rounds[6], by=director, comment="แก้ไขเอกสาร"),
          dt.date(2022, 3, 22))
    dated(services.round_submit(indicator=ind[4], round=rounds[12], by=admin), dt.date(2022, 8, 2))
    return plan


# --- reading each renderer ------------------------------------------------------------


class Tables(HTMLParser):
    """Every table of a page as rows of cell texts, and the data-* marks of the dashboard."""

    def __init__(self):
        super().__init__()
        self.tables, self._stack, self._cell = [], [], None
        self.marks: list[list] = []  # [tag, text, attrs] of the elements carrying data-*
        self._open: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack and self._stack[-1]:
            self._cell = []
        if any(k.startswith("data-") for k in attrs):
            entry = [tag, [], attrs]
            self.marks.append(entry)  # in document order: a row before its cells
            self._open.append(entry)
        elif self._open and tag not in ("br", "input", "col", "img", "hr", "meta", "link"):
            self._open.append([tag, None, None])

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag in ("td", "th") and self._cell is not None and self._stack and self._stack[-1]:
            self._stack[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if self._open and self._open[-1][0] == tag:
            entry = self._open.pop()
            if entry[2] is not None:
                entry[1] = " ".join("".join(entry[1]).split())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _t, text, attrs in self._open:
            if attrs is not None and isinstance(text, list):
                text.append(data)


def parse(html: str) -> Tables:
    p = Tables()
    p.feed(html)
    return p


def number(text):
    if text is None or isinstance(text, (int, float)):
        return text
    text = text.translate(THAI_DIGITS).strip()
    if text in ("-", "–", ""):
        return None
    return float(text) if "." in text else int(text)


def from_dashboard(html: str) -> dict:
    p = parse(html)
    rows, sections, current = {}, {}, None
    for tag, text, attrs in p.marks:
        if tag == "tr" and "data-indicator" in attrs:
            current = rows.setdefault(int(attrs["data-indicator"]), {})
        elif "data-cell" in attrs and current is not None:
            current[attrs["data-cell"]] = number(text)
        elif "data-status" in attrs and current is not None:
            current["status"] = attrs["data-status"]
    cells: dict[str, dict] = {}
    for tag, text, attrs in p.marks:
        if tag == "tr" and "data-section" in attrs:
            section = attrs["data-section"]
            cells[section] = {}
        elif "data-count" in attrs:
            cells[section][attrs["data-count"]] = text
    for name, by_key in cells.items():
        sections[name] = summary_values([by_key[k] for k in SUMMARY_KEYS])
    return {"rows": rows, "sections": sections}


SUMMARY_KEYS = ["total", *Status.ORDER, "average"]


def summary_values(cells) -> dict:
    """Counts as numbers; the average as the text shown (digits made Arabic), so "0.3" is not "0.30"."""
    values = dict(zip(SUMMARY_KEYS, cells))
    out = {k: number(v) for k, v in values.items() if k != "average"}
    out["average"] = str(values["average"]).translate(THAI_DIGITS).strip()
    return out


def from_scorecard_page(html: str) -> dict:
    p = parse(html)
    summary = next(t for t in p.tables if t and t[0] and t[0][0] == "ฝ่าย")
    sections = {row[0]: summary_values(row[1:]) for row in summary[1:]}
    table = next(t for t in p.tables if t and t[0][:2] == ["ลำดับ", "ตัวชี้วัด"])
    rows = {}
    for cells in table:
        if len(cells) >= 7 and cells[0].isdigit():
            rows[int(cells[0])] = {"target": number(cells[3]), "self": number(cells[4]),
                                   "verified": number(cells[5]), "status": LABELS[cells[6]]}
    return {"rows": rows, "sections": sections}


def _loose(text: str) -> str:
    """PDF text comparable with ours: Arabic digits, ำ as า, no tone marks (WeasyPrint's text layer)."""
    return re.sub(r"[่้๊๋ํ]", "", text.replace("ำ", "า").translate(THAI_DIGITS))


def from_pdf(data: bytes, section_names: list[str], row_numbers: list[int]) -> dict:
    text = _loose(pdftotext(data, "-raw"))
    # ๑. สรุปผลการดำเนินงาน: the summary table's numbers in order, one row per section, then รวม.
    # (table headers wrap, so a heading may hold a line break anywhere between its words)
    start = re.search(_loose(r"ระดับ\s*เฉลี่ย"), text).end()
    tokens = re.findall(r"\d+\.\d+|\d+|–", text[start:])
    sections = {}
    for i, name in enumerate([*section_names, "รวม"]):
        values = tokens[i * len(SUMMARY_KEYS):(i + 1) * len(SUMMARY_KEYS)]
        sections[name] = summary_values(values)
    # ๒. ผลการดำเนินงานตามตัวชี้วัด: each status label preceded by target, self-assessed and verified level.
    # (numbered ๓ after the 5G KPIs' section, ๒ when the plan has none)
    body = text[re.compile(_loose(r"[๒๓]\. ผลการดำเนินงานตามตัวชี้วัด")).search(text, start).start():]
    label_re = "|".join(r"\s*".join(map(re.escape, _loose(label))) for label in LABELS)
    found = re.findall(rf"(\d+|–)\s+(\d+|–)\s+(\d+|–)\s+({label_re})", body)
    by_loose = {re.sub(r"\s", "", _loose(label)): status for label, status in LABELS.items()}
    rows = {}
    for n, (target, level, verified, label) in zip(row_numbers, found):
        rows[n] = {"target": number(target), "self": number(level), "verified": number(verified),
                   "status": by_loose[re.sub(r"\s", "", label)]}
    return {"rows": rows, "sections": sections}


def from_excel(data: bytes) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    rows = {}
    for r in wb["สรุปผลตัวชี้วัด"].iter_rows(min_row=6, values_only=True):
        if isinstance(r[0], int):
            rows[r[0]] = {"target": r[4], "self": r[5], "verified": r[6], "status": LABELS[r[7]]}
    sections = {}
    ws = wb["สรุปรายฝ่าย"]
    for r in ws.iter_rows(min_row=6, values_only=True):
        if r[0] and isinstance(r[1], int):
            # The average is a number cell in the "0.00" format (asserted below): shown with two decimals.
            average = "–" if r[-1] is None else f"{r[-1]:.2f}"
            sections[r[0]] = summary_values([*r[1:-1], average])
    avg_cells = [row[-1] for row in ws.iter_rows(min_row=6) if isinstance(row[1].value, int)]
    assert {c.number_format for c in avg_cells} == {"0.00"}
    return {"rows": rows, "sections": sections}


# --- the test --------------------------------------------------------------------------


def test_dashboard_scorecard_pdf_and_excel_agree_at_every_quarter_end_for_both_rounds(client, users, year):
    client.force_login(users["director"])
    rounds = {r.months: r for r in year.fiscal_year.rounds.all()}
    seen_status, seen_review = set(), set()
    for as_of in QUARTER_ENDS:
        for months in (6, 12):
            where = f"as of {as_of}, round {months}"
            dash_response = client.get(reverse("reports:dashboard"),
                                       {"plan": year.pk, "as_of": as_of.isoformat(), "round": rounds[months].pk})
            assert dash_response.status_code == 200, where
            html = dash_response.content.decode()
            seen_review |= set(re.findall(r'data-review="(\w+)"', html))
            seen_review |= {"verified"} if any(r.verified_level for r in dash_response.context["rows"]) else set()
            dashboard = from_dashboard(html)
            query = {"plan": year.pk, "as_of": as_of.isoformat(), "round": months}
            # The dashboard's own links carry exactly this view.
            assert f"as_of={as_of.isoformat()}&amp;round={months}" in html, where
            page = client.get(reverse("reports:scorecard"), query)
            assert page.status_code == 200, where
            scorecard = from_scorecard_page(page.content.decode())
            xlsx = client.get(reverse("reports:scorecard-xlsx"), query)
            excel = from_excel(xlsx.content)
            pdf_response = client.get(reverse("reports:scorecard-pdf"), query)
            names = [s for s in dashboard["sections"] if s != "รวม"]
            pdf = from_pdf(pdf_response.content, names, sorted(dashboard["rows"]))

            assert len(dashboard["rows"]) == 30, where
            for renderer, shown in (("scorecard page", scorecard), ("PDF", pdf), ("Excel", excel)):
                assert shown["sections"] == dashboard["sections"], f"{renderer} sections differ {where}"
                assert shown["rows"] == dashboard["rows"], f"{renderer} rows differ {where}"
            seen_status |= {r["status"] for r in dashboard["rows"].values()}
    # The year exercised every status and review state it claims to.
    assert {Status.MET, Status.BEHIND, Status.OVERDUE, Status.ON_TRACK, Status.UNDEFINED} <= seen_status
    assert {"submitted", "returned", "verified"} <= seen_review
