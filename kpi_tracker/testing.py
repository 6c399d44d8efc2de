"""Helpers shared by the test suites of several apps (imported by tests only)."""

from django.db import transaction


class _Rollback(Exception):
    pass


def in_rollback(fn):
    """Run fn inside a transaction that is always rolled back (each hypothesis example starts clean)."""
    try:
        with transaction.atomic():
            fn()
            raise _Rollback
    except _Rollback:
        pass
