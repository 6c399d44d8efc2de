"""get_<thing>_for_user for the plan pages: the object, 404 to outsiders, 403 to read-only users.

Who may change what (issue 15): the plan administrator of the unit (Appointment
role admin on the unit or above) and superusers change everything; the unit's
director changes criteria and targets. Reads go through ActionPlan.objects.visible_to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .models import ActionPlan, Indicator
from .querysets import scope_of

PLAN = "plan"  # the whole definition: plan administrators
CRITERIA = "criteria"  # criteria and targets: administrators and directors


def _visible_plan(user, pk) -> ActionPlan:
    try:
        return ActionPlan.objects.visible_to(user).select_related("fiscal_year", "org_unit").get(pk=pk)
    except (ActionPlan.DoesNotExist, ValueError, TypeError):
        raise Http404(_("ไม่พบแผนปฏิบัติการนี้"))


def may_administer(user, plan: ActionPlan) -> bool:
    """ActionPlan.objects.administrable_by, for one loaded plan (no query)."""
    return scope_of(user).administers(plan.org_unit.tree_path)


def may_direct(user, plan: ActionPlan) -> bool:
    """ActionPlan.objects.directed_by, for one loaded plan (no query)."""
    return scope_of(user).reviews(plan.org_unit.tree_path)


def get_plan_for_user(user, pk, *, edit: str = CRITERIA) -> ActionPlan:
    """The plan's administration pages: read by its directors too; `edit` says which right is needed."""
    plan = _visible_plan(user, pk)
    if edit == PLAN and not may_administer(user, plan):
        raise PermissionDenied(_("เฉพาะผู้ดูแลระบบของหน่วยงานนี้ที่แก้ไขแผนปฏิบัติการได้"))
    if edit == CRITERIA and not may_direct(user, plan):
        raise PermissionDenied(_("เฉพาะผู้ดูแลระบบหรือผู้อำนวยการของหน่วยงานนี้ที่แก้ไขเกณฑ์การให้คะแนนและค่าเป้าหมายได้"))
    return plan


def get_indicator_for_user(user, pk, *, edit: str = CRITERIA) -> Indicator:
    try:
        indicator = Indicator.objects.select_related("plan__fiscal_year", "plan__org_unit", "data_collector").get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError):
        raise Http404(_("ไม่พบตัวชี้วัดนี้"))
    plan = get_plan_for_user(user, indicator.plan_id, edit=edit)
    indicator.plan = plan
    return indicator
