"""Hypothesis settings and a rollback wrapper for the property tests that drive whole requests."""

import os

from django.db import transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings


def examples(n: int) -> hsettings:
    """Hypothesis settings for tests that drive whole requests.

    n examples, derandomised and without a hypothesis database, so a run is
    repeatable; KPI_HYPOTHESIS_EXAMPLES=N and KPI_HYPOTHESIS_RANDOM=1 explore
    more widely (and shrink what they find).
    """
    return hsettings(
        max_examples=int(os.environ.get("KPI_HYPOTHESIS_EXAMPLES") or n),
        deadline=None,
        derandomize=not os.environ.get("KPI_HYPOTHESIS_RANDOM"),
        database=None,
        # No shrinking by default: a failure is reported as found (shrinking a web request takes minutes).
        phases=list(Phase) if os.environ.get("KPI_HYPOTHESIS_RANDOM") else [Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large],
    )


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
