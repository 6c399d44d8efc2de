"""record_demo_year: the demo year that `make run` records tells its story, once, never in production."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import HistoryEntry, PolicyKPIMeasurement, RoundAssessment, StepCompletion

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(plan, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", stdout=open("/dev/null", "w"))
    call_command("record_demo_year", stdout=open("/dev/null", "w"))
    return plan


def statuses(client, url):
    html = client.get(url).content.decode()
    return set(re.findall(r'data-status="(\w+)"', html)), html


def test_the_directors_dashboard_shows_every_status(client, seeded):
    client.force_login(get_user_model().objects.get(username="director"))
    # Today lies after FY 2565, so the dashboard opens on its last day (30 Sep 2565): the 12-month
    # round closes that day (behind, not yet overdue) and the 6-month round closed in March (overdue).
    now, html = statuses(client, reverse("reports:dashboard"))
    assert {"met", "behind"} <= now
    assert "รอตรวจสอบ" in html
    r6 = seeded.fiscal_year.rounds.get(months=6)
    six_now, _ = statuses(client, reverse("reports:dashboard") + f"?round={r6.pk}")
    assert {"met", "overdue"} <= six_now
    r12 = seeded.fiscal_year.rounds.get(months=12)
    q2, html = statuses(client, reverse("reports:dashboard") + f"?as_of=2022-03-31&round={r12.pk}")
    assert {"on_track", "behind"} <= q2
    q2_six, _ = statuses(client, reverse("reports:dashboard") + "?as_of=2022-03-31")
    assert {"met", "behind"} <= q2_six
    scorecard = client.get(reverse("reports:scorecard") + f"?plan={seeded.pk}&quarter=2").content.decode()
    for word in ("บรรลุเป้าหมาย", "ต่ำกว่าเป้าหมาย", "รอตรวจสอบ", "ผ่านการตรวจสอบ"):
        assert word in scorecard


def test_the_story_is_in_the_history_on_its_own_dates(seeded):
    two = seeded.indicators.get(number=2)
    actions = list(HistoryEntry.objects.filter(indicator=two, round__months=6).order_by("at", "pk")
                   .values_list("action", "at__date"))
    assert [a for a, _ in actions] == ["round_submitted", "round_returned", "round_submitted", "round_verified"]
    assert str(actions[1][1]) == "2022-03-28"
    assert RoundAssessment.objects.filter(status=RoundAssessment.ReviewStatus.VERIFIED).count() >= 5
    assert RoundAssessment.objects.filter(status=RoundAssessment.ReviewStatus.SUBMITTED).count() >= 3
    # Steps are ticked by their owners, recorded on the day they were done.
    c = StepCompletion.objects.filter(step__criteria_set__indicator__number=24).select_related("recorded_by").first()
    assert c.recorded_by.username == "staff1" and c.recorded_at.date() == c.done_on
    # Criteria for the indicators the document leaves without, marked as demo data.
    for number in (7, 20, 30):
        assert seeded.indicators.get(number=number).criteria_sets.get().title == "เกณฑ์การให้คะแนน (ข้อมูลตัวอย่าง)"
    assert PolicyKPIMeasurement.objects.filter(measured_on__year=2022).count() >= 7 * 3


def test_it_runs_once(seeded):
    counts = (StepCompletion.objects.count(), HistoryEntry.objects.count(), PolicyKPIMeasurement.objects.count())
    call_command("record_demo_year", stdout=open("/dev/null", "w"))
    assert (StepCompletion.objects.count(), HistoryEntry.objects.count(), PolicyKPIMeasurement.objects.count()) == counts


def test_it_refuses_production_mode(plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="โหมดใช้งานจริง"):
        call_command("record_demo_year")
    assert not StepCompletion.objects.exists()
