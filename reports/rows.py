"""The one row source: what every screen and paper of a plan shows, per round and as-of date.

`build_rows(plan=..., round=..., as_of=...)` reads, in a fixed number of
queries whatever the number of indicators, the plan's indicators with their
owners, their progress in every round of the year (assessments.selectors.
progress_for, the one way to a level), the evidence and recorder names of the
counted steps, the latest change of each indicator and the 5G policy KPIs with
their recorded values, and returns plain dataclasses:

- `rows`: one IndicatorRow per indicator (level, verified level, status,
  owner, section, next step, last update, the other rounds, the level trend);
- `summary`: per-section and whole-plan counts by status and average level;
- `kpis`: one KPIRow per 5G policy KPI (latest value as of the date, met or
  not, full history up to the date).

The dashboard (reports.dashboard), the scorecard page, the PDF (reports.pdf)
and the Excel workbook (reports.excel) render these and compute nothing of
their own. The rules (status, section, KPI "met", average and its format, the
default as-of date) live in assessments.levels.

Queries: indicators (1) and owners (1), progress_for (5), evidence (1),
latest change per indicator (1), recorder and reviewer names (1), 5G KPIs (1)
and their values (1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import levels
from assessments.levels import Status
from assessments.models import Evidence, HistoryEntry, PolicyKPIMeasurement, RoundAssessment
from assessments.selectors import RoundProgress, RoundReport, current_round, plan_rounds, progress_for  # noqa: F401 (RoundReport: the field's type)
from indicators import versions
from indicators.models import ActionPlan, Indicator, IndicatorOwner, PolicyKPI, Round, display_name
from core import thai

ALL_STAFF = Indicator.ALL_STAFF_LABEL
OVERALL = gettext_lazy("รวมทั้งหมด")


def plan_default_as_of(plan: ActionPlan, today: dt.date) -> dt.date:
    """The default as-of date of a plan (assessments.levels.default_as_of on its fiscal year)."""
    start, end = thai.fiscal_year_bounds(plan.fiscal_year.year_be)
    return levels.default_as_of(today, start, end)




# --- rows -----------------------------------------------------------------------


@dataclass
class StepRow:
    """One milestone step (ขั้นตอนที่ ๑-๕) of the selected round as of the date."""

    number: int
    text: str
    done_on: dt.date | None  # None when not done by the as-of date
    counted: bool  # counts towards the level (cumulative rule)
    reason: str  # why a done step does not count yet
    recorded_by: str
    note: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class RoundCell(levels.ShowsProgress):
    """An indicator's result in one round (the selected one, or the other, one click away)."""

    round_id: int
    months: int
    label: str
    closes_on: dt.date
    target: int | None
    level: int
    verified_level: int | None
    status: str
    review_status: str
    has_criteria: bool

    @property
    def review_status_label(self) -> str:
        return str(RoundAssessment.ReviewStatus(self.review_status).label)


@dataclass(frozen=True)
class OwnerPerson:
    """An owner as the filters need them (no model object leaves the row source)."""

    pk: int
    full_name: str
    first_name: str
    last_name: str
    in_plan_unit: bool  # works in the plan's unit or below (an owner of its "ทุกตำแหน่ง" indicators)


