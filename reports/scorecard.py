"""The quarterly scorecard (รายงานผลการดำเนินงานตามตัวชี้วัด): one source of rows.

`build_scorecard(plan=..., period=...)` is a selector: it takes its rows,
summaries and 5G KPI rows from reports.rows.build_rows (the one row source,
shared with the dashboard), adds the history of the period, and returns plain
dataclasses. The HTML view, the PDF (reports.pdf) and the Excel workbook
(reports.excel) only render them.

The as-of rule: everything is as of the period's last day. A step done after
that day is shown as not done (it does not count, however late the report is
printed); a round result submitted or verified after that day is shown only
once the round it belongs to has closed by the as-of date (the 6-month result
verified in April belongs in the Q2 scorecard, not in Q1's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from assessments import levels
from assessments.models import HistoryEntry
from indicators.models import ActionPlan, Indicator, Round
from core import thai

# The rows, summaries and KPI rows come from the one row source; these names stay
# importable from here for the renderers (scorecard.html, scorecard_pdf.html, excel.py).
from .rows import (  # noqa: F401
    IndicatorRow,
    KPIRow,
    PolicyKPIRow,
    ScorecardRow,
    SectionSummary,
    StepRow,
    Summary,
    build_rows,
    names_for,
)


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
    def for_date(cls, day: dt.date, months: int | None = None) -> Period:
        """As of any day; against the round open on it, unless `months` names the round."""
        fy = thai.fiscal_year_of(day)
        start, _ = thai.fiscal_year_bounds(fy)
        if months is None:
            months = thai.round_months_on(day)
        return cls(cls.DATE, fy, day, months, start)

    def title(self, *, thai_digits: bool = False) -> str:
        """"ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565", "รอบ 6 เดือน ...", "ข้อมูล ณ วันที่ 15 ก.พ. 2565"
        (Thai digits with thai_digits, as the PDF asks)."""
        fy = thai.fiscal_year_label(self.fiscal_year)
        if self.kind == self.QUARTER:
            text = f"ไตรมาสที่ {self.quarter} {fy}"
        elif self.kind == self.ROUND:
            text = f"รอบ {self.round_months} เดือน {fy}"
        else:
            text = f"ข้อมูล ณ วันที่ {thai.format_date(self.as_of)} ({fy})"
        return thai.to_digits(text, thai_digits=thai_digits)

    @property
    def label(self) -> str:
        """The title on a page: Arabic digits, like the dates beside it."""
        return self.title(thai_digits=False)

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
        if self.round_months != Period.for_date(self.as_of).round_months:
            return {"as_of": self.as_of.isoformat(), "round": str(self.round_months)}
        return {"as_of": self.as_of.isoformat()}


def default_period(fiscal_year: int, today: dt.date) -> Period:
    """The quarter containing the plan's default as-of date (today clamped to the year):
    before the year, Q1; after it, Q4."""
    start, end = thai.fiscal_year_bounds(fiscal_year)
    return Period.for_quarter(fiscal_year, thai.quarter_of(levels.default_as_of(today, start, end)).number)


def parse_date(value: str) -> dt.date:
    """A date as people type it (31/03/2565, Thai or Arabic digits) or as links carry it (2022-03-31;
    a year of 2400 or more is Buddhist Era): core.thai.parse_input_date, the one reader of typed dates."""
    try:
        return thai.parse_input_date((value or "").strip())
    except (ValueError, TypeError, OverflowError):  # OverflowError: a year of 20 digits
        raise PeriodError(f"วันที่ “{value}” ไม่ถูกต้อง กรุณาพิมพ์ในรูปแบบ วว/ดด/ปปปป (พ.ศ.) เช่น 31/03/2565")


def parse_period(params, *, fiscal_year: int, today: dt.date | None = None) -> Period:
    """?quarter=1-4 or ?round=6|12 or ?as_of=YYYY-MM-DD, inside the plan's fiscal year.

    One of them; or as_of with round (the dashboard's view of one round as of a day).
    """
    quarter = (params.get("quarter") or "").strip()
    round_ = (params.get("round") or "").strip()
    as_of = (params.get("as_of") or "").strip()
    given = [name for name, value in (("ไตรมาส", quarter), ("รอบการประเมิน", round_), ("วันที่", as_of)) if value]
    with_round = bool(as_of and round_ and not quarter)
    if len(given) > 1 and not with_round:
        raise PeriodError("เลือกได้เพียงอย่างเดียว: ไตรมาส รอบการประเมิน หรือข้อมูล ณ วันที่")
    if quarter:
        number = thai.to_arabic_digits(quarter).upper().removeprefix("Q")
        if number not in ("1", "2", "3", "4"):
            raise PeriodError(f"ไตรมาส “{quarter}” ไม่ถูกต้อง เลือกได้เฉพาะไตรมาสที่ 1 ถึง 4")
        return Period.for_quarter(fiscal_year, int(number))
    months = None
    if round_:
        months = thai.to_arabic_digits(round_)
        if months not in ("6", "12"):
            raise PeriodError(f"รอบการประเมิน “{round_}” ไม่ถูกต้อง เลือกได้เฉพาะรอบ 6 เดือน หรือ 12 เดือน")
        months = int(months)
        if not with_round:
            return Period.for_round(fiscal_year, months)
    if as_of:
        day = parse_date(as_of)
        start, end = thai.fiscal_year_bounds(fiscal_year)
        if not start <= day <= end:
            raise PeriodError(
                f"วันที่ต้องอยู่ในปีงบประมาณ พ.ศ. {fiscal_year} "
                f"({thai.format_date(start)} ถึง {thai.format_date(end)})"
            )
        return Period.for_date(day, months)
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


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def build_scorecard(*, plan: ActionPlan, period: Period, indicator_ids: list[int] | None = None) -> Scorecard:
    """The scorecard of one plan for one period, in a fixed number of queries.

    Rows, summaries and 5G KPI rows come from reports.rows.build_rows (the same
    source as the dashboard); the scorecard adds the period's history (two queries).
    """
    fiscal_year = plan.fiscal_year
    org_unit = plan.org_unit
    if fiscal_year.year_be != period.fiscal_year:
        raise PeriodError(
            f"ช่วงเวลาที่เลือกไม่อยู่ในปีงบประมาณของแผนนี้ (พ.ศ. {fiscal_year.year_be})"
        )
    rounds = list(Round.objects.filter(fiscal_year=fiscal_year).select_related("fiscal_year").order_by("closes_on"))
    rnd = next((r for r in rounds if r.months == period.round_months), None)
    if rnd is None:
        raise PeriodError(f"ปีงบประมาณ พ.ศ. {fiscal_year.year_be} ยังไม่มีรอบการประเมิน {period.round_months} เดือน")
    data = build_rows(plan=plan, as_of=period.as_of, round=rnd, rounds=rounds, indicator_ids=indicator_ids)
    as_of = period.as_of

    history = list(
        HistoryEntry.objects.filter(
            indicator__in=[r.indicator_id for r in data.rows],
            at__gte=_day_start(period.starts_on),
            at__lt=_day_start(as_of + dt.timedelta(days=1)),
        )
        .select_related("round", "step")
        .order_by("at", "pk")
    )
    names = names_for(h.actor_id for h in history)
    by_pk = {r.indicator_id: r for r in data.rows}
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
    return Scorecard(
        plan_id=plan.pk,
        plan_title=plan.title,
        department=org_unit.parent.name if org_unit.parent_id else "",
        group=org_unit.name,
        fiscal_year=fiscal_year.year_be,
        period=period,
        round_label=rnd.label,
        generated_at=timezone.localtime(),
        rows=data.rows,
        summary=data.summary,
        policy_kpis=data.kpis,
        history=history_rows,
        single_indicator=indicator_ids is not None,
    )
