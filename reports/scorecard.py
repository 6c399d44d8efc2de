"""The quarterly scorecard (รายงานผลการดำเนินงานตามตัวชี้วัด): one source of rows.

`build_scorecard(plan=..., period=...)` is a selector: it reads the plan, its
progress (through assessments.selectors.progress_for, the one way to get a
level), the evidence names, the history of the period and the 5G policy KPIs
in a fixed number of queries, and returns plain dataclasses. The HTML view,
the PDF (reports.pdf) and the Excel workbook (reports.excel) only render them.

The as-of rule: everything is as of the period's last day. A step done after
that day is shown as not done (it does not count, however late the report is
printed); a round result submitted or verified after that day is shown only
once the round it belongs to has closed by the as-of date (the 6-month result
verified in April belongs in the Q2 scorecard, not in Q1's).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.utils import timezone

from assessments.levels import Status
from assessments.models import Evidence, HistoryEntry, PolicyKPIMeasurement, RoundAssessment
from assessments.selectors import progress_for
from indicators.models import ActionPlan, Indicator, IndicatorOwner, PolicyKPI, Round
from kpi_tracker import thai

NO_SECTION = "ไม่ระบุฝ่าย"
ALL_SECTIONS = "ทุกฝ่าย (ทุกตำแหน่ง)"
ALL_STAFF = "ทุกตำแหน่ง"


# --- periods ------------------------------------------------------------------


class PeriodError(ValueError):
    """A period (or plan / indicator) asked for that cannot be reported; message in Thai."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Period:
    """What a scorecard covers: a quarter, a round, or any as-of date of one fiscal year."""

    kind: str  # "quarter" | "round" | "date"
    fiscal_year: int  # BE
    as_of: dt.date  # the last day counted
    round_months: int  # the round reported against (its target, its criteria): 6 or 12
    starts_on: dt.date  # first day of the period (for the history in it)
    quarter: int | None = None

    QUARTER, ROUND, DATE = "quarter", "round", "date"

    @classmethod
    def for_quarter(cls, fiscal_year: int, number: int) -> Period:
        q = thai.quarter(fiscal_year, number)
        return cls(cls.QUARTER, fiscal_year, q.ends_on, q.round_months, q.starts_on, number)

    @classmethod
    def for_round(cls, fiscal_year: int, months: int) -> Period:
        start, _ = thai.fiscal_year_bounds(fiscal_year)
        return cls(cls.ROUND, fiscal_year, thai.round_closing_date(fiscal_year, months), months, start)

    @classmethod
    def for_date(cls, day: dt.date) -> Period:
        fy = thai.fiscal_year_of(day)
        start, _ = thai.fiscal_year_bounds(fy)
        months = 6 if day <= thai.round_closing_date(fy, 6) else 12
        return cls(cls.DATE, fy, day, months, start)

    def title(self, *, thai_digits: bool = True) -> str:
        """"ไตรมาสที่ ๒ ปีงบประมาณ พ.ศ. ๒๕๖๕", "รอบ ๖ เดือน ...", "ข้อมูล ณ วันที่ ๑๕ ก.พ. ๒๕๖๕"."""
        fy = thai.fiscal_year_label(self.fiscal_year)
        if self.kind == self.QUARTER:
            text = f"ไตรมาสที่ {self.quarter} {fy}"
        elif self.kind == self.ROUND:
            text = f"รอบ {self.round_months} เดือน {fy}"
        else:
            text = f"ข้อมูล ณ วันที่ {thai.format_date(self.as_of)} ({fy})"
        return thai.to_thai_digits(text) if thai_digits else thai.to_arabic_digits(text)

    @property
    def label(self) -> str:
        return self.title(thai_digits=True)

    @property
    def round_label(self) -> str:
        return thai.round_label(self.round_months)

    @property
    def code(self) -> str:
        """For file names: "Q2", "R6", "2022-02-15"."""
        if self.kind == self.QUARTER:
            return f"Q{self.quarter}"
        if self.kind == self.ROUND:
            return f"R{self.round_months}"
        return self.as_of.isoformat()

    def query(self) -> dict[str, str]:
        """The GET parameters that select this period again."""
        if self.kind == self.QUARTER:
            return {"quarter": str(self.quarter)}
        if self.kind == self.ROUND:
            return {"round": str(self.round_months)}
        return {"as_of": self.as_of.isoformat()}


