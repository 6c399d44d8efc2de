"""Reads that join the plan with its progress, in a fixed number of queries.

`progress_for` is what every page and report uses: it loads criteria, steps,
completions, targets and round results for a list of indicators in five
queries, however many indicators there are (two once their criteria, steps
and targets are cached), and feeds assessments.levels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from indicators import structure
from indicators.models import CriteriaSet, Indicator, Round

from . import levels
from .models import RoundAssessment, StepCompletion


@dataclass
class StepView:
    step: MilestoneStep
    state: levels.StepState
    completion: StepCompletion | None

    @property
    def number(self) -> int:
        return self.step.number


@dataclass(frozen=True)
class RoundReport:
    """รายงานผลการดำเนินงาน of one indicator and round, as the owner wrote it."""

    results: str  # ผลการดำเนินงาน
    problems: str  # ปัญหา/อุปสรรค
    remedies: str  # แนวทางแก้ไข/ข้อเสนอแนะ

    def __bool__(self) -> bool:
        return bool(self.results or self.problems or self.remedies)


@dataclass
class RoundProgress(levels.ShowsProgress):
    indicator: Indicator
    round: Round
    as_of: dt.date
    target: int | None
    criteria_set: CriteriaSet | None
    steps: list[StepView]
    level: int
    status: str
    assessment: RoundAssessment | None

    @property
    def has_criteria(self) -> bool:
        return self.criteria_set is not None

    @property
    def assessment_as_of(self) -> RoundAssessment | None:
        """The round's result as it stood on as_of (a verification made later is not shown)."""
        return visible_assessment(self.assessment, self.as_of, self.round.closes_on)

    @property
    def report_as_of(self) -> RoundReport:
        """The owner's round report as a report dated as_of saw it (see visible_report); no query."""
        return visible_report(self.assessment, self.as_of, self.round.closes_on)

    @property
    def verified_level(self) -> int | None:
        a = self.assessment_as_of
        return a.verified_level if a and a.status == RoundAssessment.ReviewStatus.VERIFIED else None

    @property
    def review_status(self) -> str:
        a = self.assessment_as_of
        return a.status if a else RoundAssessment.ReviewStatus.DRAFT

    @property
    def review_status_label(self) -> str:
        return RoundAssessment.ReviewStatus(self.review_status).label

    @property
    def is_locked(self) -> bool:
        return bool(self.assessment and self.assessment.is_locked)

    @property
    def report(self) -> RoundReport:
        """The owner's round report (empty, and false, when none was written); no query."""
        a = self.assessment
        if a is None:
            return RoundReport("", "", "")
        return RoundReport(a.report_results, a.report_problems, a.report_remedies)

    @property
    def next_step(self) -> MilestoneStep | None:
        for view in self.steps:
            if not view.state.counted:
                return view.step
        return None


@dataclass
class IndicatorProgress:
    indicator: Indicator
    rounds: list[RoundProgress] = field(default_factory=list)

    def for_round(self, round: Round) -> RoundProgress | None:
        for rp in self.rounds:
            if rp.round.pk == round.pk:
                return rp
        return None


def plan_rounds(plan) -> list[Round]:
    """The rounds of the plan's fiscal year, in order of closing (cached: indicators/structure.py)."""
    return structure.rounds(plan.fiscal_year_id)


def current_round(rounds: list[Round], today: dt.date) -> Round | None:
    """The first round not yet closed; after the last one closes, the last one."""
    ordered = sorted(rounds, key=lambda r: r.closes_on)
    for r in ordered:
        if r.open_on(today):
            return r
    return ordered[-1] if ordered else None


