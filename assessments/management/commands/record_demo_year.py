"""python manage.py record_demo_year: a believable FY 2565 for trying the product (never in production).

`make run` calls it after load_plan and create_demo_accounts (skip it with
`make run DEMO=0`). It writes through the same services as the pages
(indicators.services.criteria_write, assessments.services.step_complete,
round_submit, round_verify, round_return, kpi_measurement_record), each on its
own day of the story with the clock set to that day, so the history, the
"as of" views and the quarterly scorecards read as if the year had been lived:

- criteria for the indicators the plan document leaves without (๗ and ๒๐-๓๐),
  titled "เกณฑ์การให้คะแนน (ข้อมูลตัวอย่าง)";
- steps done by their owners (owner1, owner2, staff1) on realistic dates: some
  indicators ahead of plan, some steady, some slow or stalled, ๙-๑๑ untouched;
- 6-month rounds submitted and verified by the director; indicator ๒ returned
  with a comment, corrected and resubmitted; some 12-month rounds still
  awaiting review;
- the 5G policy KPIs' values at the end of each quarter.

Idempotent: a plan that already has any recorded progress is left alone.
Events dated after today are not recorded.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments import services
from assessments.models import StepCompletion
from indicators import services as plan_services
from indicators.models import ActionPlan, MilestoneStep, PolicyKPI

YEAR = 2565
DEMO_TITLE = "เกณฑ์การให้คะแนน (ข้อมูลตัวอย่าง)"

# Criteria for the indicators the document leaves without (demo data, marked so in their title).
DEMO_CRITERIA = {
    7: ["รวบรวมข้อมูลผลงานของผู้บริหารระดับสูงตามตัวชี้วัดที่กรมกำหนด",
        "ศึกษาวิเคราะห์และจัดหมวดหมู่ข้อมูลผลงาน",
        "เรียบเรียงสรุปข้อมูลผลงานเสนอผู้อำนวยการกลุ่มพิจารณา",
        "ปรับปรุงสรุปข้อมูลตามข้อเสนอแนะและเสนอผู้บริหารระดับสูง",
        "จัดส่งข้อมูลผลงานประกอบการประเมินครบถ้วนภายในกำหนด"],
    20: ["จัดทำแบบสำรวจความพึงพอใจของผู้รับบริการ",
         "เผยแพร่แบบสำรวจให้หน่วยงานผู้รับบริการตอบ",
         "รวบรวมและวิเคราะห์ผลการสำรวจ",
         "รายงานผลการสำรวจและข้อเสนอแนะต่อผู้อำนวยการกลุ่ม",
         "นำข้อเสนอแนะไปปรับปรุงการให้บริการและรายงานผล"],
    21: ["สำรวจโครงการ CSR และกิจกรรมของจังหวัดที่เปิดให้เข้าร่วม",
         "จัดทำแผนการเข้าร่วมกิจกรรมของกลุ่ม",
         "เข้าร่วมกิจกรรมอย่างน้อย ๑ ครั้ง",
         "เข้าร่วมกิจกรรมอย่างน้อย ๒ ครั้ง",
         "สรุปผลการเข้าร่วมกิจกรรมเสนอผู้อำนวยการกลุ่ม"],
    22: ["สำรวจองค์ความรู้ที่จำเป็นต่อการปฏิบัติงานของกลุ่ม",
         "จัดทำแผนการจัดการความรู้",
         "จัดเก็บองค์ความรู้ในคลังความรู้ของหน่วยงาน",
         "เผยแพร่องค์ความรู้ให้บุคลากรในกรม",
         "ประเมินการนำองค์ความรู้ไปใช้และรายงานผล"],
    23: ["กำหนดมาตรการลดการใช้กระดาษของกลุ่ม",
         "สื่อสารมาตรการให้บุคลากรทุกคนทราบ",
         "ใช้ระบบสารบรรณอิเล็กทรอนิกส์แทนเอกสารกระดาษ",
         "ติดตามปริมาณการใช้กระดาษรายไตรมาส",
         "ปริมาณการใช้กระดาษลดลงไม่น้อยกว่าร้อยละ ๑๐ และรายงานผล"],
    24: ["ลงทะเบียนรับเอกสารในระบบภายในวันที่ได้รับ",
         "เสนอเอกสารต่อผู้รับผิดชอบภายใน ๑ วันทำการ",
         "ส่งเอกสารอิเล็กทรอนิกส์ผ่านระบบสารบรรณ",
         "ติดตามสถานะเอกสารที่ค้างดำเนินการ",
         "สรุปสถิติการรับ-ส่งเอกสารรายไตรมาส"],
    25: ["รวบรวมข้อมูลวันหยุดวันลาของบุคลากรประจำเดือน",
         "ตรวจสอบความถูกต้องกับสมุดลงเวลา",
         "จัดทำรายงานข้อมูลวันลาตามแบบที่กรมกำหนด",
         "เสนอผู้อำนวยการกลุ่มลงนาม",
         "จัดส่งรายงานทันตามกำหนดครบทุกเดือน"],
    26: ["รวบรวมคำสั่งและรายงานการปฏิบัติงานนอกเวลาราชการ",
         "ตรวจสอบหลักฐานการปฏิบัติงาน",
         "จัดทำรายงานผลการปฏิบัติงาน",
         "จัดทำเอกสารขอเบิกจ่ายค่าอาหารทำการนอกเวลา",
         "ส่งเรื่องเบิกจ่ายถึงกองคลังภายในกำหนด"],
    27: ["สำรวจความต้องการพัสดุครุภัณฑ์ของกลุ่ม",
         "จัดทำใบเบิกพัสดุเสนอผู้อำนวยการกลุ่ม",
         "ส่งใบเบิกพัสดุต่อกองคลัง",
         "รับพัสดุและตรวจสอบความถูกต้อง",
         "จัดทำทะเบียนคุมพัสดุของกลุ่ม"],
    28: ["รับคำขอใช้ห้องประชุมจากบุคลากรในกลุ่ม",
         "ตรวจสอบห้องประชุมที่ว่างในระบบจองห้องประชุม",
         "จองห้องประชุมและแจ้งผู้ขอภายใน ๑ วันทำการ",
         "ประสานการจัดเตรียมห้องและอุปกรณ์",
         "สรุปการจองห้องประชุมรายไตรมาส"],
    29: ["รับคำขอใช้รถยนต์ส่วนกลาง",
         "ตรวจสอบรถยนต์และพนักงานขับรถที่ว่าง",
         "เสนอขออนุมัติใช้รถยนต์ตามกำหนด",
         "แจ้งผลการอนุมัติให้ผู้ขอทราบ",
         "สรุปการใช้รถยนต์รายไตรมาส"],
    30: ["รับไฟล์เสียงการประชุมจากฝ่ายเลขานุการ",
         "ถอดเทปการประชุม",
         "ตรวจทานความถูกต้องของบันทึกการประชุม",
         "เสนอร่างรายงานการประชุมต่อประธาน",
         "จัดส่งรายงานการประชุมภายใน ๗ วันทำการ"],
}

# Paces: the day each step (1-5) was done; None = not done (yet).
PACES = {
    "ahead": [dt.date(2021, 11, 15), dt.date(2021, 12, 20), dt.date(2022, 2, 25), dt.date(2022, 5, 10), dt.date(2022, 8, 15)],
    "steady": [dt.date(2021, 12, 20), dt.date(2022, 2, 15), dt.date(2022, 3, 25), dt.date(2022, 6, 20), dt.date(2022, 9, 12)],
    "slow": [dt.date(2022, 1, 10), dt.date(2022, 3, 20), dt.date(2022, 6, 15), dt.date(2022, 8, 22), None],
    "stalled": [dt.date(2022, 2, 14), None, None, None, None],
    "none": [None] * 5,
}
# Indicator → (pace, who ticks).
STORY = {
    1: ("ahead", "owner1"), 2: ("steady", "owner1"), 3: ("ahead", "owner1"), 4: ("steady", "owner1"),
    5: ("slow", "owner1"), 6: ("ahead", "owner1"), 7: ("stalled", "owner1"), 8: ("slow", "owner1"),
    9: ("none", None), 10: ("none", None), 11: ("none", None),
    12: ("ahead", "owner2"), 13: ("steady", "owner2"), 14: ("slow", "owner2"), 15: ("ahead", "owner2"),
    16: ("stalled", "owner2"), 17: ("steady", "owner2"), 18: ("slow", "owner2"), 19: ("stalled", "owner2"),
    20: ("steady", "staff1"), 21: ("slow", "owner1"), 22: ("ahead", "owner2"), 23: ("stalled", "staff1"),
    24: ("ahead", "staff1"), 25: ("steady", "staff1"), 26: ("slow", "staff1"), 27: ("stalled", "staff1"),
    28: ("none", None), 29: ("steady", "staff1"), 30: ("slow", "staff1"),
}
NOTES = ["ดำเนินการตามแผน", "แนบรายงานการประชุมแล้ว", "เสนอผู้อำนวยการกลุ่มแล้ว", "", "รายงานผลต่อกรมแล้ว"]
RETURN_COMMENT = "กรุณาแนบรายงานการประชุมเป็นเอกสารหลักฐานของขั้นตอนที่ ๓ ก่อนส่งอีกครั้ง"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# 5G KPI values at each quarter's end, as a share of the target.
KPI_PACE = [(dt.date(2021, 12, 31), 0.86), (dt.date(2022, 3, 31), 0.93), (dt.date(2022, 6, 30), 0.97), (dt.date(2022, 9, 30), 1.01)]
KPI_SHORT = {5: [0.5, 0.5, 0.75, 0.75], 7: [0.7, 0.8, 0.9, 0.95]}  # two that end the year short of target


@contextmanager
def clock(day: dt.date, minute: int):
    """Everything recorded inside happens at 09:00 (+ minutes) of that day: history reads as lived."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))) + dt.timedelta(minutes=minute)
    with mock.patch.object(timezone, "now", lambda: moment), \
            mock.patch.object(timezone, "localdate", lambda *a, **k: day):
        yield


