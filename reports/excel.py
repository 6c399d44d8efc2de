"""The scorecard as an Excel workbook (openpyxl), from the same rows as the PDF.

Four sheets with Thai titles: the summary table, one row per step, the
history of the period, and the 5G policy KPIs. Levels and values are numbers,
dates are dates (shown in the Buddhist Era by the cell format, so nothing here
adds 543); every cell uses a Thai font; text that a spreadsheet would take for
a formula (= + - @ ...) is stored as text.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from assessments import levels
from assessments.levels import Status

from .scorecard import Scorecard

FONT_NAME = "TH Sarabun New"
FONT_SIZE = 14
LINE_HEIGHT = 20  # points per wrapped line at FONT_SIZE
# Thai month names and the Buddhist Era year in both Excel and LibreOffice. The locale
# code is 0xXXYYZZZZ: ZZZZ = 041E (Thai: month names), YY = 07 (the Thai Buddhist calendar,
# Windows CAL_THAI, under which "yyyy" is the BE year), XX = 01 (as Excel writes it).
# Excel writes this same calendar part itself when a Thai user picks the Buddhist
# calendar in Format Cells ("[$-1070000]d/mm/yyyy;@", seen in files saved by Excel; ours
# adds the Thai locale 041E for Thai month names), so Excel shows "31 มี.ค. 2565";
# LibreOffice reads calendar 07 as its Buddhist calendar and shows the same. The shorter "[$-41E]d mmm bbbb" ("bbbb" = BE year) works in Excel only:
# LibreOffice shows "bbbb" literally (reports/tests/test_excel_libreoffice.py).
DATE_FORMAT = "[$-107041E]d mmm yyyy"
DATETIME_FORMAT = "[$-107041E]d mmm yyyy hh:mm"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

SHEET_SUMMARY = "สรุปผลตัวชี้วัด"
SHEET_STEPS = "รายละเอียดขั้นตอน"
SHEET_HISTORY = "ประวัติการเปลี่ยนแปลง"
SHEET_KPIS = "ตัวชี้วัดนโยบาย ๕G"
SHEET_SECTIONS = "สรุปรายฝ่าย"
SHEET_REPORTS = "รายงานผลของผู้รับผิดชอบ"

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
FONT = Font(name=FONT_NAME, size=FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
TITLE = Font(name=FONT_NAME, size=FONT_SIZE + 4, bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
HEAD = Alignment(wrap_text=True, vertical="center", horizontal="center")


def display_width(text: str) -> int:
    """Columns a Thai text takes: vowel and tone marks above or below a letter take none."""
    return sum(1 for ch in str(text) if not (unicodedata.combining(ch) or unicodedata.category(ch) == "Mn"))


def safe_text(cell) -> None:
    """Text starting like a formula stays text (formula injection)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"


class _Sheet:
    """Writes a titled table: title rows, one header row, data rows; then sizes and print set-up."""

    def __init__(self, ws, title_lines: list[str], columns: list[tuple[str, int, str]]):
        # columns: (header, max width, kind) with kind in text|int|number|date|datetime|center
        self.ws = ws
        self.columns = columns
        self.widths = [min(display_width(h) * 0.6 + 2, cap) for h, cap, _ in columns]
        for i, line in enumerate(title_lines, start=1):
            cell = ws.cell(row=i, column=1, value=line)
            cell.font = TITLE if i == 1 else BOLD
            safe_text(cell)
        self.header_row = len(title_lines) + 2
        for c, (header, _, _) in enumerate(columns, start=1):
            cell = ws.cell(row=self.header_row, column=c, value=header)
            cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BORDER, HEAD
        self.row = self.header_row

    def add(self, values: list) -> None:
        self.row += 1
        lines = 1
        for c, (value, (_, cap, kind)) in enumerate(zip(values, self.columns), start=1):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # already local time; Excel has no time zones
            cell = self.ws.cell(row=self.row, column=c, value=value)
            cell.font, cell.border = FONT, BORDER
            cell.alignment = CENTER if kind in ("int", "number", "average", "date", "datetime", "center") else WRAP
            if kind == "int":
                cell.number_format = "0"
            elif kind == "number":
                cell.number_format = "#,##0.##"
            elif kind == "average":
                cell.number_format = levels.AVERAGE_EXCEL_FORMAT
            elif kind == "date":
                cell.number_format = DATE_FORMAT
            elif kind == "datetime":
                cell.number_format = DATETIME_FORMAT
            safe_text(cell)
            text = "" if value is None else str(value)
            if kind in ("date", "datetime"):
                text = "00 ม.ค. 0000" + (" 00:00" if kind == "datetime" else "")
            width = max((display_width(part) for part in text.split("\n")), default=0)
            self.widths[c - 1] = min(max(self.widths[c - 1], width + 2), cap)
            lines = max(lines, sum(math.ceil((display_width(part) + 1) / max(cap - 2, 1)) or 1 for part in text.split("\n")))
        self.ws.row_dimensions[self.row].height = LINE_HEIGHT * lines + 4

    def finish(self, *, landscape: bool = True) -> None:
        ws = self.ws
        last_col = get_column_letter(len(self.columns))
        for c, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = round(width, 1)
        ws.row_dimensions[self.header_row].height = LINE_HEIGHT * 2 + 4
        ws.freeze_panes = ws.cell(row=self.header_row + 1, column=1)
        ws.auto_filter.ref = f"A{self.header_row}:{last_col}{max(self.row, self.header_row + 1)}"
        ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.oddFooter.right.text = "หน้า &P/&N"
        ws.oddFooter.right.font = FONT_NAME
        # Every cell in the used range, blank ones included, uses the Thai font.
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=len(self.columns)):
            for cell in row:
                if cell.font is None or cell.font.name != FONT_NAME:
                    cell.font = FONT


