"""Chainable reads of the plan; the single source of truth for who sees, edits, reviews, administers.

Permissions in one place (issue 17, point 1). A user's appointments become a
Scope (lists of tree paths per role); every rule below is written once, as a
path test, and given two ways:

- as a queryset filter, for lists (`ActionPlan.objects.visible_to(user)`,
  `Indicator.objects.reviewable_by(user)`, `users_who_review(unit)` ...);
- as a Scope predicate on a loaded object, for single checks without a query
  (`scope.reviews(path)`, `scope.administers(path)`), used by
  assessments.access and indicators.access.

Roles: admin (changes everything in the subtree), director (reads the
subtree, drafts included; reviews rounds; edits criteria and targets),
monitor (กพร. of the department: reads the subtree and its roll-up), viewer
(reads the subtree). Staff without an appointment read the plans of their own
unit and the units above it. Nothing reaches sideways: the director of one unit
reads nothing of a sibling unit's plan (a 404, as to a stranger), and a
monitor reads all below him but reviews nothing (both roles are in the
permission matrix, kpi_tracker/tests/test_permission_matrix.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import reduce
from operator import or_

from django.apps import apps
from django.db import models
from django.db.models import Q


@dataclass
class Scope:
    """What one user may reach: two small queries, then cached until a Person, Appointment or OrgUnit
    changes (indicators.readers.Reader), so most requests ask the cache alone."""

    superuser: bool = False
    person_id: int | None = None
    person_unit_ancestors: list[int] = field(default_factory=list)
    admin_paths: list[str] = field(default_factory=list)
    director_paths: list[str] = field(default_factory=list)
    viewer_paths: list[str] = field(default_factory=list)
    monitor_paths: list[str] = field(default_factory=list)

    @property
    def reader_paths(self) -> list[str]:
        return self.admin_paths + self.director_paths + self.viewer_paths + self.monitor_paths

    @property
    def reviewer_paths(self) -> list[str]:
        """Where rounds may be decided and criteria changed: directors and administrators."""
        return self.director_paths + self.admin_paths

    def reviews(self, tree_path: str) -> bool:
        """May decide the rounds of (and direct) a plan of the unit at tree_path."""
        return self.superuser or any(tree_path.startswith(p) for p in self.reviewer_paths)

    def administers(self, tree_path: str) -> bool:
        return self.superuser or any(tree_path.startswith(p) for p in self.admin_paths)

    def edits(self, indicator, owner_ids) -> bool:
        """IndicatorQuerySet.editable_by for one loaded indicator (its plan and the plan's unit loaded),
        given the Person ids of its owners: progress is changed by the plan's administrators, and by the
        indicator's owners (or, for an "all staff" indicator, the staff of the plan's unit and the units
        below it) while the plan is published; never on a withdrawn indicator."""
        if indicator.withdrawn_at is not None:
            return False
        plan = indicator.plan
        if self.administers(plan.org_unit.tree_path):
            return True
        return self.person_id is not None and plan.status == PUBLISHED and (
            self.person_id in owner_ids or (indicator.all_staff and plan.org_unit_id in self.person_unit_ancestors))

    def reads_subtree(self, tree_path: str) -> bool:
        """Holds an appointment (any role) on the unit at tree_path or above it."""
        return self.superuser or any(tree_path.startswith(p) for p in self.reader_paths)

    @property
    def sees_rollup(self) -> bool:
        """The department roll-up: anyone appointed to read a subtree (its rows are what they may see)."""
        return self.superuser or bool(self.reader_paths)

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
    from . import readers

    # The models import this module (their managers), so they are looked up, not imported.
    Appointment, Person = apps.get_model("indicators", "Appointment"), apps.get_model("indicators", "Person")
    reader = readers.reader(user)
    found = reader.get("scope")  # (scope, person) as the last request read them, if nothing changed since
    if found is None:
        scope = Scope()
        person = Person.objects.filter(user=user).select_related("org_unit").first()
        if person is not None:
            scope.person_id = person.pk
            scope.person_unit_ancestors = person.org_unit.ancestor_ids
        for role, path in Appointment.objects.filter(user=user).values_list("role", "org_unit__tree_path"):
            {"admin": scope.admin_paths, "director": scope.director_paths, "viewer": scope.viewer_paths,
             "monitor": scope.monitor_paths}[role].append(path)
        reader.put("scope", (scope, person))
    else:
        scope, person = found
    scope = replace(scope, superuser=user.is_superuser)  # the account as loaded now, never as cached
    # Kept as user.person too, so naming the user (display_name, the menu bar) asks nothing more.
    Person.user.field.remote_field.set_cached_value(user, person)
    user._kpi_scope = scope
    return scope


def _under(prefix: str, paths: list[str]) -> Q:
    return reduce(or_, (Q(**{f"{prefix}__startswith": p}) for p in paths), Q(pk__in=[]))


PUBLISHED = "published"  # ActionPlan.PublicationStatus.PUBLISHED (models imports this module)


def _plan_visible_q(scope: Scope, prefix: str) -> Q:
    """Administrators and directors see their units' plans, drafts included; viewers and
    staff only published ones (a copied next-year plan stays hidden until it is published)."""
    unit = f"{prefix}org_unit"
    drafts_too = _under(f"{unit}__tree_path", scope.admin_paths + scope.director_paths)
    published = _under(f"{unit}__tree_path", scope.viewer_paths + scope.monitor_paths) | Q(**{f"{unit}_id__in": scope.person_unit_ancestors})
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

    administrable_by = administered_by

    def directed_by(self, user):
        """Plans whose criteria and targets the user may change: their administrators and directors."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_under("org_unit__tree_path", scope.reviewer_paths))

    # Whoever directs a plan decides its rounds (Scope.reviews): one rule, two names.
    reviewable_by = directed_by


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

    def reviewable_by(self, user):
        """Indicators whose submitted rounds the user may verify or return (Scope.reviews)."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_under("plan__org_unit__tree_path", scope.reviewer_paths))

    directed_by = reviewable_by

    def administrable_by(self, user):
        """Indicators whose plan the user administers (reopen rounds, removed evidence; Scope.administers)."""
        scope = scope_of(user)
        if scope.superuser:
            return self
        return self.filter(_under("plan__org_unit__tree_path", scope.admin_paths))

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


def users_who_review(org_unit):
    """Active users who may decide the rounds of a plan of org_unit (Scope.reviews, as a query):
    superusers, and directors and administrators of the unit or of any unit above it."""
    from django.contrib.auth import get_user_model

    Appointment = apps.get_model("indicators", "Appointment")
    appointed = Appointment.objects.filter(
        org_unit_id__in=org_unit.ancestor_ids, role__in=[Appointment.Role.DIRECTOR, Appointment.Role.ADMIN]
    ).values("user_id")
    return get_user_model().objects.filter(Q(is_superuser=True) | Q(pk__in=appointed), is_active=True).order_by("pk")


def reviewer_appointments(org_unit_ids):
    """Director appointments that cover any of the given units (on the unit or above it), with their users:
    the directors a reminder about those units reaches (the same rule as Scope.reviews)."""
    Appointment, OrgUnit = apps.get_model("indicators", "Appointment"), apps.get_model("indicators", "OrgUnit")
    ancestors = set()
    for path in OrgUnit.objects.filter(pk__in=list(org_unit_ids)).values_list("tree_path", flat=True):
        ancestors.update(int(x) for x in path.strip("/").split("/") if x)
    return Appointment.objects.filter(role=Appointment.Role.DIRECTOR, org_unit_id__in=ancestors).select_related(
        "user", "org_unit")
