"""send_reminders: who gets which e-mail, in Thai, and never twice on the same day."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import ReminderLog
from indicators.models import CriteriaSet, MilestoneStep, Person
from reports.tests.factories import complete_steps

# 11 days before the 6-month round closes (31 March 2022).
BEFORE_CLOSE = "2022-03-20"
# 6 days before: the round's last week, when behind indicators escalate to the director.
LAST_WEEK = "2022-03-25"


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def by_recipient():
    return {m.to[0]: m for m in mail.outbox}


def indicator_numbers(message) -> list[int]:
    return sorted(
        int(line.split("ตัวชี้วัดที่ ")[1].split()[0])
        for line in message.body.splitlines()
        if line[:1].isdigit() and "ตัวชี้วัดที่ " in line
    )


@pytest.mark.django_db
class TestRecipients:
    def test_owners_get_their_own_indicators_below_target(self, users, plan):
        run("--date", BEFORE_CLOSE)
        sent = by_recipient()
        # สุวิมล: primary owner of 1-8 (7 has no criteria yet, so it is not measured).
        assert indicator_numbers(sent["owner@example.go.th"]) == [1, 2, 3, 4, 5, 6, 8]
        # พัชรเมศร์: secondary owner of 1, 9 and 10.
        assert indicator_numbers(sent["coowner@example.go.th"]) == [1, 9, 10]
        # จักรพันธ์ owns 24-30, none with criteria; viewers and admins own nothing.
        for nobody in ("other_staff@example.go.th", "viewer@example.go.th", "admin@example.go.th"):
            assert nobody not in sent

    def test_the_mail_is_in_thai_with_dates_and_links(self, users, plan, indicator):
        run("--date", BEFORE_CLOSE)
        msg = by_recipient()["owner@example.go.th"]
        assert "ตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย 7 รายการ" in msg.subject
        assert msg.body.startswith("เรียน นางสาวสุวิมล นาครอด")
        assert "ข้อมูล ณ วันที่ 20 มีนาคม 2565" in msg.body
        assert "รอบ 6 เดือน: ปิดรอบ 31 มี.ค. 2565 (อีก 11 วัน)" in msg.body
        assert "ระดับที่ได้ 0 จากค่าเป้าหมาย 3" in msg.body
        assert f"/indicators/{indicator.pk}/" in msg.body

    def test_met_and_submitted_indicators_are_left_out(self, users, plan, fy_today):
        fy_today(dt.date(2022, 3, 20))
        complete_steps(plan.indicators.get(number=1), [1, 2, 3], dt.date(2022, 3, 1), users["owner"])
        complete_steps(plan.indicators.get(number=2), [1], dt.date(2022, 3, 1), users["owner"])
        services.round_submit(indicator=plan.indicators.get(number=2), round=plan.fiscal_year.rounds.get(months=6),
                              by=users["owner"])
        run("--date", BEFORE_CLOSE)
        sent = by_recipient()
        assert indicator_numbers(sent["owner@example.go.th"]) == [3, 4, 5, 6, 8]
        assert indicator_numbers(sent["coowner@example.go.th"]) == [9, 10]
        # The director still hears that indicator 2 awaits verification.
        assert "รอตรวจสอบ 1 รายการ" in sent["director@example.go.th"].subject

    def test_all_staff_indicators_reach_everyone_of_the_unit_with_an_email(self, users, plan, django_user_model):
        ind20 = plan.indicators.get(number=20)
        cs = CriteriaSet.objects.create(indicator=ind20)
        MilestoneStep.objects.bulk_create(MilestoneStep(criteria_set=cs, number=n, text=f"ขั้นตอน {n}") for n in range(1, 6))
        no_mail = django_user_model.objects.create_user("nomail", email="")
        person = Person.objects.get(first_name="สุธี")
        person.user = no_mail
        person.save()
        run("--date", BEFORE_CLOSE)
        sent = by_recipient()
        assert 20 in indicator_numbers(sent["other_staff@example.go.th"])  # จักรพันธ์, ฝ่ายบริหารทั่วไป
        assert 20 in indicator_numbers(sent["owner@example.go.th"])
        assert 20 in indicator_numbers(sent["coowner@example.go.th"])
        assert all(m.to != [""] for m in mail.outbox)

    def test_behind_indicators_escalate_to_the_director_only_in_the_last_week(self, users, plan, settings):
        settings.SITE_URL = "https://kpi.example.go.th"
        run("--date", BEFORE_CLOSE)
        assert "director@example.go.th" not in by_recipient()  # owners are reminded first
        owner_mail = by_recipient()["owner@example.go.th"]
        links = [w for line in owner_mail.body.splitlines() for w in line.split() if "/indicators/" in w or "/my/" in w]
        assert links and all(w.startswith("https://kpi.example.go.th/") for w in links)
        run("--date", LAST_WEEK)
        digest = by_recipient()["director@example.go.th"]
        assert "ปิดรอบ 31 มี.ค. 2565 (อีก 6 วัน)" in digest.body
        from assessments.models import Notice
        assert Notice.objects.filter(recipient=users["director"], kind="reminder").count() == 1
        assert Notice.objects.filter(recipient=users["owner"], kind="reminder").count() == 2

    def test_director_gets_a_digest_with_owners(self, users, plan):
        run("--date", LAST_WEEK)
        digest = by_recipient()["director@example.go.th"]
        assert "สรุปตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย 18 รายการ" in digest.subject
        assert "ผู้รับผิดชอบ: นางสาวสุวิมล นาครอด, นายพัชรเมศร์ วุฒิเลิศเดชานนท์" in digest.body
        assert len(mail.outbox) == 1 + len({m.to[0] for m in mail.outbox if m.to[0] != "director@example.go.th"})

    def test_rounds_far_from_closing_are_not_reminded(self, users, plan):
        run("--date", BEFORE_CLOSE, "--days", "5")
        assert mail.outbox == []
        run("--date", "2021-11-01")  # five months before the close
        assert mail.outbox == []

    def test_overdue_rounds_are_reminded(self, users, plan):
        run("--date", "2022-04-05", "--days", "0")
        msg = by_recipient()["owner@example.go.th"]
        assert "เกินกำหนด 5 วัน" in msg.body
        assert "รอบ 12 เดือน" not in msg.body

    def test_another_fiscal_year_has_nothing_to_remind(self, users, plan):
        run("--date", "2022-10-05")  # FY 2566: no plan yet
        assert mail.outbox == []


@pytest.mark.django_db
class TestOncePerDay:
    def test_running_twice_the_same_day_sends_nothing_the_second_time(self, users, plan):
        first = run("--date", LAST_WEEK)
        count = len(mail.outbox)
        assert count >= 3 and f"ส่งอีเมล {count} ฉบับ" in first
        second = run("--date", LAST_WEEK)
        assert len(mail.outbox) == count
        assert "ส่งอีเมล 0 ฉบับ" in second and f"ส่งไปแล้ววันนี้ {count} ฉบับ" in second
        assert ReminderLog.objects.filter(sent_on=dt.date(2022, 3, 25)).count() == count
        run("--date", "2022-03-26")
        assert len(mail.outbox) == 2 * count

    def test_a_failed_send_is_retried_next_run(self, users, plan, monkeypatch):
        from django.core.mail import EmailMessage

        real_send = EmailMessage.send

        def flaky(self, *a, **k):
            if self.to == ["owner@example.go.th"]:
                raise OSError("SMTP down")
            return real_send(self, *a, **k)

        monkeypatch.setattr(EmailMessage, "send", flaky)
        run("--date", BEFORE_CLOSE)
        assert "owner@example.go.th" not in by_recipient()
        assert not ReminderLog.objects.filter(recipient="owner@example.go.th").exists()
        monkeypatch.setattr(EmailMessage, "send", real_send)
        run("--date", BEFORE_CLOSE)
        assert [m.to[0] for m in mail.outbox].count("owner@example.go.th") == 1


@pytest.mark.django_db
def test_bad_arguments_are_thai_errors(plan):
    with pytest.raises(CommandError, match="ไม่ถูกต้อง"):
        run("--date", "20-03-2022")
    with pytest.raises(CommandError, match="ติดลบ"):
        run("--days", "-1")


@pytest.mark.django_db
class TestRenderedText:
    """The e-mails are templates (templates/assessments/email/reminder_*.txt): their text, line for line."""

    def test_the_owner_reminder_reads_in_full(self, users, plan, rounds, settings):
        settings.SITE_URL = "https://kpi.example.go.th"
        run("--date", BEFORE_CLOSE)
        msg = by_recipient()["coowner@example.go.th"]
        link = {n: f"https://kpi.example.go.th/indicators/{plan.indicators.get(number=n).pk}/?round={rounds[6].pk}"
                for n in (1, 9, 10)}
        assert msg.subject == "[ระบบติดตามตัวชี้วัด กพร.] ตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย 3 รายการ"
        assert msg.body == f"""เรียน นายพัชรเมศร์ วุฒิเลิศเดชานนท์

