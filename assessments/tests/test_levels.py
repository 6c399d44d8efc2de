"""The cumulative rule, per-round criteria and as-of dates, through the one selector."""

import datetime as dt

import pytest

from assessments import levels
from assessments.selectors import progress_for
from assessments.services import step_complete
from indicators.models import CriteriaSet, MilestoneStep

D = dt.date


def test_cumulative_level_counts_only_the_unbroken_run_from_step_one():
    assert levels.cumulative_level([]) == 0
    assert levels.cumulative_level([1, 2, 3]) == 3
    assert levels.cumulative_level([1, 2, 4]) == 2
    assert levels.cumulative_level([2, 3, 4, 5]) == 0
    assert levels.cumulative_level([1, 2, 3, 4, 5]) == 5


def test_level_as_of_ignores_steps_done_later_and_after_the_round_closes():
    done = {1: D(2021, 11, 1), 2: D(2022, 1, 10), 3: D(2022, 4, 5)}
    closes = D(2022, 3, 31)
    assert levels.level_as_of(done, D(2021, 10, 31), closes) == 0
    assert levels.level_as_of(done, D(2021, 11, 1), closes) == 1
    assert levels.level_as_of(done, D(2022, 1, 10), closes) == 2
    # Step 3 was done after 31 March: it never counts for the 6-month round.
    assert levels.level_as_of(done, D(2022, 9, 30), closes) == 2
    assert levels.level_as_of(done, D(2022, 9, 30), D(2022, 9, 30)) == 3


def test_out_of_order_step_is_done_but_not_counted_with_the_reason():
    states = levels.step_states([1, 2, 3, 4, 5], {1: D(2021, 11, 1), 2: D(2021, 11, 2), 4: D(2021, 11, 3)},
                                D(2022, 1, 1), D(2022, 3, 31))
    four = states[3]
    assert four.done and not four.counted
    assert "ขั้นตอนที่ 3" in four.reason
    assert [s.counted for s in states] == [True, True, False, False, False]


def test_status_at_the_boundary_dates():
    kw = dict(target=3, has_criteria=True, starts_on=D(2021, 10, 1), closes_on=D(2022, 3, 31))
    assert levels.status_for(level=3, as_of=D(2022, 1, 1), **kw) == levels.Status.MET
    assert levels.status_for(level=2, as_of=D(2022, 3, 31), **kw) == levels.Status.BEHIND
    assert levels.status_for(level=2, as_of=D(2022, 4, 1), **kw) == levels.Status.OVERDUE
    assert levels.status_for(level=0, as_of=D(2021, 10, 5), **kw) == levels.Status.ON_TRACK
    assert levels.status_for(level=0, as_of=D(2022, 2, 1), **kw) == levels.Status.BEHIND
    assert levels.status_for(level=0, target=None, has_criteria=False, as_of=D(2022, 2, 1),
                             starts_on=kw["starts_on"], closes_on=kw["closes_on"]) == levels.Status.UNDEFINED


@pytest.mark.django_db
def test_progress_for_applies_the_rule_as_of_any_date(plan, users, indicator, rounds, fy_today):
    fy_today(D(2022, 2, 15))
    steps = {s.number: s for s in MilestoneStep.objects.filter(criteria_set__indicator=indicator)}
    for number, day in [(1, D(2021, 10, 20)), (2, D(2021, 12, 1)), (4, D(2022, 1, 5))]:
        step_complete(step=steps[number], done_on=day, by=users["owner"])
    six = rounds[6]

    def level(as_of):
        return progress_for([indicator], [six], as_of)[indicator.pk].rounds[0].level

    assert level(D(2021, 10, 19)) == 0
    assert level(D(2021, 10, 20)) == 1
    assert level(D(2022, 2, 15)) == 2  # step 4 done out of order does not count
    step_complete(step=steps[3], done_on=D(2022, 2, 1), by=users["owner"])
    assert level(D(2022, 1, 31)) == 2
    assert level(D(2022, 2, 15)) == 4  # 1-4 all done now


@pytest.mark.django_db
def test_per_round_criteria_count_separately(plan, users, rounds, fy_today):
    fy_today(D(2022, 2, 15))
    three = plan.indicators.get(number=3)
    six_set = CriteriaSet.objects.get(indicator=three, round=rounds[6])
    for step in six_set.steps.all()[:3]:
        step_complete(step=step, done_on=D(2021, 12, 1), by=users["owner"])
    progress = progress_for([three], [rounds[6], rounds[12]], D(2022, 2, 15))[three.pk]
    assert [rp.level for rp in progress.rounds] == [3, 0]
    assert progress.rounds[1].steps[0].step.text.startswith("แจ้งเวียนหน่วยงาน")


@pytest.mark.django_db
def test_indicator_without_criteria_is_not_defined(plan, rounds):
    seven = plan.indicators.get(number=7)
    rp = progress_for([seven], [rounds[6]], D(2022, 2, 1))[seven.pk].rounds[0]
    assert rp.level == 0 and not rp.has_criteria
    assert rp.status == levels.Status.UNDEFINED
    assert rp.status_label == "ยังไม่ได้กำหนดเกณฑ์การให้คะแนน"
