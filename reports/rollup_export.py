"""The department roll-up on paper: PDF (WeasyPrint through reports.pdf, so the Thai text
layer stays exact: reports.pdf_text) and Excel (the scorecard workbook's sheet writer).

Both render a reports.rollup.Rollup as it is: no number is computed here.
"""

from __future__ import annotations

import io

from django.template import Context
from django.utils import timezone
from openpyxl import Workbook

from assessments.levels import Timeliness
from core import thai

from . import pdf
from .excel import _Sheet
from .rollup import Rollup

TEMPLATE = "reports/rollup_pdf.html"
SHEET = "ภาพรวมระดับกรม"


def title_lines(r: Rollup) -> list[str]:
    year = thai.fiscal_year_label(r.fiscal_year.year_be) if r.fiscal_year else ""
    lines = [f"ภาพรวมผลการดำเนินงานตามตัวชี้วัดระดับกรม {year}".strip()]
    if r.round is not None:
        lines.append(f"{r.round.label} ข้อมูล ณ วันที่ {thai.format_date(r.as_of, long=True)} "
                     f"จำนวนหน่วยงาน {r.totals.units} จาก {r.all_units} หน่วยงาน")
    return lines


def render_html(r: Rollup) -> str:
    context = {"r": r, "font_faces": pdf.font_faces(), "title_lines": title_lines(r),
               "generated_at": timezone.now(), "timeliness": Timeliness}
    return pdf._engine().get_template(TEMPLATE).render(Context(context))


def render_pdf(r: Rollup) -> bytes:
    return pdf.write_pdf(render_html(r))


COLUMNS = [
    ("หน่วยงาน", 50, "text"), ("ประเภท", 24, "text"), ("ภาค", 8, "int"), ("ตัวชี้วัด", 10, "int"),
    ("บรรลุเป้าหมาย", 12, "int"), ("เป็นไปตามแผน", 12, "int"), ("ต่ำกว่าแผน", 12, "int"),
    ("เกินกำหนด", 12, "int"), ("ยังไม่กำหนดเกณฑ์", 12, "int"), ("ระดับเฉลี่ย", 10, "average"),
]


def render_xlsx(r: Rollup) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    round_columns = []
    for rnd in r.rounds:
        round_columns += [(f"{rnd.label}: การส่งผล", 16, "center"), (f"{rnd.label}: ส่งตรงเวลา", 12, "int"),
                          (f"{rnd.label}: ส่งล่าช้า", 12, "int"), (f"{rnd.label}: ยังไม่ส่ง", 12, "int")]
    sheet = _Sheet(ws, title_lines(r), COLUMNS + round_columns + [("ปรับปรุงล่าสุด", 22, "datetime")])
    for row in r.rows:
        s = row.summary
        values = [row.unit, row.kind_label, row.region or None, s.total, s.met, s.on_track, s.behind_only,
                  s.overdue, s.undefined, s.average_level]
        for sub in row.submissions:
            values += [sub.status_label, sub.counts[Timeliness.ON_TIME], sub.counts[Timeliness.LATE],
                       sub.counts[Timeliness.NOT_SUBMITTED]]
        values.append(timezone.localtime(row.last_update) if row.last_update else None)
        sheet.add(values)
    sheet.finish()
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
