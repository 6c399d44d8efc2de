"""ส่งอีเมลแจ้งเตือน: owners of indicators below target, and a digest for the directors.

    python manage.py send_reminders [--days 14] [--date YYYY-MM-DD]

Meant for a daily cron job. An owner hears about the indicators they own
(primary, secondary, or "ทุกตำแหน่ง" through their unit) that are below
target in a round of this fiscal year closing within --days days, or already
closed (overdue), and not yet submitted or verified. Each director who may
review a plan (Appointment role director on the plan's unit or a unit above
it: the rule of access.can_review) gets one digest of their
plans: the same indicators with their owners, and what awaits verification.

The e-mails' text is in templates/assessments/email/reminder_owner.txt and
reminder_director.txt (one indicator: _reminder_item.txt); this module only
decides who hears about what.

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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from assessments import levels, notices, services
from assessments.models import Notice, ReminderLog, RoundAssessment
from assessments.selectors import RoundProgress, progress_for
from indicators.models import ActionPlan, Indicator, IndicatorOwner, Person, Round, display_name
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
    def overdue_days(self) -> int:
        return -self.days_left

    @property
    def returned(self) -> bool:
        return self.rp.review_status == RoundAssessment.ReviewStatus.RETURNED

    @property
    def link(self) -> str:
        return _url(notices.indicator_link(self.indicator, self.rp.round))


@dataclass
class UnitTimeliness:
    """One unit's submission of one closed round (levels.timeliness of each indicator, summed)."""

    unit: str
    round_label: str
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return str(levels.Timeliness.LABELS[levels.unit_timeliness(self.counts)])

    @property
    def missing(self) -> int:
        """Indicators of the unit whose closed round was never submitted."""
        return self.counts[levels.Timeliness.NOT_SUBMITTED]


@dataclass
class Recipient:
    email: str
    name: str
    user: object = None
    items: list[Item] = field(default_factory=list)
    awaiting: list[RoundProgress] = field(default_factory=list)
    timeliness: list[UnitTimeliness] = field(default_factory=list)  # directors: each unit's closed rounds


ESCALATE_DAYS = 7  # behind indicators reach the director only in the round's last week (or overdue)


def _url(path: str) -> str:
    return notices.absolute(path)


def _render(template: str, ctx: dict) -> str:
    with translation.override("th"):
        return render_to_string(f"assessments/email/{template}", ctx).strip() + "\n"


def owner_message(r: Recipient, today: dt.date) -> tuple[str, str]:
    subject = f"{SUBJECT_PREFIX}ตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย {len(r.items)} รายการ"
    body = _render("reminder_owner.txt", {
        "name": r.name, "today": today, "items": r.items,
        "my_url": _url(reverse("assessments:my-indicators")), "notices_url": _url(reverse("assessments:notices")),
    })
    return subject, body


def director_message(r: Recipient, today: dt.date) -> tuple[str, str]:
    subject = f"{SUBJECT_PREFIX}สรุปตัวชี้วัดที่ยังไม่ถึงค่าเป้าหมาย {len(r.items)} รายการ"
    if r.awaiting:
        subject += f" และรอตรวจสอบ {len(r.awaiting)} รายการ"
    missing = sum(t.missing for t in r.timeliness)
    if missing:
        subject += f" · ยังไม่ส่งผลรอบที่ปิดแล้ว {missing} ตัวชี้วัด"
    body = _render("reminder_director.txt", {
        "name": r.name, "today": today, "escalate_days": ESCALATE_DAYS, "items": r.items,
        "awaiting": [(rp, _url(reverse("assessments:review", args=[rp.indicator.pk, rp.round.pk])))
                     for rp in r.awaiting],
        "timeliness": r.timeliness,
        "queue_url": _url(reverse("assessments:review-queue")),
        "dashboard_url": _url(reverse("reports:dashboard")),
        "notices_url": _url(reverse("assessments:notices")),
    })
    return subject, body


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
        year = _load_year(today)
        if year is None:
            return {}, {}
        owners, items, awaiting = _owner_reminders(year, days)
        return owners, _director_digests(year, items, awaiting)


@dataclass
class Year:
    """The fiscal year of the run's date, loaded once: plans, rounds, indicators and their progress."""

    today: dt.date
    plans: list[ActionPlan]
    rounds: list[Round]
    indicators: list[Indicator]
    progress: dict

    @property
    def closed(self) -> list[Round]:
        return [r for r in self.rounds if r.closes_on < self.today]


def _load_year(today: dt.date) -> Year | None:
    fy = thai.fiscal_year_of(today)
    plans = list(ActionPlan.objects.filter(fiscal_year__year_be=fy).select_related("org_unit", "fiscal_year"))
    if not plans:
        return None
    rounds = list(Round.objects.filter(fiscal_year__year_be=fy).order_by("closes_on"))
    indicators = list(
        Indicator.objects.filter(plan__in=plans)
        .select_related("plan__org_unit")
        .prefetch_related(
            Prefetch("owners", queryset=IndicatorOwner.objects.select_related("person__user").order_by("order"))
        )
        .order_by("plan_id", "number")
    )
    return Year(today, plans, rounds, indicators, progress_for(indicators, rounds, today))


