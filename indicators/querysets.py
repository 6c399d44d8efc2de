"""Chainable reads of the plan; the single source of truth for who sees and edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.apps import apps
from django.db import models
from django.db.models import Q


@dataclass
class Scope:
    """What one user may reach, worked out once per request (two small queries)."""

    superuser: bool = False
    person_id: int | None = None
    person_unit_ancestors: list[int] = field(default_factory=list)
    admin_paths: list[str] = field(default_factory=list)
    director_paths: list[str] = field(default_factory=list)
    viewer_paths: list[str] = field(default_factory=list)

    @property
    def reader_paths(self) -> list[str]:
        return self.admin_paths + self.director_paths + self.viewer_paths

    @property
    def is_director_anywhere(self) -> bool:
        return self.superuser or bool(self.director_paths or self.admin_paths)

    @property
    def is_admin_anywhere(self) -> bool:
        return self.superuser or bool(self.admin_paths)


def scope_of(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_kpi_scope", None)
    if cached is not None:
        return cached
    # The models import this module (their managers), so they are looked up, not imported.
    Appointment, Person = apps.get_model("indicators", "Appointment"), apps.get_model("indicators", "Person")
    scope = Scope(superuser=user.is_superuser)
    person = Person.objects.filter(user=user).select_related("org_unit").first()
    if person is not None:
        scope.person_id = person.pk
        scope.person_unit_ancestors = person.org_unit.ancestor_ids
    for role, path in Appointment.objects.filter(user=user).values_list("role", "org_unit__tree_path"):
        {"admin": scope.admin_paths, "director": scope.director_paths, "viewer": scope.viewer_paths}[role].append(path)
    user._kpi_scope = scope
    return scope


def _under(prefix: str, paths: list[str]) -> Q:
    return reduce(or_, (Q(**{f"{prefix}__startswith": p}) for p in paths), Q(pk__in=[]))


PUBLISHED = "published"  # ActionPlan.Status.PUBLISHED (models imports this module)


def _plan_visible_q(scope: Scope, prefix: str) -> Q:
    """Administrators and directors see their units' plans, drafts included; viewers and
    staff only published ones (a copied next-year plan stays hidden until it is published)."""
    unit = f"{prefix}org_unit"
    drafts_too = _under(f"{unit}__tree_path", scope.admin_paths + scope.director_paths)
    published = _under(f"{unit}__tree_path", scope.viewer_paths) | Q(**{f"{unit}_id__in": scope.person_unit_ancestors})
    return drafts_too | (published & Q(**{f"{prefix}status": PUBLISHED}))


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_plan_visible_q(scope, ""))

    def published(self):
        return self.filter(status=PUBLISHED)

    def administered_by(self, user):
        """Plans whose definition the user may change: the plan administrator of the unit (or above)."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_under("org_unit__tree_path", scope.admin_paths))

    def directed_by(self, user):
        """Plans whose criteria and targets the user may change: their administrators and directors."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_under("org_unit__tree_path", scope.admin_paths + scope.director_paths))


class IndicatorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)

    def withdrawn(self):
        return self.filter(withdrawn_at__isnull=False)

    def visible_to(self, user):
        """Staff see their own unit's plans; directors, admins and viewers their subtree."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_plan_visible_q(scope, "plan__"))

    def editable_by(self, user):
        """Progress may be changed by the indicator's owners and by administrators."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        q = _under("plan__org_unit__tree_path", scope.admin_paths)
        if scope.person_id is not None:
            q |= self._owner_q(scope) & Q(plan__status=PUBLISHED)
        return self.filter(q)

    def owned_by(self, user):
        """ตัวชี้วัดของฉัน: primary, secondary or one of "all staff"."""
        scope = scope_of(user)
        if scope.person_id is None:
            return self.none()
        return self.filter(self._owner_q(scope), plan__status=PUBLISHED)

    def _owner_q(self, scope: Scope) -> Q:
        IndicatorOwner = apps.get_model("indicators", "IndicatorOwner")
        owned = IndicatorOwner.objects.filter(person_id=scope.person_id).values("indicator_id")
        return Q(pk__in=owned) | Q(all_staff=True, plan__org_unit_id__in=scope.person_unit_ancestors)

    def for_plan(self, plan):
        return self.filter(plan=plan)


class IndicatorManager(models.Manager.from_queryset(IndicatorQuerySet)):
    """Indicator.objects and every plan.indicators: withdrawn indicators are left out.

    Indicator.all_objects (and the base manager used for foreign keys, so a
    history row still reaches its withdrawn indicator) sees them all.
    """

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)
