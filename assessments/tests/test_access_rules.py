"""Permissions in one place (issue 17 point 1): indicators.querysets tested directly.

Beside the permission matrix (which checks every URL × role): here the module
itself answers "which plans / indicators / rounds may this user see, edit,
review, administer", and the helpers built on it (access, the review queue,
the notices and reminders) agree with it.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from assessments import notices, services
from assessments.access import can_administer, can_review
from assessments.models import RoundAssessment
from conftest import make_user
from indicators.models import ActionPlan, Appointment, Indicator, OrgUnit
from indicators.querysets import scope_of, users_who_review
from reports.tests.factories import complete_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def more(users, plan):
    """A department-level director, a monitor (กพร.), and a director of a sibling unit with its own plan."""
    group = plan.org_unit
    department = group.parent
    sibling = OrgUnit.objects.create(name="กองบังคับคดีล้มละลาย ๑", kind=OrgUnit.Kind.DIVISION, parent=department)
    sibling_plan = ActionPlan.objects.create(org_unit=sibling, fiscal_year=plan.fiscal_year, title="แผนกอง")
    Indicator.objects.create(plan=sibling_plan, number=1, name="ตัวชี้วัดของกอง")
    u = {
        "dept_director": make_user("dept_director"),
        "monitor": make_user("monitor"),
        "sibling_director": make_user("sibling_director"),
    }
    Appointment.objects.create(user=u["dept_director"], org_unit=department, role=Appointment.Role.DIRECTOR)
    Appointment.objects.create(user=u["monitor"], org_unit=department, role=Appointment.Role.MONITOR)
    Appointment.objects.create(user=u["sibling_director"], org_unit=sibling, role=Appointment.Role.DIRECTOR)
    return {**users, **u, "sibling_plan": sibling_plan}


def plans_of(qs):
    return set(qs.values_list("org_unit__name", flat=True))


def test_each_question_has_one_answer_per_role(more, plan):
    group, sibling = plan.org_unit.name, more["sibling_plan"].org_unit.name
    P, I = ActionPlan.objects, Indicator.objects
    # See
    assert plans_of(P.visible_to(more["monitor"])) == {group, sibling}
    assert plans_of(P.visible_to(more["dept_director"])) == {group, sibling}
    assert plans_of(P.visible_to(more["director"])) == {group}
    assert plans_of(P.visible_to(more["sibling_director"])) == {sibling}
    assert plans_of(P.visible_to(more["owner"])) == {group}
    # Review (and direct): directors of the unit or above, administrators; never a monitor or a viewer.
    assert plans_of(P.reviewable_by(more["dept_director"])) == {group, sibling}
    assert plans_of(P.reviewable_by(more["director"])) == {group}
    assert plans_of(P.reviewable_by(more["sibling_director"])) == {sibling}
    for reader in ("monitor", "viewer", "owner"):
        assert not P.reviewable_by(more[reader]).exists()
        assert not I.reviewable_by(more[reader]).exists()
    # Administer: administrators only.
    assert plans_of(P.administrable_by(more["admin"])) == {group, sibling}
    assert not P.administrable_by(more["dept_director"]).exists()
    assert I.administrable_by(more["admin"]).count() == I.count()
    # Edit progress: owners (published plans) and administrators, never a director as such.
    assert set(I.editable_by(more["owner"]).values_list("number", flat=True)) >= {1, 2, 3}
    assert not I.editable_by(more["dept_director"]).exists()


def test_the_single_object_checks_are_the_queryset_rules(more, plan):
    ind = plan.indicators.select_related("plan__org_unit").get(number=1)
    sib = more["sibling_plan"].indicators.select_related("plan__org_unit").get()
    for role in ("dept_director", "monitor", "sibling_director", "director", "viewer", "owner", "admin"):
        user = more[role]
        for i in (ind, sib):
            assert can_review(user, i) == Indicator.objects.reviewable_by(user).filter(pk=i.pk).exists(), role
            assert can_administer(user, i) == Indicator.objects.administrable_by(user).filter(pk=i.pk).exists(), role


def test_monitor_reads_but_does_not_review(more, plan):
    scope = scope_of(more["monitor"])
    assert scope.sees_rollup and not scope.is_director_anywhere
    assert scope.reads_subtree(more["sibling_plan"].org_unit.tree_path)
    assert not scope.reviews(plan.org_unit.tree_path)
    staff = scope_of(more["owner"])
    assert not staff.sees_rollup


def test_department_director_is_a_reviewer_and_hears_of_submissions(more, plan, rounds, fy_today):
    fy_today(dt.date(2022, 3, 20))
    ind = plan.indicators.get(number=2)
    reviewers = {u.username for u in users_who_review(plan.org_unit)}
    assert reviewers == {"director", "dept_director", "admin"}
    assert {u.username for u in users_who_review(more["sibling_plan"].org_unit)} == {"sibling_director", "dept_director", "admin"}
    complete_steps(ind, [1], dt.date(2022, 3, 1), more["owner"])
    services.round_submit(indicator=ind, round=rounds[6], by=more["owner"])
    told = set(notices.Notice.objects.filter(kind="round_submitted").values_list("recipient__username", flat=True))
    assert told == {"director", "dept_director", "admin"}


def test_department_director_gets_the_reminder_digest(more, plan):
    call_command("send_reminders", "--date", "2022-03-25", stdout=StringIO(), stderr=StringIO())
    sent = {m.to[0] for m in mail.outbox}
    assert "dept_director@example.go.th" in sent and "director@example.go.th" in sent
    assert "sibling_director@example.go.th" not in sent  # nothing of his unit is behind with criteria
    assert "monitor@example.go.th" not in sent


def test_review_queue_recent_list_is_filtered_in_the_database(more, plan, rounds, fy_today, client):
    """Many decided rounds of a unit the director may not review must not push his own out of "recent"."""
    fy_today(dt.date(2022, 3, 20))
    sib_plan = more["sibling_plan"]
    for n in range(2, 50):
        Indicator.objects.create(plan=sib_plan, number=n, name=f"ตัวชี้วัดกอง {n}")
    own = plan.indicators.get(number=2)
    complete_steps(own, [1], dt.date(2022, 3, 1), more["owner"])
    services.round_submit(indicator=own, round=rounds[6], by=more["owner"])
    services.round_verify(indicator=own, round=rounds[6], by=more["director"])
    later = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    RoundAssessment.objects.bulk_create([
        RoundAssessment(indicator=i, round=rounds[6], status=RoundAssessment.ReviewStatus.VERIFIED, reviewed_at=later,
                        self_level=0, verified_level=0)
        for i in sib_plan.indicators.all()
    ])
    assert RoundAssessment.objects.reviewable_by(more["director"]).filter(status="verified").count() == 1
    client.force_login(more["director"])
    page = client.get(reverse("assessments:review-queue"))
    assert page.status_code == 200
    assert [a.indicator_id for a in page.context["recent"]] == [own.pk]
    client.force_login(more["sibling_director"])
    assert len(client.get(reverse("assessments:review-queue")).context["recent"]) == 20