def default_period(fiscal_year: int, today: dt.date) -> Period:
    """The quarter containing today; before the year, Q1; after it, Q4."""
    start, end = thai.fiscal_year_bounds(fiscal_year)
    if today < start:
        return Period.for_quarter(fiscal_year, 1)
    if today > end:
        return Period.for_quarter(fiscal_year, 4)
    return Period.for_quarter(fiscal_year, thai.quarter_of(today).number)


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD; a year above 2400 is read as Buddhist Era (2565-03-31)."""
    text = thai.to_arabic_digits((value or "").strip())
    try:
        year, month, day = (int(part) for part in text.split("-"))
        if year > 2400:
            year = thai.ce_year(year)
        return dt.date(year, month, day)
    except (ValueError, TypeError, OverflowError):  # OverflowError: a year of 20 digits
        raise PeriodError(f"วันที่ “{value}” ไม่ถูกต้อง กรุณาระบุในรูปแบบ ปี-เดือน-วัน เช่น 2022-03-31")


def parse_period(params, *, fiscal_year: int, today: dt.date | None = None) -> Period:
    """?quarter=1-4 or ?round=6|12 or ?as_of=YYYY-MM-DD (one of them), inside the plan's fiscal year."""
    quarter = (params.get("quarter") or "").strip()
    round_ = (params.get("round") or "").strip()
    as_of = (params.get("as_of") or "").strip()
    given = [name for name, value in (("ไตรมาส", quarter), ("รอบการประเมิน", round_), ("วันที่", as_of)) if value]
    if len(given) > 1:
        raise PeriodError("เลือกได้เพียงอย่างเดียว: ไตรมาส รอบการประเมิน หรือข้อมูล ณ วันที่")
    if quarter:
        number = thai.to_arabic_digits(quarter).upper().removeprefix("Q")
        if number not in ("1", "2", "3", "4"):
            raise PeriodError(f"ไตรมาส “{quarter}” ไม่ถูกต้อง เลือกได้เฉพาะไตรมาสที่ 1 ถึง 4")
        return Period.for_quarter(fiscal_year, int(number))
    if round_:
        months = thai.to_arabic_digits(round_)
        if months not in ("6", "12"):
            raise PeriodError(f"รอบการประเมิน “{round_}” ไม่ถูกต้อง เลือกได้เฉพาะรอบ 6 เดือน หรือ 12 เดือน")
        return Period.for_round(fiscal_year, int(months))
    if as_of:
        day = parse_date(as_of)
        start, end = thai.fiscal_year_bounds(fiscal_year)
        if not start <= day <= end:
            raise PeriodError(
                f"วันที่ต้องอยู่ในปีงบประมาณ พ.ศ. {fiscal_year} "
                f"({thai.format_date(start)} ถึง {thai.format_date(end)})"
            )
        return Period.for_date(day)
    return default_period(fiscal_year, today or timezone.localdate())


@dataclass
class ScorecardRequest:
    plan: ActionPlan
    period: Period
    indicator_ids: list[int] | None = None

    def query(self) -> dict[str, str]:
        q = {"plan": str(self.plan.pk), **self.period.query()}
        if self.indicator_ids:
            q["indicator"] = str(self.indicator_ids[0])
        return q


