"""Version tokens in Django's cache: the primitives of indicators.versions (plans) and indicators.readers
(who is asking). A token is a random string; a write replaces it, so whatever was cached under the old
one is never read again. This module imports no model (the models' querysets reach the readers).

Within one request a token is read from the cache once (`get_many` keeps what it read until the request
finishes; request_started and request_finished, connected in indicators/apps.py): a page reads the same
token several times (the rounds, the criteria, the reader), and each read was a round trip to Redis. The
request's own writes replace its copy too, so it reads what it wrote; what other processes write meanwhile
it sees from its next request on, as if it had read everything at its start.
"""

from __future__ import annotations

import threading
import uuid

from django.core.cache import cache
from django.db import transaction

PREFIX = "kpi:version:"
ALL = "all"  # data every plan shows: indicators.versions.everything_changed() replaces it
PEOPLE = "people"  # a Person, an Appointment or an OrgUnit written: indicators.readers.people_changed()
STRUCTURE = "structure"  # plan administration (versions.plan_changed): what indicators/structure.py caches

_request = threading.local()  # .seen: {name: token} read or written in this thread's request, else None
# .pending: the names this request replaced whose transaction has not committed (yet)


def request_started(**kwargs) -> None:
    _request.seen, _request.pending = {}, set()


def request_finished(**kwargs) -> None:
    """A token the request replaced and whose transaction never committed while it ran (the test runner's
    transaction, which never commits; or a write rolled back) is replaced in the cache now: at worst a
    needless miss, never an old page."""
    for name in getattr(_request, "pending", None) or ():
        _new(name)
    _request.seen, _request.pending = None, set()


def _seen() -> dict[str, str] | None:
    return getattr(_request, "seen", None)


def _new(name: str) -> None:
    value = uuid.uuid4().hex
    cache.set(PREFIX + name, value, None)
    seen = _seen()
    if seen is not None:
        seen[name] = value


def bump(name: str) -> None:
    """Replace the token when the transaction commits (at once outside one), with a value no one has read:
    a reader that read the old token meanwhile cached what it read under a token the commit replaces.

    The writer reads its own writes before that: in a request, its copy of the token is replaced at once
    and never stored (one round trip to the cache per write, not two: issue 19); whatever the request
    caches under that copy no other request ever reads, so nothing it read inside a transaction that rolls
    back is found by anyone. Outside a request (a command, a job) there is no copy: the cache is replaced
    at once too, and again at the commit."""
    seen = _seen()
    if seen is None:
        _new(name)
        transaction.on_commit(lambda: _new(name))
        return
    seen[name] = uuid.uuid4().hex
    _request.pending.add(name)

    def committed():
        _new(name)
        _request.pending.discard(name)

    transaction.on_commit(committed)


def get_many(names) -> dict[str, str]:
    """Tokens in one round trip to the cache (none for those this request has read already); one that is
    missing (a flushed cache, an evicted key) is created at random, never counted up, so an old entry can
    never match it again."""
    found = known(names)
    wanted = [n for n in names if n not in found]
    if wanted:
        found |= complete(wanted, cache.get_many([PREFIX + n for n in wanted]))
    return found


def known(names) -> dict[str, str]:
    """The tokens among `names` that this request has read or written already."""
    seen = _seen()
    return {n: seen[n] for n in names if n in seen} if seen else {}


def complete(names, values: dict) -> dict[str, str]:
    """The tokens `names` from `values`, what the cache answered for their keys (PREFIX + name) in a
    round trip a caller made anyway: those missing are created; this request keeps them all."""
    found = {}
    for name in names:
        value = values.get(PREFIX + name)
        if value is None:
            cache.add(PREFIX + name, uuid.uuid4().hex, None)  # add: a concurrent reader's token wins
            value = cache.get(PREFIX + name) or uuid.uuid4().hex  # a cache that refuses to store: never a hit
        found[name] = value
    seen = _seen()
    if seen is not None:
        seen.update(found)
    return found