ตัวชี้วัดที่ท่านรับผิดชอบต่อไปนี้ยังไม่ถึงค่าเป้าหมาย ข้อมูล ณ วันที่ 20 มีนาคม 2565
กรุณาบันทึกผลการดำเนินงานและส่งผลการประเมินตนเองก่อนวันปิดรอบ

1. ตัวชี้วัดที่ 1 ระดับความสำเร็จการจัดทำคู่มือกระบวนการ
   รอบ 6 เดือน: ปิดรอบ 31 มี.ค. 2565 (อีก 11 วัน)
   ระดับที่ได้ 0 จากค่าเป้าหมาย 3 · สถานะ: ต่ำกว่าเป้าหมาย
   ขั้นตอนถัดไป: ขั้นตอนที่ 1 ดำเนินการรวบรวม ศึกษา วิเคราะห์ ข้อมูลรายละเอียดที่เกี่ยวข้องกับการจัดทำคู่มือมาตรฐาน
   {link[1]}

2. ตัวชี้วัดที่ 9 ระดับความสำเร็จของการขับเคลื่อนแผนพัฒนาองค์กร ตามกรอบ PMQA
   รอบ 6 เดือน: ปิดรอบ 31 มี.ค. 2565 (อีก 11 วัน)
   ระดับที่ได้ 0 จากค่าเป้าหมาย 3 · สถานะ: ต่ำกว่าเป้าหมาย
   ขั้นตอนถัดไป: ขั้นตอนที่ 1 เสนอทบทวนคำสั่งแต่งตั้งคณะกรรมการและคณะทำงาน PMQA
   {link[9]}

