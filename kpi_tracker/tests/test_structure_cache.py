"""Issue 19: what progress is counted against (criteria, steps, targets, rounds, owners, cascades) is
cached under a token that plan administration replaces and ticks do not (indicators/structure.py), and
who may tick is decided from it by a Scope predicate that says exactly what the queryset says. No one
acts on a stale copy: an edit of the plan shows, and rights taken away refuse, on the very next request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.selectors import plan_rounds, progress_for
from indicators import services as plan_services
from indicators import structure
from indicators.models import ActionPlan, Indicator, IndicatorOwner, Person
from indicators.querysets import scope_of

pytestmark = pytest.mark.django_db


def tick(client, step, rnd, **extra):
    return client.post(reverse("assessments:step-save", args=[step.pk]),
                       {"done": "on", "done_on": "10/01/2565", "round": rnd.pk, **extra}, headers={"HX-Request": "true"})


def untick(client, step, rnd, done=None):
    from assessments.models import StepCompletion

    done = done or StepCompletion.objects.active().get(step=step)
    return client.post(reverse("assessments:step-save", args=[step.pk]),
                       {"round": rnd.pk, "completion_id": done.pk, "version": done.version, "reason": "ทดสอบ"},
                       headers={"HX-Request": "true"})


def first_step(indicator):
    return indicator.criteria_sets.get(round=None).steps.get(number=1)


def test_the_scope_predicate_says_what_the_queryset_says_for_every_user_and_indicator(department_users, plan):
    """Scope.edits (one loaded indicator, no query) against IndicatorQuerySet.editable_by (the rule as SQL):
    every role, every indicator of both plans, with a withdrawn one, an "all staff" one and a draft plan."""
    users = department_users
    indicators = list(Indicator.all_objects.select_related("plan__org_unit"))
    withdrawn, everyone = indicators[2], indicators[3]
    Indicator.all_objects.filter(pk=withdrawn.pk).update(withdrawn_at="2022-01-01T00:00+07:00")
    Indicator.all_objects.filter(pk=everyone.pk).update(all_staff=True)
    draft = ActionPlan.objects.exclude(pk=plan.pk).get()
    ActionPlan.objects.filter(pk=draft.pk).update(status="draft")
    indicators = list(Indicator.all_objects.select_related("plan__org_unit"))
    owners: dict[int, set[int]] = {}
    for indicator_id, person_id in IndicatorOwner.objects.values_list("indicator_id", "person_id"):
        owners.setdefault(indicator_id, set()).add(person_id)
    checked = 0
    for user in users.values():
        editable = set(Indicator.objects.editable_by(user).values_list("pk", flat=True))
        scope = scope_of(user)
        for i in indicators:
            assert scope.edits(i, owners.get(i.pk, set())) == (i.pk in editable), (user.username, i.number, i.plan_id)
            checked += 1
    assert checked == len(users) * len(indicators) >= 8 * 31
    assert any(scope_of(users["owner"]).edits(i, owners.get(i.pk, set())) for i in indicators)


def test_a_criteria_edit_shows_at_once_though_the_criteria_were_cached(users, indicator, rounds):
    old = progress_for([indicator], plan_rounds(indicator.plan), dt.date(2022, 9, 30))[indicator.pk]
    assert old.for_round(rounds[12]).steps[0].step.text != "ขั้นตอนใหม่ทดสอบ"
    texts = [s.text for s in first_step(indicator).criteria_set.steps.order_by("number")]
    plan_services.criteria_write(indicator=indicator, by=users["admin"], sets={None: ["ขั้นตอนใหม่ทดสอบ", *texts[1:]]})
    new = progress_for([indicator], plan_rounds(indicator.plan), dt.date(2022, 9, 30))[indicator.pk]
    assert new.for_round(rounds[12]).steps[0].step.text == "ขั้นตอนใหม่ทดสอบ"


def test_a_tick_leaves_the_structure_cached_and_a_page_asks_only_for_progress(client, users, indicator, rounds):
    client.force_login(users["owner"])
    step = first_step(indicator)
    before = structure.token()
    assert tick(client, step, rounds[12]).status_code == 200
    assert structure.token() == before  # a tick is progress, not structure
    from assessments.models import StepCompletion

    done = StepCompletion.objects.active().get(step=step)
    with CaptureQueriesContext(connection) as queries:  # the untick of the same step
        answer = untick(client, step, rounds[12], done)
    assert answer.status_code == 200 and "ยกเลิกการดำเนินการขั้นตอนที่ 1 แล้ว" in answer.content.decode()
    read = [q["sql"].split('FROM "')[1].split('"')[0] for q in queries if q["sql"].startswith("SELECT")]
    for structural in ("indicators_criteriaset", "indicators_target", "indicators_round", "indicators_cascade",
                       "indicators_indicatorowner"):  # none loaded (the completions' query names the criteria sets)
        assert structural not in read, structural
    # session, user; the step locked, the indicator's active completions, its round results, the
    # completion and the history written (savepoints, BEGIN, COMMIT aside); the answer counts from what the
    # write read under the step's lock (services.Written).
    counted = [q["sql"] for q in queries if q["sql"].split()[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]
    assert [q.split('FROM "')[1].split('"')[0] if q.startswith("SELECT") else " ".join(q.split()[:3])
            for q in counted] == [
        "django_session", "auth_user", "indicators_milestonestep", "assessments_stepcompletion",
        "assessments_roundassessment", 'UPDATE "assessments_stepcompletion" SET', 'INSERT INTO "assessments_historyentry"']


@pytest.mark.django_db(transaction=True)  # the write commits, as on a server: its on_commit callbacks run
def test_a_tick_asks_the_cache_twice(client, users, indicator, rounds, monkeypatch):
    """Each call to the cache is a round trip to Redis in production: a tick makes one read (the reader's
    entries with every token it needs, the structure's among them: access.get_step_for_user asks for the
    reader's Scope first) and replaces its plan's token once, at the commit (tokens.bump: the request's
    own copy is replaced at once, and never stored)."""
    from django.core.cache import caches

    client.force_login(users["owner"])
    step = first_step(indicator)
    assert tick(client, step, rounds[12]).status_code == 200
    assert untick(client, step, rounds[12]).status_code == 200  # the process's copies are warm now
    backend, calls = caches["default"], []

    def counted(name, real):
        def call(*args, **kwargs):
            if not getattr(backend, "_inside", False):  # not the calls a backend makes of itself
                calls.append(name)
            backend._inside, was = True, getattr(backend, "_inside", False)
            try:
                return real(*args, **kwargs)
            finally:
                backend._inside = was
        return call

    for name in ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch", "has_key"):
        monkeypatch.setattr(backend, name, counted(name, getattr(backend, name)))
    page = reverse("assessments:indicator", args=[indicator.pk])
    assert tick(client, step, rounds[12]).status_code == 200
    assert calls == ["get_many", "set"]
    # ... and the next request sees the tick: the token it replaced is in the cache, and no page cached
    # under the request's own copy is found.
    assert "ผลการประเมินตนเอง: ระดับ 1" in client.get(page, {"round": rounds[12].pk}).content.decode()


def test_owners_taken_away_refuse_the_next_tick_and_new_owners_may_tick(client, users, indicator, rounds):
    step = first_step(indicator)
    client.force_login(users["owner"])
    assert tick(client, step, rounds[12]).status_code == 200  # the step's place is cached from here on
    other = Person.objects.get(user=users["other_staff"])
    plan_services.owners_set(indicator=indicator, by=users["admin"], primary=other)
    assert untick(client, step, rounds[12]).status_code == 403  # sees the plan, owns this one no longer
    client.force_login(users["other_staff"])
    assert untick(client, step, rounds[12]).status_code == 200


def test_a_withdrawn_indicator_refuses_the_next_tick(client, users, indicator, rounds):
    step = first_step(indicator)
    client.force_login(users["owner"])
    assert tick(client, step, rounds[12]).status_code == 200
    plan_services.indicator_withdraw(indicator=indicator, by=users["admin"], reason="ยกเลิกเพื่อทดสอบ")
    assert untick(client, step, rounds[12]).status_code == 404


def test_a_step_removed_while_its_page_was_open_is_refused_with_a_message(users, indicator, rounds):
    """The write locks the step's row: a step that is gone is a conflict the owner reads, not an error."""
    step = first_step(indicator).criteria_set.steps.get(number=5)
    plan_services.step_delete(step=step, by=users["admin"])
    with pytest.raises(services.ConflictError, match="ถูกนำออกจากเกณฑ์แล้ว"):
        services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"])
