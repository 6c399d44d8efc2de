"""The three reads of every step write (a tick, an untick, an edit) in SQL written once (issue 19).

Building a query through the ORM cost more than the database took to answer it: about 0.3 ms of Python for
each of these against 0.15 to 0.2 ms for the same SQL sent as it is (bench: a tick was 7.4 ms in-process,
these three reads 1.3 ms of it). Each read here is one fixed statement of plain SQL, the same on SQLite and
PostgreSQL; rows become models through `Model.objects.raw`, which names columns, so a field added to a
model changes nothing here. What "active" means is StepCompletionQuerySet.active's rule (not revoked); the
tests of both (assessments/tests, kpi_tracker/tests/test_structure_cache.py) pin that they agree.
"""

from __future__ import annotations

from django.db import connection

from indicators.models import CriteriaSet, MilestoneStep

from .models import RoundAssessment, StepCompletion


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def lock_step(pk: int) -> bool:
    """Lock the step's row until the transaction ends (PostgreSQL; SQLite locks the whole database for a
    writer anyway): whether the step is there."""
    lock = f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT 1 FROM {_table(MilestoneStep)} WHERE "id" = %s{lock}', [pk])
        return cursor.fetchone() is not None


def active_completions(indicator_id: int) -> list[StepCompletion]:
    """The completions of the indicator's steps that are not revoked (StepCompletionQuerySet.active)."""
    steps, sets = _table(MilestoneStep), _table(CriteriaSet)
    return list(StepCompletion.objects.raw(
        f'SELECT * FROM {_table(StepCompletion)} WHERE "revoked_at" IS NULL AND "step_id" IN ('
        f'SELECT "id" FROM {steps} WHERE "criteria_set_id" IN (SELECT "id" FROM {sets} WHERE "indicator_id" = %s))',
        [indicator_id]))


def round_results(indicator_id: int, round_ids) -> list[RoundAssessment]:
    """The indicator's round results (RoundAssessment) of these rounds."""
    ids = sorted(round_ids)
    if not ids:
        return []
    return list(RoundAssessment.objects.raw(
        f'SELECT * FROM {_table(RoundAssessment)} WHERE "indicator_id" = %s AND "round_id" IN ({_marks(ids)})',
        [indicator_id, *ids]))
