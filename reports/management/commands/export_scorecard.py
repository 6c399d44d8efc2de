"""python manage.py export_scorecard --year 2565 --quarter 2 --format pdf --output q2.pdf [--edition full]

One plan (the only one of the year, or --org-unit <name or id>), or --all
plans of the year into the folder given by --output. The period is one of
--quarter 1-4, --round 6|12 or --as-of YYYY-MM-DD (default: the current
quarter, or Q4 once the year is over). --edition picks the PDF's edition:
executive (สรุปผู้บริหาร, the default, as on the scorecard page) or full
(ฉบับเต็ม, with every indicator's steps, evidence and reviewer's comment).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from indicators.models import ActionPlan
from reports.scorecard import PeriodError, build_scorecard, parse_period


class Command(BaseCommand):
    help = "ส่งออกรายงานผลการดำเนินงานตามตัวชี้วัด (PDF หรือ Excel) ของไตรมาส รอบการประเมิน หรือ ณ วันที่ที่เลือก"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="ปีงบประมาณ (พ.ศ.) เช่น 2565")
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--quarter", help="ไตรมาสที่ 1-4")
        period.add_argument("--round", help="รอบการประเมิน 6 หรือ 12 เดือน")
        period.add_argument("--as-of", dest="as_of", help="ข้อมูล ณ วันที่ (YYYY-MM-DD)")
        parser.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
        parser.add_argument("--edition", choices=["executive", "full"], default="executive",
                            help="ฉบับของรายงาน PDF: executive (สรุปผู้บริหาร) หรือ full (ฉบับเต็ม)")
        parser.add_argument("--output", required=True, help="ไฟล์ปลายทาง (หรือโฟลเดอร์เมื่อใช้ --all)")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--org-unit", dest="org_unit", help="ชื่อหรือรหัสหน่วยงานเจ้าของแผน")
        target.add_argument("--all", action="store_true", help="ทุกแผนปฏิบัติการของปีงบประมาณ")

    def handle(self, *args, year, quarter, round, as_of, format, output, org_unit, all, edition="executive", **options):
        plans = ActionPlan.objects.filter(fiscal_year__year_be=year).select_related(
            "fiscal_year", "org_unit__parent"
        ).order_by("org_unit__tree_path")
        if org_unit:
            match = Q(org_unit__name=org_unit) | Q(org_unit__short_name=org_unit)
            if org_unit.isdigit():
                match |= Q(org_unit_id=int(org_unit))
            plans = plans.filter(match)
        plans = list(plans)
        if not plans:
            raise CommandError(f"ไม่พบแผนปฏิบัติการของปีงบประมาณ พ.ศ. {year}" + (f" ของหน่วยงาน “{org_unit}”" if org_unit else ""))
        if not all and len(plans) > 1:
            names = ", ".join(f"{p.org_unit.name} (รหัส {p.org_unit_id})" for p in plans)
            raise CommandError(f"ปีงบประมาณ พ.ศ. {year} มีหลายแผน ระบุ --org-unit หรือใช้ --all: {names}")
        try:
            period = parse_period({"quarter": quarter, "round": round, "as_of": as_of}, fiscal_year=year)
        except PeriodError as exc:
            raise CommandError(exc.message)

        if format == "pdf":
            from reports.pdf import render_pdf

            def render(scorecard):
                return render_pdf(scorecard, edition)
        else:
            from reports.excel import render_xlsx as render

        if all:
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            targets = [(p, folder / f"scorecard-{year}-{period.code}-{p.org_unit_id}.{format}") for p in plans]
        else:
            targets = [(plans[0], Path(output))]
        for plan, path in targets:
            scorecard = build_scorecard(plan=plan, period=period)
            path.write_bytes(render(scorecard))
            self.stdout.write(f"{path}: {plan.org_unit.name} {period.title(thai_digits=False)} ({len(scorecard.rows)} ตัวชี้วัด)")