@dataclass
class IndicatorRow(levels.ShowsProgress):
    """One indicator as every screen and paper shows it, for the selected round and date.

    Fields the charts use (reports.charts): number, name, level, target,
    verified_level, status, section, level_history.
    """

    indicator_id: int
    number: int
    name: str
    section: str  # ผู้จัดเก็บข้อมูล (levels.section_name)
    section_id: int | None
    owners: list[str]  # primary owner first; "ทุกตำแหน่ง" first when all staff own it
    owner: str  # the one name a line has room for: primary owner, else "ทุกตำแหน่ง"
    owner_ids: set[int]
    all_staff: bool
    target: int | None  # of the selected round
    level: int  # ผลการประเมินตนเอง: cumulative rule as of the date
    verified_level: int | None  # ผลการตรวจสอบ, when verified (as of the date)
    status: str  # assessments.levels.Status
    review_status: str  # RoundAssessment.ReviewStatus as of the date
    has_criteria: bool
    criteria_title: str
    steps: list[StepRow]
    submit_note: str
    review_comment: str  # the director's comment (verification or return)
    reviewed_by: str
    reviewed_on: dt.date | None
    unit: str = "ระดับ"
    rounds: list[RoundCell] = field(default_factory=list)  # every round of the year, in order
    next_step: str = ""  # the first step not yet counted ("" when all are)
    next_step_number: int | None = None
    last_update: dt.datetime | None = None  # latest recorded change on or before the date
    level_history: list[tuple[dt.date, int]] = field(default_factory=list)  # the level after each dated step
    owner_sort_name: str = ""
    primary_owner_id: int | None = None
    owner_people: list[OwnerPerson] = field(default_factory=list)
    # รายงานผลการดำเนินงาน (ผลการดำเนินงาน, ปัญหา/อุปสรรค, แนวทางแก้ไข/ข้อเสนอแนะ) of the selected
    # round, as the owner had written it by the date (assessments.selectors.visible_report); false when empty.
    round_report: RoundReport | None = None

    @property
    def review_status_label(self) -> str:
        return str(RoundAssessment.ReviewStatus(self.review_status).label)

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
        if self.review_status != RoundAssessment.ReviewStatus.DRAFT:
            parts.append(self.review_status_label)
        if self.review_comment:
            parts.append(self.review_comment)
        return " – ".join(parts)

    @property
    def awaiting_review(self) -> bool:
        return any(c.review_status == RoundAssessment.ReviewStatus.SUBMITTED for c in self.rounds)

    @property
    def returned(self) -> bool:
        return any(c.review_status == RoundAssessment.ReviewStatus.RETURNED for c in self.rounds)


# Kept for the renderers written against the scorecard's name.
ScorecardRow = IndicatorRow


# --- summaries -------------------------------------------------------------------


@dataclass
class SectionSummary:
    name: str
    section_id: int | None = None
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in Status.ORDER})
    level_sum: int = 0
    assessed: int = 0  # with criteria
    not_started: int = 0  # with criteria, level 0
    verified: int = 0
    awaiting_review: int = 0

    def add(self, row: IndicatorRow) -> None:
        self.total += 1
        self.counts[row.status] += 1
        if row.has_criteria:
            self.assessed += 1
            self.level_sum += row.level
            self.not_started += row.level == 0
        self.verified += row.verified_level is not None
        self.awaiting_review += row.awaiting_review

    def merge(self, other: "SectionSummary") -> None:
        """Add another summary's indicators (the roll-up's totals: the sum of the units' summaries)."""
        self.total += other.total
        for status, n in other.counts.items():
            self.counts[status] += n
        self.level_sum += other.level_sum
        self.assessed += other.assessed
        self.not_started += other.not_started
        self.verified += other.verified
        self.awaiting_review += other.awaiting_review

    @property
    def average_level(self) -> float | None:
        return levels.average_level(self.level_sum, self.assessed)

    @property
    def average_text(self) -> str:
        return levels.format_average(self.average_level)

    @property
    def met(self) -> int:
        return self.counts[Status.MET]

    @property
    def on_track(self) -> int:
        return self.counts[Status.ON_TRACK]

    @property
    def overdue(self) -> int:
        return self.counts[Status.OVERDUE]

    @property
    def undefined(self) -> int:
        return self.counts[Status.UNDEFINED]

    @property
    def behind(self) -> int:
        """Below target, whether the round is still open (behind) or closed (overdue)."""
        return self.counts[Status.BEHIND] + self.counts[Status.OVERDUE]

    @property
    def behind_only(self) -> int:
        return self.counts[Status.BEHIND]


@dataclass
class Summary:
    overall: SectionSummary
    sections: list[SectionSummary]  # Thai order, the no-collector group last

    @property
    def verified(self) -> int:
        return self.overall.verified


def summarise(rows: list[IndicatorRow]) -> Summary:
    overall = SectionSummary(str(OVERALL))
    by_section: dict[int | None, SectionSummary] = {}
    for row in rows:
        section = by_section.setdefault(row.section_id, SectionSummary(row.section, row.section_id))
        overall.add(row)
        section.add(row)
    ordered = sorted(by_section.values(), key=lambda s: (s.section_id is None, thai.thai_sort_key(s.name)))
    return Summary(overall, ordered)


# --- 5G policy KPIs --------------------------------------------------------------


