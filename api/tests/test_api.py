"""The read-only API as other systems use it: tokens, what a token sees, Thai UTF-8, progress = dashboard."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.services import token_revoke
from indicators.models import ActionPlan, Indicator

from .conftest import token_client

pytestmark = pytest.mark.django_db


def all_pages(client, url, **params):
    results, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        results += body["results"]
        if not body["next"]:
            return results
        page += 1


def test_plans_of_2565_in_thai_with_a_token(plan, users, token_of):
    client = token_client(token_of("other_staff"))
    response = client.get("/api/v1/plans/", {"year": 2565})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    raw = response.content
    # Thai as UTF-8 bytes, never \u escapes.
    assert b"\\u0e" not in raw.lower()
    assert plan.indicators.get(number=1).name.encode("utf-8") in raw
    body = json.loads(raw.decode("utf-8"))
    assert body["count"] == 1
    got = body["results"][0]
    assert got["year_be"] == 2565 and got["unit"]["name"] == plan.org_unit.name
    assert [i["number"] for i in got["indicators"]] == list(range(1, 31))
    one = got["indicators"][0]
    assert one["owners"][0]["role"] == "primary" and one["owners"][0]["name"] == "นางสาวสุวิมล นาครอด"
    assert {t["round_months"] for t in one["targets"]} == {6, 12}
    assert [s["number"] for s in one["criteria"][0]["steps"]] == [1, 2, 3, 4, 5]


def test_a_token_sees_exactly_what_its_user_sees(plan, users, token_of):
    """owner1's token: the indicators of Indicator.objects.visible_to(owner1); a draft plan is hidden from it."""
    from indicators.models import FiscalYear, OrgUnit

    fy = FiscalYear.objects.create(year_be=2566, starts_on=dt.date(2022, 10, 1), ends_on=dt.date(2023, 9, 30))
    draft = ActionPlan.objects.create(org_unit=plan.org_unit, fiscal_year=fy, title="ร่างแผน ๒๕๖๖",
                                      status=ActionPlan.PublicationStatus.DRAFT)
    Indicator.objects.create(plan=draft, number=1, name="ตัวชี้วัดในร่าง")
    other_unit = OrgUnit.objects.create(name="กองอื่น", kind=OrgUnit.Kind.DIVISION, parent=plan.org_unit.parent)
    hidden = ActionPlan.objects.create(org_unit=other_unit, fiscal_year=plan.fiscal_year, title="แผนของกองอื่น")
    hidden_indicator = Indicator.objects.create(plan=hidden, number=1, name="ตัวชี้วัดของกองอื่น")

    for role in ("owner", "director", "viewer", "admin"):
        client = token_client(token_of(role))
        seen = {i["id"] for i in all_pages(client, "/api/v1/indicators/")}
        assert seen == set(Indicator.objects.visible_to(users[role]).values_list("pk", flat=True)), role
        plans = {p["id"] for p in all_pages(client, "/api/v1/plans/")}
        assert plans == set(ActionPlan.objects.visible_to(users[role]).values_list("pk", flat=True)), role

    owner = token_client(token_of("owner"))
    # Hidden and missing look the same: 404.
    assert owner.get(f"/api/v1/indicators/{hidden_indicator.pk}/").status_code == 404
    assert owner.get(f"/api/v1/plans/{draft.pk}/progress/").status_code == 404
    assert owner.get(f"/api/v1/indicators/{hidden_indicator.pk}/history/").status_code == 404
    # The director of the group sees the draft, the viewer of the department sees the other division's plan.
    director = token_client(token_of("director"))
    assert director.get(f"/api/v1/plans/{draft.pk}/").status_code == 200
    assert director.get(f"/api/v1/plans/{hidden.pk}/").status_code == 404
    assert token_client(token_of("viewer")).get(f"/api/v1/plans/{hidden.pk}/").status_code == 200