def progress_for(indicators: list[Indicator], rounds: list[Round], as_of: dt.date, *,
                 completions: dict[int, StepCompletion] | None = None,
                 assessments: dict[int, RoundAssessment] | None = None) -> dict[int, IndicatorProgress]:
    """Progress of each indicator in each round as of a date: two queries (completions, round results),
    and three more for the criteria, steps and targets of the indicators not cached (indicators/structure.py).
    `completions` ({step pk: active completion}) and `assessments` ({round pk: round result}) of one
    indicator, when given, are what a write just read (services.Written): their queries are not made."""
    ids = [i.pk for i in indicators]
    criteria = structure.criteria(ids)  # indicator -> (criteria sets with their steps, {round: target level})
    step_ids = [s.pk for sets, _ in criteria.values() for cs in sets for s in cs.steps.all()]
    if completions is None:
        completions = {
            c.step_id: c
            for c in StepCompletion.objects.active().filter(step_id__in=step_ids).select_related("recorded_by__person")
            .order_by()
        }
    if assessments is None:
        assessments = {
            (a.indicator_id, a.round_id): a
            for a in RoundAssessment.objects.filter(indicator_id__in=ids, round__in=rounds).select_related(
                "reviewed_by__person", "submitted_by__person"
            )
        }
    else:
        if len(ids) != 1:
            raise ValueError("a write's round results are one indicator's")
        assessments = {(ids[0], pk): a for pk, a in assessments.items()}
    done_on = {pk: c.done_on for pk, c in completions.items()}
    result: dict[int, IndicatorProgress] = {}
    for indicator in indicators:
        ip = IndicatorProgress(indicator)
        sets, targets = criteria[indicator.pk]
        for rnd in rounds:
            cs = _criteria_for_round(sets, rnd)
            steps = list(cs.steps.all()) if cs else []
            target = targets.get(rnd.pk)
            level, status, states = _counted(cs, steps, done_on, rnd, target, as_of)
            ip.rounds.append(
                RoundProgress(
                    indicator=indicator,
                    round=rnd,
                    as_of=as_of,
                    target=target,
                    criteria_set=cs,
                    steps=[StepView(s, st, completions.get(s.pk)) for s, st in zip(steps, states)],
                    level=level,
                    status=status,
                    assessment=assessments.get((indicator.pk, rnd.pk)),
                )
            )
        result[indicator.pk] = ip
    return result


def _counted(cs, steps, done_on: dict[int, dt.date], rnd: Round, target: int | None,
             as_of: dt.date) -> tuple[int, str, list[levels.StepState]]:
    """A round's level, status and step states, its steps done on these dates (step pk -> date)."""
    done = {s.number: done_on[s.pk] for s in steps if s.pk in done_on}
    level = levels.level_as_of(done, as_of, rnd.closes_on) if cs else 0
    status = levels.status_for(level=level, target=target, has_criteria=cs is not None, as_of=as_of,
                               starts_on=rnd.starts_on, closes_on=rnd.closes_on)
    return level, status, levels.step_states([s.number for s in steps], done, as_of, rnd.closes_on)


def counted_before(rp: RoundProgress, done_on: dict[int, dt.date]) -> tuple[int, str, list[levels.StepState]]:
    """The round's level, status and step states as they were with its steps done on these dates (step pk
    -> date): what the round panel showed before a write, so that its answer sends what the write changed
    (assessments.views._after_step)."""
    return _counted(rp.criteria_set, [v.step for v in rp.steps], done_on, rp.round, rp.target, rp.as_of)


def visible_assessment(a: RoundAssessment | None, as_of: dt.date, closes_on: dt.date) -> RoundAssessment | None:
    """A round result as a report dated as_of saw it.

    Looking back at a date before the round closed, a submission or decision
    made after that date did not exist yet; from the closing date on, the
    result is the round's result whenever it was decided. (Locks are not
    dated: `RoundProgress.is_locked` is always today's state.)
    """
    if a is None or a.status == RoundAssessment.ReviewStatus.DRAFT:
        return None
    if as_of >= closes_on:
        return a
    changed = a.reviewed_at or a.submitted_at
    if changed is not None and timezone.localtime(changed).date() <= as_of:
        return a
    return None


def visible_report(a: RoundAssessment | None, as_of: dt.date, closes_on: dt.date) -> RoundReport:
    """The owner's round report as a report dated as_of saw it: the same rule as visible_assessment.

    From the round's closing date on, the round's report is the one it has, whenever it was
    written; looking back at an earlier date, a report written after that date did not exist yet.
    """
    empty = RoundReport("", "", "")
    if a is None:
        return empty
    written = a.report_updated_at
    if as_of < closes_on and (written is None or timezone.localtime(written).date() > as_of):
        return empty
    return RoundReport(a.report_results, a.report_problems, a.report_remedies)


def _criteria_for_round(sets: list[CriteriaSet], rnd: Round) -> CriteriaSet | None:
    """A round's own criteria win over the whole-year set."""
    own = [cs for cs in sets if cs.round_id == rnd.pk]
    if own:
        return own[0]
    whole = [cs for cs in sets if cs.round_id is None]
    return whole[0] if whole else None
