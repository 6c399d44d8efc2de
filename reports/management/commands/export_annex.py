"""python manage.py export_annex --year 2565 --round 6 [--indicator 1] --output annex.pdf

ภาคผนวกเอกสารหลักฐาน (reports/annex.py) of the year's plan (or --org-unit <name or id>)
for a period (--quarter 1-4, --round 6|12 or --as-of YYYY-MM-DD; default: the current
quarter), of one indicator (--indicator <its number in the plan>) or of the whole plan.
Run on the server, it sees every indicator.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from indicators.models import ActionPlan
from reports.annex import build_annex, render_pdf
from reports.scorecard import PeriodError, parse_period


class Command(BaseCommand):
    help = "ส่งออกภาคผนวกเอกสารหลักฐาน (PDF) ของตัวชี้วัดหรือทั้งแผน ตามไตรมาส รอบการประเมิน หรือ ณ วันที่ที่เลือก"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="ปีงบประมาณ (พ.ศ.) เช่น 2565")
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--quarter", help="ไตรมาสที่ 1-4")
        period.add_argument("--round", help="รอบการประเมิน 6 หรือ 12 เดือน")
        period.add_argument("--as-of", dest="as_of", help="ข้อมูล ณ วันที่ (YYYY-MM-DD)")
        parser.add_argument("--indicator", type=int, help="ลำดับตัวชี้วัดในแผน (ไม่ระบุ = ทั้งแผน)")
        parser.add_argument("--org-unit", dest="org_unit", help="ชื่อหรือรหัสหน่วยงานเจ้าของแผน")
        parser.add_argument("--output", required=True, help="ไฟล์ PDF ปลายทาง")

    def handle(self, *args, year, quarter, round, as_of, indicator, org_unit, output, **options):
        plans = ActionPlan.objects.filter(fiscal_year__year_be=year).select_related("fiscal_year", "org_unit")
        if org_unit:
            match = Q(org_unit__name=org_unit) | Q(org_unit__short_name=org_unit)
            if org_unit.isdigit():
                match |= Q(org_unit_id=int(org_unit))
            plans = plans.filter(match)
        plans = list(plans)
        if len(plans) != 1:
            if not plans:
                raise CommandError(f"ไม่พบแผนปฏิบัติการของปีงบประมาณ พ.ศ. {year}")
            raise CommandError(f"ปีงบประมาณ พ.ศ. {year} มีหลายแผน ระบุ --org-unit")
        plan = plans[0]
        try:
            period = parse_period({"quarter": quarter, "round": round, "as_of": as_of}, fiscal_year=year)
        except PeriodError as exc:
            raise CommandError(exc.message)
        ids = None
        if indicator is not None:
            found = plan.indicators.filter(number=indicator).first()
            if found is None:
                raise CommandError(f"ไม่พบตัวชี้วัดที่ {indicator} ในแผนนี้")
            ids = [found.pk]
        annex = build_annex(user=None, plan=plan, period=period, indicator_ids=ids)
        Path(output).write_bytes(render_pdf(annex))
        self.stdout.write(f"{output}: {annex.title} {period.title(thai_digits=False)} ({len(annex.items)} ไฟล์)")
