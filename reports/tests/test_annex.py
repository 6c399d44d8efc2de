"""The evidence annex (ภาคผนวกเอกสารหลักฐาน, reports/annex.py): numbered list, every file, bookmarks.

Indicator ๑ gets, on steps 1-3 done in the 6-month round: a 2-page PDF, a PNG image,
an Excel file, a damaged PDF and a password-protected PDF; indicator ๒ a PDF on its
step 1. The annex is read back with pypdf (pages, outline) and its own pages with
every PDF engine of reports/tests/pdf_engines.py.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from assessments import services
from core import thai
from reports import annex as annex_module
from reports.scorecard import Period
from reports.tests.conftest import steps_of

from .pdf_engines import ENGINES, read
from .test_pdf_engines import check_reading

pytestmark = pytest.mark.django_db

EVIDENCE_PAGE = (200, 300)  # the size of the evidence PDF's pages, to find them in the annex


def evidence_pdf(pages: int = 2, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*EVIDENCE_PAGE)
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


@pytest.fixture
def evidence(plan, users, rounds, fy_today, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fy_today(dt.date(2022, 3, 25))
    owner = users["owner"]
    one, two = plan.indicators.get(number=1), plan.indicators.get(number=2)
    s1, s2, s3 = steps_of(one)[:3]
    services.step_complete(step=s1, done_on=dt.date(2021, 11, 1), by=owner, files=[
        SimpleUploadedFile("คำสั่งแต่งตั้งคณะทำงาน.pdf", evidence_pdf(2)),
        SimpleUploadedFile("ภาพการประชุม.png", png()),
    ])
    services.step_complete(step=s2, done_on=dt.date(2021, 12, 15), by=owner, files=[
        SimpleUploadedFile("แผนการดำเนินงาน.xlsx", xlsx()),
        SimpleUploadedFile("รายงานเสียหาย.pdf", b"%PDF-1.4\n" + b"\x00garbage " * 50),
    ])
    services.step_complete(step=s3, done_on=dt.date(2022, 2, 1), by=owner, files=[
        SimpleUploadedFile("รายงานมีรหัสผ่าน.pdf", evidence_pdf(1, password="secret")),
    ])
    services.step_complete(step=steps_of(two)[0], done_on=dt.date(2022, 1, 5), by=owner, files=[
        SimpleUploadedFile("หลักฐานตัวชี้วัดที่สอง.pdf", evidence_pdf(3)),
    ])
    return {"one": one, "two": two, "steps": [s1, s2, s3]}


def annex_response(client, user, **query):
    client.force_login(user)
    return client.get(reverse("reports:scorecard-annex"), query)


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def is_evidence_page(page) -> bool:
    return (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == EVIDENCE_PAGE


def test_the_annex_of_an_indicator_numbers_every_file_and_bookmarks_each(client, users, evidence, plan):
    response = annex_response(client, users["viewer"], plan=plan.pk, indicator=evidence["one"].pk, round=6)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="evidence-annex-2565-R6-1.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    marks = outline(reader)
    assert [title for _, title, _ in marks] == [
        "รายการเอกสารหลักฐาน",
        "เอกสารหลักฐานที่ ๑ คำสั่งแต่งตั้งคณะทำงาน.pdf",
        "เอกสารหลักฐานที่ ๒ ภาพการประชุม.png",
        "เอกสารหลักฐานที่ ๓ แผนการดำเนินงาน.xlsx",
        "เอกสารหลักฐานที่ ๔ รายงานเสียหาย.pdf",
        "เอกสารหลักฐานที่ ๕ รายงานมีรหัสผ่าน.pdf",
    ]
    pages = {title: page for _, title, page in marks}
    texts = [page.extract_text() for page in reader.pages]
    # The list: every file, numbered, with its step, uploader and checksum.
    listing = "".join("".join(t.split()) for t in texts[: pages["เอกสารหลักฐานที่ ๑ คำสั่งแต่งตั้งคณะทำงาน.pdf"]])
    for n, name in enumerate(["คำสั่งแต่งตั้งคณะทำงาน.pdf", "ภาพการประชุม.png", "แผนการดำเนินงาน.xlsx"], start=1):
        assert f"เอกสารหลักฐานที่{thai.to_thai_digits(n)}" in listing and name in listing
    assert "นางสาวสุวิมลนาครอด" in listing and "ขั้นตอนที่๑" in listing
    from assessments.models import Evidence

    xlsx_sum = Evidence.objects.get(original_name="แผนการดำเนินงาน.xlsx").sha256
    assert xlsx_sum in listing  # listed only, with its checksum
    # The PDF's two pages follow, where its bookmark points; the image has a page of its own.
    first = pages["เอกสารหลักฐานที่ ๑ คำสั่งแต่งตั้งคณะทำงาน.pdf"]
    assert is_evidence_page(reader.pages[first]) and is_evidence_page(reader.pages[first + 1])
    assert sum(is_evidence_page(p) for p in reader.pages) == 2
    image_page = reader.pages[pages["เอกสารหลักฐานที่ ๒ ภาพการประชุม.png"]]
    assert "เอกสารหลักฐานที่ ๒" in image_page.extract_text() and image_page["/Resources"]["/XObject"]
    assert pages["เอกสารหลักฐานที่ ๓ แผนการดำเนินงาน.xlsx"] < first  # its row in the list
    # Damaged and password-protected PDFs: a Thai note on their page, not a 500.
    assert "เสียหาย" in texts[pages["เอกสารหลักฐานที่ ๔ รายงานเสียหาย.pdf"]]
    assert "รหัสผ่าน" in texts[pages["เอกสารหลักฐานที่ ๕ รายงานมีรหัสผ่าน.pdf"]]
    assert reader.trailer["/Root"]["/Lang"] == "th" and reader.metadata.title.startswith("ภาคผนวกเอกสารหลักฐาน")


def test_the_annex_of_a_plan_groups_the_bookmarks_by_indicator(client, users, evidence, plan):
    response = annex_response(client, users["director"], plan=plan.pk, round=6)
    reader = PdfReader(io.BytesIO(response.content))
    marks = outline(reader)
    parents = [title for depth, title, _ in marks if depth == 0]
    assert parents[0] == "รายการเอกสารหลักฐาน"
    assert parents[1].startswith("ตัวชี้วัดที่ ๑ ") and parents[2].startswith("ตัวชี้วัดที่ ๒ ")
    children = [title for depth, title, _ in marks if depth == 1]
    assert children[-1] == "เอกสารหลักฐานที่ ๖ หลักฐานตัวชี้วัดที่สอง.pdf" and len(children) == 6
    assert sum(is_evidence_page(p) for p in reader.pages) == 2 + 3


def test_removed_and_later_evidence_is_left_out(client, users, evidence, plan, fy_today):
    from assessments.models import Evidence

    services.evidence_remove(evidence=Evidence.objects.get(original_name="ภาพการประชุม.png"), by=users["owner"], reason="ผิดไฟล์")
    items = annex_module.annex_items(user=users["viewer"], plan=plan, period=Period.for_quarter(2565, 1),
                                     indicator_ids=[evidence["one"].pk])
    # Q1 ends 31 Dec 2564: step 3 (1 Feb 2565) is not done yet; the removed image is gone.
    assert [i.name for i in items] == ["คำสั่งแต่งตั้งคณะทำงาน.pdf", "แผนการดำเนินงาน.xlsx", "รายงานเสียหาย.pdf"]
    assert [i.number for i in items] == [1, 2, 3]


def test_an_altered_or_missing_file_gets_a_note(client, users, evidence, plan):
    from assessments.models import Evidence

    changed = Evidence.objects.get(original_name="คำสั่งแต่งตั้งคณะทำงาน.pdf")
    with open(changed.file.path, "ab") as f:
        f.write(b"%altered")
    gone = Evidence.objects.get(original_name="ภาพการประชุม.png")
    import os

    os.remove(gone.file.path)
    response = annex_response(client, users["owner"], plan=plan.pk, indicator=evidence["one"].pk, round=6)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    pages = {title: page for _, title, page in outline(reader)}
    assert "ค่าตรวจสอบ" in reader.pages[pages["เอกสารหลักฐานที่ ๑ คำสั่งแต่งตั้งคณะทำงาน.pdf"]].extract_text()
    assert "ไม่พบไฟล์" in reader.pages[pages["เอกสารหลักฐานที่ ๒ ภาพการประชุม.png"]].extract_text()
    assert not any(is_evidence_page(p) for p in reader.pages)


def test_the_annex_needs_the_right_to_see_the_evidence(client, users, evidence, plan, django_user_model):
    url = reverse("reports:scorecard-annex")
    assert "/login/" in client.get(url, {"indicator": evidence["one"].pk})["Location"]
    stranger = django_user_model.objects.create_user("stranger", password="x-very-long-pass")
    client.force_login(stranger)  # signed in, but no unit: sees no plan and no indicator
    assert client.get(url, {"indicator": evidence["one"].pk, "round": 6}).status_code == 404
    assert client.get(url, {"plan": plan.pk, "round": 6}).status_code == 404
    client.force_login(users["viewer"])
    assert client.get(url, {"plan": plan.pk, "round": 7}).status_code == 400  # a bad round: a Thai message


def test_the_pages_link_to_the_annex(client, users, evidence, plan):
    client.force_login(users["owner"])
    annex_url = reverse("reports:scorecard-annex")
    page = client.get(reverse("assessments:indicator", args=[evidence["one"].pk])).content.decode()
    assert f'href="{annex_url}?plan={plan.pk}&amp;indicator={evidence["one"].pk}&amp;round=' in page
    page = client.get(reverse("reports:scorecard"), {"plan": plan.pk, "round": 6}).content.decode()
    assert f'href="{annex_url}?plan={plan.pk}&amp;round=6"' in page


_cache: dict = {}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_reads_the_annex_exactly(client, users, evidence, plan, engine):
    if "annex" not in _cache:
        response = annex_response(client, users["viewer"], plan=plan.pk, round=6)
        a = annex_module.build_annex(user=users["viewer"], plan=plan, period=Period.for_round(2565, 6))
        _cache["annex"] = (response.content, annex_module.render_html(a), a)
    data, html, a = _cache["annex"]
    names = [evidence["one"].name, evidence["two"].name]
    criteria = [s.text for s in evidence["steps"]] + [i.name for i in a.items]
    problems = check_reading(read(engine, data), names, criteria, html)
    assert not problems, "\n".join(problems)


def test_export_annex_writes_the_same_annex(evidence, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    target = tmp_path / "annex.pdf"
    out = io.StringIO()
    call_command("export_annex", "--year", "2565", "--round", "6", "--indicator", "1", "--output", str(target), stdout=out)
    assert "(5 ไฟล์)" in out.getvalue()
    titles = [title for _, title, _ in outline(PdfReader(target))]
    assert titles[1] == "เอกสารหลักฐานที่ ๑ คำสั่งแต่งตั้งคณะทำงาน.pdf" and len(titles) == 6
    with pytest.raises(CommandError, match="ไม่พบตัวชี้วัดที่ 99"):
        call_command("export_annex", "--year", "2565", "--round", "6", "--indicator", "99", "--output", str(target))
