"""The owner's round report (ผลการดำเนินงาน, ปัญหา/อุปสรรค, แนวทางแก้ไข/ข้อเสนอแนะ) reaches every
rendering of the full scorecard from the one row source: the page, the PDF and the Excel file."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments import services
from reports.rows import build_rows

pytestmark = pytest.mark.django_db

RESULTS = "จัดประชุมคณะทำงานสามครั้งและสรุปผลเสนอผู้อำนวยการ"
PROBLEMS = "ข้อมูลจากหน่วยงานมาล่าช้า"
REMEDIES = "กำหนดวันส่งข้อมูลล่วงหน้าสองสัปดาห์"


@pytest.fixture
def reported(plan, users, rounds, fy_today):
    fy_today(dt.date(2022, 3, 20))
    one = plan.indicators.get(number=1)
    services.round_report_save(indicator=one, round=rounds[6], by=users["owner"],
                               results=RESULTS, problems=PROBLEMS, remedies=REMEDIES)
    return one


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_row_source_carries_the_report_of_the_selected_round(plan, rounds, reported):
    rows = build_rows(plan=plan, as_of=dt.date(2022, 3, 31), round=rounds[6]).rows
    report = next(r for r in rows if r.number == 1).round_report
    assert (report.results, report.problems, report.remedies) == (RESULTS, PROBLEMS, REMEDIES)
    assert not next(r for r in rows if r.number == 2).round_report


def test_the_full_scorecard_page_and_pdf_print_it(client, plan, users, reported):
    client.force_login(users["viewer"])
    query = {"plan": plan.pk, "quarter": 2, "edition": "full"}
    html = client.get(reverse("reports:scorecard"), query).content.decode()
    assert RESULTS in html and PROBLEMS in html and REMEDIES in html
    pdf = client.get(reverse("reports:scorecard-pdf"), query).content
    text = squash("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    for words in (RESULTS, PROBLEMS, REMEDIES, "ปัญหา/อุปสรรค", "แนวทางแก้ไข/ข้อเสนอแนะ"):
        assert squash(words) in text, words


def test_the_excel_file_prints_it(client, plan, users, reported):
    client.force_login(users["viewer"])
    data = client.get(reverse("reports:scorecard-xlsx"), {"plan": plan.pk, "quarter": 2}).content
    cells = {str(c.value) for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    assert {RESULTS, PROBLEMS, REMEDIES} <= cells


def test_a_report_written_after_the_date_looked_at_is_not_shown_before_the_round_closes(plan, rounds, reported):
    before = build_rows(plan=plan, as_of=dt.date(2022, 3, 19), round=rounds[6]).rows
    assert not next(r for r in before if r.number == 1).round_report
    closed = build_rows(plan=plan, as_of=dt.date(2022, 3, 31), round=rounds[6]).rows
    assert next(r for r in closed if r.number == 1).round_report.results == RESULTS
