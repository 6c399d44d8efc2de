"""The two editions of the scorecard on the page and in the PDF download (?edition=),
and the download cookie the page's script waits for."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

pytestmark = pytest.mark.django_db

PAGE, PDF = "reports:scorecard", "reports:scorecard-pdf"


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))


def test_the_page_defaults_to_the_executive_edition_and_switches_to_the_full_one(client, plan, users, progress):
    client.force_login(users["director"])
    html = client.get(reverse(PAGE), {"plan": plan.pk, "quarter": 2}).content.decode()
    assert 'id="detail-h"' not in html and "ประชุมคณะทำงานแล้ว" not in html
    assert f'{reverse(PDF)}?plan={plan.pk}&amp;quarter=2&amp;edition=executive' in html
    assert 'href="?plan=%d&amp;quarter=2&amp;edition=full"' % plan.pk in html
    assert "data-pdf-download" in html  # static/js/app.js shows the PDF is being made

    html = client.get(reverse(PAGE), {"plan": plan.pk, "quarter": 2, "edition": "full"}).content.decode()
    assert 'id="detail-h"' in html and "ประชุมคณะทำงานแล้ว" in html
    assert f'{reverse(PDF)}?plan={plan.pk}&amp;quarter=2&amp;edition=full' in html
    assert re.search(r'aria-current="true">ฉบับเต็ม<', html)


def test_the_pdf_of_a_plan_defaults_to_the_executive_edition(client, plan, users, progress):
    client.force_login(users["viewer"])
    response = client.get(reverse(PDF), {"plan": plan.pk, "quarter": 2})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="scorecard-2565-Q2-executive.pdf"'
    text = pdf_text(response.content)
    assert "(สรุปผู้บริหาร)" in text and "ภาคผนวก" not in text
    assert len(PdfReader(io.BytesIO(response.content)).pages) <= 3


def test_one_indicator_defaults_to_the_full_edition_and_either_can_be_asked_for(client, users, progress):
    client.force_login(users["owner"])
    one = progress["one"].pk
    full = client.get(reverse(PDF), {"indicator": one, "quarter": 2})
    assert full["Content-Disposition"] == 'attachment; filename="scorecard-2565-Q2-1.pdf"'
    assert "ฉบับเต็ม" in pdf_text(full.content) and "ประชุมคณะทำงานแล้ว" in pdf_text(full.content)
    summary = client.get(reverse(PDF), {"indicator": one, "quarter": 2, "edition": "executive"})
    assert "ประชุมคณะทำงานแล้ว" not in pdf_text(summary.content)


@pytest.mark.parametrize("name", [PAGE, PDF])
def test_an_unknown_edition_is_a_thai_400(client, plan, users, name):
    client.force_login(users["viewer"])
    response = client.get(reverse(name), {"plan": plan.pk, "quarter": 2, "edition": "<b>summary</b>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "ฉบับของรายงาน" in html and "<b>summary</b>" not in html


def test_the_download_token_comes_back_as_a_cookie(client, users, progress):
    client.force_login(users["owner"])
    params = {"indicator": progress["one"].pk, "quarter": 2, "edition": "executive"}
    response = client.get(reverse(PDF), {**params, "download": "abc123XYZ"})
    assert response.cookies["pdf_download"].value == "abc123XYZ"
    # Anything but a short plain token sets nothing (it is echoed into a cookie).
    response = client.get(reverse(PDF), {**params, "download": "a;b=c"})
    assert "pdf_download" not in response.cookies
