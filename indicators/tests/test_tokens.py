"""indicators/tokens.py: when a replaced version token reaches the cache (issue 19)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from indicators import tokens

KEY = tokens.PREFIX + "plan-test"


def stored():
    return cache.get(KEY)


@pytest.mark.django_db(transaction=True)
def test_in_a_request_the_cache_learns_a_new_token_at_the_commit_and_the_request_at_once():
    old = tokens.get_many(["plan-test"])["plan-test"]  # outside a request: read, not kept
    tokens.request_started()
    try:
        assert tokens.get_many(["plan-test"])["plan-test"] == old
        with transaction.atomic():
            tokens.bump("plan-test")
            mine = tokens.known(["plan-test"])["plan-test"]
            assert mine != old and stored() == old  # others still read the old one
        assert stored() not in (old, mine)  # at the commit: a value no one has read
        assert tokens.known(["plan-test"])["plan-test"] == stored()
    finally:
        tokens.request_finished()


@pytest.mark.django_db(transaction=True)
def test_a_token_whose_transaction_rolled_back_is_replaced_when_the_request_finishes():
    old = tokens.get_many(["plan-test"])["plan-test"]
    tokens.request_started()
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            tokens.bump("plan-test")
            mine = tokens.known(["plan-test"])["plan-test"]
            raise RuntimeError("rolled back")
        assert stored() == old
    finally:
        tokens.request_finished()
    assert stored() not in (old, mine)  # what the request cached under its own copy is never found


@pytest.mark.django_db(transaction=True)
def test_outside_a_request_the_cache_learns_it_at_once_and_again_at_the_commit():
    old = tokens.get_many(["plan-test"])["plan-test"]
    with transaction.atomic():
        tokens.bump("plan-test")
        first = stored()
        assert first != old
    assert stored() not in (old, first)