def _title_lines(sc: Scorecard, what: str) -> list[str]:
    from core import thai

    return [
        f"{what} {sc.group} {sc.department}",
        f"{sc.period.title(thai_digits=False)} ({thai.to_arabic_digits(sc.round_label)}) "
        f"ข้อมูล ณ วันที่ {thai.format_date(sc.period.as_of, long=True)}",
        f"พิมพ์เมื่อ {thai.format_datetime(sc.generated_at)}",
    ]


def _yes(value: bool) -> str:
    return "ใช่" if value else "ไม่ใช่"


@dataclass(frozen=True)
class Column:
    header: str  # or a lazy translation, read when the sheet is written
    width: int  # the widest the column grows, in characters
    kind: str = "text"  # text | int | number | average | date | datetime | center (number format, alignment)


@dataclass(frozen=True)
class Sheet:
    """One sheet declared as data: its name, the first title line, its columns and its rows."""

    name: str
    heading: str
    columns: list[Column]
    rows: Callable[[Scorecard], Iterable[list]]


def _summary_rows(sc: Scorecard) -> Iterable[list]:
    for row in sc.rows:
        yield [row.number, row.name, row.section, "\n".join(row.owners), row.target,
               row.level if row.has_criteria else None, row.verified_level, row.status_label, row.remark]


def _step_rows(sc: Scorecard) -> Iterable[list]:
    for row in sc.rows:
        if not row.has_criteria:
            yield [row.number, row.name, None, str(Status.LABELS[Status.UNDEFINED]), None, None, None, None, None, None]
            continue
        for step in row.steps:
            note = step.note if not step.reason else "\n".join(filter(None, [step.reason, step.note]))
            yield [row.number, row.name, step.number, step.text, _yes(step.done_on is not None), step.done_on,
                   _yes(step.counted), step.recorded_by, note, "\n".join(step.evidence)]


def _history_rows(sc: Scorecard) -> Iterable[list]:
    for h in sc.history:
        yield [h.at, h.indicator_number, h.indicator_name, h.action, h.step_number, h.round_label, h.actor, h.comment]


def _kpi_rows(sc: Scorecard) -> Iterable[list]:
    for k in sc.policy_kpis:
        met = "ยังไม่มีข้อมูล" if k.met is None else _yes(k.met)
        yield [k.number, k.group, k.name, _num(k.target_value), k.target_unit, _num(k.value), k.measured_on, met]


def _section_rows(sc: Scorecard) -> Iterable[list]:
    """The per-section summary, from the same Summary the page and the PDF show."""
    for s in [*sc.summary.sections, sc.summary.overall]:
        name = "รวม" if s is sc.summary.overall else s.name
        yield [name, s.total, *[s.counts[st] for st in Status.ORDER], s.average_level]


def _report_rows(sc: Scorecard) -> Iterable[list]:
    """The owners' round reports (ผลการดำเนินงาน, ปัญหา/อุปสรรค, แนวทางแก้ไข) of the indicators that have one."""
    written = [row for row in sc.rows if row.round_report]
    for row in written:
        yield [row.number, row.name, row.round_report.results, row.round_report.problems, row.round_report.remedies]
    if not written:
        yield [None, "ยังไม่มีตัวชี้วัดที่ผู้รับผิดชอบบันทึกรายงานผลการดำเนินงานของรอบนี้", None, None, None]