def _unit_staff(plans: list[ActionPlan]) -> list[Person]:
    """ทุกตำแหน่ง: everyone with a login and an e-mail under the plans' units."""
    unit_q = Q(pk__in=[])
    for p in plans:
        unit_q |= Q(org_unit__tree_path__startswith=p.org_unit.tree_path)
    return list(
        Person.objects.filter(unit_q, user__is_active=True).exclude(user__email="").select_related("user", "org_unit")
    )


def _owners_of(indicator: Indicator, staff: list[Person]) -> list[Person]:
    people = [o.person for o in indicator.owners.all()]
    if indicator.all_staff:
        path = indicator.plan.org_unit.tree_path
        people += [p for p in staff if p.org_unit.tree_path.startswith(path)]
    return people


def _owner_names(indicator: Indicator) -> list[str]:
    names = [o.person.full_name for o in indicator.owners.all()]
    return names or ([str(Indicator.ALL_STAFF_LABEL)] if indicator.all_staff else [])


def _remind(owners: dict[str, Recipient], people: list[Person], item: Item) -> None:
    """The item to each owner with a login and an e-mail, once per address."""
    seen: set[str] = set()
    for person in people:
        user = person.user
        if user is None or not user.is_active or not user.email:
            continue
        email = user.email.strip().lower()
        if email in seen:
            continue
        seen.add(email)
        owners.setdefault(email, Recipient(email, display_name(user), user)).items.append(item)


def _owner_reminders(year: Year, days: int):
    """(owners by e-mail, each plan's items below target, each plan's rounds awaiting review)."""
    staff = _unit_staff(year.plans)
    owners: dict[str, Recipient] = {}
    items: dict[int, list[Item]] = defaultdict(list)
    awaiting: dict[int, list[RoundProgress]] = defaultdict(list)
    for indicator in year.indicators:
        people, names = _owners_of(indicator, staff), _owner_names(indicator)
        for rp in year.progress[indicator.pk].rounds:
            if rp.review_status == RoundAssessment.ReviewStatus.SUBMITTED:
                awaiting[indicator.plan_id].append(rp)
            days_left = (rp.round.closes_on - year.today).days
            if not rp.has_criteria or rp.target is None or rp.level >= rp.target or rp.is_locked:
                continue
            if days_left > days:
                continue
            item = Item(rp, days_left, names)
            items[indicator.plan_id].append(item)
            _remind(owners, people, item)
    return owners, items, awaiting


def _submission_counts(year: Year) -> dict[int, dict[int, dict[str, int]]]:
    """Timeliness (levels.timeliness) of every round closed by the date, per plan: on time, late, not at all."""
    counts: dict[int, dict[int, dict[str, int]]] = defaultdict(
        lambda: {r.pk: {t: 0 for t in levels.Timeliness.ORDER} for r in year.closed})
    for indicator in year.indicators:
        for rp in year.progress[indicator.pk].rounds:
            if rp.round.closes_on >= year.today or not rp.has_criteria:
                continue
            a = rp.assessment
            day = timezone.localtime(a.submitted_at).date() if a is not None and a.submitted_at else None
            counts[indicator.plan_id][rp.round.pk][levels.timeliness(day, rp.round.closes_on)] += 1
    return counts


def _director_digests(year: Year, items: dict[int, list[Item]], awaiting: dict[int, list[RoundProgress]]):
    """Directors of a plan's unit or of a unit above it: whoever may review its rounds
    (indicators.querysets.reviewer_appointments, the rule of access.can_review)."""
    appointments = (reviewer_appointments({p.org_unit_id for p in year.plans}).select_related("user__person")
                    .filter(user__is_active=True).exclude(user__email=""))
    submitted = _submission_counts(year)
    directors: dict[str, Recipient] = {}
    for appt in appointments:
        email = appt.user.email.strip().lower()
        r = directors.setdefault(email, Recipient(email, display_name(appt.user), appt.user))
        for plan in year.plans:
            if not plan.org_unit.tree_path.startswith(appt.org_unit.tree_path):
                continue
            r.items += [i for i in items.get(plan.pk, []) if i.days_left <= ESCALATE_DAYS]
            r.awaiting += awaiting.get(plan.pk, [])
            r.timeliness += [UnitTimeliness(plan.org_unit.name, rnd.label, submitted[plan.pk][rnd.pk])
                             for rnd in year.closed if any(submitted[plan.pk][rnd.pk].values())]
    # A closed round some unit never submitted is news too, even when nothing else is (issue 18: timeliness).
    return {e: r for e, r in directors.items() if r.items or r.awaiting or any(t.missing for t in r.timeliness)}
