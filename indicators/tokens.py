"""Version tokens in Django's cache: the primitives of indicators.versions (plans) and indicators.readers
(who is asking). A token is a random string; a write replaces it, so whatever was cached under the old
one is never read again. This module imports no model (the models' querysets reach the readers)."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

PREFIX = "kpi:version:"
ALL = "all"  # data every plan shows: indicators.versions.everything_changed() replaces it


def _new(name: str) -> None:
    cache.set(PREFIX + name, uuid.uuid4().hex, None)


def bump(name: str) -> None:
    """Replace the token at once (the writer's own next read) and again when the transaction commits:
    a reader that read the first new token before the commit cached old data under a token the commit
    replaces."""
    _new(name)
    transaction.on_commit(lambda: _new(name))


def get(name: str) -> str:
    """The token, created at random when missing (a flushed cache, an evicted key): never counted up,
    so an old entry can never match it again."""
    key = PREFIX + name
    value = cache.get(key)
    if value is None:
        cache.add(key, uuid.uuid4().hex, None)  # add: a concurrent reader's token wins, never overwritten
        value = cache.get(key)
    return value or uuid.uuid4().hex  # a cache that refuses to store: never a hit
