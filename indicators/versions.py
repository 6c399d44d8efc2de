"""Plan versions: the key under which what is read often (the row source's result) is cached.

Every write to a plan's data calls one of the functions here (assessments.services
and indicators.services, one line each): `plan_changed(plan_id)`,
`indicator_changed(indicator_id)` or `everything_changed()` (a 5G policy KPI value,
a unit moved, a plan loaded: data several plans show). A reader asks `token(plan_id)`
and caches under it; a write replaces the token with a new random one, so the next
reader misses the cache and reads the database again. A reader never sees stale data:

- The token lives in Django's cache (Redis when REDIS_URL is set, shared by every
  process and machine). A token that is missing (a flushed or restarted cache, an
  evicted key) is created anew at random, never counted up from 1, so an old entry
  can never match it again.
- The token is replaced at once (the writer's own next read, tests) and again when the
  transaction commits: a reader that read the first new token before the commit and
  cached what it read (the old data) cached it under a token that the commit replaces.
- Without REDIS_URL the cache is local memory, one per process: right for `make run`
  (one process) and the tests; a deployment with several processes or machines must set
  REDIS_URL (README, deployment), or readers of one process would miss another's writes.

Indicators never move between plans, so the indicator -> plan map is kept in memory.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

PREFIX = "kpi:version:"
ALL = "all"
_plan_of_indicator: dict[int, int] = {}


def _new(name: str) -> None:
    cache.set(PREFIX + name, uuid.uuid4().hex, None)


def _bump(name: str) -> None:
    _new(name)
    transaction.on_commit(lambda: _new(name))


def plan_changed(plan_id: int) -> None:
    _bump(str(plan_id))


def everything_changed() -> None:
    _bump(ALL)


def indicator_changed(indicator_id: int) -> None:
    plan_id = _plan_of_indicator.get(indicator_id)
    if plan_id is None:
        from .models import Indicator

        plan_id = Indicator.objects.filter(pk=indicator_id).values_list("plan_id", flat=True).first()
        if plan_id is None:
            everything_changed()
            return
        _plan_of_indicator[indicator_id] = plan_id
    plan_changed(plan_id)


def _get(name: str) -> str:
    key = PREFIX + name
    value = cache.get(key)
    if value is None:
        cache.add(key, uuid.uuid4().hex, None)  # add: a concurrent reader's token wins, never overwritten
        value = cache.get(key)
    return value or uuid.uuid4().hex  # a cache that refuses to store: never a hit


def token(plan_id: int) -> str:
    """The version of one plan's data: changes whenever it or data shared by all plans changes."""
    values = cache.get_many([PREFIX + ALL, PREFIX + str(plan_id)])
    everything = values.get(PREFIX + ALL) or _get(ALL)
    plan = values.get(PREFIX + str(plan_id)) or _get(str(plan_id))
    return f"{everything}.{plan}"
