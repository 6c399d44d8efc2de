"""Shared test fixtures: the real FY 2565 plan and one user per role.

Roles (see DESIGN.md): owner (primary owner of indicator 1), coowner (its
secondary owner), other_staff (a member of the group who owns neither),
director, viewer, administrator, and anonymous; `department_users` adds two
department roles: the director of a sibling unit (with its own plan) and the
department monitor (กพร.).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

ROOT = Path(__file__).resolve().parent
PLAN_JSON = ROOT / "fixtures" / "plan_2565.json"


def pytest_configure(config):
    if os.environ.get("KPI_REQUIRE_POSTGRES"):
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError("KPI_REQUIRE_POSTGRES is set but DATABASE_URL does not point at PostgreSQL")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (local memory, or the Redis database of REDIS_URL):
    a database rolled back between tests may reuse primary keys that cached rows were keyed by."""
    from django.core.cache import cache

    from indicators import structure, tokens, versions

    cache.clear()
    # The indicator -> plan map is kept in memory because an indicator never moves; a database rolled
    # back between tests gives the same primary key to another test's indicator of another plan.
    versions._plan_of_indicator.clear()
    structure.clear_local()
    tokens.request_finished()  # no tokens kept from a request of an earlier test
    yield


@pytest.fixture(autouse=True)
def _thai_by_default():
    """Each test starts in Thai, the site's language: a request in English (the language switch) or a
    thread that a page test left in English must not change what the next test in this worker reads."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path_factory):
    """Uploaded evidence goes to a throw-away folder, never the developer's var/evidence."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("evidence")
    # The PDF throttle's slot files too: tests in parallel processes never hold each other's slots.
    settings.VAR_DIR = tmp_path_factory.mktemp("var")


@pytest.fixture
def plan_data():
    return json.loads(PLAN_JSON.read_text(encoding="utf-8"))


@pytest.fixture
def plan(db, plan_data):
    from indicators.services import plan_load

    return plan_load(data=plan_data).plan


def make_user(username: str, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw-not-used-123", email=f"{username}@example.go.th", **extra)
    return user


def link_person(user, first_name: str):
    from indicators.models import Person

    person = Person.objects.get(first_name=first_name)
    person.user = user
    person.save(update_fields=["user"])
    return person


@pytest.fixture
def users(plan):
    """One user per role, linked to the plan's people and org units."""
    from indicators.models import Appointment

    group = plan.org_unit
    department = group.parent
    u = {
        "owner": make_user("owner"),  # น.ส.สุวิมล นาครอด: primary owner of 1-8
        "coowner": make_user("coowner"),  # นายพัชรเมศร์: secondary owner of 1, 9, 10
        "other_staff": make_user("other_staff"),  # นายจักรพันธ์: owns 24-30 only
        "director": make_user("director"),
        "viewer": make_user("viewer"),
        "admin": make_user("admin", is_staff=True),
    }
    link_person(u["owner"], "สุวิมล")
    link_person(u["coowner"], "พัชรเมศร์")
    link_person(u["other_staff"], "จักรพันธ์")
    Appointment.objects.create(user=u["director"], org_unit=group, role=Appointment.Role.DIRECTOR)
    Appointment.objects.create(user=u["viewer"], org_unit=department, role=Appointment.Role.VIEWER)
    Appointment.objects.create(user=u["admin"], org_unit=department, role=Appointment.Role.ADMIN)
    return u


SIBLING_UNIT = "กองบังคับคดีล้มละลาย ๑"


@pytest.fixture
def department_users(users, plan):
    """`users` and two department roles beside the group's (issue 18):

    - sibling_director: a member and the director of a sibling unit of the group (a กอง under the
      same department) that has its own published plan of one indicator; of the group's plan he
      may see nothing a stranger may not;
    - monitor: the department monitoring role (กพร.), appointed on the department: reads every
      plan and the roll-up, reviews and changes nothing.
    """
    from indicators.models import ActionPlan, Appointment, Indicator, OrgUnit, Person

    department = plan.org_unit.parent
    sibling = OrgUnit.objects.create(name=SIBLING_UNIT, kind=OrgUnit.Kind.DIVISION, parent=department)
    sibling_plan = ActionPlan.objects.create(org_unit=sibling, fiscal_year=plan.fiscal_year, title="แผนของกอง")
    Indicator.objects.create(plan=sibling_plan, number=1, name="ตัวชี้วัดของกอง")
    u = {"sibling_director": make_user("sibling_director"), "monitor": make_user("monitor")}
    Person.objects.create(first_name="สมชาย", last_name="ใจดี", org_unit=sibling, user=u["sibling_director"])
    Appointment.objects.create(user=u["sibling_director"], org_unit=sibling, role=Appointment.Role.DIRECTOR)
    Appointment.objects.create(user=u["monitor"], org_unit=department, role=Appointment.Role.MONITOR)
    users.update(u)  # the same dict: a test holding `users` (the page inventories) has every role
    return users


@pytest.fixture
def indicator(plan):
    """Indicator ๑ (one whole-year criteria set; owners สุวิมล then พัชรเมศร์)."""
    return plan.indicators.get(number=1)


@pytest.fixture
def rounds(plan):
    r = {x.months: x for x in plan.fiscal_year.rounds.all()}
    return r


@pytest.fixture
def fy_today(monkeypatch):
    """Move "today" inside FY 2565 (the plan's year): 15 Feb 2022 by default.

    The clock moves with it: timezone.now() runs on from 09:00 of that day, so
    what is recorded "now" (submissions, reviews, history) is dated that day,
    as it would be in real use, and still advances between two writes.
    """
    from django.utils import timezone

    real_now = timezone.now
    started = real_now()

    def freeze(day: dt.date):
        nine = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        monkeypatch.setattr(timezone, "now", lambda: nine + (real_now() - started))
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
        return day

    freeze(dt.date(2022, 2, 15))
    return freeze