@dataclass
class KPIRow:
    kpi_id: int
    number: int
    group: str
    name: str
    target_value: Decimal
    target_unit: str
    headline: bool
    higher_is_better: bool
    history: list[tuple[dt.date, Decimal, str]] = field(default_factory=list)  # (date, value, source), oldest first

    @property
    def latest(self):
        return self.history[-1] if self.history else None

    @property
    def value(self) -> Decimal | None:
        return self.history[-1][1] if self.history else None

    @property
    def measured_on(self) -> dt.date | None:
        return self.history[-1][0] if self.history else None

    @property
    def source(self) -> str:
        return self.history[-1][2] if self.history else ""

    @property
    def met(self) -> bool | None:
        return levels.kpi_met(self.value, self.target_value, self.higher_is_better)

    @property
    def status_label(self) -> str:
        return {None: _("ยังไม่มีผล"), True: str(Status.LABELS[Status.MET]), False: _("ยังไม่บรรลุเป้าหมาย")}[self.met]

    @property
    def status_colour(self) -> str:
        return {None: "secondary", True: Status.COLOURS[Status.MET], False: Status.COLOURS[Status.BEHIND]}[self.met]


# Kept for the renderers written against the scorecard's name.
PolicyKPIRow = KPIRow


def kpi_rows(plan: ActionPlan, as_of: dt.date) -> list[KPIRow]:
    """The department's 5G KPIs over the plan's unit, each with every value recorded up to as_of (two queries)."""
    kpis = list(
        PolicyKPI.objects.filter(fiscal_year_id=plan.fiscal_year_id, org_unit_id__in=plan.org_unit.ancestor_ids)
        .order_by("org_unit__tree_path", "group_number", "number")
    )
    history: dict[int, list] = defaultdict(list)
    for kpi_id, day, value, source in (
        PolicyKPIMeasurement.objects.filter(kpi__in=[k.pk for k in kpis] or [0], measured_on__lte=as_of)
        .order_by("measured_on", "recorded_at", "pk")
        .values_list("kpi_id", "measured_on", "value", "source")
    ):
        history[kpi_id].append((day, Decimal(str(value)), source or ""))
    return [
        KPIRow(
            kpi_id=k.pk, number=k.number, group=k.group, name=k.name, target_value=k.target_value,
            target_unit=k.target_unit, headline=k.headline, higher_is_better=k.higher_is_better,
            history=history.get(k.pk, []),
        )
        for k in kpis
    ]


# --- building --------------------------------------------------------------------


@dataclass
class PlanRows:
    plan: ActionPlan
    round: Round
    rounds: list[Round]
    as_of: dt.date
    rows: list[IndicatorRow]
    summary: Summary
    kpis: list[KPIRow]


def names_for(user_ids) -> dict[int, str]:
    """indicators.models.display_name of each user (one query)."""
    from django.contrib.auth import get_user_model

    ids = {i for i in user_ids if i}
    names = {}  # always one query, so a page's query count does not depend on its data
    # [0] (no such id) rather than an empty list, which Django answers without asking the database.
    for user in get_user_model().objects.filter(pk__in=ids or [0]).select_related("person"):
        names[user.pk] = display_name(user)
    return names


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _cell(rp: RoundProgress) -> RoundCell:
    return RoundCell(
        round_id=rp.round.pk, months=rp.round.months, label=str(rp.round.label), closes_on=rp.round.closes_on,
        target=rp.target, level=rp.level, verified_level=rp.verified_level, status=rp.status,
        review_status=rp.review_status, has_criteria=rp.has_criteria,
    )


def _level_history(rp: RoundProgress, as_of: dt.date) -> list[tuple[dt.date, int]]:
    """The level after each day a step was done (up to the date and the round's close)."""
    cutoff = levels.effective_date(as_of, rp.round.closes_on)
    done = {v.number: v.completion.done_on for v in rp.steps if v.completion is not None}
    days = sorted({d for d in done.values() if d <= cutoff})
    return [(d, levels.level_as_of(done, d, rp.round.closes_on)) for d in days]


