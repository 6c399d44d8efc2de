"""ภาพรวมระดับกรม: the department roll-up, one row per unit's plan of one fiscal year.

`build_rollup(user=..., params=..., today=...)` returns plain dataclasses (an
API can render them as they are). Every unit's numbers come from the row source
(reports.rows.rows_for_plans: the same progress_for, IndicatorRow fields and
summarise() as that unit's dashboard), computed for all units at once:

Queries: fiscal years (1), visible plans (1), rounds (1), then rows_for_plans:
indicators (1), progress_for (5), latest change (1). The same for 10 units and 100.

As of a date (?as_of=, typed in Buddhist Era like the scorecard's: 31/03/2565, Thai
digits, or ISO as links carry it; core.thai.parse_input_date): statuses, levels,
timeliness and last updates are those of that day; the fiscal year is the date's
unless ?year= names it too (then they must agree). A date that cannot be read,
lies in the future or outside the year, or a year without visible plans, is
refused with a Thai message (Rollup.error) and no rows: nothing is guessed.

Timeliness of each round (assessments.levels.timeliness): an indicator with
criteria for the round was submitted on time (on or before the round's close),
late, or not at all, as of the date; a unit is "not submitted" while any is
missing, else "late" if any was late, else "on time".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import levels
from assessments.levels import Timeliness
from assessments.selectors import current_round
from indicators import versions
from indicators.models import ActionPlan, FiscalYear, OrgUnit, Round
from core import thai

from . import rows as row_source

SORTS = {
    "unit": gettext_lazy("หน่วยงาน"),
    "kind": gettext_lazy("ประเภท"),
    "region": gettext_lazy("ภาค"),
    "total": gettext_lazy("ตัวชี้วัด"),
    "met": gettext_lazy("บรรลุ เป้าหมาย"),
    "on_track": gettext_lazy("เป็นไป ตามแผน"),
    "behind": gettext_lazy("ต่ำกว่า แผน"),
    "overdue": gettext_lazy("เกิน กำหนด"),
    "undefined": gettext_lazy("ยังไม่กำหนด เกณฑ์"),
    "average": gettext_lazy("ระดับ เฉลี่ย"),
    "submitted": gettext_lazy("การส่งผล รอบที่เลือก"),
    "updated": gettext_lazy("ปรับปรุง ล่าสุด"),
}
# ?status=: units with at least one indicator in that state in the selected round.
STATUS_FILTERS = {
    "behind": gettext_lazy("มีตัวชี้วัดต่ำกว่าแผนหรือเกินกำหนด"),
    "overdue": gettext_lazy("มีตัวชี้วัดเกินกำหนด"),
    "met": gettext_lazy("บรรลุเป้าหมายทุกตัวชี้วัด"),
    Timeliness.NOT_SUBMITTED: gettext_lazy("ยังส่งผลไม่ครบ"),
    Timeliness.LATE: gettext_lazy("ส่งผลล่าช้า"),
    Timeliness.ON_TIME: gettext_lazy("ส่งผลครบตรงเวลา"),
}


@dataclass
class RoundSubmission:
    round_id: int
    label: str
    closes_on: dt.date
    counts: dict[str, int]  # Timeliness -> indicators
    status: str  # the unit's Timeliness

    @property
    def status_label(self) -> str:
        return str(Timeliness.LABELS[self.status])

    @property
    def status_colour(self) -> str:
        return Timeliness.COLOURS[self.status]


@dataclass
class UnitRow:
    plan_id: int
    unit_id: int
    unit: str
    kind: str
    kind_label: str
    region: int
    depth: int
    summary: row_source.SectionSummary  # the same object a unit's dashboard summarises (overall)
    submissions: list[RoundSubmission]  # every round of the year, in order
    selected_submission: RoundSubmission | None
    last_update: dt.datetime | None

    @property
    def region_label(self) -> str:
        return gettext_lazy("ภาค {n}").format(n=self.region) if self.region else "–"


@dataclass
class Totals:
    units: int = 0
    summary: row_source.SectionSummary = field(default_factory=lambda: row_source.SectionSummary(str(row_source.OVERALL)))
    submission_counts: dict[str, int] = field(default_factory=lambda: {t: 0 for t in Timeliness.ORDER})


@dataclass
class Rollup:
    fiscal_year: FiscalYear | None
    years: list[int]
    rounds: list[Round]
    round: Round | None
    as_of: dt.date | None
    rows: list[UnitRow]
    totals: Totals
    filters: dict[str, str]
    kinds: list[tuple[str, str]]
    regions: list[int]
    sort: str
    desc: bool
    all_units: int = 0
    error: str = ""  # a refused ?as_of= (or year), in Thai; the rows are then empty


def _submission(rnd: Round, progress: dict, as_of: dt.date) -> RoundSubmission:
    counts = {t: 0 for t in Timeliness.ORDER}
    for ip in progress.values():
        rp = ip.for_round(rnd)
        if rp is None or not rp.has_criteria:
            continue
        a = rp.assessment_as_of
        submitted_on = timezone.localtime(a.submitted_at).date() if a is not None and a.submitted_at else None
        counts[levels.timeliness(submitted_on, rnd.closes_on)] += 1
    return RoundSubmission(rnd.pk, str(rnd.label), rnd.closes_on, counts, levels.unit_timeliness(counts))


@dataclass
class UnitFigures:
    """What the roll-up shows of one unit's plan: its summary, each round's timeliness, its last change."""

    summary: row_source.SectionSummary
    submissions: list[RoundSubmission]
    last_update: dt.datetime | None


FIGURES_CACHE_SECONDS = 3600


def unit_figures(plans: list[ActionPlan], rounds: list[Round], selected: Round, as_of: dt.date) -> dict[int, UnitFigures]:
    """Each plan's figures, cached per plan under its version token (indicators/versions.py).

    Issue 19: the roll-up of 100 units reads 3,000 indicators, but a write changes one plan:
    only the plans whose version changed since (or missing from the cache) are computed
    again, all of them together by rows_for_plans (the same fixed queries for 1 plan or 100).
    """
    tokens = versions.tokens(p.pk for p in plans)
    tail = f"{as_of.isoformat()}:{selected.pk}:{','.join(str(r.pk) for r in rounds)}:{translation.get_language()}"
    keys = {p.pk: f"kpi:rollup-unit:{tokens[p.pk]}:{p.pk}:{tail}" for p in plans}
    found = cache.get_many(list(keys.values()))
    out = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [p for p in plans if p.pk not in out]
    if missing:
        units = row_source.rows_for_plans(plans=missing, rounds=rounds, round=selected, as_of=as_of)
        fresh = {}
        for plan in missing:
            u = units[plan.pk]
            figures = UnitFigures(u.summary.overall, [_submission(r, u.progress, as_of) for r in rounds], u.last_update)
            out[plan.pk] = fresh[keys[plan.pk]] = figures
        cache.set_many(fresh, FIGURES_CACHE_SECONDS)
    return out


def _sort_key(key: str):
    return {
        "unit": lambda r: thai.thai_sort_key(r.unit),
        "kind": lambda r: (r.kind, thai.thai_sort_key(r.unit)),
        "region": lambda r: (r.region, thai.thai_sort_key(r.unit)),
        "total": lambda r: r.summary.total,
        "met": lambda r: r.summary.met,
        "on_track": lambda r: r.summary.on_track,
        "behind": lambda r: r.summary.behind_only,
        "overdue": lambda r: r.summary.overdue,
        "undefined": lambda r: r.summary.undefined,
        "average": lambda r: (r.summary.average_level is None, r.summary.average_level or 0),
        "submitted": lambda r: Timeliness.ORDER.index(r.selected_submission.status) if r.selected_submission else 9,
        "updated": lambda r: (r.last_update is None, r.last_update or timezone.now()),
    }[key]


def _keeps(row: UnitRow, status: str) -> bool:
    s = row.summary
    if status == "behind":
        return s.behind > 0
    if status == "overdue":
        return s.overdue > 0
    if status == "met":
        return s.total > 0 and s.met == s.total
    if status in Timeliness.ORDER:
        return row.selected_submission is not None and row.selected_submission.status == status
    return True


def _as_of(raw: str, year: int | None, years: list[int], today: dt.date) -> tuple[int | None, dt.date | None, str]:
    """The fiscal year and the typed as-of date (None when none was typed), or a Thai message."""
    if not raw:
        return year, None, ""
    try:
        day = thai.parse_input_date(raw)
    except (ValueError, TypeError, OverflowError):  # OverflowError: a year of twenty digits
        return year, None, _("วันที่ “{value}” ไม่ถูกต้อง กรุณาพิมพ์ในรูปแบบ วว/ดด/ปปปป (พ.ศ.) เช่น 31/03/2565").format(
            value=raw[:20])
    if day > today:
        return year, None, _("ข้อมูล ณ วันที่ต้องไม่เกินวันนี้ ({today})").format(today=thai.format_date(today))
    if year is None:
        year = thai.fiscal_year_of(day)
        if year not in years:
            return None, None, _("ไม่มีแผนปฏิบัติการของปีงบประมาณ พ.ศ. {year} ที่คุณเข้าถึงได้").format(year=year)
    start, end = thai.fiscal_year_bounds(year)
    if not start <= day <= end:
        return year, None, _("วันที่ต้องอยู่ในปีงบประมาณ พ.ศ. {year} ({start} ถึง {end})").format(
            year=year, start=thai.format_date(start), end=thai.format_date(end))
    return year, day, ""


def _year(params, years: list[int]) -> int | None:
    raw_year = thai.to_arabic_digits(str(params.get("year", "")))
    return int(raw_year) if raw_year.isdecimal() and len(raw_year) <= 4 and int(raw_year) in years else None


def build_rollup(*, user, params, today: dt.date) -> Rollup:
    """The roll-up of the plans `user` may see, for ?year= (BE), ?round= (6|12), ?as_of= (a date),
    filtered by ?kind=, ?region=, ?status=, sorted by ?sort= (?desc=1)."""
    visible = ActionPlan.objects.visible_to(user)
    years = sorted(set(visible.values_list("fiscal_year__year_be", flat=True)), reverse=True)
    raw_as_of = str(params.get("as_of", "")).strip()
    year, typed, error = _as_of(raw_as_of, _year(params, years), years, today)
    kinds = [(k, str(label)) for k, label in OrgUnit.Kind.choices]
    if year is None and years and not error:
        current = thai.fiscal_year_of(today)
        year = current if current in years else years[0]
    if year is None or error:
        fy = FiscalYear.objects.filter(year_be=year).first() if year is not None else None
        return Rollup(fy, years, [], None, None, [], Totals(), {"year": str(year or ""), "as_of": raw_as_of[:40]},
                      kinds, [], "unit", False, error=error)
    plans = list(visible.filter(fiscal_year__year_be=year).select_related("org_unit", "fiscal_year")
                 .order_by("org_unit__tree_path"))
    fy = plans[0].fiscal_year
    rounds = list(Round.objects.filter(fiscal_year=fy).select_related("fiscal_year").order_by("closes_on"))
    start, end = thai.fiscal_year_bounds(year)
    as_of = typed or levels.default_as_of(today, start, end)
    wanted_round = str(params.get("round", ""))
    selected = next((r for r in rounds if wanted_round == str(r.months)), None) or current_round(rounds, as_of)
    if selected is None:
        return Rollup(fy, years, rounds, None, as_of, [], Totals(), {}, kinds, [], "unit", False)
    return _rollup_of(plans, rounds, selected, as_of, params, kinds=kinds, years=years,
                      typed=typed.isoformat() if typed else "")


def _rollup_of(plans, rounds, selected, as_of, params, *, kinds, years, typed: str) -> Rollup:
    """The rows of the chosen plans, filtered and sorted as the parameters say."""
    kind = str(params.get("kind", ""))
    kind = kind if kind in dict(kinds) else ""
    region = str(params.get("region", ""))
    region = region if region.isdecimal() and len(region) == 1 else ""
    status = str(params.get("status", ""))
    status = status if status in STATUS_FILTERS else ""
    sort = str(params.get("sort", ""))
    sort = sort if sort in SORTS else "unit"
    desc = str(params.get("desc", "")) == "1"

    regions = sorted({p.org_unit.region for p in plans if p.org_unit.region})
    chosen = [p for p in plans if (not kind or p.org_unit.kind == kind)
              and (not region or p.org_unit.region == int(region))]
    units = unit_figures(chosen, rounds, selected, as_of)
    kind_labels = dict(kinds)
    rows = []
    for plan in chosen:
        u = units[plan.pk]
        rows.append(UnitRow(
            plan_id=plan.pk, unit_id=plan.org_unit_id, unit=plan.org_unit.name, kind=plan.org_unit.kind,
            kind_label=kind_labels.get(plan.org_unit.kind, plan.org_unit.kind), region=plan.org_unit.region,
            depth=len(plan.org_unit.ancestor_ids) - 1, summary=u.summary, submissions=u.submissions,
            selected_submission=next((s for s in u.submissions if s.round_id == selected.pk), None),
            last_update=u.last_update,
        ))
    rows = [r for r in rows if _keeps(r, status)]
    rows.sort(key=_sort_key(sort), reverse=desc)
    totals = Totals(units=len(rows))
    for r in rows:
        totals.summary.merge(r.summary)
        if r.selected_submission:
            totals.submission_counts[r.selected_submission.status] += 1
    filters = {"year": str(plans[0].fiscal_year.year_be), "round": str(selected.months), "as_of": typed,
               "kind": kind, "region": region, "status": status}
    return Rollup(plans[0].fiscal_year, years, rounds, selected, as_of, rows, totals, filters, kinds, regions, sort,
                  desc, all_units=len(plans))
