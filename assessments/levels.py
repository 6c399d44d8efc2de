"""The cumulative rule and the status rule: the one place a level is computed.

"ต้องดำเนินการเป็นขั้นตอนจากขั้นตอนที่ 1 ไปถึง 5 ตามลำดับ": level N is reached
when steps 1..N are all done. A round's level as of a date counts only the
steps done on or before that date, and never after the round closes, so the
6-month result stays what it was on 31 March however late it is printed.

Every page, report and test gets its levels from here (through
assessments.selectors, which feeds these functions from one batch of queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

STEPS = 5


class Status:
    MET = "met"  # บรรลุเป้าหมาย
    ON_TRACK = "on_track"  # เป็นไปตามแผน
    BEHIND = "behind"  # ต่ำกว่าเป้าหมาย
    OVERDUE = "overdue"  # เกินกำหนด
    UNDEFINED = "undefined"  # ยังไม่ได้กำหนดเกณฑ์การให้คะแนน

    LABELS = {
        MET: gettext_lazy("บรรลุเป้าหมาย"),
        ON_TRACK: gettext_lazy("เป็นไปตามแผน"),
        BEHIND: gettext_lazy("ต่ำกว่าเป้าหมาย"),
        OVERDUE: gettext_lazy("เกินกำหนด"),
        UNDEFINED: gettext_lazy("ยังไม่ได้กำหนดเกณฑ์การให้คะแนน"),
    }
    EXPLANATIONS = {
        MET: gettext_lazy("ระดับที่ได้ถึงค่าเป้าหมายของรอบแล้ว"),
        ON_TRACK: gettext_lazy("ยังไม่ถึงค่าเป้าหมาย แต่ความก้าวหน้าเป็นไปตามระยะเวลาของรอบ"),
        BEHIND: gettext_lazy("ความก้าวหน้าช้ากว่าระยะเวลาที่ผ่านไปของรอบ"),
        OVERDUE: gettext_lazy("ปิดรอบแล้วแต่ยังไม่ถึงค่าเป้าหมาย"),
        UNDEFINED: gettext_lazy("ตัวชี้วัดยังไม่มีเกณฑ์การให้คะแนนสำหรับรอบนี้"),
    }
    COLOURS = {MET: "success", ON_TRACK: "primary", BEHIND: "warning", OVERDUE: "danger", UNDEFINED: "secondary"}
    ORDER = [MET, ON_TRACK, BEHIND, OVERDUE, UNDEFINED]


class ShowsProgress:
    """How a result with `status`, `level` and `target` is shown: its status label and colour and
    the bar's widths. One mixin for every row type (selectors.RoundProgress, reports.rows.IndicatorRow
    and RoundCell, cascades.ChildLine), so the display of a status is written once."""

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])

    @property
    def status_colour(self) -> str:
        return Status.COLOURS[self.status]

    @property
    def percent(self) -> int:
        return round(100 * self.level / STEPS)

    @property
    def target_percent(self) -> int:
        return round(100 * (self.target or 0) / STEPS)


@dataclass(frozen=True)
class StepState:
    number: int
    done_on: dt.date | None  # as recorded, even if after the as-of date
    counted: bool
    reason: str  # why a done step does not count yet ("" when it counts or is not done)

    @property
    def done(self) -> bool:
        return self.done_on is not None


def effective_date(as_of: dt.date, closes_on: dt.date) -> dt.date:
    return min(as_of, closes_on)


def cumulative_level(done_numbers, steps: int = STEPS) -> int:
    """Steps 1, 2 and 4 done → level 2."""
    done = set(done_numbers)
    level = 0
    while level < steps and (level + 1) in done:
        level += 1
    return level


def level_as_of(done_dates: Mapping[int, dt.date], as_of: dt.date, closes_on: dt.date) -> int:
    """done_dates: step number → date done (active completions only)."""
    cutoff = effective_date(as_of, closes_on)
    return cumulative_level(n for n, d in done_dates.items() if d <= cutoff)


def step_states(numbers, done_dates: Mapping[int, dt.date], as_of: dt.date, closes_on: dt.date) -> list[StepState]:
    cutoff = effective_date(as_of, closes_on)
    level = level_as_of(done_dates, as_of, closes_on)
    states = []
    for n in sorted(numbers):
        done_on = done_dates.get(n)
        reason = ""
        if done_on is not None and n > level:
            if done_on > cutoff:
                reason = (
                    _("ดำเนินการหลังวันปิดรอบ จึงไม่นับในรอบนี้")
                    if cutoff == closes_on and as_of > closes_on
                    else _("ดำเนินการหลังวันที่ที่เลือกดูข้อมูล")
                )
            else:
                missing = [m for m in range(1, n) if m not in done_dates or done_dates[m] > cutoff]
                reason = _("ยังไม่นับ เพราะขั้นตอนที่ {steps} ยังไม่ได้ดำเนินการ (ต้องดำเนินการตามลำดับ)").format(
                    steps=", ".join(str(m) for m in missing)
                )
        states.append(StepState(n, done_on, done_on is not None and n <= level, reason))
    return states


def expected_level(target: int, as_of: dt.date, starts_on: dt.date, closes_on: dt.date) -> int:
    """The level a steady pace would have reached by as_of (whole levels, rounded down)."""
    if as_of >= closes_on:
        return target
    if as_of < starts_on:
        return 0
    span = (closes_on - starts_on).days + 1
    elapsed = (as_of - starts_on).days + 1
    return (target * elapsed) // span


def status_for(*, level: int, target: int | None, has_criteria: bool, as_of: dt.date,
               starts_on: dt.date, closes_on: dt.date) -> str:
    """Met / on track / behind / overdue (the day after the round closes) / not defined."""
    if not has_criteria or target is None:
        return Status.UNDEFINED
    if level >= target:
        return Status.MET
    if as_of > closes_on:
        return Status.OVERDUE
    if level >= expected_level(target, as_of, starts_on, closes_on):
        return Status.ON_TRACK
    return Status.BEHIND


# --- the other rules every page and report shares ------------------------------
# Each lives here once; reports.rows applies them, the renderers only format.

# ผู้จัดเก็บข้อมูล: the section (ฝ่าย) an indicator is counted under is the data
# collector the plan names, nothing else. An indicator without one goes to ONE
# group, named for what is missing. We do not guess the section from the
# primary owner's unit (the old scorecard did): that credits a section with an
# indicator the plan never gave it, and an all-staff (ทุกตำแหน่ง) indicator has
# no single owner's section at all, so the guess split the same indicators into
# three groups on paper and one on screen.
NO_SECTION_LABEL = gettext_lazy("ยังไม่ระบุผู้จัดเก็บข้อมูล")


def section_name(data_collector_name: str | None) -> str:
    """The section an indicator is reported under (see NO_SECTION_LABEL)."""
    return data_collector_name or str(NO_SECTION_LABEL)


def kpi_met(value, target, higher_is_better: bool) -> bool | None:
    """A 5G policy KPI meets its target: at least it (or at most, when lower is better); None before any value."""
    if value is None:
        return None
    return value >= target if higher_is_better else value <= target


AVERAGE_DECIMALS = 2
AVERAGE_EXCEL_FORMAT = "0." + "0" * AVERAGE_DECIMALS  # the same format as a spreadsheet cell's number format


def average_level(level_sum: int, count: int) -> float | None:
    """The average level of the indicators that have criteria, to two decimals (None when there are none)."""
    return round(level_sum / count, AVERAGE_DECIMALS) if count else None


def format_average(value: float | None, empty: str = "–") -> str:
    """The one way an average level is written: two decimals ("0.30"), Arabic digits.
    A renderer that wants Thai digits converts the digits of this text, nothing else."""
    return empty if value is None else f"{value:.{AVERAGE_DECIMALS}f}"


def default_as_of(today: dt.date, starts_on: dt.date, ends_on: dt.date) -> dt.date:
    """The as-of date a plan is shown at when none is asked for: today, clamped to the
    plan's fiscal year (a past year is shown as it ended, a future one as it starts),
    so no link drawn with it falls outside the year and answers 400."""
    return min(max(today, starts_on), ends_on)


# --- timeliness of a round's submission (issue 18: the reporting-rate view) -----------------

class Timeliness:
    """ส่งตรงเวลา / ส่งล่าช้า / ยังไม่ส่ง: an indicator's (or a unit's) submission of one round."""

    ON_TIME = "on_time"
    LATE = "late"
    NOT_SUBMITTED = "not_submitted"
    ORDER = (ON_TIME, LATE, NOT_SUBMITTED)
    LABELS = {
        ON_TIME: gettext_lazy("ส่งตรงเวลา"),
        LATE: gettext_lazy("ส่งล่าช้า"),
        NOT_SUBMITTED: gettext_lazy("ยังไม่ส่ง"),
    }
    COLOURS = {ON_TIME: "success", LATE: "warning", NOT_SUBMITTED: "secondary"}


def timeliness(submitted_on: dt.date | None, closes_on: dt.date) -> str:
    """On time when submitted on or before the round's closing day; late after it; else not submitted."""
    if submitted_on is None:
        return Timeliness.NOT_SUBMITTED
    return Timeliness.ON_TIME if submitted_on <= closes_on else Timeliness.LATE


def unit_timeliness(counts: Mapping[str, int]) -> str:
    """A unit's round from its indicators' counts: not submitted while any is missing, late if any was late."""
    if counts.get(Timeliness.NOT_SUBMITTED, 0) or not any(counts.values()):
        return Timeliness.NOT_SUBMITTED
    return Timeliness.LATE if counts.get(Timeliness.LATE, 0) else Timeliness.ON_TIME