def build_rows(*, plan: ActionPlan, as_of: dt.date, round: Round | None = None, rounds: list[Round] | None = None,
               indicator_ids: list[int] | None = None) -> PlanRows:
    """Rows, summaries and 5G KPI rows of one plan for one round as of one date.

    `round` defaults to the round current on the date (assessments.selectors.current_round).

    Cached (issue 19): the result is the same for everyone who may see the plan, and
    pages read it far more often than anyone writes, so it is kept in Django's cache
    (Redis when REDIS_URL is set) under the plan's version (indicators/versions.py),
    which every write to the plan replaces: a reader never gets rows older than the
    last write. A hit costs one cache read and unpickling instead of the 10 queries
    and the Python work below; the query count of a page stays fixed either way
    (tests pin it with the cache cold and warm). The translated labels in the rows are
    lazy or taken from the active language when built: the key includes the language.
    """
    rounds = rounds if rounds is not None else plan_rounds(plan)
    if round is None:
        round = current_round(rounds, as_of)
    key = _cache_key(plan, as_of, round, rounds, indicator_ids)
    data = cache.get(key)
    if data is None:
        data = _build_rows(plan=plan, as_of=as_of, round=round, rounds=rounds, indicator_ids=indicator_ids)
        cache.set(key, data, ROWS_CACHE_SECONDS)
    else:
        # The caller's own objects, not the unpickled copies (they may have read more of them).
        data.plan, data.round, data.rounds = plan, round, rounds
    return data


ROWS_CACHE_SECONDS = 3600


def _cache_key(plan: ActionPlan, as_of: dt.date, round: Round, rounds: list[Round], indicator_ids) -> str:
    ids = "all" if indicator_ids is None else hashlib.sha1(",".join(map(str, sorted(indicator_ids))).encode()).hexdigest()
    round_ids = ",".join(str(r.pk) for r in rounds)
    round_id = round.pk if round else 0
    return (f"kpi:rows:{versions.token(plan.pk)}:{plan.pk}:{as_of.isoformat()}:{round_id}:{round_ids}:{ids}:"
            f"{translation.get_language()}")


def _build_rows(*, plan: ActionPlan, as_of: dt.date, round: Round, rounds: list[Round],
                indicator_ids: list[int] | None = None) -> PlanRows:
    indicators = _plan_indicators(plan, indicator_ids)
    progress = progress_for(indicators, rounds, as_of)
    cutoff = levels.effective_date(as_of, round.closes_on)
    selected = {i.pk: progress[i.pk].for_round(round) for i in indicators}
    extra = _RowExtras(
        cutoff=cutoff,
        evidence=_evidence_names(selected, cutoff),
        # The last change recorded on or before the as-of date, so an old view shows an old date.
        updated=dict(
            HistoryEntry.objects.filter(indicator__plan=plan, at__lt=_end_of_day(as_of))
            .values("indicator_id").annotate(last=Max("at")).values_list("indicator_id", "last")
        ),
        names=names_for(_people_named(selected)),
    )
    rows = [_row(plan, indicator, selected[indicator.pk], progress[indicator.pk], as_of, extra)
            for indicator in indicators]
    return PlanRows(plan, round, rounds, as_of, rows, summarise(rows), kpi_rows(plan, as_of))


@dataclass
class _RowExtras:
    """What every row of a plan reads besides its progress: loaded once for the plan."""

    cutoff: dt.date
    evidence: dict[int, list[str]]  # completion id -> evidence file names
    updated: dict[int, dt.datetime]  # indicator id -> last change on or before the as-of date
    names: dict[int, str]  # user id -> display name


def _plan_indicators(plan: ActionPlan, indicator_ids) -> list[Indicator]:
    owners_qs = IndicatorOwner.objects.select_related("person__org_unit").order_by("order")
    indicators_qs = (
        Indicator.objects.filter(plan=plan)
        .select_related("data_collector")
        .prefetch_related(Prefetch("owners", queryset=owners_qs))
        .order_by("number")
    )
    if indicator_ids is not None:
        indicators_qs = indicators_qs.filter(pk__in=indicator_ids)
    return list(indicators_qs)


