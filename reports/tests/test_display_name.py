"""One name for a person (indicators.models.display_name): the same on the pages, on paper and in e-mails.

The owner's account carries a name of its own ("Suwimon N."): the Thai full name of her Person
("นางสาวสุวิมล นาครอด") wins everywhere, where pages once showed the account's name and PDFs the Thai one.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from assessments import services
from indicators.models import display_name

from .factories import complete_steps
from .pdf_helpers import pdftotext, squash

pytestmark = pytest.mark.django_db

NAME = "นางสาวสุวิมล นาครอด"


@pytest.fixture
def owner(users):
    user = users["owner"]
    user.first_name, user.last_name = "Suwimon", "N."
    user.save()
    return user


@pytest.fixture
def submitted(plan, rounds, owner, fy_today):
    """Indicator 1: steps 1-3 ticked and its 6-month round submitted, all by the owner."""
    fy_today(dt.date(2022, 3, 1))
    indicator = plan.indicators.get(number=1)
    complete_steps(indicator, [1, 2, 3], dt.date(2022, 2, 1), owner)
    services.round_submit(indicator=indicator, round=rounds[6], by=owner)
    return indicator


def test_the_rule(users, owner):
    assert display_name(owner) == NAME  # the Person's Thai name over the account's own name
    director = users["director"]
    assert display_name(director) == "director"  # no Person, no name on the account: the login name
    director.first_name, director.last_name = "ผู้อำนวยการ", "กลุ่มพัฒนาระบบบริหาร"
    assert display_name(director) == "ผู้อำนวยการ กลุ่มพัฒนาระบบบริหาร"
    assert display_name(None) == ""


def test_the_same_person_has_the_same_name_on_every_page_and_on_paper(client, users, owner, submitted):
    client.force_login(owner)
    page = client.get(reverse("assessments:indicator", args=[submitted.pk])).content.decode()
    history = page[page.index('id="history"'):]
    actor = re.search(r'<td class="text-nowrap">[^<]*</td><td>(.*?)</td>', history).group(1)
    assert re.sub(r"<[^>]+>", "", actor) == NAME and "<span class=\"nobr\">" in actor  # never broken inside a word

    client.force_login(users["director"])
    queue = client.get(reverse("assessments:review-queue")).content.decode()
    assert re.search(rf'<td class="small">{NAME}<br>', queue)

    params = {"indicator": submitted.pk, "as_of": "2022-03-01", "edition": "full"}
    scorecard = client.get(reverse("reports:scorecard"), params).content.decode()
    assert scorecard.count(f"<td>{NAME}</td>") == 3  # ผู้บันทึก of the three steps

    pdf = squash(pdftotext(client.get(reverse("reports:scorecard-pdf"), params).content))
    assert pdf.count(squash(NAME)) >= 2  # the owners' line and the steps she recorded

    for text in (page, queue, scorecard, pdf):
        assert "Suwimon" not in text
