"""python manage.py seed_department --units 100 --indicators 30 [--year 2569]: a sample department.

Builds a believable กรมบังคับคดี (reports.demo_department): central divisions and
groups, provincial offices with their region and branches, a director per unit
(login dir-<unit id>), the department monitor (kpr-monitor, กพร.), one plan per
unit, 5G KPIs cascaded to the units, and a year of progress in every state.
The password of every demo login is reports.demo_department.DEMO_PASSWORD.

--year defaults to the last fiscal year that has ended (a whole year of progress,
both rounds closed). Never in production mode (DEBUG off); safe to run again.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import thai


class Command(BaseCommand):
    help = "สร้างข้อมูลตัวอย่างของทั้งกรม: หน่วยงาน บุคลากร แผน การถ่ายทอดตัวชี้วัด และผลการดำเนินงานหนึ่งปี"

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=100)
        parser.add_argument("--indicators", type=int, default=30)
        parser.add_argument("--year", type=int, default=None, help="ปีงบประมาณ (พ.ศ.)")

    def handle(self, *args, units, indicators, year, **options):
        from assessments.services import today
        from reports.demo_department import DEMO_PASSWORD, MONITOR_USERNAME, build_department

        if not settings.DEBUG:
            raise CommandError("ไม่สร้างข้อมูลตัวอย่างในโหมดใช้งานจริง (DEBUG ปิดอยู่)")
        if not 1 <= units <= 500 or not 1 <= indicators <= 100:
            raise CommandError("จำนวนหน่วยงานต้องอยู่ระหว่าง 1-500 และจำนวนตัวชี้วัดต่อแผนระหว่าง 1-100")
        day = today()
        year = year or thai.fiscal_year_of(day) - 1
        if not 2500 <= year <= 2700:
            raise CommandError("ปีงบประมาณต้องเป็นปี พ.ศ. เช่น 2569")
        started = time.monotonic()
        result = build_department(units=units, indicators=indicators, year_be=year, today=day)
        self.stdout.write(
            f"{thai.fiscal_year_label(year)}: สร้างหน่วยงานใหม่ {result.units_created} หน่วยงาน "
            f"แผนใหม่ {result.plans_created} แผน ตัวชี้วัดใหม่ {result.indicators_created} ตัว "
            f"({time.monotonic() - started:.1f} วินาที)")
        self.stdout.write(f"ผู้ติดตามประเมินผล: {MONITOR_USERNAME} / ผู้อำนวยการ: dir-<รหัสหน่วยงาน> "
                          f"(รหัสผ่าน {DEMO_PASSWORD})")