def test_revoked_expired_and_wrong_tokens_get_401(plan, users, token_of):
    raw = token_of("owner")
    assert token_client(raw).get("/api/v1/years/").status_code == 200
    token = ApiToken.objects.get(prefix=raw.split(".")[0])
    assert token.last_used_at is not None
    token_revoke(token=token)
    response = token_client(raw).get("/api/v1/years/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "เพิกถอน" in response.json()["detail"]

    expired = token_of("owner")
    ApiToken.objects.filter(prefix=expired.split(".")[0]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert token_client(expired).get("/api/v1/years/").status_code == 401

    good = token_of("owner")
    prefix, secret = good.split(".")
    assert token_client(f"{prefix}.{secret[:-1]}x").get("/api/v1/years/").status_code == 401
    assert token_client("nonsense").get("/api/v1/years/").status_code == 401
    from django.test import Client

    assert Client().get("/api/v1/years/").status_code == 401


def test_the_token_is_stored_hashed_and_issued_by_the_command(plan, users, capsys):
    call_command("api_token_issue", "owner", "--days", "30")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert raw.startswith(token.prefix + ".") and raw not in token.hashed and len(token.hashed) == 64
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert token_client(raw).get("/api/v1/plans/").status_code == 200


def test_writes_answer_405(plan, users, token_of):
    client = token_client(token_of("admin"))
    one = plan.indicators.get(number=1)
    for url in ("/api/v1/plans/", f"/api/v1/plans/{plan.pk}/", f"/api/v1/indicators/{one.pk}/",
                f"/api/v1/plans/{plan.pk}/progress/"):
        assert client.post(url, {}, content_type="application/json").status_code == 405, url
        assert client.put(url, {}, content_type="application/json").status_code == 405, url
        assert client.delete(url).status_code == 405, url


def test_requests_per_token_are_limited(plan, users, token_of, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"}}
    first, second = token_client(token_of("owner")), token_client(token_of("owner"))
    assert [first.get("/api/v1/years/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/api/v1/years/").status_code == 200  # per token, not per user


def test_a_session_works_too(client, plan, users):
    client.force_login(users["owner"])
    assert client.get("/api/v1/plans/?year=2565").status_code == 200


def test_progress_etag_gives_304(plan, users, token_of, fy_today):
    fy_today(dt.date(2022, 5, 16))
    client = token_client(token_of("owner"))
    url = f"/api/v1/plans/{plan.pk}/progress/"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    from reports.tests.conftest import tick  # through the real service

    tick(plan.indicators.get(number=1), [dt.date(2022, 5, 1)], users["owner"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_progress_rejects_bad_input_in_thai(plan, users, token_of, fy_today):
    fy_today(dt.date(2022, 5, 16))
    client = token_client(token_of("owner"))
    url = f"/api/v1/plans/{plan.pk}/progress/"
    future = client.get(url, {"as_of": "2022-06-01"})
    assert future.status_code == 400 and "อนาคต" in future.json()["as_of"][0]
    assert client.get(url, {"round": 999999}).status_code == 400
    assert client.get(url, {"status": "nonsense"}).status_code == 400
    assert client.get("/api/v1/plans/", {"year": "abc"}).status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/plans/", "/api/v1/indicators/", "/api/v1/kpis/", "/api/v1/units/",
                                 "/api/v1/years/", "/api/v1/rounds/"])
def test_list_query_counts_do_not_grow_with_the_plan(plan, users, token_of, url):
    """30 indicators, then 300 (the plan copied nine times into other units): the same number of queries."""
    from indicators.services import plan_load

    client = token_client(token_of("admin"))

    def count():
        # Warm first: the token's first use records its last-used time, and the reader's Scope is cached
        # again after the plans below add people and units (indicators.readers).
        assert client.get(url, {"page_size": 200}).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": 200}).status_code == 200
        return len(queries)

    small = count()
    from conftest import PLAN_JSON  # the real plan, loaded again under other units

    data = json.loads(PLAN_JSON.read_text(encoding="utf-8"))
    for n in range(9):
        _copy_plan_under(n, data, plan_load)
    assert Indicator.objects.count() == 300
    assert count() == small


def _copy_plan_under(n, data, plan_load):
    """The same plan for another group of the department (indicators, owners, criteria and targets)."""
    import copy

    data = copy.deepcopy(data)
    data["org_unit"] = {**data["org_unit"], "name": f"กลุ่มทดสอบ {n}", "short_name": f"ท{n}"}
    plan_load(data=data)


def test_the_admin_issues_a_token_shows_it_once_and_revokes_it(client, plan, users):
    admin_user = users["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    expires = timezone.localtime() + dt.timedelta(days=30)
    response = client.post("/admin/api/apitoken/add/", {
        "user": users["owner"].pk, "name": "ระบบ BI ของกรม",
        "expires_at_0": expires.strftime("%Y-%m-%d"), "expires_at_1": expires.strftime("%H:%M:%S"),
    }, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    raw = next(word for m in shown for word in m.split() if word.startswith(token.prefix + "."))
    assert token.created_by == admin_user and token.user == users["owner"]
    assert token_client(raw).get("/api/v1/plans/").status_code == 200
    # Never shown again: not on the change page, not in the list.
    for page in (f"/admin/api/apitoken/{token.pk}/change/", "/admin/api/apitoken/"):
        assert raw.encode() not in client.get(page).content
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_client(raw).get("/api/v1/plans/").status_code == 401


def test_the_schema_is_valid_openapi_3(client):
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # drf-spectacular's check against the OpenAPI 3 JSON schema; raises when broken
    paths = set(schema["paths"])
    assert {"/api/v1/plans/", "/api/v1/plans/{id}/progress/", "/api/v1/indicators/{id}/history/", "/api/v1/kpis/",
            "/api/v1/years/", "/api/v1/rounds/", "/api/v1/units/", "/api/v1/rollup/"} <= paths
    # Read-only: no operation but GET.
    assert {method for ops in schema["paths"].values() for method in ops if method != "parameters"} == {"get"}