def scorecard_request(user, params) -> ScorecardRequest:
    """Plan (?plan=, else the newest the user can see), period and ?indicator= from GET params.

    A plan or indicator the user may not see is a 404 (ActionPlan.objects.visible_to);
    a bad period is a PeriodError with a Thai message.
    """
    from assessments.access import get_plan_for_user

    indicator_param = (params.get("indicator") or "").strip()
    plan_param = (params.get("plan") or "").strip()
    indicator = None
    if indicator_param:
        try:
            indicator = Indicator.objects.only("pk", "plan_id").get(pk=int(indicator_param))
        except (Indicator.DoesNotExist, ValueError):
            raise Http404("ไม่พบตัวชี้วัดนี้")
        if plan_param and plan_param != str(indicator.plan_id):
            raise Http404("ไม่พบตัวชี้วัดนี้ในแผนปฏิบัติการที่เลือก")
        plan_param = str(indicator.plan_id)
    plan = get_plan_for_user(user, plan_param or None)
    if plan is None:
        raise Http404("ไม่พบแผนปฏิบัติการที่คุณมีสิทธิ์ดู")
    period = parse_period(params, fiscal_year=plan.fiscal_year.year_be)
    return ScorecardRequest(plan, period, [indicator.pk] if indicator else None)


# --- rows -----------------------------------------------------------------------


@dataclass
class StepRow:
    """One milestone step (ขั้นตอนที่ ๑-๕) as of the period's end."""

    number: int
    text: str
    done_on: dt.date | None  # None when not done by the as-of date
    counted: bool  # counts towards the level (cumulative rule)
    reason: str  # why a done step does not count yet
    recorded_by: str
    note: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class ScorecardRow:
    """One indicator's line of the scorecard.

    Fields the charts use (reports.charts): number, name, level, target,
    verified_level, status, section.
    """

    indicator_id: int
    number: int
    name: str
    section: str  # ฝ่าย that collects the data (else the primary owner's)
    owners: list[str]  # primary owner first; "ทุกตำแหน่ง" when all staff own it
    target: int | None  # of the round reported against
    level: int  # ผลการประเมินตนเอง: cumulative rule as of the period's end
    verified_level: int | None  # ผลการตรวจสอบ, when verified (as of the period)
    status: str  # assessments.levels.Status
    review_status: str  # RoundAssessment.Status as of the period
    has_criteria: bool
    criteria_title: str
    steps: list[StepRow]
    submit_note: str
    review_comment: str  # the director's comment (verification or return)
    reviewed_by: str
    reviewed_on: dt.date | None
    unit: str = "ระดับ"

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])

    @property
    def status_colour(self) -> str:
        return Status.COLOURS[self.status]

    @property
    def review_status_label(self) -> str:
        return str(RoundAssessment.Status(self.review_status).label)

    @property
    def owners_text(self) -> str:
        return ", ".join(self.owners)

    @property
    def owner_parts(self) -> list[list[str]]:
        """Each owner's name split into its words, so a renderer can keep a name whole."""
        return [owner.split() for owner in self.owners]

    @property
    def remark(self) -> str:
        """หมายเหตุ column: review state and the reviewer's words."""
        parts = []
        if self.review_status != RoundAssessment.Status.DRAFT:
            parts.append(self.review_status_label)
        if self.review_comment:
            parts.append(self.review_comment)
        return " – ".join(parts)


@dataclass
class SectionSummary:
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in Status.ORDER})
    level_sum: int = 0
    assessed: int = 0  # with criteria

    @property
    def average_level(self) -> float | None:
        return round(self.level_sum / self.assessed, 2) if self.assessed else None

    @property
    def met(self) -> int:
        return self.counts[Status.MET]

    @property
    def behind(self) -> int:
        return self.counts[Status.BEHIND] + self.counts[Status.OVERDUE]


@dataclass
class Summary:
    overall: SectionSummary
    sections: list[SectionSummary]
    verified: int  # how many have a verified level


@dataclass
class PolicyKPIRow:
    number: int
    group: str
    name: str
    target_value: Decimal
    target_unit: str
    value: Decimal | None  # latest measurement on or before the as-of date
    measured_on: dt.date | None
    headline: bool
    higher_is_better: bool

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.target_value if self.higher_is_better else self.value <= self.target_value


@dataclass
class HistoryRow:
    at: dt.datetime
    indicator_number: int
    indicator_name: str
    action: str  # label
    step_number: int | None
    round_label: str
    actor: str
    comment: str


