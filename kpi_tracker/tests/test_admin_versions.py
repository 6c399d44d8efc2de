"""Django admin edits replace the plan versions, so no reader sees a page cached before them.

The dashboard's rows and its rendered table are cached under the plan's version
(indicators/versions.py); the write services replace it, and so must the admin, which goes
around them (indicators/admin.py BumpsPlanVersion). Each test fills the cache through the
dashboard, edits through the admin's own forms (as a superuser would) and reads again.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from indicators import versions
from indicators.admin import BumpsPlanVersion
from indicators.models import ActionPlan, OrgUnit, Target

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")


def form_data(response) -> dict:
    """What the admin's change form would send back unchanged: the main form and every inline."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture
def superuser(users):
    users["admin"].is_superuser = True
    users["admin"].save()
    return users["admin"]


@pytest.fixture
def reader(client, users, plan, fy_today):
    """The director's dashboard, read once so that its rows and table are in the cache."""
    fy_today(dt.date(2022, 5, 16))
    client.force_login(users["director"])
    assert client.get(DASHBOARD, {"plan": plan.pk}).status_code == 200
    return client


def admin_save(admin_client, url, **changes):
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(url, {**form_data(page), **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def row(response, number):
    return next(r for r in response.context["all_rows"] if r.number == number)


def test_an_indicator_renamed_in_the_admin_is_on_the_next_dashboard(reader, client, superuser, plan):
    from django.test import Client

    one = plan.indicators.get(number=1)
    cached = reader.get(DASHBOARD, {"plan": plan.pk})  # served from the cache: no rows built
    assert "all_rows" not in cached.context and one.name in cached.content.decode()
    admin_client = Client()
    admin_client.force_login(superuser)
    admin_save(admin_client, reverse("admin:indicators_indicator_change", args=[one.pk]),
               name="ชื่อใหม่จากหน้าผู้ดูแลระบบ")
    fresh = reader.get(DASHBOARD, {"plan": plan.pk})
    assert row(fresh, 1).name == "ชื่อใหม่จากหน้าผู้ดูแลระบบ"
    assert "ชื่อใหม่จากหน้าผู้ดูแลระบบ" in fresh.content.decode()


def test_a_target_changed_in_an_inline_is_on_the_next_dashboard(reader, superuser, plan, rounds):
    from django.test import Client

    one = plan.indicators.get(number=1)
    target = Target.objects.get(indicator=one, round=rounds[12])
    admin_client = Client()
    admin_client.force_login(superuser)
    url = reverse("admin:indicators_indicator_change", args=[one.pk])
    page = admin_client.get(url)
    inline = next(i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is Target)
    form = next(f for f in inline.forms if f.instance.pk == target.pk)
    new_level = 4 if target.level != 4 else 3
    admin_save(admin_client, url, **{form.add_prefix("level"): str(new_level)})
    fresh = reader.get(DASHBOARD, {"plan": plan.pk, "round": rounds[12].pk})
    assert row(fresh, 1).target == new_level


def test_a_unit_moved_in_the_admin_changes_every_plan_below_it(reader, superuser, plan):
    from django.test import Client

    group, department = plan.org_unit, plan.org_unit.parent
    division = OrgUnit.objects.create(name="สำนักบริหารกลาง", kind=OrgUnit.Kind.DIVISION, parent=department)
    section = OrgUnit.objects.filter(parent=group).first()
    section_plan = ActionPlan.objects.create(org_unit=section, fiscal_year=plan.fiscal_year, title="แผนของฝ่าย")
    before = {p: versions.token(p) for p in (plan.pk, section_plan.pk)}
    admin_client = Client()
    admin_client.force_login(superuser)
    admin_save(admin_client, reverse("admin:indicators_orgunit_change", args=[group.pk]), parent=str(division.pk))
    group.refresh_from_db()
    section.refresh_from_db()
    assert group.parent == division and section.tree_path.startswith(division.tree_path)  # the whole branch moved
    assert all(versions.token(p) != token for p, token in before.items())


def test_every_admin_that_can_write_replaces_the_versions(rf, superuser):
    """A new admin of a model the pages show must take the mixin (or stay read-only, like progress)."""
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("indicators", "assessments"):
            continue
        writes = (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                  or model_admin.has_delete_permission(request))
        assert not writes or isinstance(model_admin, BumpsPlanVersion), model.__name__


def test_an_indicator_stays_in_its_plan(superuser, plan):
    from django.test import Client

    admin_client = Client()
    admin_client.force_login(superuser)
    one = plan.indicators.get(number=1)
    page = admin_client.get(reverse("admin:indicators_indicator_change", args=[one.pk]))
    assert "plan" not in page.context["adminform"].form.fields  # shown, not editable
