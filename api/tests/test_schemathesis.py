"""Schemathesis against the OpenAPI description, in process (WSGI), on the test database with a token.

Every operation gets generated requests (valid and fuzzed query and path
parameters); no answer may be a 5xx, and every documented answer must match its
schema. The examples per operation are bounded so the whole run stays well
under a minute.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api import services

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = 10


@pytest.fixture
def api_world(plan, users, fy_today, settings):
    """The FY 2565 plan with a little progress, and the director's token (who sees all of it)."""
    from reports.tests.conftest import tick

    fy_today(dt.date(2022, 5, 16))
    tick(plan.indicators.get(number=1), [dt.date(2021, 11, 1), dt.date(2022, 1, 5)], users["owner"])
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": "100000/minute"}}
    cache.clear()
    return services.token_issue(user=users["director"], name="schemathesis")[1]


@pytest.fixture
def api_schema(api_world):
    # As Django's test client does: the end of a request must not close the test's database
    # connection (it is inside the test's transaction; PostgreSQL would lose it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_answers_by_its_schema(case, api_world):
    case.call_and_validate(headers={"Authorization": f"Token {api_world}"},
                           checks=[not_a_server_error, response_schema_conformance])