3. ตัวชี้วัดที่ 10 ระดับความสำเร็จของการสมัครขอรับการประเมินรางวัล ของกรมบังคับคดี (PMQA รายหมวด ๔)
   รอบ 6 เดือน: ปิดรอบ 31 มี.ค. 2565 (อีก 11 วัน)
   ระดับที่ได้ 0 จากค่าเป้าหมาย 3 · สถานะ: ต่ำกว่าเป้าหมาย
   ขั้นตอนถัดไป: ขั้นตอนที่ 1 เสนอทบทวนคำสั่งแต่งตั้งคณะกรรมการ PMQA
   {link[10]}

ตัวชี้วัดของฉัน: https://kpi.example.go.th/my/
การแจ้งเตือนทั้งหมด: https://kpi.example.go.th/notices/

ระบบติดตามตัวชี้วัด กลุ่มพัฒนาระบบบริหาร
"""

    def test_the_director_digest_names_returned_awaiting_and_late_units(self, users, plan, rounds, fy_today,
                                                                        settings):
        settings.SITE_URL = "https://kpi.example.go.th"
        fy_today(dt.date(2022, 3, 20))
        two, three = plan.indicators.get(number=2), plan.indicators.get(number=3)
        complete_steps(two, [1], dt.date(2022, 3, 1), users["owner"])
        services.round_submit(indicator=two, round=rounds[6], by=users["owner"])
        services.round_submit(indicator=three, round=rounds[6], by=users["owner"])
        services.round_return(indicator=three, round=rounds[6], by=users["director"], comment="แก้")
        run("--date", "2022-04-05", "--days", "0")
        body = by_recipient()["director@example.go.th"].body
        assert body.startswith("เรียน director\n\nสรุปภาพรวมผลการดำเนินงาน ข้อมูล ณ วันที่ 5 เมษายน 2565\n")
        assert f"""\n2. ตัวชี้วัดที่ 3 ระดับความสำเร็จของการขับเคลื่อนแผนการควบคุมภายใน
   รอบ 6 เดือน: ปิดรอบแล้วเมื่อ 31 มี.ค. 2565 (เกินกำหนด 5 วัน)
   ระดับที่ได้ 0 จากค่าเป้าหมาย 3 · สถานะ: เกินกำหนด · ส่งกลับแก้ไข
   ขั้นตอนถัดไป: ขั้นตอนที่ 1 ปรับปรุงคำสั่งคณะกรรมการควบคุมภายใน
   ผู้รับผิดชอบ: นางสาวสุวิมล นาครอด, นางสาวจิรนนท์ ภูสุข
   https://kpi.example.go.th/indicators/{three.pk}/?round={rounds[6].pk}

3. ตัวชี้วัดที่ 4 """ in body
        assert (f"\nรอตรวจสอบ (1 รายการ): https://kpi.example.go.th/review/\n"
                f"- ตัวชี้วัดที่ 2 {two.name} · รอบ 6 เดือน · ผลการประเมินตนเอง ระดับ 1 · "
                f"https://kpi.example.go.th/indicators/{two.pk}/rounds/{rounds[6].pk}/review/\n") in body
        assert ("\nการส่งผลการประเมินรายหน่วยงาน (รอบที่ปิดแล้ว)\n- กลุ่มพัฒนาระบบบริหาร · รอบ 6 เดือน: ยังไม่ส่ง"
                " (ส่งตรงเวลา 2 · ส่งล่าช้า 0 · ยังไม่ส่ง 16)\n") in body
        assert body.endswith("\n\nระบบติดตามตัวชี้วัด กลุ่มพัฒนาระบบบริหาร\n")


@pytest.mark.django_db
def test_a_unit_that_never_submitted_a_closed_round_is_news_on_its_own(users, plan, fy_today):
    """Nothing behind and nothing awaiting review: a closed round left unsubmitted still reaches the director."""
    from assessments.management.commands import send_reminders

    fy_today(dt.date(2022, 4, 5))
    year = send_reminders._load_year(dt.date(2022, 4, 5))
    digests = send_reminders._director_digests(year, items={}, awaiting={})
    director = digests["director@example.go.th"]
    assert not director.items and not director.awaiting
    assert sum(t.missing for t in director.timeliness) > 0
    subject, body = send_reminders.director_message(director, dt.date(2022, 4, 5))
    assert "ยังไม่ส่งผลรอบที่ปิดแล้ว" in subject and "รอบ 6 เดือน" in body
