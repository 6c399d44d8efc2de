"""Helpers of the reports tests; make_plan (extra plans for the size tests) lives in sampledata.plans,
because bench/run.py uses it too and must not import a test module."""

from __future__ import annotations

import datetime as dt

from assessments.models import StepCompletion
from indicators.models import Indicator
from sampledata.plans import make_plan  # noqa: F401  (the size tests import it from here)


def complete_steps(indicator: Indicator, numbers, done_on: dt.date, by, round=None) -> list[StepCompletion]:
    """Tick steps of the indicator's criteria (whole-year set unless a round is given) through the service."""
    from assessments import services

    cs = indicator.criteria_sets.get(round=round)
    return [
        services.step_complete(step=cs.steps.get(number=n), done_on=done_on, by=by) for n in numbers
    ]
