"""Thai by default, English when the user picks it; scorecards stay Thai documents."""

import datetime as dt
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import StepCompletion
from indicators.models import MilestoneStep

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

pytestmark = pytest.mark.django_db


def choose(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_thai_by_default_even_when_the_browser_prefers_english(client, users):
    client.force_login(users["owner"])
    response = client.get(reverse("assessments:my-indicators"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="th">' in body
    assert "ตัวชี้วัดของฉัน" in body and "My indicators" not in body
    assert response["Content-Language"] == "th"


def test_the_switch_turns_the_interface_english_and_back(client, users, fy_today):
    client.force_login(users["owner"])
    page = reverse("assessments:my-indicators")
    response = choose(client, "en", page)
    assert response.status_code == 302 and response["Location"] == page
    body = client.get(page).content.decode()
    assert '<html lang="en">' in body
    assert "My indicators" in body and "Sign out" in body
    # The plan's own text is data, not interface: it stays as written.
    assert "ระดับความสำเร็จการจัดทำคู่มือกระบวนการ" in body
    choose(client, "th", page)
    body = client.get(page).content.decode()
    assert '<html lang="th">' in body and "ตัวชี้วัดของฉัน" in body


def test_the_switch_is_on_the_sign_in_page_too(client):
    body = client.get(reverse("login")).content.decode()
    assert 'name="language" value="en"' in body and 'name="language" value="th"' in body
    choose(client, "en", reverse("login"))
    assert "Username" in client.get(reverse("login")).content.decode()


def test_an_unknown_language_cookie_falls_back_to_thai(client, users):
    client.force_login(users["viewer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="th">' in client.get(reverse("assessments:plan")).content.decode()


def test_error_messages_and_dates_follow_the_chosen_language(client, users, indicator, rounds, fy_today):
    fy_today(dt.date(2022, 2, 15))
    client.force_login(users["owner"])
    choose(client, "en")
    step = MilestoneStep.objects.get(criteria_set__indicator=indicator, number=1)
    url = reverse("assessments:step-save", args=[step.pk])
    response = client.post(url, {"done": "on", "done_on": "2022-03-01", "round": rounds[12].pk}, follow=True)
    body = response.content.decode()
    assert "The date done cannot be in the future." in body
    assert not StepCompletion.objects.exists()
    client.post(url, {"done": "on", "done_on": "2022-01-10", "round": rounds[12].pk})
    body = client.get(reverse("assessments:indicator", args=[indicator.pk]) + f"?round={rounds[12].pk}").content.decode()
    assert "10 Jan 2565 BE" in body  # Buddhist Era year, English month
    assert "ม.ค." not in body


def test_scorecards_stay_thai_in_english_mode(client, users, plan):
    client.force_login(users["director"])
    choose(client, "en")
    body = client.get(reverse("reports:scorecard") + f"?plan={plan.pk}&round=6").content.decode()
    assert "รายงานผลการดำเนินงานตามตัวชี้วัด" in body
    assert "รอบ 6 เดือน" in body
    # ...while the pages around them are English.
    assert "Dashboard" in client.get(reverse("reports:dashboard")).content.decode()


# --- the catalogue itself -----------------------------------------------------

PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def test_every_interface_string_has_an_english_translation():
    po = polib.pofile(str(PO))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()][:10]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()][:10]
    for entry in po.translated_entries():
        targets = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for target in targets:
            assert sorted(set(PLACEHOLDER.findall(entry.msgid))) == sorted(set(PLACEHOLDER.findall(target))) or (
                entry.msgid_plural and set(PLACEHOLDER.findall(entry.msgid)) == set(PLACEHOLDER.findall(target))
            ), (entry.msgid, target)
            assert not re.search(r"[\u0E00-\u0E7F]", target), (entry.msgid, target)


def test_the_compiled_catalogue_matches_the_source():
    """django.mo is committed; this fails when django.po changed without `make messages`."""
    po = {e.msgid: (e.msgstr or dict(e.msgstr_plural)) for e in polib.pofile(str(PO)).translated_entries()}
    mo = {e.msgid: (e.msgstr or dict(e.msgstr_plural)) for e in polib.mofile(str(MO))}
    mo.pop("", None)
    assert mo == po
