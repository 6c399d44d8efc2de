"""What an attack run found in progress writes (issue 13): Office files checked by their
real structure, no evidence file left behind by a failed transaction, 5G KPI values
dated inside the plan's fiscal year."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from assessments import services
from assessments.models import Evidence, PolicyKPIMeasurement, StepCompletion
from indicators.models import MilestoneStep, PolicyKPI

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(fy_today):
    fy_today(dt.date(2022, 2, 15))


def stored_files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def first_step(indicator) -> MilestoneStep:
    return MilestoneStep.objects.filter(criteria_set__indicator=indicator).order_by("criteria_set", "number").first()


# --- Office files --------------------------------------------------------------------------------------

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN = {
    ".docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    ".xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ".pptx": ("ppt/presentation.xml",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def ooxml(ext: str, *, content_types=True, main_part=True, declared=None) -> bytes:
    part, ctype = MAIN[ext]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        if content_types:
            z.writestr("[Content_Types].xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}">'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/{part}" ContentType="{declared or ctype}"/></Types>'))
        z.writestr("_rels/.rels", "<Relationships/>")
        if main_part:
            z.writestr(part, "<document/>")
        else:
            z.writestr(part.split("/")[0] + "/other.xml", "<x/>")
    return buf.getvalue()


def ole_file(stream_name: str, size: int = 4096) -> bytes:
    """A minimal OLE2 compound file (CFB version 3, 512-byte sectors) holding one stream."""
    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    sectors = -(-size // 512)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108  # the FAT is sector 0
    fat = [fatsect, end] + [3 + i for i in range(sectors - 1)] + [end]  # directory: sector 1; data from 2
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
        e = raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1 if name else 0)
        e += struct.pack("<III", nostream, nostream, child) + b"\0" * 36 + struct.pack("<IQ", start, length)
        return e

    directory = (entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, nostream, 2, size)
                 + entry("", 0, nostream, 0, 0) * 2)
    return header + struct.pack("<128I", *fat) + directory + (b"\x11" * size).ljust(sectors * 512, b"\0")


GOOD = [
    ("รายงาน.docx", ooxml(".docx")), ("ตาราง.xlsx", ooxml(".xlsx")), ("สไลด์.pptx", ooxml(".pptx")),
    ("รายงาน.doc", ole_file("WordDocument")), ("ตาราง.xls", ole_file("Workbook")),
    ("ตารางเก่า.xls", ole_file("Book")), ("สไลด์.ppt", ole_file("PowerPoint Document")),
]
BAD = [
    # A ZIP with a word/ entry passed as .docx before.
    ("zip-with-word-dir.docx", ooxml(".docx", content_types=False)),
    ("no-main-part.docx", ooxml(".docx", main_part=False)),
    ("declared-as-macro.docx", ooxml(".docx", declared="application/vnd.ms-word.document.macroEnabled.main+xml")),
    ("sheet-as-word.docx", ooxml(".xlsx")),
    ("no-workbook.xlsx", ooxml(".xlsx", main_part=False)),
    ("no-presentation.pptx", ooxml(".pptx", content_types=False)),
    # Any OLE file passed as .doc, .xls or .ppt before.
    ("installer.doc", ole_file("SummaryInformation")),
    ("word-as-excel.xls", ole_file("WordDocument")),
    ("excel-as-powerpoint.ppt", ole_file("Workbook")),
    ("truncated.doc", ole_file("WordDocument")[:1536]),
]


@pytest.mark.parametrize("name,content", GOOD, ids=[g[0] for g in GOOD])
def test_real_office_documents_are_accepted(name, content):
    _, info = services.validate_evidence(SimpleUploadedFile(name, content))
    assert info["name"] == name


@pytest.mark.parametrize("name,content", BAD, ids=[b[0] for b in BAD])
def test_files_without_the_office_structure_are_refused_in_thai(name, content):
    with pytest.raises(services.ProgressError) as refused:
        services.validate_evidence(SimpleUploadedFile(name, content))
    assert name in refused.value.messages[0] and "ไม่" in refused.value.messages[0]


def test_an_old_word_file_downloads_as_word(client, users, indicator, rounds):
    client.force_login(users["owner"])
    step = first_step(indicator)
    response = client.post(reverse("assessments:step-save", args=[step.pk]), {
        "done": "on", "done_on": "2022-01-10", "round": rounds[6].pk,
        "files": SimpleUploadedFile("บันทึก.doc", ole_file("WordDocument"))})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/msword"


# --- no orphan files ---------------------------------------------------------------------------------


def test_a_transaction_that_fails_after_the_file_was_written_leaves_no_file(settings, users, indicator, monkeypatch):
    """The second file's row fails after the first file (and its row) were written: all rolled back, no files."""
    step = first_step(indicator)
    real_save, calls = Evidence.save, []

    def failing_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF + b"2")])
    assert not StepCompletion.objects.exists() and not Evidence.objects.exists()
    assert stored_files(settings) == []


def test_a_caller_that_rolls_back_later_takes_the_file_with_it(settings, users, indicator):
    step = first_step(indicator)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("a.pdf", PDF)])
        assert len(stored_files(settings)) == 1  # written before the commit, so a committed row has its file
        raise RuntimeError("something after the upload failed")
    assert stored_files(settings) == []
    # A write that succeeds keeps its file.
    services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"],
                           files=[SimpleUploadedFile("a.pdf", PDF)])
    [kept] = stored_files(settings)
    assert kept.read_bytes() == PDF
    assert kept.stat().st_mode & 0o777 == 0o600  # readable by the server's account only
    assert kept.parent.stat().st_mode & 0o777 == 0o700


# --- 5G KPI dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("measured_on", ["2019-06-30", "0001-01-01", "2021-09-30"])
def test_a_kpi_value_dated_outside_the_plans_fiscal_year_is_refused(client, users, plan, measured_on):
    kpi = PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).order_by("pk").first()
    client.force_login(users["director"])
    response = client.post(reverse("reports:kpi-record", args=[kpi.pk]),
                           {"plan": plan.pk, "value": "90", "measured_on": measured_on, "source": ""})
    assert response.status_code == 400
    assert "วันที่ของข้อมูลต้องอยู่ในปีงบประมาณ พ.ศ. 2565" in response.content.decode()
    assert not PolicyKPIMeasurement.objects.exists()


def test_a_kpi_value_on_the_first_day_of_the_fiscal_year_is_kept(users, plan):
    kpi = PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).order_by("pk").first()
    services.kpi_measurement_record(kpi=kpi, value="90", measured_on=dt.date(2021, 10, 1), source="", by=users["director"])
    assert PolicyKPIMeasurement.objects.get().measured_on == dt.date(2021, 10, 1)
