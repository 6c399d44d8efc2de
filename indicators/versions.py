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

Cascades (ถ่ายทอดตัวชี้วัด) show one plan's progress on another plan's pages: a parent's 5G KPI card
or indicator page counts its children in other units' plans. Those pages also key on
`cascade_token()`, which a write to any cascaded child indicator, and every plan
administration edit (cascade links are made there), replaces.

The plans' structure (indicators' criteria, steps and targets, the year's rounds, which
indicators cascade) changes only with plan administration and set-up, never with progress:
indicators/structure.py caches it under its own token, which `plan_changed` and
`everything_changed` replace and a tick (which replaces its plan's token) does not.

Indicators never move between plans, so the indicator -> plan map is kept in memory.

"""

from __future__ import annotations

from . import structure
from .tokens import ALL, STRUCTURE
from .tokens import bump as _bump
from .tokens import get_many as _get_many

CASCADES = "cascades"
_plan_of_indicator: dict[int, int] = {}


def plan_changed(plan_id: int) -> None:
    """A plan administration edit (or any write not tied to one indicator): may add or drop cascades too,
    and may change the structure (criteria, steps, targets) that progress is counted against."""
    _bump(str(plan_id))
    _bump(STRUCTURE)
    _bump(CASCADES)


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
    _bump(str(plan_id))
    if indicator_id in structure.cascaded_children():  # a parent elsewhere counts this one
        _bump(CASCADES)


def token(plan_id: int, *, cascades: bool = False) -> str:
    """The version of one plan's data: changes whenever it or data shared by all plans changes.

    With cascades=True it also changes with any cascaded indicator's progress (a page that
    shows cascades, see the module docstring). One round trip to the cache either way.
    """
    names = [ALL, str(plan_id), *([CASCADES] if cascades else [])]
    values = _get_many(names)
    return ".".join(values[name] for name in names)



def tokens(plan_ids) -> dict[int, str]:
    """token(plan_id) of many plans in one round trip to the cache (the department roll-up)."""
    plan_ids = list(plan_ids)
    values = _get_many([ALL, *(str(pk) for pk in plan_ids)])
    return {pk: f"{values[ALL]}.{values[str(pk)]}" for pk in plan_ids}

