"""Helpers for the scorecard tests: progress recorded through the real services."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments import services


def steps_of(indicator, round=None):
    """The milestone steps that apply to `round` (its own set, else the whole-year set)."""
    sets = list(indicator.criteria_sets.all())
    own = [cs for cs in sets if round is not None and cs.round_id == round.pk]
    cs = own[0] if own else next(cs for cs in sets if cs.round_id is None)
    return list(cs.steps.order_by("number"))


def tick(indicator, dates, by, round=None, note=""):
    """Mark steps 1..len(dates) done on the given dates."""
    done = []
    for step, day in zip(steps_of(indicator, round), dates):
        if day is not None:
            done.append(services.step_complete(step=step, done_on=day, by=by, note=note))
    return done


@pytest.fixture
def progress(plan, users, rounds, fy_today):
    """Indicator 1: steps 1-3 done in Q1/Q2, submitted and verified at level 2 for the 6-month round.
    Indicator 2: step 1 done on 31 Dec 2021, step 2 on 1 Jan 2022. Indicator 12: step 1 done."""
    fy_today(dt.date(2022, 3, 25))
    owner, director = users["owner"], users["director"]
    one = plan.indicators.get(number=1)
    two = plan.indicators.get(number=2)
    tick(one, [dt.date(2021, 11, 1), dt.date(2021, 12, 15), dt.date(2022, 2, 1)], owner, note="ประชุมคณะทำงานแล้ว")
    tick(two, [dt.date(2021, 12, 31), dt.date(2022, 1, 1)], owner)
    tick(plan.indicators.get(number=12), [dt.date(2022, 3, 1)], users["admin"])
    services.round_submit(indicator=one, round=rounds[6], by=owner, note="ส่งผลรอบ ๖ เดือน")
    services.round_verify(indicator=one, round=rounds[6], by=director, level=2, reason="ขั้นตอนที่ ๓ ยังไม่มีเอกสารหลักฐาน")
    return {"one": one, "two": two}
