"""What a user may read through the API: every list starts from the public visible_to querysets.

A token acts as its user, so these are the same rows the pages show that user
(indicators.querysets is the one source of truth for visibility).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Prefetch, Q

from assessments.models import HistoryEntry, PolicyKPIMeasurement
from indicators.models import (ActionPlan, CriteriaSet, FiscalYear, Indicator, IndicatorOwner, MilestoneStep, OrgUnit,
                               PolicyKPI, Round, Target)

NOTHING = Q(pk__in=[])


def plans_for(user):
    return ActionPlan.objects.visible_to(user)


def indicator_prefetches(prefix: str = "") -> list[Prefetch]:
    return [
        Prefetch(f"{prefix}owners", queryset=IndicatorOwner.objects.select_related("person").order_by("order", "pk")),
        Prefetch(f"{prefix}targets", queryset=Target.objects.select_related("round").order_by("round__closes_on", "pk")),
        Prefetch(f"{prefix}criteria_sets", queryset=CriteriaSet.objects.order_by("round__closes_on", "pk").prefetch_related(
            Prefetch("steps", queryset=MilestoneStep.objects.order_by("number", "pk")))),
    ]


def years_for(user):
    return (FiscalYear.objects.filter(pk__in=plans_for(user).values("fiscal_year_id"))
            .prefetch_related(Prefetch("rounds", queryset=Round.objects.order_by("closes_on", "pk")))
            .order_by("-year_be", "pk"))


def rounds_for(user):
    return (Round.objects.filter(fiscal_year_id__in=plans_for(user).values("fiscal_year_id"))
            .select_related("fiscal_year").order_by("-fiscal_year__year_be", "closes_on", "pk"))


def units_for(user):
    """The units of the plans the user sees and the sections below them."""
    paths = set(plans_for(user).values_list("org_unit__tree_path", flat=True))
    visible = reduce(or_, (Q(tree_path__startswith=p) for p in paths), NOTHING)
    return OrgUnit.objects.filter(visible).order_by("tree_path", "pk")


def plans_with_indicators_for(user):
    indicators = (Indicator.objects.select_related("data_collector").order_by("number", "pk")
                  .prefetch_related(*indicator_prefetches()))
    return (plans_for(user).select_related("fiscal_year", "org_unit")
            .prefetch_related(Prefetch("indicators", queryset=indicators))
            .order_by("-fiscal_year__year_be", "org_unit__tree_path", "pk"))


def indicators_for(user):
    return (Indicator.objects.visible_to(user)
            .select_related("plan__fiscal_year", "data_collector")
            .prefetch_related(*indicator_prefetches())
            .order_by("-plan__fiscal_year__year_be", "plan__org_unit__tree_path", "number", "pk"))


def history_of(indicator):
    return (HistoryEntry.objects.filter(indicator=indicator).select_related("round", "step")
            .order_by("-at", "-pk"))


def kpis_for(user):
    """The 5G KPIs the dashboard shows with the user's plans: of each plan's unit and the units above it
    (reports.rows.kpi_rows), in the plan's year; and of the units below a plan the user sees."""
    plans = plans_for(user).select_related("org_unit").only("fiscal_year_id", "org_unit__tree_path")
    visible = NOTHING
    for plan in plans:
        visible |= Q(fiscal_year_id=plan.fiscal_year_id, org_unit_id__in=plan.org_unit.ancestor_ids)
        visible |= Q(fiscal_year_id=plan.fiscal_year_id, org_unit__tree_path__startswith=plan.org_unit.tree_path)
    measurements = PolicyKPIMeasurement.objects.order_by("measured_on", "recorded_at", "pk")
    return (PolicyKPI.objects.filter(visible).select_related("fiscal_year", "org_unit")
            .prefetch_related(Prefetch("measurements", queryset=measurements))
            .order_by("-fiscal_year__year_be", "org_unit__tree_path", "group_number", "number", "pk"))
