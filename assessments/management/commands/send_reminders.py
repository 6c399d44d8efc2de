"""ส่งอีเมลแจ้งเตือน: owners of indicators below target, and a digest for the directors.

    python manage.py send_reminders [--days 14] [--date YYYY-MM-DD]

Meant for a daily cron job. An owner hears about the indicators they own
(primary, secondary, or "ทุกตำแหน่ง" through their unit) that are below
target in a round of this fiscal year closing within --days days, or already
closed (overdue), and not yet submitted or verified. Each director who may
review a plan (Appointment role director on the plan's unit or a unit above
it: the rule of access.can_review) gets one digest of their
plans: the same indicators with their owners, and what awaits verification.

Idempotent per day: a ReminderLog row (recipient, kind, day) is written in
the same transaction as the e-mail is sent, so a second run on the same day
sends nothing and a failed send can be retried.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from django.template.loader import render_to_string
from django.utils import translation

from assessments import levels, notices, services
from assessments.models import Notice, ReminderLog, RoundAssessment
from assessments.selectors import RoundProgress, progress_for
from indicators.models import ActionPlan, Indicator, IndicatorOwner, Person, Round
from indicators.querysets import reviewer_appointments
from core import thai

OWNER = "owner"
DIRECTOR = "director"
SUBJECT_PREFIX = "[ระบบติดตามตัวชี้วัด กพร.] "


@dataclass
class Item:
    rp: RoundProgress
    days_left: int
    owner_names: list[str]

    @property
    def indicator(self) -> Indicator:
        return self.rp.indicator

    @property
    def when(self) -> str:
        closes = thai.format_date(self.rp.round.closes_on)
        if self.days_left < 0:
            return f"ปิดรอบแล้วเมื่อ {closes} (เกินกำหนด {-self.days_left} วัน)"
        if self.days_left == 0:
            return f"ปิดรอบวันนี้ {closes}"
        return f"ปิดรอบ {closes} (อีก {self.days_left} วัน)"


@dataclass
class Recipient:
    email: str
    name: str
    user: object = None
    items: list[Item] = field(default_factory=list)
    awaiting: list[RoundProgress] = field(default_factory=list)
    timeliness: list[str] = field(default_factory=list)  # directors: each unit's submission of each closed round


ESCALATE_DAYS = 7  # behind indicators reach the director only in the round's last week (or overdue)


def _url(path: str) -> str:
    return notices.absolute(path)


def _item_lines(n: int, item: Item, *, with_owners: bool) -> list[str]:
    rp = item.rp
    lines = [
        f"{n}. ตัวชี้วัดที่ {item.indicator.number} {item.indicator.name}",
        f"   {rp.round.label}: {item.when}",
        f"   ระดับที่ได้ {rp.level} จากค่าเป้าหมาย {rp.target} · สถานะ: {rp.status_label}"
        + (f" · {rp.review_status_label}" if rp.review_status == RoundAssessment.ReviewStatus.RETURNED else ""),
    ]
    if rp.next_step is not None:
        lines.append(f"   ขั้นตอนถัดไป: ขั้นตอนที่ {rp.next_step.number} {rp.next_step.text[:120]}")
    if with_owners:
        lines.append(f"   ผู้รับผิดชอบ: {', '.join(item.owner_names) or '-'}")
    lines.append(f"   {_url(notices.indicator_link(item.indicator, rp.round))}")
    return lines


def _render(template: str, ctx: dict) -> str:
    with translation.override("th"):
        return render_to_string(f"assessments/email/{template}", ctx).strip() + "\n"


def owner_message(r: Recipient, today: dt.date) -> tuple[str, str]:
    subject = f"{SUBJECT_PREFIX}ตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย {len(r.items)} รายการ"
    body = _render("reminder_owner.txt", {
        "name": r.name, "today": thai.format_date(today, long=True),
        "items": ["\n".join(_item_lines(n, item, with_owners=False)) for n, item in enumerate(r.items, start=1)],
        "my_url": _url(reverse("assessments:my-indicators")), "notices_url": _url(reverse("assessments:notices")),
    })
    return subject, body


def director_message(r: Recipient, today: dt.date) -> tuple[str, str]:
    subject = f"{SUBJECT_PREFIX}สรุปตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย {len(r.items)} รายการ"
    if r.awaiting:
        subject += f" และรอตรวจสอบ {len(r.awaiting)} รายการ"
    body = _render("reminder_director.txt", {
        "name": r.name, "today": thai.format_date(today, long=True), "escalate_days": ESCALATE_DAYS,
        "items": ["\n".join(_item_lines(n, item, with_owners=True)) for n, item in enumerate(r.items, start=1)],
        "awaiting": [
            f"- ตัวชี้วัดที่ {rp.indicator.number} {rp.indicator.name} · {rp.round.label}"
            f" · ผลการประเมินตนเอง ระดับ {rp.assessment.self_level} · "
            + _url(reverse("assessments:review", args=[rp.indicator.pk, rp.round.pk]))
            for rp in r.awaiting
        ],
        "timeliness": r.timeliness,
        "queue_url": _url(reverse("assessments:review-queue")),
        "dashboard_url": _url(reverse("reports:dashboard")),
        "notices_url": _url(reverse("assessments:notices")),
    })
    return subject, body


def _display_name(user, person: Person | None = None) -> str:
    if person is not None:
        return person.full_name
    return user.get_full_name() or user.username


class Command(BaseCommand):
    help = "ส่งอีเมลแจ้งเตือนผู้รับผิดชอบตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย และสรุปให้ผู้อำนวยการกลุ่ม (วันละครั้ง)"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="แจ้งเตือนรอบที่จะปิดภายในกี่วัน (ค่าเริ่มต้น 14)")
        parser.add_argument("--date", default=None, help="วันที่ของข้อมูล YYYY-MM-DD (ค.ศ.) ค่าเริ่มต้นคือวันนี้")

    def handle(self, *args, days: int, date: str | None, **options):
        if days < 0:
            raise CommandError("--days ต้องไม่ติดลบ")
        try:
            today = dt.date.fromisoformat(thai.to_arabic_digits(date)) if date else services.today()
        except ValueError:
            raise CommandError(f"วันที่ {date!r} ไม่ถูกต้อง ใช้รูปแบบ YYYY-MM-DD (ค.ศ.) เช่น 2022-03-17")
        owners, directors = self.collect(today, days)
        sent = skipped = failed = 0
        connection = get_connection()
        for kind, recipients, compose in ((OWNER, owners, owner_message), (DIRECTOR, directors, director_message)):
            for r in recipients.values():
                subject, body = compose(r, today)
                outcome = self.send_once(r.email, kind, subject, body, today, connection, r.user)
                sent += outcome == "sent"
                skipped += outcome == "skipped"
                failed += outcome == "failed"
        self.stdout.write(
            f"ข้อมูล ณ วันที่ {thai.format_date(today)}: ส่งอีเมล {sent} ฉบับ"
            f" · ส่งไปแล้ววันนี้ {skipped} ฉบับ · ส่งไม่สำเร็จ {failed} ฉบับ"
        )

    def send_once(self, email: str, kind: str, subject: str, body: str, today: dt.date, connection,
                  user=None) -> str:
        try:
            with transaction.atomic():
                ReminderLog.objects.create(recipient=email, kind=kind, sent_on=today, subject=subject[:255])
                if user is not None:  # the digest in the app too (e-mailed here, so no channel dispatch)
                    Notice.objects.create(recipient=user, kind=Notice.Kind.REMINDER,
                                          title=subject.removeprefix(SUBJECT_PREFIX)[:255], body=body,
                                          link=reverse("assessments:my-indicators" if kind == OWNER
                                                       else "assessments:review-queue"))
                EmailMessage(subject, body, to=[email], connection=connection).send()
        except IntegrityError:
            return "skipped"
        except Exception as exc:  # an SMTP failure: nothing logged, so the next run retries
            self.stderr.write(f"ส่งอีเมลถึง {email} ไม่สำเร็จ: {exc}")
            return "failed"
        return "sent"

    def collect(self, today: dt.date, days: int) -> tuple[dict[str, Recipient], dict[str, Recipient]]:
        """Who hears about what: a fixed number of queries, however many plans and indicators."""
        fy = thai.fiscal_year_of(today)
        plans = list(ActionPlan.objects.filter(fiscal_year__year_be=fy).select_related("org_unit", "fiscal_year"))
        if not plans:
            return {}, {}
        rounds = list(Round.objects.filter(fiscal_year__year_be=fy).order_by("closes_on"))
        indicators = list(
            Indicator.objects.filter(plan__in=plans)
            .select_related("plan__org_unit")
            .prefetch_related(
                Prefetch("owners", queryset=IndicatorOwner.objects.select_related("person__user").order_by("order"))
            )
            .order_by("plan_id", "number")
        )
        progress = progress_for(indicators, rounds, today)
        # ทุกตำแหน่ง: everyone with a login under the plan's unit.
        unit_q = Q(pk__in=[])
        for p in plans:
            unit_q |= Q(org_unit__tree_path__startswith=p.org_unit.tree_path)
        staff = list(
            Person.objects.filter(unit_q, user__is_active=True)
            .exclude(user__email="")
            .select_related("user", "org_unit")
        )
        # Directors of the plan's unit or of a unit above it: whoever may review its rounds
        # (indicators.querysets.reviewer_appointments, the rule of access.can_review).
        director_appts = list(
            reviewer_appointments({p.org_unit_id for p in plans}).filter(user__is_active=True).exclude(user__email="")
        )

        # Timeliness (levels.timeliness) of every round closed by the date, per plan: on time, late, not at all.
        closed = [r for r in rounds if r.closes_on < today]
        submitted: dict[int, dict[int, dict[str, int]]] = defaultdict(
            lambda: {r.pk: {t: 0 for t in levels.Timeliness.ORDER} for r in closed})
        for indicator in indicators:
            for rp in progress[indicator.pk].rounds:
                if rp.round.closes_on >= today or not rp.has_criteria:
                    continue
                a = rp.assessment
                day = timezone.localtime(a.submitted_at).date() if a is not None and a.submitted_at else None
                submitted[indicator.plan_id][rp.round.pk][levels.timeliness(day, rp.round.closes_on)] += 1

        owners: dict[str, Recipient] = {}
        by_plan_items: dict[int, list[Item]] = defaultdict(list)
        by_plan_awaiting: dict[int, list[RoundProgress]] = defaultdict(list)
        for indicator in indicators:
            links = list(indicator.owners.all())
            people = [o.person for o in links]
            if indicator.all_staff:
                path = indicator.plan.org_unit.tree_path
                people += [p for p in staff if p.org_unit.tree_path.startswith(path)]
            names = [o.person.full_name for o in links] or ([str(Indicator.ALL_STAFF_LABEL)] if indicator.all_staff else [])
            for rp in progress[indicator.pk].rounds:
                if rp.review_status == RoundAssessment.ReviewStatus.SUBMITTED:
                    by_plan_awaiting[indicator.plan_id].append(rp)
                days_left = (rp.round.closes_on - today).days
                if not rp.has_criteria or rp.target is None or rp.level >= rp.target or rp.is_locked:
                    continue
                if days_left > days:
                    continue
                item = Item(rp, days_left, names)
                by_plan_items[indicator.plan_id].append(item)
                seen: set[str] = set()
                for person in people:
                    user = person.user
                    if user is None or not user.is_active or not user.email:
                        continue
                    email = user.email.strip().lower()
                    if email in seen:
                        continue
                    seen.add(email)
                    owners.setdefault(email, Recipient(email, _display_name(user, person), user)).items.append(item)

        directors: dict[str, Recipient] = {}
        for appt in director_appts:
            plan_ids = [p.pk for p in plans if p.org_unit.tree_path.startswith(appt.org_unit.tree_path)]
            email = appt.user.email.strip().lower()
            r = directors.setdefault(email, Recipient(email, _display_name(appt.user), appt.user))
            for pk in plan_ids:
                r.items += [i for i in by_plan_items.get(pk, []) if i.days_left <= ESCALATE_DAYS]
                r.awaiting += by_plan_awaiting.get(pk, [])
                plan = next(p for p in plans if p.pk == pk)
                for rnd in closed:
                    c = submitted[pk][rnd.pk]
                    if any(c.values()):
                        status = levels.Timeliness.LABELS[levels.unit_timeliness(c)]
                        r.timeliness.append(
                            f"- {plan.org_unit.name} · {rnd.label}: {status} (ส่งตรงเวลา {c['on_time']} · "
                            f"ส่งล่าช้า {c['late']} · ยังไม่ส่ง {c['not_submitted']})")
        directors = {e: r for e, r in directors.items() if r.items or r.awaiting}
        return owners, directors