def _evidence_names(selected: dict, cutoff: dt.date) -> dict[int, list[str]]:
    """The evidence file names of every completion counted by the cut-off, in upload order."""
    counted_ids = [
        v.completion.pk for rp in selected.values() for v in rp.steps
        if v.completion is not None and v.completion.done_on <= cutoff
    ]
    evidence: dict[int, list[str]] = defaultdict(list)
    # Always one query, even for none ([0]: Django skips the query for an empty list), so a
    # page's query count does not depend on its data.
    for completion_id, name in (
        Evidence.objects.filter(completion_id__in=counted_ids or [0], removed_at__isnull=True)
        .order_by("uploaded_at", "pk")
        .values_list("completion_id", "original_name")
    ):
        evidence[completion_id].append(name)
    return evidence


def _people_named(selected: dict) -> list[int]:
    """The users a row names: who recorded each step, who submitted and who reviewed the round."""
    user_ids = []
    for rp in selected.values():
        user_ids += [v.completion.recorded_by_id for v in rp.steps if v.completion]
        if rp.assessment:
            user_ids += [rp.assessment.reviewed_by_id, rp.assessment.submitted_by_id]
    return user_ids


def _step_rows(rp, extra: _RowExtras) -> list[StepRow]:
    steps = []
    for view in rp.steps:
        c = view.completion
        done = c is not None and c.done_on <= extra.cutoff
        steps.append(StepRow(
            number=view.number,
            text=view.step.text,
            done_on=c.done_on if done else None,
            counted=view.state.counted,
            reason=view.state.reason if done else "",
            recorded_by=extra.names.get(c.recorded_by_id, "") if done else "",
            note=c.note if done else "",
            evidence=extra.evidence.get(c.pk, []) if done else [],
        ))
    return steps


def _owner_fields(plan: ActionPlan, indicator: Indicator) -> dict:
    """The row's owners: every name (ทุกตำแหน่ง first when all staff own it), the primary owner, the people."""
    owner_links = list(indicator.owners.all())
    owners = [o.person.full_name for o in owner_links]
    if indicator.all_staff:
        owners.insert(0, str(ALL_STAFF))
    primary = next((o.person for o in owner_links if o.role == IndicatorOwner.Role.PRIMARY), None)
    owner = primary.full_name if primary else (str(ALL_STAFF) if indicator.all_staff else "")
    return {
        "owners": owners,
        "owner": owner,
        "owner_ids": {o.person_id for o in owner_links},
        "owner_sort_name": f"{primary.first_name} {primary.last_name}" if primary else owner,
        "primary_owner_id": primary.pk if primary else None,
        "owner_people": [
            OwnerPerson(o.person.pk, o.person.full_name, o.person.first_name, o.person.last_name,
                        bool(o.person.org_unit_id) and plan.org_unit_id in o.person.org_unit.ancestor_ids)
            for o in owner_links
        ],
    }


def _row(plan: ActionPlan, indicator: Indicator, rp, progress, as_of: dt.date, extra: _RowExtras) -> IndicatorRow:
    a = rp.assessment_as_of
    reviewed = a is not None and a.status in (RoundAssessment.ReviewStatus.VERIFIED, RoundAssessment.ReviewStatus.RETURNED)
    nxt = rp.next_step if rp.has_criteria else None
    return IndicatorRow(
        indicator_id=indicator.pk,
        number=indicator.number,
        name=indicator.name,
        section=levels.section_name(indicator.data_collector.name if indicator.data_collector else None),
        section_id=indicator.data_collector_id,
        all_staff=indicator.all_staff,
        target=rp.target,
        level=rp.level,
        verified_level=rp.verified_level,
        status=rp.status,
        review_status=rp.review_status,
        has_criteria=rp.has_criteria,
        criteria_title=rp.criteria_set.title if rp.criteria_set else "",
        steps=_step_rows(rp, extra),
        submit_note=a.submit_note if a else "",
        review_comment=a.review_comment if reviewed else "",
        reviewed_by=extra.names.get(a.reviewed_by_id, "") if reviewed else "",
        reviewed_on=timezone.localtime(a.reviewed_at).date() if reviewed and a.reviewed_at else None,
        unit=indicator.unit,
        rounds=[_cell(r) for r in progress.rounds],
        next_step=nxt.text if nxt else "",
        next_step_number=nxt.number if nxt else None,
        last_update=extra.updated.get(indicator.pk),
        level_history=_level_history(rp, as_of),
        round_report=rp.report_as_of,
        **_owner_fields(plan, indicator),
    )