class Command(BaseCommand):
    help = "บันทึกข้อมูลตัวอย่างของปีงบประมาณ 2565 (เฉพาะโหมดพัฒนา ไม่ทำซ้ำ)"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ไม่บันทึกข้อมูลตัวอย่างในโหมดใช้งานจริง (DEBUG ปิดอยู่)")
        plan = (ActionPlan.objects.filter(fiscal_year__year_be=YEAR, org_unit__name="กลุ่มพัฒนาระบบบริหาร")
                .select_related("fiscal_year", "org_unit").first())
        if plan is None:
            raise CommandError("ยังไม่มีแผนปีงบประมาณ 2565: รัน python manage.py load_plan ก่อน")
        User = get_user_model()
        users = {u.username: u for u in User.objects.filter(username__in=["owner1", "owner2", "staff1", "director", "admin"])}
        missing = {"owner1", "owner2", "staff1", "director", "admin"} - set(users)
        if missing:
            raise CommandError("ยังไม่มีบัญชีทดลอง: รัน python manage.py create_demo_accounts ก่อน")
        if StepCompletion.objects.filter(step__criteria_set__indicator__plan=plan).exists():
            self.stdout.write("แผนปีงบประมาณ 2565 มีผลการดำเนินงานอยู่แล้ว ไม่บันทึกข้อมูลตัวอย่างซ้ำ")
            return
        with transaction.atomic():
            count = self._record(plan, users)
        self.stdout.write(self.style.SUCCESS(f"บันทึกข้อมูลตัวอย่างปีงบประมาณ 2565 แล้ว ({count} รายการ)"))

    def _record(self, plan, users) -> int:
        """The year's story as dated events (steps, rounds, 5G KPIs), replayed in date order up to today."""
        indicators = {i.number: i for i in plan.indicators.all()}
        rounds = {r.months: r for r in plan.fiscal_year.rounds.all()}
        self._write_criteria(indicators, users)
        events: list[tuple[dt.date, int, object]] = []

        def at(day, fn, order=0):
            events.append((day, order, fn))

        self._step_events(at, plan, users)
        self._round_events(at, indicators, rounds, users)
        self._kpi_events(at, plan, users)
        return self._replay(events, timezone.localdate())

    @staticmethod
    def _write_criteria(indicators, users) -> None:
        """The demo's criteria for the indicators the plan gave none."""
        with clock(dt.date(2021, 10, 8), 0):
            for number, steps in DEMO_CRITERIA.items():
                ind = indicators.get(number)
                if ind is not None and not ind.criteria_sets.exists():
                    plan_services.criteria_write(indicator=ind, by=users["admin"], sets={None: steps}, title=DEMO_TITLE)

    @staticmethod
    def _step_events(at, plan, users) -> None:
        """Steps, in every criteria set of each indicator (per-round sets follow the same pace)."""
        steps = MilestoneStep.objects.filter(criteria_set__indicator__plan=plan).select_related(
            "criteria_set__indicator", "criteria_set__round")
        for step in steps:
            ind = step.criteria_set.indicator
            pace, who = STORY.get(ind.number, ("none", None))
            day = PACES[pace][step.number - 1]
            if day is None or who is None:
                continue
            rnd = step.criteria_set.round
            if rnd is not None and rnd.months == 12 and step.criteria_set.indicator.criteria_sets.count() > 1:
                # The 12-month set of a per-round indicator starts after the 6-month round.
                day = max(day, dt.date(2022, 4, 1) + dt.timedelta(days=20 * step.number))
                if day > plan.fiscal_year.ends_on:
                    continue
            files = [SimpleUploadedFile(f"หลักฐานขั้นตอนที่ {step.number}.pdf", PDF)] if step.number in (1, 3) else []
            at(day, lambda s=step, d=day, u=users[who], f=files: services.step_complete(
                step=s, done_on=d, by=u, note=NOTES[s.number - 1], files=f))

    def _round_events(self, at, indicators, rounds, users) -> None:
        """Submissions, returns and reviews of the two rounds."""

        def submit(number, months, who, note=""):
            return lambda: services.round_submit(indicator=indicators[number], round=rounds[months], by=users[who],
                                                 note=note)

        def verify(number, months):
            return lambda: services.round_verify(indicator=indicators[number], round=rounds[months], by=users["director"])

        # The 6-month round: most ahead/steady indicators submitted around the close, the director verifies.
        at(dt.date(2022, 3, 28), submit(3, 6, "owner1"), 1)
        at(dt.date(2022, 4, 8), verify(3, 6), 1)
        at(dt.date(2022, 3, 31), submit(4, 6, "owner1", "ครบตามค่าเป้าหมายรอบ ๖ เดือน"), 1)
        at(dt.date(2022, 4, 5), verify(4, 6), 1)
        at(dt.date(2022, 3, 30), submit(13, 6, "owner2"), 1)
        at(dt.date(2022, 4, 7), verify(13, 6), 1)
        at(dt.date(2022, 4, 2), submit(1, 6, "owner1"), 1)
        at(dt.date(2022, 4, 6), verify(1, 6), 1)
        at(dt.date(2022, 4, 1), submit(12, 6, "owner2"), 1)
        at(dt.date(2022, 4, 6), verify(12, 6), 2)
        at(dt.date(2022, 4, 4), submit(24, 6, "staff1"), 1)  # still awaiting review
        # Two indicators well ahead were submitted early and verified before the round closed.
        at(dt.date(2022, 3, 1), submit(6, 6, "owner1"), 1)
        at(dt.date(2022, 3, 10), verify(6, 6), 1)
        at(dt.date(2022, 3, 3), submit(22, 6, "owner2"), 1)
        at(dt.date(2022, 3, 11), verify(22, 6), 1)
        # Indicator ๒: returned with a comment, corrected, resubmitted, verified.
        at(dt.date(2022, 3, 26), submit(2, 6, "owner1"), 1)
        at(dt.date(2022, 3, 28), lambda: services.round_return(indicator=indicators[2], round=rounds[6], by=users["director"],
                                                         comment=RETURN_COMMENT), 2)
        at(dt.date(2022, 3, 29), lambda: self._correct(indicators[2], users["owner1"]), 1)
        at(dt.date(2022, 3, 29), submit(2, 6, "owner1", "แนบรายงานการประชุมตามที่ผู้อำนวยการแนะนำแล้ว"), 2)
        at(dt.date(2022, 4, 4), verify(2, 6), 1)
        # The 12-month round: two verified, three awaiting review.
        at(dt.date(2022, 9, 29), submit(12, 12, "owner2"), 1)
        at(dt.date(2022, 10, 5), verify(12, 12), 1)
        at(dt.date(2022, 9, 30), submit(2, 12, "owner1"), 1)
        at(dt.date(2022, 10, 7), verify(2, 12), 1)
        at(dt.date(2022, 10, 3), submit(1, 12, "owner1"), 1)
        at(dt.date(2022, 10, 4), submit(15, 12, "owner2"), 1)
        at(dt.date(2022, 10, 4), submit(24, 12, "staff1"), 2)

    @staticmethod
    def _kpi_events(at, plan, users) -> None:
        """The 5G policy KPIs, reported by the director at each quarter's end."""
        for kpi in PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).order_by("number"):
            shares = KPI_SHORT.get(kpi.number, [s for _d, s in KPI_PACE])
            for (day, _share), share in zip(KPI_PACE, shares):
                value = (kpi.target_value * Decimal(str(share))).quantize(Decimal("0.01"))
                at(day + dt.timedelta(days=5), lambda k=kpi, v=value, d=day: services.kpi_measurement_record(
                    kpi=k, value=v, measured_on=d, source="รายงานผลการดำเนินงานของกรม (ข้อมูลตัวอย่าง)",
                    by=users["director"]), 3)

    @staticmethod
    def _replay(events, today: dt.date) -> int:
        """Each event on its day (a minute apart, in order); none after today. Returns how many ran."""
        done = 0
        for minute, (day, order, fn) in enumerate(sorted(events, key=lambda e: (e[0], e[1]))):
            if day > today:
                continue
            with clock(day, minute % 480):
                fn()
            done += 1
        return done

    @staticmethod
    def _correct(indicator, by):
        step = MilestoneStep.objects.get(criteria_set__indicator=indicator, criteria_set__round=None, number=3)
        completion = StepCompletion.objects.active().get(step=step)
        services.step_edit(step=step, by=by, done_on=completion.done_on, expected_completion_id=completion.pk,
                           expected_version=completion.version, note="แนบรายงานการประชุมครั้งที่ ๒/๒๕๖๕ แล้ว",
                           files=[SimpleUploadedFile("รายงานการประชุม ๒-๒๕๖๕.pdf", PDF)])
