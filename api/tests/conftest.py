"""API test helpers: a token per role, a client that sends it, a clean throttle cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from api import services


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_of(users):
    """token_of("owner") -> the raw token of a new API token of that role's user."""

    def issue(role, **kwargs):
        return services.token_issue(user=users[role], name=f"ทดสอบ {role}", **kwargs)[1]

    return issue


def token_client(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")
