"""ถ่ายทอดตัวชี้วัด: set on the plan pages (validated, with history), shown on the parent's and the child's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from indicators import services
from indicators.models import ActionPlan, Cascade, Indicator, OrgUnit, PlanChange, PolicyKPI
from reports.rollup import build_rollup
from reports.demo_department import MONITOR_USERNAME, build_department

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def dept(fy_today):
    fy_today(TODAY)
    build_department(units=8, indicators=6, year_be=2569, today=TODAY)
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=MONITOR_USERNAME)


def test_a_child_must_be_below_its_parent_in_the_same_year(dept, fy_today):
    office = OrgUnit.objects.get(name="สำนักงานบังคับคดีจังหวัดนนทบุรี")
    branch = OrgUnit.objects.get(parent=office)
    other = OrgUnit.objects.filter(kind="provincial").exclude(pk=office.pk).first()
    parent = Indicator.objects.get(plan__org_unit=office, number=2)
    child = Indicator.objects.get(plan__org_unit=branch, number=2)
    sideways = Indicator.objects.get(plan__org_unit=other, number=2)
    before = Cascade.objects.count()
    with pytest.raises(services.PlanError):
        services.cascade_set(child=parent, parent=child, by=None)  # upwards
    with pytest.raises(services.PlanError):
        services.cascade_set(child=sideways, parent=parent, by=None)  # a sibling unit
    assert Cascade.objects.count() == before
    link = services.cascade_set(child=child, parent=parent, by=None)
    assert PlanChange.objects.filter(indicator=child, action="cascade_set").exists()
    with pytest.raises(services.PlanError):
        services.cascade_set(child=child, parent=parent, by=None)  # twice
    services.cascade_unset(link=link, by=None)
    assert not Cascade.objects.filter(pk=link.pk).exists()
    assert PlanChange.objects.filter(indicator=child, action="cascade_unset").exists()


def test_pages_show_what_a_child_carries_and_what_the_parents_children_reached(dept, client):
    branch = OrgUnit.objects.filter(kind="branch").first()
    child = Indicator.objects.get(plan__org_unit=branch, number=6)
    link = Cascade.objects.get(child=child, indicator__isnull=False)
    client.force_login(dept)
    page = client.get(reverse("assessments:indicator", args=[child.pk]))
    assert page.status_code == 200
    assert page.context["carried_by"] == [link] and "รับการถ่ายทอดจาก" in page.content.decode()
    parent_page = client.get(reverse("assessments:indicator", args=[link.indicator_id]))
    children = parent_page.context["cascade_children"]
    assert children.total == 1 and children.lines[0].indicator == child
    # The child's status is the one the roll-up (the row source) gives its unit.
    rollup = build_rollup(user=dept, params={"round": str(children.round.months)}, today=TODAY)
    row = next(r for r in rollup.rows if r.unit_id == branch.pk)
    assert row.summary.counts[children.lines[0].status] >= 1


def test_the_cascade_form_sets_and_unsets_without_javascript(dept, client):
    from django.contrib.auth import get_user_model

    branch = OrgUnit.objects.filter(kind="branch").first()
    director = get_user_model().objects.get(username=f"dir-{branch.pk}")
    child = Indicator.objects.get(plan__org_unit=branch, number=5)
    kpi = PolicyKPI.objects.filter(fiscal_year__year_be=2569).exclude(cascades__child=child).first()
    client.force_login(director)
    url = reverse("indicators:cascade-edit", args=[child.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"action": "set", "parent": "kpi-999999"})
    assert bad.status_code == 400 and "กรุณาเลือก" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()  # crispy marks the field beside its reason
    gone = client.post(url, {"action": "unset", "link": "999999"})
    assert gone.status_code == 400 and "ไม่พบการถ่ายทอดที่จะยกเลิก" in gone.content.decode()
    assert client.post(url, {"action": "set", "parent": f"kpi-{kpi.pk}"}).status_code == 302
    link = Cascade.objects.get(child=child, policy_kpi=kpi)
    assert client.post(url, {"action": "unset", "link": str(link.pk)}).status_code == 302
    assert not Cascade.objects.filter(pk=link.pk).exists()
    # Another unit's indicator: hidden (404).
    other = Indicator.objects.exclude(plan__org_unit__tree_path__startswith=branch.tree_path).filter(
        plan__fiscal_year__year_be=2569).first()
    assert client.get(reverse("indicators:cascade-edit", args=[other.pk])).status_code == 404
    assert ActionPlan.objects.filter(org_unit=branch).exists()


def test_the_5g_kpi_card_counts_the_units_it_was_cascaded_to(dept, client):
    from reports import rows as row_source

    kpi = PolicyKPI.objects.filter(fiscal_year__year_be=2569).order_by("number").first()
    plan = ActionPlan.objects.filter(fiscal_year__year_be=2569).first()
    client.force_login(dept)
    page = client.get(reverse("reports:dashboard"), {"plan": plan.pk})
    assert page.status_code == 200
    card = page.context["kpi_cascades"][kpi.pk]
    assert card.total == 8  # every unit's indicator 1 carries KPI 1
    children = list(Indicator.objects.filter(cascaded_from__policy_kpi=kpi))
    rounds = row_source.plan_rounds(plan)
    rows, _ = row_source.rows_for_indicators(children, rounds=rounds, round=page.context["round"],
                                             as_of=page.context["as_of"])
    assert card.counts == row_source.summarise(rows).overall.counts
    assert f'data-cascade="{kpi.pk}"' in page.content.decode()


def test_a_reader_who_may_not_see_a_child_gets_its_figures_not_its_name(dept, client):
    """Staff of the parent's unit read the parent indicator: its children below them count, unnamed."""
    from django.contrib.auth import get_user_model

    from indicators.models import Person

    link = Cascade.objects.filter(indicator__isnull=False).select_related("indicator__plan__org_unit", "child").first()
    office = link.indicator.plan.org_unit
    user = get_user_model().objects.create_user("staff-of-office", password="pw-not-used-123")
    Person.objects.create(title="นาง", first_name="สมใจ", last_name="ทดสอบ", org_unit=office, user=user)
    assert not Indicator.objects.visible_to(user).filter(pk=link.child_id).exists()
    client.force_login(user)
    page = client.get(reverse("assessments:indicator", args=[link.indicator_id]))
    html = page.content.decode()
    children = page.context["cascade_children"]
    assert children.total >= 1 and children.hidden >= 1
    child_unit = link.child.plan.org_unit.name  # (a child often has its parent's name)
    assert child_unit not in html and "ไม่มีสิทธิ์ดูรายละเอียด" in html
    client.force_login(get_user_model().objects.get(username=MONITOR_USERNAME))  # sees every unit: named
    assert child_unit in client.get(reverse("assessments:indicator", args=[link.indicator_id])).content.decode()
