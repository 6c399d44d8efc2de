"""Who is asking (issue 19): what every page asks about its reader, cached per user.

A signed-in user's Scope and Person (indicators.querysets.scope_of) and their unread-notice count
(the menu bar) are needed on every page and change rarely. Each is cached per user together with the
tokens (indicators.tokens) it was read under, and all of them come back in one round trip to the cache:

- the Scope under `people_changed()`'s token, which any write to a Person, an Appointment or an OrgUnit
  replaces (the signals in indicators/apps.py; bulk writes, which send none, call it beside them), and
  under versions' ALL (a unit moved: indicators.services.org_unit_move);
- the unread count under the user's own `notices_changed(user_id)` token (assessments/apps.py, and beside
  the bulk writes in assessments.notices.notify and services.notice_mark_read).

A token replaced when the write commits (tokens.bump; the writer's own request at once) means no reader
keeps what it read before a write committed. Without REDIS_URL the cache is one process's memory: right for `make run` and the tests.
"""

from __future__ import annotations

from django.core.cache import cache

from . import tokens
from .tokens import ALL, PEOPLE, STRUCTURE

SECONDS = 3600
DEPENDS = {"scope": (ALL, PEOPLE), "unread": ("notices:{pk}",)}


def people_changed() -> None:
    """A Person, an Appointment or an OrgUnit was written: every user's Scope is read again."""
    tokens.bump(PEOPLE)


def notices_changed(user_ids) -> None:
    """These users' notices were written: their unread counts are counted again."""
    for pk in set(user_ids):
        tokens.bump(f"notices:{pk}")


class Reader:
    """What the cache holds about one user: `get(name)` is the value cached under the tokens it depends on
    (DEPENDS), else None; `put(name, value)` caches it under the tokens read with it."""

    def __init__(self, user_pk: int):
        self.pk = user_pk
        names = {n.format(pk=user_pk) for deps in DEPENDS.values() for n in deps}
        names.add(STRUCTURE)  # read along: almost every page asks for it (indicators/structure.py)
        self.tokens = tokens.known(names)
        wanted = [n for n in names if n not in self.tokens]
        found = cache.get_many([tokens.PREFIX + n for n in wanted] + [self._key(n) for n in DEPENDS])
        self.tokens |= tokens.complete(wanted, found)
        self.found = {n: found.get(self._key(n)) for n in DEPENDS}

    def _key(self, name: str) -> str:
        return f"kpi:reader:{name}:{self.pk}"

    def _now(self, name: str) -> tuple:
        return tuple(self.tokens[n.format(pk=self.pk)] for n in DEPENDS[name])

    def get(self, name: str):
        entry = self.found.get(name)
        return entry[1] if entry is not None and entry[0] == self._now(name) else None

    def put(self, name: str, value) -> None:
        self.found[name] = (self._now(name), value)
        cache.set(self._key(name), self.found[name], SECONDS)


def reader(user) -> Reader:
    """The user's cached entries, read once per request (kept on the user object, as scope_of keeps the Scope)."""
    found = getattr(user, "_kpi_reader", None)
    if found is None:
        found = user._kpi_reader = Reader(user.pk)
    return found
