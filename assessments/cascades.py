"""ถ่ายทอดตัวชี้วัด on the indicator page: what a parent's children have reached, what a child carries.

The children's progress is progress_for (the one way to a level) for all of them at
once, in one call, and the counts and average use the rules of levels (status,
levels.average_level / format_average): the same numbers the row source
(reports.rows.summarise) gives, since reports may not be imported from here.
Queries: links (1), progress_for (5), visible children (1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from indicators.models import Cascade, Indicator, PolicyKPI, Round

from . import levels
from .levels import Status
from .selectors import current_round, progress_for


@dataclass
class ChildLine(levels.ShowsProgress):
    indicator: Indicator
    level: int
    target: int | None
    status: str
    visible: bool


@dataclass
class ChildrenProgress:
    round: Round | None
    lines: list[ChildLine] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in Status.ORDER})
    level_sum: int = 0
    assessed: int = 0

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def shown(self) -> list[ChildLine]:
        """The children the reader may see; the others count in the figures but are not named."""
        return [line for line in self.lines if line.visible]

    @property
    def hidden(self) -> int:
        return sum(not line.visible for line in self.lines)

    @property
    def met(self) -> int:
        return self.counts[Status.MET]

    @property
    def behind(self) -> int:
        return self.counts[Status.BEHIND]

    @property
    def overdue(self) -> int:
        return self.counts[Status.OVERDUE]

    @property
    def average_text(self) -> str:
        return levels.format_average(levels.average_level(self.level_sum, self.assessed))


def children_progress(*, user, as_of: dt.date, indicator: Indicator | None = None,
                      policy_kpi: PolicyKPI | None = None, round: Round | None = None) -> ChildrenProgress:
    links = Cascade.objects.filter(indicator=indicator) if indicator is not None else Cascade.objects.filter(
        policy_kpi=policy_kpi)
    children = list(Indicator.objects.filter(pk__in=links.values("child_id"))
                    .select_related("plan__org_unit", "plan__fiscal_year").order_by("plan__org_unit__tree_path", "number"))
    if not children:
        return ChildrenProgress(round)
    rounds = list(Round.objects.filter(fiscal_year_id=children[0].plan.fiscal_year_id).order_by("closes_on"))
    if round is None or round.fiscal_year_id != children[0].plan.fiscal_year_id:
        round = current_round(rounds, as_of)
    progress = progress_for(children, rounds, as_of)
    visible = set(Indicator.objects.visible_to(user).filter(pk__in=[c.pk for c in children]).values_list("pk", flat=True))
    out = ChildrenProgress(round)
    for child in children:
        rp = progress[child.pk].for_round(round)
        out.lines.append(ChildLine(child, rp.level, rp.target, rp.status, child.pk in visible))
        out.counts[rp.status] += 1
        if rp.has_criteria:
            out.assessed += 1
            out.level_sum += rp.level
    return out


def carried_by(indicator: Indicator) -> list[Cascade]:
    """What this indicator contributes to: the 5G KPIs and indicators it was cascaded from."""
    return list(Cascade.objects.filter(child=indicator).select_related("policy_kpi__org_unit", "indicator__plan__org_unit"))
