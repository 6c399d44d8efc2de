"""The workbook: four Thai sheets, real numbers and dates, Thai font, print set-up, no formulas."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from assessments import services
from reports.excel import (FONT_NAME, SHEET_HISTORY, SHEET_KPIS, SHEET_REPORTS, SHEET_SECTIONS, SHEET_STEPS, SHEET_SUMMARY,
                           display_width, render_xlsx)
from reports.scorecard import Period, build_scorecard
from reports.tests.conftest import steps_of

pytestmark = pytest.mark.django_db

HEADER = 5  # two title lines, a printed-at line, a blank row, then the header


@pytest.fixture
def book(plan, progress, users):
    from assessments.models import HistoryEntry, PolicyKPIMeasurement
    from django.utils import timezone

    from indicators.models import PolicyKPI

    HistoryEntry.objects.update(at=dt.datetime(2022, 3, 1, 9, 30, tzinfo=timezone.get_current_timezone()))
    kpi = PolicyKPI.objects.get(number=3)
    services.kpi_measurement_record(kpi=kpi, value="88.5", measured_on=dt.date(2022, 3, 15), source="", by=users["director"])
    PolicyKPIMeasurement.objects.create(kpi=kpi, value=95, measured_on=dt.date(2022, 4, 2), recorded_by=users["director"])
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))
    data = render_xlsx(sc)
    return sc, data, load_workbook(io.BytesIO(data))


def header_map(ws):
    return {cell.value: cell.column for cell in ws[HEADER]}


def data_rows(ws):
    return list(ws.iter_rows(min_row=HEADER + 1, values_only=True))


def test_it_has_four_thai_sheets(book):
    _, _, wb = book
    assert wb.sheetnames == [SHEET_SUMMARY, SHEET_STEPS, SHEET_HISTORY, SHEET_KPIS, SHEET_SECTIONS, SHEET_REPORTS]


def test_summary_sheet_mirrors_the_pdf_table_with_real_numbers(book):
    sc, _, wb = book
    ws = wb[SHEET_SUMMARY]
    cols = header_map(ws)
    rows = data_rows(ws)
    assert len(rows) == 30
    first = rows[0]
    assert first[cols["ลำดับ"] - 1] == 1
    assert first[cols["ตัวชี้วัด"] - 1] == "ระดับความสำเร็จการจัดทำคู่มือกระบวนการ"
    assert first[cols["ค่าเป้าหมาย (ระดับ)"] - 1] == 3
    assert first[cols["ผลการประเมินตนเอง (ระดับ)"] - 1] == 3
    assert first[cols["ผลการตรวจสอบ (ระดับ)"] - 1] == 2
    assert first[cols["สถานะ"] - 1] == "บรรลุเป้าหมาย"
    assert first[cols["ผู้รับผิดชอบ"] - 1].startswith("นางสาวสุวิมล นาครอด\n")
    for name in ("ลำดับ", "ค่าเป้าหมาย (ระดับ)", "ผลการประเมินตนเอง (ระดับ)", "ผลการตรวจสอบ (ระดับ)"):
        assert isinstance(first[cols[name] - 1], int)
    seventh = rows[6]  # no criteria: no level, not a zero
    assert seventh[cols["ผลการประเมินตนเอง (ระดับ)"] - 1] is None
    assert "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565" in ws["A2"].value


def test_steps_sheet_has_one_row_per_step_with_real_dates(book):
    _, _, wb = book
    ws = wb[SHEET_STEPS]
    cols = header_map(ws)
    rows = data_rows(ws)
    ind1 = [r for r in rows if r[0] == 1]
    assert [r[cols["ขั้นตอนที่"] - 1] for r in ind1] == [1, 2, 3, 4, 5]
    assert ind1[0][cols["วันที่ดำเนินการ"] - 1] == dt.datetime(2021, 11, 1)
    assert ind1[3][cols["วันที่ดำเนินการ"] - 1] is None
    assert ind1[0][cols["ผู้บันทึก"] - 1] == "นางสาวสุวิมล นาครอด"
    assert ind1[0][cols["หมายเหตุ"] - 1] == "ประชุมคณะทำงานแล้ว"
    date_cell = ws.cell(row=HEADER + 1, column=cols["วันที่ดำเนินการ"])
    assert date_cell.is_date and date_cell.number_format == "[$-107041E]d mmm yyyy"
    assert [r for r in rows if r[0] == 7][0][cols["รายละเอียด/กิจกรรม"] - 1] == "ยังไม่ได้กำหนดเกณฑ์การให้คะแนน"


def test_history_sheet_lists_the_period_with_datetimes(book):
    _, _, wb = book
    ws = wb[SHEET_HISTORY]
    cols = header_map(ws)
    rows = data_rows(ws)
    assert len(rows) >= 6  # 6 ticks, a submission and a verification
    assert all(r[cols["วันเวลา"] - 1] == dt.datetime(2022, 3, 1, 9, 30) for r in rows)
    assert all(isinstance(r[cols["ลำดับตัวชี้วัด"] - 1], int) for r in rows)
    assert "ผ่านการตรวจสอบ" in [r[cols["การเปลี่ยนแปลง"] - 1] for r in rows]


def test_kpi_sheet_has_targets_and_the_latest_value_as_of_the_date(book):
    _, _, wb = book
    ws = wb[SHEET_KPIS]
    cols = header_map(ws)
    rows = {r[0]: r for r in data_rows(ws)}
    assert len(rows) == 7
    three = rows[3]
    assert three[cols["ค่าเป้าหมาย"] - 1] == 91
    assert three[cols["ผลการดำเนินงาน"] - 1] == 88.5  # not the April value
    assert three[cols["ข้อมูล ณ วันที่"] - 1] == dt.datetime(2022, 3, 15)
    assert three[cols["บรรลุเป้าหมาย"] - 1] == "ไม่ใช่"
    assert rows[1][cols["ผลการดำเนินงาน"] - 1] is None


def test_every_sheet_is_set_up_for_thai_and_for_printing(book):
    _, _, wb = book
    for ws in wb:
        assert ws.freeze_panes == f"A{HEADER + 1}"
        assert ws.auto_filter.ref.startswith(f"A{HEADER}:")
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == f"${HEADER}:${HEADER}"
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
            for cell in row:
                assert cell.font.name == FONT_NAME, (ws.title, cell.coordinate)
        for row in ws.iter_rows(min_row=HEADER + 1, max_row=ws.max_row):
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.alignment.wrap_text
        cols = header_map(ws)
        if "ตัวชี้วัด" in cols and ws.max_row > HEADER:
            width = ws.column_dimensions[get_column_letter(cols["ตัวชี้วัด"])].width
            assert 20 <= width <= 72


def test_text_that_looks_like_a_formula_stays_text(plan, users, rounds, fy_today):
    fy_today(dt.date(2022, 3, 1))
    one = plan.indicators.get(number=1)
    one.name = '=HYPERLINK("http://evil.example","คลิก")'
    one.save()
    step = steps_of(one)[0]
    services.step_complete(step=step, done_on=dt.date(2022, 1, 5), by=users["owner"], note="+1+cmd|' /C calc'!A0")
    plan.indicators.filter(number=2).update(name="@SUM(1+1)")
    plan.indicators.filter(number=3).update(name="-2+3")
    data = render_xlsx(build_scorecard(plan=plan, period=Period.for_quarter(2565, 2)))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[SHEET_SUMMARY]
    names = [ws.cell(row=HEADER + n, column=2) for n in (1, 2, 3)]
    assert [c.value for c in names] == ['=HYPERLINK("http://evil.example","คลิก")', "@SUM(1+1)", "-2+3"]
    assert all(c.data_type == "s" for c in names)
    steps = wb[SHEET_STEPS]
    note = steps.cell(row=HEADER + 1, column=9)
    assert note.value == "+1+cmd|' /C calc'!A0" and note.data_type == "s"


def test_display_width_does_not_count_thai_marks():
    assert display_width("ที่") == 1
    assert display_width("ตัวชี้วัด") == 5
    assert display_width("ABC") == 3
