"""Moving an org unit (issue 13): the whole branch's paths move in one transaction, so
what each director may see follows the move; a unit cannot go under itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import make_user
from indicators import services
from indicators.models import Appointment, Indicator, OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(plan):
    """department > {group (the plan's), other division}; group > section > team."""
    group = plan.org_unit
    department = group.parent
    other = OrgUnit.objects.create(name="สำนักอื่น", kind=OrgUnit.Kind.DIVISION, parent=department)
    section = OrgUnit.objects.create(name="ฝ่ายหนึ่ง", kind=OrgUnit.Kind.SECTION, parent=group)
    team = OrgUnit.objects.create(name="งานย่อย", kind=OrgUnit.Kind.OFFICE, parent=section)
    return {"department": department, "group": group, "other": other, "section": section, "team": team}


def fresh(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(pk=unit.pk)


def assert_paths_consistent() -> None:
    for unit in OrgUnit.objects.select_related("parent"):
        expected = (unit.parent.tree_path if unit.parent else "/") + f"{unit.pk}/"
        assert unit.tree_path == expected, unit.name


def test_moving_a_unit_moves_what_its_directors_may_see(tree, users):
    other_director = make_user("other_director")
    Appointment.objects.create(user=other_director, org_unit=tree["other"], role=Appointment.Role.DIRECTOR)
    plan_indicators = set(Indicator.objects.filter(plan__org_unit=tree["group"]).values_list("pk", flat=True))
    assert not Indicator.objects.visible_to(other_director).exists()

    services.org_unit_move(unit=tree["group"], new_parent=tree["other"], by=users["admin"])

    assert fresh(tree["group"]).parent_id == tree["other"].pk
    assert fresh(tree["team"]).tree_path.startswith(fresh(tree["other"]).tree_path)
    assert_paths_consistent()
    assert set(Indicator.objects.visible_to(other_director).values_list("pk", flat=True)) == plan_indicators
    # The group's own director still sees them; the department's viewer too (the group is still below it).
    assert set(Indicator.objects.visible_to(users["director"]).values_list("pk", flat=True)) == plan_indicators
    assert set(Indicator.objects.visible_to(users["viewer"]).values_list("pk", flat=True)) >= plan_indicators


@pytest.mark.parametrize("under", ["group", "section", "team"])
def test_a_unit_cannot_go_under_itself_or_its_own_branch(tree, users, under):
    before = dict(OrgUnit.objects.values_list("pk", "tree_path"))
    with pytest.raises(ValidationError) as refused:
        services.org_unit_move(unit=tree["group"], new_parent=tree[under], by=users["admin"])
    assert "ไม่ได้" in refused.value.messages[0]
    assert dict(OrgUnit.objects.values_list("pk", "tree_path")) == before


def admin_change(client, unit, parent):
    url = reverse("admin:indicators_orgunit_change", args=[unit.pk])
    return client.post(url, {"name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
                             "parent": parent.pk if parent else ""})


def test_the_admin_moves_the_whole_branch(client, tree, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-1"))
    response = admin_change(client, tree["section"], tree["other"])
    assert response.status_code == 302
    assert fresh(tree["section"]).parent_id == tree["other"].pk
    assert fresh(tree["team"]).tree_path == f"{fresh(tree['other']).tree_path}{tree['section'].pk}/{tree['team'].pk}/"
    assert_paths_consistent()


def test_the_admin_refuses_a_cycle_with_a_thai_message(client, tree, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-1"))
    before = dict(OrgUnit.objects.values_list("pk", "tree_path"))
    response = admin_change(client, tree["department"], tree["team"])
    assert response.status_code == 200
    assert "เป็นหน่วยงานในสังกัดของ" in response.content.decode()
    assert dict(OrgUnit.objects.values_list("pk", "tree_path")) == before
    response = admin_change(client, tree["group"], tree["group"])
    assert "สังกัดตัวเองไม่ได้" in response.content.decode()
    assert dict(OrgUnit.objects.values_list("pk", "tree_path")) == before
