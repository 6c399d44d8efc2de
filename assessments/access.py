"""get_<thing>_for_user: the object, a 404 to outsiders, PermissionDenied to read-only users.

"Missing" and "forbidden to see" look the same (404); "may see but not
change" is a 403. Every rule lives in indicators.querysets (the querysets for
lists, the Scope predicates for one loaded object); this module only applies them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from indicators import structure
from indicators.models import ActionPlan, Indicator, MilestoneStep
from indicators.querysets import scope_of

from .models import Evidence


def get_indicator_for_user(user, pk, *, for_edit: bool = False) -> Indicator:
    related = ("plan__fiscal_year", "plan__org_unit", "data_collector")
    if for_edit:
        # A write asks once: the indicators the user may edit are among those they may see (can_edit).
        # Only a refusal asks again, to tell a reader who may see it (403) from a stranger (404).
        try:
            return Indicator.objects.editable_by(user).select_related(*related).get(pk=pk)
        except (Indicator.DoesNotExist, ValueError, TypeError):
            pass
    try:
        indicator = Indicator.objects.visible_to(user).select_related(*related).get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError):
        raise Http404(_("ไม่พบตัวชี้วัดนี้"))
    if for_edit:
        raise PermissionDenied(_("คุณไม่ได้เป็นผู้รับผิดชอบตัวชี้วัดนี้ จึงบันทึกผลไม่ได้"))
    return indicator


def can_edit(user, indicator: Indicator) -> bool:
    """Indicator.objects.editable_by for one loaded indicator: the unit's administrators (no query), or
    its owners while the plan is published (a query, asked only of someone with a Person: an owner)."""
    scope = scope_of(user)
    if scope.administers(indicator.plan.org_unit.tree_path):
        return True
    if scope.person_id is None:
        return False
    return Indicator.objects.editable_by(user).filter(pk=indicator.pk).exists()


def can_review(user, indicator: Indicator) -> bool:
    """The director (ผู้กำกับดูแลตัวชี้วัด) of the plan's unit, or an administrator."""
    return scope_of(user).reviews(indicator.plan.org_unit.tree_path)


def can_administer(user, indicator: Indicator) -> bool:
    return scope_of(user).administers(indicator.plan.org_unit.tree_path)


def get_step_for_user(user, pk, *, for_edit: bool = False) -> MilestoneStep:
    """The step, its criteria set and indicator loaded. A write asks the cached structure and the reader's
    Scope (no query: indicators/structure.py, Scope.edits); only a refusal asks the database, to tell a
    reader who may see it (403) from a stranger (404)."""
    if for_edit:
        scope = scope_of(user)  # first: its round trip to the cache brings the structure token along
        place = structure.step_place(pk)
        if place is not None and scope.edits(place.indicator, place.owner_ids):
            return place.step
    try:
        step = MilestoneStep.objects.select_related("criteria_set").get(pk=pk)
    except (MilestoneStep.DoesNotExist, ValueError, TypeError):
        raise Http404(_("ไม่พบขั้นตอนนี้"))
    indicator = get_indicator_for_user(user, step.criteria_set.indicator_id, for_edit=for_edit)
    step.criteria_set.indicator = indicator
    return step


def get_evidence_for_user(user, pk, *, for_edit: bool = False) -> Evidence:
    try:
        evidence = Evidence.objects.select_related("completion__step__criteria_set").get(pk=pk)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404(_("ไม่พบเอกสารหลักฐาน"))
    indicator = get_indicator_for_user(user, evidence.completion.step.criteria_set.indicator_id, for_edit=for_edit)
    # Removed evidence is gone for everyone but administrators (who may need it for an audit).
    if evidence.removed_at is not None and not can_administer(user, indicator):
        raise Http404(_("ไม่พบเอกสารหลักฐาน"))
    return evidence


def get_plan_for_user(user, pk=None) -> ActionPlan | None:
    """A plan the user may see: the one asked for, else the newest one they can see."""
    qs = ActionPlan.objects.visible_to(user).select_related("fiscal_year", "org_unit")
    if pk not in (None, ""):
        try:
            return qs.get(pk=pk)
        except (ActionPlan.DoesNotExist, ValueError, TypeError):
            raise Http404(_("ไม่พบแผนปฏิบัติการนี้"))
    return qs.order_by("-fiscal_year__year_be", "org_unit__tree_path").first()
