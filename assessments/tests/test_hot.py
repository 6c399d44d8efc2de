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
    ids = [s.pk for s in steps]
    fields = [f.attname for f in StepCompletion._meta.concrete_fields]
    for indicator in (one, two):
        seen = sorted(((c.pk, [getattr(c, f) for f in fields]) for c in hot.active_completions(indicator.pk)))
        assert seen == sorted((c.pk, [getattr(c, f) for f in fields]) for c in StepCompletion.objects.active().filter(
            step__criteria_set__indicator=indicator))
    assert 3 <= len(hot.active_completions(one.pk)) < StepCompletion.objects.filter(step__criteria_set__indicator=one).count()
    round_ids = [r.pk for r in rounds.values()]
    for indicator in (one, two):
        fields = [f.attname for f in RoundAssessment._meta.concrete_fields]
        assert sorted((a.pk, [getattr(a, f) for f in fields]) for a in hot.round_results(indicator.pk, round_ids)) == sorted(
            (a.pk, [getattr(a, f) for f in fields])
            for a in RoundAssessment.objects.filter(indicator=indicator, round_id__in=round_ids))
    assert [a.status for a in hot.round_results(one.pk, round_ids)] == ["submitted"]
    assert hot.round_results(one.pk, []) == []
    with transaction.atomic():
        assert hot.lock_step(steps[0].pk) and not hot.lock_step(max(ids) + 1000)