# --- many plans at once (issue 18: the department roll-up, cascades) ---------------------
# Additive: the same progress (progress_for), the same IndicatorRow fields the
# summaries read and the same summarise(), for the indicators of many plans of one
# fiscal year in a fixed number of queries: indicators (1), progress_for (5),
# latest change per indicator (1).


@dataclass
class UnitRows:
    """The rows of one plan as build_rows would summarise them (no steps, owners or evidence)."""

    plan_id: int
    rows: list[IndicatorRow]
    progress: dict  # indicator id -> IndicatorProgress (every round of the year)

    @property
    def summary(self) -> Summary:
        return summarise(self.rows)

    @property
    def last_update(self) -> dt.datetime | None:
        return max((r.last_update for r in self.rows if r.last_update), default=None)


def light_row(indicator: Indicator, progress, round: Round, last_update: dt.datetime | None) -> IndicatorRow:
    """An IndicatorRow with what summaries and statuses need, from the same progress as build_rows."""
    rp = progress.for_round(round)
    return IndicatorRow(
        indicator_id=indicator.pk, number=indicator.number, name=indicator.name,
        section=levels.section_name(None), section_id=indicator.data_collector_id,
        owners=[], owner="", owner_ids=set(), all_staff=indicator.all_staff,
        target=rp.target, level=rp.level, verified_level=rp.verified_level, status=rp.status,
        review_status=rp.review_status, has_criteria=rp.has_criteria, criteria_title="", steps=[],
        submit_note="", review_comment="", reviewed_by="", reviewed_on=None, unit=indicator.unit,
        rounds=[_cell(r) for r in progress.rounds], last_update=last_update,
    )


def rows_for_indicators(indicators: list[Indicator], *, rounds: list[Round], round: Round,
                        as_of: dt.date) -> tuple[list[IndicatorRow], dict]:
    """Light rows of indicators of any plans of one fiscal year (one progress_for call, one history query)."""
    progress = progress_for(indicators, rounds, as_of)
    updated = dict(
        HistoryEntry.objects.filter(indicator_id__in=[i.pk for i in indicators] or [0], at__lt=_end_of_day(as_of))
        .values("indicator_id")
        .annotate(last=Max("at"))
        .values_list("indicator_id", "last")
    )
    rows = [light_row(i, progress[i.pk], round, updated.get(i.pk)) for i in indicators]
    return rows, progress


def rows_for_plans(*, plans: list[ActionPlan], rounds: list[Round], round: Round, as_of: dt.date) -> dict[int, UnitRows]:
    """UnitRows per plan id: what each plan's dashboard summary counts, for all the plans at once."""
    indicators = list(Indicator.objects.filter(plan__in=[p.pk for p in plans] or [0]).order_by("plan_id", "number"))
    rows, progress = rows_for_indicators(indicators, rounds=rounds, round=round, as_of=as_of)
    out = {p.pk: UnitRows(p.pk, [], {}) for p in plans}
    for indicator, row in zip(indicators, rows):
        unit = out[indicator.plan_id]
        unit.rows.append(row)
        unit.progress[indicator.pk] = progress[indicator.pk]
    return out


def cascade_summaries(*, kpi_ids, rounds: list[Round], round: Round, as_of: dt.date) -> dict[int, SectionSummary]:
    """ถ่ายทอดตัวชี้วัด on a 5G KPI card: the summary (summarise) of the indicators each KPI was cascaded
    to, in the round and as of the date. Queries: links with their indicators (1), then, when there are
    any, rows_for_indicators (7), for any number of KPIs and indicators."""
    from indicators.models import Cascade

    links = list(Cascade.objects.filter(policy_kpi_id__in=list(kpi_ids) or [0], child__withdrawn_at__isnull=True,
                                        child__plan__fiscal_year_id=round.fiscal_year_id).select_related("child"))
    if not links:  # a plan whose KPIs carry nothing down pays one query
        return {}
    children = list({link.child_id: link.child for link in links}.values())
    rows, _progress = rows_for_indicators(children, rounds=rounds, round=round, as_of=as_of)
    by_id = {r.indicator_id: r for r in rows}
    out: dict[int, SectionSummary] = {}
    for link in links:
        out.setdefault(link.policy_kpi_id, SectionSummary(str(OVERALL))).add(by_id[link.child_id])
    return out
