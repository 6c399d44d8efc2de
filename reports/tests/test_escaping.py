"""HTML, script and formulas typed by users are shown as text everywhere they appear.

Property-based (hypothesis): a note, an evidence file name, an un-tick reason, a
submit note, the director's return comment and verification reason, and a 5G
KPI source are made of markup (<script>, <b>, entities, template syntax) and
formula starts (= + - @). Then every place that shows them is read back:

* the indicator page (and its history), the review page, the dashboard and the
  scorecard page show the text escaped, never as markup;
* the PDF's text layer (pypdf) holds the literal text, tags included, so it
  was drawn as text and not laid out as markup;
* the Excel workbook holds it as a string cell (data_type "s"), never as a
  formula, and the workbook has no formula at all.

Each example is rolled back, so examples do not see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st

from assessments import services
from assessments.models import Evidence, HistoryEntry, PolicyKPIMeasurement
from indicators.models import MilestoneStep, PolicyKPI
from tests_support.properties import examples, in_rollback

pytestmark = pytest.mark.django_db

TODAY = dt.date(2022, 2, 15)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORMULA_STARTS = ("=", "+", "-", "@")



# Pieces a user might type; no digits (the PDF shows digits as Thai digits) and no "/" in
# file names (a path separator: only the last part is kept as the name).
PIECES = [
    "<script>alert('x')</script>", "<b>", "</b>", "<img src=x onerror=alert('x')>", "<a href='javascript:alert()'>",
    "&amp;", "&lt;b&gt;", "&#x3C;", '"', "'", "{{ user }}", "{% csrf_token %}", "=", "+", "-", "@", "|", ";",
    "ก", "หมายเหตุ", "คลิก", "ABC", "x", " ",
]
NAME_PIECES = [p for p in PIECES if "/" not in p]


def typed(pieces) -> st.SearchStrategy[str]:
    body = st.lists(st.sampled_from(pieces), min_size=1, max_size=6).map("".join)
    return st.tuples(st.sampled_from(("",) + FORMULA_STARTS), body).map(lambda t: (t[0] + t[1]).strip()).filter(
        lambda s: len(s) > 1)


texts = st.fixed_dictionaries({
    "note": typed(PIECES), "file": typed(NAME_PIECES), "reason": typed(PIECES), "submit": typed(PIECES),
    "comment": typed(PIECES), "verify": typed(PIECES), "source": typed(PIECES),
})
MARKUP = {
    "note": "<script>alert('note')</script>", "file": "=HYPERLINK(\"http:evil\",\"คลิก\")<b>ไฟล์",
    "reason": "@SUM(A:A)<img src=x onerror=alert('x')>", "submit": "+cmd|' /C calc'!A<i>ส่ง</i>",
    "comment": "-<b>ตัวหนา</b>", "verify": "=<script>alert('verify')</script>", "source": "<a href='javascript:alert()'>แหล่ง</a>",
}


@pytest.fixture(autouse=True)
def _today(fy_today, settings, tmp_path):
    fy_today(TODAY)
    settings.MEDIA_ROOT = tmp_path / "evidence"


def record(plan, users, rounds, s: dict[str, str]) -> dict[str, str]:
    """Everything a user can type, typed: returns what was stored (file names are cleaned)."""
    one = plan.indicators.get(number=1)
    steps = {x.number: x for x in MilestoneStep.objects.filter(criteria_set__indicator=one)}
    owner, director = users["owner"], users["director"]
    services.step_complete(step=steps[1], done_on=dt.date(2022, 1, 10), by=owner, note=s["note"],
                           files=[SimpleUploadedFile(s["file"] + ".pdf", PDF)])
    services.step_complete(step=steps[2], done_on=dt.date(2022, 1, 11), by=owner, note="ชั่วคราว")
    c = steps[2].completions.get()
    services.step_uncomplete(step=steps[2], by=owner, reason=s["reason"], expected_completion_id=c.pk)
    services.round_submit(indicator=one, round=rounds[6], by=owner, note=s["submit"])
    services.round_return(indicator=one, round=rounds[6], by=director, comment=s["comment"])
    services.round_submit(indicator=one, round=rounds[6], by=owner, note=s["submit"])
    services.round_verify(indicator=one, round=rounds[6], by=director, level=0, reason=s["verify"])
    kpi = PolicyKPI.objects.filter(fiscal_year_id=plan.fiscal_year_id).order_by("pk").first()
    services.kpi_measurement_record(kpi=kpi, value=12, measured_on=dt.date(2022, 2, 1), source=s["source"], by=director)
    # The history is stamped now (years after FY 2565): move it into the period so the reports list it.
    HistoryEntry.objects.update(at=timezone.make_aware(dt.datetime(2022, 2, 10, 10, 0)))
    stored = dict(s)
    stored["file"] = Evidence.objects.get().original_name
    assert PolicyKPIMeasurement.objects.get().source == s["source"]
    return stored


def assert_escaped(body: str, text: str, where: str) -> None:
    assert escape(text) in body, f"{where}: {text!r} is not shown (escaped)"
    if "<" in text:  # (an entity alone, such as "&amp;", is in any page's links: only escape(text) proves it)
        rest = body.replace(escape(text), "")
        assert text not in rest, f"{where}: {text!r} is in the page unescaped"




def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


@examples(12)
@given(s=texts)
@example(s=MARKUP)
def test_typed_markup_is_escaped_on_every_page(client, users, plan, rounds, s):
    one = plan.indicators.get(number=1)

    def run():
        t = record(plan, users, rounds, s)
        client.force_login(users["owner"])
        page = client.get(reverse("assessments:indicator", args=[one.pk]), {"round": rounds[6].pk}).content.decode()
        for key in ("note", "file", "reason", "submit", "comment", "verify"):  # the page and its history
            assert_escaped(page, t[key], f"indicator page ({key})")
        client.force_login(users["director"])
        review = client.get(reverse("assessments:review", args=[one.pk, rounds[6].pk])).content.decode()
        for key in ("note", "file", "reason", "verify"):
            assert_escaped(review, t[key], f"review page ({key})")
        dashboard = client.get(reverse("reports:dashboard")).content.decode()
        assert_escaped(dashboard, t["source"], "dashboard (KPI source)")
        scorecard = client.get(reverse("reports:scorecard"), {"round": 6, "edition": "full"}).content.decode()  # notes: the full edition
        for key in ("note", "file", "verify"):
            assert_escaped(scorecard, t[key], f"scorecard page ({key})")

    in_rollback(run)


@examples(4)
@given(s=texts)
@example(s=MARKUP)
def test_typed_markup_is_literal_text_in_the_pdf(client, users, plan, rounds, s):
    one = plan.indicators.get(number=1)

    def run():
        t = record(plan, users, rounds, s)
        client.force_login(users["director"])
        response = client.get(reverse("reports:scorecard-pdf"), {"round": 6, "indicator": one.pk})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        for key in ("note", "file", "verify", "submit"):
            literal = re.sub(r"\s+", "", t[key])
            assert literal in text, f"PDF: {t[key]!r} is not in the text layer as typed"

    in_rollback(run)


@examples(8)
@given(s=texts)
@example(s=MARKUP)
def test_typed_formulas_stay_text_in_excel(client, users, plan, rounds, s):
    from openpyxl import load_workbook

    def run():
        t = record(plan, users, rounds, s)
        client.force_login(users["director"])
        response = client.get(reverse("reports:scorecard-xlsx"), {"round": 6})
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert "<f>" not in z.read(name).decode() and "<f " not in z.read(name).decode(), name
        wb = load_workbook(io.BytesIO(response.content))
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        # Each text is a whole cell (a note, a file name, a history comment) and a string, not a formula.
        for key, sheet in (("note", "รายละเอียดขั้นตอน"), ("file", "รายละเอียดขั้นตอน"),
                           ("reason", "ประวัติการเปลี่ยนแปลง"), ("comment", "ประวัติการเปลี่ยนแปลง"),
                           ("submit", "ประวัติการเปลี่ยนแปลง"), ("verify", "ประวัติการเปลี่ยนแปลง")):
            found = [c for c in cells if c.value == t[key] and c.parent.title == sheet]
            assert found, f"Excel: {t[key]!r} not found as a cell of {sheet}"
            for c in found:
                assert c.data_type == "s", f"Excel: {t[key]!r} is stored as {c.data_type!r}"
        # The verification reason also ends the summary's remark (after the review state).
        assert any(c.value.endswith(" – " + t["verify"]) for c in cells if c.parent.title == "สรุปผลตัวชี้วัด")

    in_rollback(run)