@dataclass
class Scorecard:
    plan_id: int
    plan_title: str
    department: str
    group: str
    fiscal_year: int
    period: Period
    round_label: str
    generated_at: dt.datetime
    rows: list[ScorecardRow]
    summary: Summary
    policy_kpis: list[PolicyKPIRow]
    history: list[HistoryRow]
    single_indicator: bool = False

    @property
    def filename_stem(self) -> str:
        stem = f"scorecard-{self.fiscal_year}-{self.period.code}"
        if self.single_indicator and self.rows:
            stem += f"-{self.rows[0].number}"
        return stem


def _summarise(rows: list[ScorecardRow]) -> Summary:
    overall = SectionSummary("รวมทั้งหมด")
    by_name: dict[str, SectionSummary] = {}
    for row in rows:
        section = by_name.setdefault(row.section, SectionSummary(row.section))
        for s in (overall, section):
            s.total += 1
            s.counts[row.status] += 1
            if row.has_criteria:
                s.assessed += 1
                s.level_sum += row.level
    return Summary(overall, list(by_name.values()), sum(1 for r in rows if r.verified_level is not None))


def _names_for(user_ids) -> dict[int, str]:
    """Display names of users: their Person's Thai name, else the account's (one query)."""
    from django.contrib.auth import get_user_model

    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    names = {}
    for user in get_user_model().objects.filter(pk__in=ids).select_related("person"):
        person = getattr(user, "person", None)
        names[user.pk] = person.full_name if person else (user.get_full_name() or user.username)
    return names


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def build_scorecard(*, plan: ActionPlan, period: Period, indicator_ids: list[int] | None = None) -> Scorecard:
    """The scorecard of one plan for one period, in a fixed number of queries.

    Queries: plan (1, unless fiscal_year/org_unit are already loaded), round (1),
    indicators with owners (2), progress_for (5), evidence (1), history (1),
    5G KPIs (1), names (1).
    """
    fiscal_year = plan.fiscal_year
    org_unit = plan.org_unit
    if fiscal_year.year_be != period.fiscal_year:
        raise PeriodError(
            f"ช่วงเวลาที่เลือกไม่อยู่ในปีงบประมาณของแผนนี้ (พ.ศ. {fiscal_year.year_be})"
        )
    rnd = Round.objects.select_related("fiscal_year").get(fiscal_year=fiscal_year, months=period.round_months)
    owners_qs = IndicatorOwner.objects.select_related("person__org_unit").order_by("order")
    indicators_qs = (
        Indicator.objects.filter(plan=plan)
        .select_related("data_collector")
        .prefetch_related(Prefetch("owners", queryset=owners_qs))
        .order_by("number")
    )
    if indicator_ids is not None:
        indicators_qs = indicators_qs.filter(pk__in=indicator_ids)
    indicators = list(indicators_qs)
    progress = progress_for(indicators, [rnd], period.as_of)
    as_of = period.as_of

    # Completions counted as of the period's end, and their evidence (one query).
    completion_ids = []
    for ip in progress.values():
        for view in ip.rounds[0].steps:
            if view.completion is not None and view.completion.done_on <= min(as_of, rnd.closes_on):
                completion_ids.append(view.completion.pk)
    evidence_by_completion: dict[int, list[str]] = defaultdict(list)
    for completion_id, name in (
        Evidence.objects.filter(completion_id__in=completion_ids, removed_at__isnull=True)
        .order_by("uploaded_at", "pk")
        .values_list("completion_id", "original_name")
    ):
        evidence_by_completion[completion_id].append(name)

    history = list(
        HistoryEntry.objects.filter(
            indicator__in=[i.pk for i in indicators],
            at__gte=_day_start(period.starts_on),
            at__lt=_day_start(as_of + dt.timedelta(days=1)),
        )
        .select_related("round", "step")
        .order_by("at", "pk")
    )

    latest = PolicyKPIMeasurement.objects.filter(kpi=OuterRef("pk"), measured_on__lte=as_of).order_by(
        "-measured_on", "-recorded_at"
    )
    kpis = list(
        PolicyKPI.objects.filter(fiscal_year=fiscal_year, org_unit_id__in=org_unit.ancestor_ids)
        .annotate(latest_value=Subquery(latest.values("value")[:1]), latest_on=Subquery(latest.values("measured_on")[:1]))
        .order_by("org_unit__tree_path", "number")
    )

    user_ids = [h.actor_id for h in history]
    for ip in progress.values():
        rp = ip.rounds[0]
        user_ids += [v.completion.recorded_by_id for v in rp.steps if v.completion]
        if rp.assessment:
            user_ids += [rp.assessment.reviewed_by_id, rp.assessment.submitted_by_id]
    names = _names_for(user_ids)

    rows = []
    for indicator in indicators:
        rp = progress[indicator.pk].rounds[0]
        cutoff = min(as_of, rnd.closes_on)
        steps = []
        for view in rp.steps:
            c = view.completion
            done = c is not None and c.done_on <= cutoff
            steps.append(
                StepRow(
                    number=view.number,
                    text=view.step.text,
                    done_on=c.done_on if done else None,
                    counted=view.state.counted,
                    reason=view.state.reason if done else "",
                    recorded_by=names.get(c.recorded_by_id, "") if done else "",
                    note=c.note if done else "",
                    evidence=evidence_by_completion.get(c.pk, []) if done else [],
                )
            )
        owners = [o.person.full_name for o in indicator.owners.all()]
        if indicator.all_staff:
            owners.insert(0, ALL_STAFF)
        if indicator.data_collector is not None:
            section = indicator.data_collector.name
        elif indicator.all_staff:
            section = ALL_SECTIONS
        else:
            primary = next(iter(indicator.owners.all()), None)
            section = (
                primary.person.org_unit.name
                if primary and primary.person.org_unit_id != org_unit.pk
                else NO_SECTION
            )
        a = rp.assessment_as_of
        verified = a.verified_level if a and a.status == RoundAssessment.Status.VERIFIED else None
        reviewed = a is not None and a.status in (RoundAssessment.Status.VERIFIED, RoundAssessment.Status.RETURNED)
        rows.append(
            ScorecardRow(
                indicator_id=indicator.pk,
                number=indicator.number,
                name=indicator.name,
                section=section,
                owners=owners,
                target=rp.target,
                level=rp.level,
                verified_level=verified,
                status=rp.status,
                review_status=a.status if a else RoundAssessment.Status.DRAFT,
                has_criteria=rp.has_criteria,
                criteria_title=rp.criteria_set.title if rp.criteria_set else "",
                steps=steps,
                submit_note=a.submit_note if a else "",
                review_comment=a.review_comment if reviewed else "",
                reviewed_by=names.get(a.reviewed_by_id, "") if reviewed else "",
                reviewed_on=timezone.localtime(a.reviewed_at).date() if reviewed and a.reviewed_at else None,
                unit=indicator.unit,
            )
        )

    by_pk = {i.pk: i for i in indicators}
    history_rows = [
        HistoryRow(
            at=timezone.localtime(h.at),
            indicator_number=by_pk[h.indicator_id].number,
            indicator_name=by_pk[h.indicator_id].name,
            action=str(h.get_action_display()),
            step_number=h.step.number if h.step else None,
            round_label=h.round.label if h.round else "",
            actor=names.get(h.actor_id, ""),
            comment=h.comment,
        )
        for h in history
    ]
    kpi_rows = [
        PolicyKPIRow(
            number=k.number,
            group=k.group,
            name=k.name,
            target_value=k.target_value,
            target_unit=k.target_unit,
            value=Decimal(str(k.latest_value)) if k.latest_value is not None else None,
            measured_on=k.latest_on,
            headline=k.headline,
            higher_is_better=k.higher_is_better,
        )
        for k in kpis
    ]
    return Scorecard(
        plan_id=plan.pk,
        plan_title=plan.title,
        department=org_unit.parent.name if org_unit.parent_id else "",
        group=org_unit.name,
        fiscal_year=fiscal_year.year_be,
        period=period,
        round_label=rnd.label,
        generated_at=timezone.localtime(),
        rows=rows,
        summary=_summarise(rows),
        policy_kpis=kpi_rows,
        history=history_rows,
        single_indicator=indicator_ids is not None,
    )
