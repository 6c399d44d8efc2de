"""What progress is counted against, cached (issue 19): the plans' structure.

An indicator's criteria, steps and targets, its plan, owners and unit, the fiscal year's rounds and which
indicators cascade change only with plan administration and set-up, never with progress. All of it is
cached under `token()`, which `versions.plan_changed` and `versions.everything_changed` replace (and the
people's token, `readers.people_changed`: a unit's name, a person removed), but a tick does not. So a
tick, and a page whose content is not cached, asks the database only for progress.

Each process also keeps its own copy of the entries it read (`cached`): an entry's key holds the token,
so what is under one key never changes, and reading it again costs neither a round trip to the cache nor
trust in another request's objects (each read unpickles a fresh copy).
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.cache import cache

from . import tokens

SECONDS = 24 * 3600  # in Django's cache; an entry under an old token is never read again and expires
LOCAL_ENTRIES = 5000  # per process: about one per indicator of the department, a few KB each

_local: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def token() -> str:
    """The version of every plan's structure: replaced by plan administration and set-up, never by progress."""
    names = (tokens.ALL, tokens.STRUCTURE, tokens.PEOPLE)
    values = tokens.get_many(names)
    return ".".join(values[n] for n in names)


def cached(kind: str, ids: list[Hashable], load: Callable[[list], dict]) -> dict:
    """{id: value} of the entries `kind`:`id` under the structure token: from this process's copy, else
    from Django's cache (one round trip for all), else `load(missing ids)` ({id: value} for each)."""
    if not ids:
        return {}
    now = token()
    keys = {i: f"kpi:{kind}:{now}:{i}" for i in ids}
    found, wanted = {}, []
    with _lock:
        for i, key in keys.items():
            raw = _local.get(key)
            if raw is None:
                wanted.append(i)
            else:
                _local.move_to_end(key)
                found[i] = raw
    if wanted:
        shared = cache.get_many([keys[i] for i in wanted])
        missing = [i for i in wanted if keys[i] not in shared]
        loaded = {i: pickle.dumps(v, pickle.HIGHEST_PROTOCOL) for i, v in load(missing).items()} if missing else {}
        if loaded:
            cache.set_many({keys[i]: raw for i, raw in loaded.items()}, SECONDS)
        fresh = {i: shared[keys[i]] for i in wanted if keys[i] in shared} | loaded
        with _lock:
            for i, raw in fresh.items():
                _local[keys[i]] = raw
            while len(_local) > LOCAL_ENTRIES:
                _local.popitem(last=False)
        found |= fresh
    return {i: pickle.loads(raw) for i, raw in found.items()}


def clear_local() -> None:
    """Forget this process's copies (the tests: a database rolled back may reuse a primary key)."""
    with _lock:
        _local.clear()


# --- the entries -----------------------------------------------------------------------------------


def rounds(fiscal_year_id: int) -> list:
    """The fiscal year's rounds in order of closing."""
    from .models import Round

    def load(ids):
        found = {i: [] for i in ids}
        for r in Round.objects.filter(fiscal_year_id__in=ids).select_related("fiscal_year").order_by("closes_on"):
            found[r.fiscal_year_id].append(r)
        return found

    return cached("rounds", [fiscal_year_id], load)[fiscal_year_id]


def criteria(indicator_ids: list[int]) -> dict[int, tuple[list, dict[int, int]]]:
    """indicator -> (its criteria sets, each with its steps prefetched; {round id: target level})."""
    from django.db.models import Prefetch

    from .models import CriteriaSet, MilestoneStep, Target

    def load(ids):
        found = {pk: ([], {}) for pk in ids}
        # Explicit orderings on the tables' own columns: the models' default orderings reach through the
        # plan to the fiscal year and unit, and PostgreSQL spends longer planning those joins than running them.
        for cs in CriteriaSet.objects.filter(indicator_id__in=ids).order_by("pk").prefetch_related(
            Prefetch("steps", queryset=MilestoneStep.objects.order_by("number"))
        ):
            found[cs.indicator_id][0].append(cs)
        for t in Target.objects.filter(indicator_id__in=ids).order_by():
            found[t.indicator_id][1][t.round_id] = t.level
        return found

    return cached("criteria", list(indicator_ids), load)


@dataclass
class StepPlace:
    """A step with its criteria set, indicator, plan, year and unit loaded, and who owns the indicator."""

    step: object  # MilestoneStep; step.criteria_set.indicator.plan.fiscal_year / .org_unit loaded
    owner_ids: frozenset[int]  # Person ids of the indicator's owners (IndicatorOwner)

    @property
    def indicator(self):
        return self.step.criteria_set.indicator


def step_place(pk: int) -> StepPlace | None:
    """A step of an indicator not withdrawn, as a write to it needs it (assessments.access); None if none."""
    from .models import IndicatorOwner, MilestoneStep

    def load(ids):
        step = (MilestoneStep.objects.filter(pk__in=ids, criteria_set__indicator__withdrawn_at__isnull=True)
                .select_related("criteria_set__round", "criteria_set__indicator__plan__fiscal_year",
                                "criteria_set__indicator__plan__org_unit", "criteria_set__indicator__data_collector")
                .first())
        if step is None:
            return {pk: None for pk in ids}
        owners = (IndicatorOwner.objects.filter(indicator_id=step.criteria_set.indicator_id).order_by()
                  .values_list("person_id", flat=True))
        return {step.pk: StepPlace(step, frozenset(owners))}

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return cached("step", [pk], load)[pk]


def cascaded_children() -> frozenset[int]:
    """The indicators a parent elsewhere counts (ถ่ายทอดตัวชี้วัด): cascade links are made and removed in
    plan administration only."""
    from .models import Cascade

    return cached("cascaded", ["all"], lambda ids: {"all": frozenset(Cascade.objects.values_list("child_id", flat=True))})["all"]