SHEETS = [
    Sheet(SHEET_SUMMARY, "รายงานผลการดำเนินงานตามตัวชี้วัด", [
        Column("ลำดับ", 8, "int"),
        Column("ตัวชี้วัด", 60),
        Column("ฝ่าย", 30),
        Column("ผู้รับผิดชอบ", 32),
        Column("ค่าเป้าหมาย (ระดับ)", 12, "int"),
        Column("ผลการประเมินตนเอง (ระดับ)", 14, "int"),
        Column("ผลการตรวจสอบ (ระดับ)", 14, "int"),
        Column("สถานะ", 22, "center"),
        Column("หมายเหตุ", 40),
    ], _summary_rows),
    Sheet(SHEET_STEPS, "รายละเอียดผลการดำเนินงานรายขั้นตอน", [
        Column("ลำดับตัวชี้วัด", 10, "int"),
        Column("ตัวชี้วัด", 45),
        Column("ขั้นตอนที่", 9, "int"),
        Column("รายละเอียด/กิจกรรม", 60),
        Column("ดำเนินการแล้ว", 12, "center"),
        Column("วันที่ดำเนินการ", 16, "date"),
        Column("นับเป็นระดับ", 11, "center"),
        Column("ผู้บันทึก", 26),
        Column("หมายเหตุ", 40),
        Column("เอกสารหลักฐาน", 40),
    ], _step_rows),
    Sheet(SHEET_HISTORY, "ประวัติการเปลี่ยนแปลงในช่วงรายงาน", [
        Column("วันเวลา", 20, "datetime"),
        Column("ลำดับตัวชี้วัด", 10, "int"),
        Column("ตัวชี้วัด", 45),
        Column("การเปลี่ยนแปลง", 26),
        Column("ขั้นตอนที่", 9, "int"),
        Column("รอบการประเมิน", 14),
        Column("ผู้ดำเนินการ", 26),
        Column("หมายเหตุ / เหตุผล", 50),
    ], _history_rows),
    Sheet(SHEET_KPIS, "ตัวชี้วัดและค่าเป้าหมายที่สำคัญของกรมบังคับคดี นโยบาย 5G", [
        Column("ลำดับ", 8, "int"),
        Column("นโยบาย", 30),
        Column("ตัวชี้วัด", 70),
        Column("ค่าเป้าหมาย", 12, "number"),
        Column("หน่วย", 10, "center"),
        Column("ผลการดำเนินงาน", 14, "number"),
        Column("ข้อมูล ณ วันที่", 16, "date"),
        Column("บรรลุเป้าหมาย", 14, "center"),
    ], _kpi_rows),
    Sheet(SHEET_SECTIONS, "สรุปผลการดำเนินงานรายฝ่าย (ผู้จัดเก็บข้อมูล)", [
        Column("ฝ่าย", 40),
        Column("จำนวนตัวชี้วัด", 12, "int"),
        *[Column(Status.LABELS[s] if s != Status.UNDEFINED else "ยังไม่กำหนดเกณฑ์", 14, "int") for s in Status.ORDER],
        Column("ระดับเฉลี่ย", 12, "average"),
    ], _section_rows),
    Sheet(SHEET_REPORTS, "รายงานผลการดำเนินงานของผู้รับผิดชอบ", [
        Column("ลำดับ", 8, "int"),
        Column("ตัวชี้วัด", 45),
        Column("ผลการดำเนินงาน", 50),
        Column("ปัญหา/อุปสรรค", 40),
        Column("แนวทางแก้ไข/ข้อเสนอแนะ", 40),
    ], _report_rows),
]


def render_xlsx(scorecard: Scorecard) -> bytes:
    """Every sheet of SHEETS, in order, by one loop."""
    wb = Workbook()
    for n, spec in enumerate(SHEETS):
        ws = wb.active if n == 0 else wb.create_sheet(spec.name)
        ws.title = spec.name
        sheet = _Sheet(ws, _title_lines(scorecard, spec.heading), [(str(c.header), c.width, c.kind) for c in spec.columns])
        for values in spec.rows(scorecard):
            sheet.add(values)
        sheet.finish()
    wb.properties.title = f"รายงานผลการดำเนินงานตามตัวชี้วัด {scorecard.group}"
    wb.properties.creator = scorecard.group
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _num(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
