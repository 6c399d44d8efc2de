"""python manage.py copy_plan --unit กพร. --from 2565 --to 2566: next year's plan as a draft."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from indicators.models import ActionPlan
from indicators.services import PlanError, plan_copy


class Command(BaseCommand):
    help = "คัดลอกแผนปฏิบัติการของหน่วยงานไปปีงบประมาณใหม่ (เป็นร่าง ยังไม่เผยแพร่ ไม่รวมผลการดำเนินงาน)"

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="ชื่อ ชื่อย่อ หรือรหัสของหน่วยงาน")
        parser.add_argument("--from", dest="from_year", type=int, required=True, help="ปีงบประมาณต้นทาง (พ.ศ.)")
        parser.add_argument("--to", dest="to_year", type=int, required=True, help="ปีงบประมาณปลายทาง (พ.ศ.)")

    def handle(self, *args, unit, from_year, to_year, **options):
        q = Q(org_unit__name=unit) | Q(org_unit__short_name=unit)
        if unit.isdigit():
            q |= Q(org_unit_id=int(unit))
        plans = list(ActionPlan.objects.filter(q, fiscal_year__year_be=from_year).select_related("org_unit", "fiscal_year"))
        if not plans:
            raise CommandError(f"ไม่พบแผนของหน่วยงาน {unit} ปีงบประมาณ {from_year}")
        if len(plans) > 1:
            raise CommandError(f"ชื่อ {unit} ตรงกับหลายหน่วยงาน ระบุรหัสหน่วยงานแทน: "
                               + ", ".join(f"{p.org_unit_id} {p.org_unit}" for p in plans))
        try:
            new = plan_copy(plan=plans[0], to_year_be=to_year, by=None)
        except PlanError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"สร้างร่าง {new} แล้ว ({new.indicators.count()} ตัวชี้วัด) แก้ไขและเผยแพร่ได้ที่ /plans/{new.pk}/"))
