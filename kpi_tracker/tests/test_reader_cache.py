"""Issue 19: what every page asks about its reader (Scope, Person, unread notices) is cached per user
(indicators.readers), and no reader ever acts on a stale copy: rights taken away, rights given, a name
changed, a unit moved, a notice sent or read all show on the very next request."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import notices, services
from indicators.models import Appointment, OrgUnit, Person

pytestmark = pytest.mark.django_db


def nav(client) -> str:
    body = client.get(reverse("assessments:my-indicators")).content.decode()
    menu = body[body.index('id="mainnav"'):body.index("</nav>")]
    return " ".join(re.sub(r"<[^>]+>", " ", menu).split())


def test_a_director_whose_appointment_ends_loses_the_plan_on_the_next_request(client, users, indicator):
    client.force_login(users["director"])
    page = reverse("assessments:indicator", args=[indicator.pk])
    assert client.get(page).status_code == 200 and "รอตรวจสอบ" in nav(client)  # cached from here on
    Appointment.objects.filter(user=users["director"]).delete()
    assert client.get(page).status_code == 404
    assert "รอตรวจสอบ" not in nav(client)


def test_a_new_appointment_gives_its_rights_on_the_next_request(client, users, indicator):
    client.force_login(users["owner"])
    assert "ภาพรวมระดับกรม" not in nav(client)
    Appointment.objects.create(user=users["owner"], org_unit=indicator.plan.org_unit.parent,
                               role=Appointment.Role.MONITOR)
    assert "ภาพรวมระดับกรม" in nav(client)


def test_a_renamed_person_is_named_anew_on_the_next_request(client, users):
    client.force_login(users["owner"])
    assert "สุวิมล นาครอด" in nav(client)
    person = Person.objects.get(user=users["owner"])
    person.last_name = "ทดสอบเปลี่ยนชื่อ"
    person.save()
    assert "สุวิมล ทดสอบเปลี่ยนชื่อ" in nav(client)


def test_a_unit_moved_is_read_at_its_new_place_on_the_next_request(client, users, indicator):
    """A viewer appointed on the group: her Scope holds the group's tree path. Moved under a division (an
    update of tree paths that sends no signal), the group's plan stays readable to her at once."""
    from conftest import make_user
    from indicators.services import org_unit_move

    group = indicator.plan.org_unit
    reader = make_user("group_viewer")
    Appointment.objects.create(user=reader, org_unit=group, role=Appointment.Role.VIEWER)
    client.force_login(reader)
    page = reverse("assessments:indicator", args=[indicator.pk])
    assert client.get(page).status_code == 200  # her Scope is cached from here on
    division = OrgUnit.objects.create(name="กองทดสอบ", kind=OrgUnit.Kind.DIVISION, parent=group.parent)
    org_unit_move(unit=group, new_parent=division, by=users["admin"])
    assert client.get(page).status_code == 200


def test_notices_sent_and_read_change_the_count_on_the_next_request(client, users, indicator):
    client.force_login(users["owner"])
    assert "การแจ้งเตือน รายการ" not in nav(client) and nav(client).count("การแจ้งเตือน") == 1
    notices.notify(recipients=[users["owner"]], kind="reminder", title="ทดสอบ", link="/my/")
    assert "การแจ้งเตือน 1 " in nav(client) + " "
    services.notice_mark_read(user=users["owner"])
    assert "การแจ้งเตือน 1 " not in nav(client) + " "


def test_a_cached_indicator_page_asks_the_database_three_times(client, users, indicator):
    """Session, user and the indicator (whether this reader may see it); the reader's Scope, name and
    unread count, the plan's version and the page content come from the cache."""
    client.force_login(users["director"])
    page = reverse("assessments:indicator", args=[indicator.pk])
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    tables = [re.search(r'FROM "(\w+)"', q["sql"]).group(1) for q in queries.captured_queries]
    assert tables == ["django_session", "auth_user", "indicators_indicator"]


def test_the_menu_bar_kept_between_requests_carries_each_requests_own_token_and_address(users):
    """The bar is rendered once per combination of what it shows (assessments/templatetags/chrome.py);
    its CSRF token and the language switch's return address are the request's own, escaped."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["owner"])
    client.get(reverse("assessments:my-indicators"))
    body = client.get(reverse("assessments:my-indicators") + "?round=1&x=2").content.decode()
    assert '<input name="next" type="hidden" value="/my/?round=1&amp;x=2">' in body
    logout = re.search(r'<form action="/accounts/logout/" method="post"><input type="hidden" '
                       r'name="csrfmiddlewaretoken" value="([^"]+)">', body)
    assert logout and "kpinav" not in body
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": logout.group(1)}).status_code == 302
    assert client.get(reverse("assessments:my-indicators")).status_code == 302  # signed out
