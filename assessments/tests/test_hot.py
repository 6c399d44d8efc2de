"""assessments/hot.py: the step write's reads in plain SQL say what the ORM's querysets say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from assessments import hot, services
from assessments.models import RoundAssessment, StepCompletion
from indicators.models import MilestoneStep

pytestmark = pytest.mark.django_db


def test_the_reads_agree_with_the_querysets(users, plan, rounds):
    one, two = plan.indicators.get(number=1), plan.indicators.get(number=2)
    steps = list(MilestoneStep.objects.filter(criteria_set__indicator__in=[one, two]).order_by("pk"))
    for k, step in enumerate(steps[:7]):
        done = services.step_complete(step=step, done_on=dt.date(2022, 1, 3 + k), by=users["owner"], note=f"ขั้นตอน {k}")
        if k % 3 == 0:  # revoked, and for some ticked again
            services.step_uncomplete(step=step, by=users["owner"], reason="ทดสอบ", expected_completion_id=done.pk)
            if k == 3:
                services.step_complete(step=step, done_on=dt.date(2022, 2, 1), by=users["owner"])
    services.round_submit(indicator=one, round=rounds[6], by=users["owner"])
    fields = [f.attname for f in StepCompletion._meta.concrete_fields]
    round_ids = [r.pk for r in rounds.values()]
    results = [f.attname for f in RoundAssessment._meta.concrete_fields]
    for indicator in (one, two):
        step = MilestoneStep.objects.filter(criteria_set__indicator=indicator).first()
        with transaction.atomic():
            locked = hot.lock_and_read(step.pk, indicator.pk, round_ids)
        assert locked.step_exists
        assert sorted((c.pk, [getattr(c, f) for f in fields]) for c in locked.completions) == sorted(
            (c.pk, [getattr(c, f) for f in fields])
            for c in StepCompletion.objects.active().filter(step__criteria_set__indicator=indicator))
        assert sorted((a.pk, [getattr(a, f) for f in results]) for a in locked.round_results) == sorted(
            (a.pk, [getattr(a, f) for f in results])
            for a in RoundAssessment.objects.filter(indicator=indicator, round_id__in=round_ids))
        assert all(not c._state.adding and c._state.db == "default" for c in locked.completions)
    with transaction.atomic():
        locked = hot.lock_and_read(steps[0].pk, one.pk, round_ids)
    assert 3 <= len(locked.completions) < StepCompletion.objects.filter(step__criteria_set__indicator=one).count()
    assert [a.status for a in locked.round_results] == ["submitted"]
    with transaction.atomic():
        assert hot.lock_and_read(steps[0].pk, one.pk, []).round_results == []
        assert not hot.lock_and_read(max(s.pk for s in steps) + 1000, one.pk, round_ids).step_exists


def test_on_postgresql_the_reads_go_in_one_round_trip():
    """psycopg's pipeline mode where the database is PostgreSQL (CI's second run); SQLite sends them one by one."""
    from django.db import connection

    assert hot._pipelined() == (connection.vendor == "postgresql")
