"""Import with a preview: a plan document or the Excel template shows every difference before saving."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators import services
from indicators.models import ActionPlan, Indicator, PlanChange

pytestmark = pytest.mark.django_db

RENAMED_30 = "ระดับความสำเร็จการถอดเทปและจัดทำรายงานการประชุม"


def changed_document(year="๒๕๖๖") -> bytes:
    """The seed plan as next year's document: ๓๐ renamed, ๒๘'s 6-month target 2, ๒๙ gone."""
    text = (Path(settings.BASE_DIR) / "fixtures" / "plan_2565.txt").read_text(encoding="utf-8")
    text = text.replace("ประจำปีงบประมาณ พ.ศ. ๒๕๖๕", f"ประจำปีงบประมาณ พ.ศ. {year}")
    text = text.replace("๓๐. ระดับความสำเร็จการถอดเทปการประชุม", "๓๐. " + RENAMED_30)
    lines = text.split("\n")
    del lines[next(i for i, line in enumerate(lines) if line.startswith("๒๙. "))]
    i = next(i for i, line in enumerate(lines) if line.startswith("๒๘. "))
    lines[i] = lines[i][: lines[i].rindex("๓\t๕")] + "๒\t๕"
    return "\n".join(lines).encode("utf-8")


@pytest.fixture
def draft(plan, users):
    return services.plan_copy(plan=plan, to_year_be=2566, by=users["admin"])


def state(plan):
    return (list(Indicator.all_objects.filter(plan=plan).order_by("pk").values_list("number", "name", "withdrawn_at")),
            list(plan.indicators.values_list("targets__level", flat=True)), PlanChange.objects.count())


def test_document_preview_shows_the_differences_then_confirm_applies_them(client, users, draft):
    client.force_login(users["admin"])
    before = state(draft)
    response = client.post(reverse("indicators:plan-import", args=[draft.pk]),
                           {"file": SimpleUploadedFile("แผน2566.txt", changed_document())})
    page = response.content.decode()
    assert response.status_code == 200
    assert "เปลี่ยนชื่อ" in page and RENAMED_30 in page and "ระดับความสำเร็จการถอดเทปการประชุม" in page
    assert "ยกเลิก (ไม่มีในไฟล์)" in page and "ระดับความสำเร็จการประสานขอใช้รถยนต์ส่วนบุคคลตามกำหนด" in page
    assert "ค่าเป้าหมายรอบ 6 เดือน: 3 → 2" in page
    assert "ไม่พบรายละเอียดตัวชี้วัด" in page  # the parser's warnings are listed
    assert state(draft) == before  # nothing saved yet
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post(reverse("indicators:plan-import-confirm", args=[draft.pk]), {"token": token})
    assert response.status_code == 302
    assert draft.indicators.get(number=30).name == RENAMED_30
    assert not draft.indicators.filter(number=29).exists()
    assert Indicator.all_objects.get(plan=draft, number=29).withdrawn_at is not None
    assert draft.indicators.get(number=28).targets.get(round__months=6).level == 2
    assert PlanChange.objects.filter(plan=draft, action="plan_imported", actor=users["admin"]).exists()
    # The same token cannot be replayed.
    response = client.post(reverse("indicators:plan-import-confirm", args=[draft.pk]), {"token": token})
    assert response.status_code == 302 and response["Location"].endswith("/import/")


def test_document_of_another_year_is_refused_and_cannot_be_confirmed(client, users, draft):
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:plan-import", args=[draft.pk]),
                           {"file": SimpleUploadedFile("แผน.txt", changed_document(year="๒๕๖๕"))})
    page = response.content.decode()
    assert response.status_code == 400
    assert "เอกสารเป็นแผนของปีงบประมาณ พ.ศ. 2565" in page and "ยืนยันนำเข้า" not in page


def test_a_file_that_is_not_a_plan_gets_a_thai_message(client, users, draft):
    client.force_login(users["admin"])
    for content in (b"\xff\xfe\x00garbage", b"just some words", b"PK\x03\x04broken zip"):
        response = client.post(reverse("indicators:plan-import", args=[draft.pk]),
                               {"file": SimpleUploadedFile("x.txt", content)})
        assert response.status_code == 400
        assert "ยืนยันนำเข้า" not in response.content.decode()


def _workbook(response):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def _upload(wb) -> SimpleUploadedFile:
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("kpi.xlsx", buf.getvalue())


def test_excel_template_round_trip(client, users, draft):
    client.force_login(users["admin"])
    response = client.get(reverse("indicators:plan-template", args=[draft.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = _workbook(response)
    ws = wb.worksheets[0]
    assert ws.max_row == 31  # header + 30 indicators
    header = [c.value for c in ws[1]]
    assert header[:2] == ["ลำดับ", "ชื่อตัวชี้วัด"] and header[-1] == "ขั้นตอนที่ 5"
    row20 = next(r for r in ws.iter_rows(min_row=2) if r[0].value == 20)
    row20[1].value = "ระดับความพึงพอใจของผู้รับบริการ (ปรับปรุง)"
    for n, cell in enumerate(row20[7:12], start=1):
        cell.value = f"ขั้นตอนใหม่ {n}"
    response = client.post(reverse("indicators:plan-import", args=[draft.pk]), {"file": _upload(wb)})
    page = response.content.decode()
    assert response.status_code == 200, page[-3000:]
    assert "ระดับความพึงพอใจของผู้รับบริการ (ปรับปรุง)" in page and "กำหนดใหม่" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    client.post(reverse("indicators:plan-import-confirm", args=[draft.pk]), {"token": token})
    twenty = draft.indicators.get(number=20)
    assert twenty.name == "ระดับความพึงพอใจของผู้รับบริการ (ปรับปรุง)"
    assert [s.text for s in twenty.criteria_sets.get().steps.order_by("number")] == [f"ขั้นตอนใหม่ {n}" for n in range(1, 6)]
    assert draft.indicators.count() == 30


def test_excel_template_text_that_looks_like_a_formula_stays_text(client, users, draft):
    services.indicator_update(indicator=draft.indicators.get(number=5), by=users["admin"], name="=HYPERLINK(\"x\")")
    client.force_login(users["admin"])
    ws = _workbook(client.get(reverse("indicators:plan-template", args=[draft.pk]))).worksheets[0]
    cell = next(r for r in ws.iter_rows(min_row=2) if r[0].value == 5)[1]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"x\")"


def test_bad_excel_rows_get_row_by_row_thai_errors_and_change_nothing(client, users, draft):
    client.force_login(users["admin"])
    wb = _workbook(client.get(reverse("indicators:plan-template", args=[draft.pk])))
    ws = wb.worksheets[0]
    ws.cell(row=3, column=6).value = "9"  # 6-month target 9
    ws.cell(row=4, column=1).value = "1"  # a number already used in row 2
    ws.cell(row=5, column=8).value = "เฉพาะขั้นตอนที่ 1"  # only one of five steps
    ws.cell(row=5, column=9).value = None
    ws.cell(row=5, column=10).value = None
    ws.cell(row=6, column=3).value = "คนที่ ไม่มีตัวตน"
    before = state(draft)
    response = client.post(reverse("indicators:plan-import", args=[draft.pk]), {"file": _upload(wb)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "แถวที่ 3: ค่าเป้าหมายรอบ 6 เดือนต้องเป็นระดับ 1 ถึง 5" in page
    assert "แถวที่ 4: ลำดับ 1 ซ้ำกับแถวที่ 2" in page
    assert "แถวที่ 5: ขั้นตอนต้องมีครบ 5 ขั้นตอน" in page
    assert "ไม่พบบุคลากรชื่อ &quot;คนที่ ไม่มีตัวตน&quot;" in page
    assert "ยืนยันนำเข้า" not in page
    assert state(draft) == before


def test_confirm_refused_by_a_locked_round_saves_nothing(client, users, plan, rounds, fy_today):
    """Importing into the live plan: a change to a submitted round's target undoes the whole import."""
    import datetime as dt

    from assessments import services as progress
    from indicators.models import MilestoneStep

    one = plan.indicators.get(number=28)
    services.criteria_write(indicator=one, by=users["admin"], sets={None: [f"ขั้น {n}" for n in range(1, 6)]})
    step = MilestoneStep.objects.get(criteria_set__indicator=one, number=1)
    progress.step_complete(step=step, done_on=dt.date(2022, 1, 5), by=users["other_staff"])
    progress.round_submit(indicator=one, round=rounds[6], by=users["other_staff"])
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:plan-import", args=[plan.pk]),
                           {"file": SimpleUploadedFile("แผน.txt", changed_document(year="๒๕๖๕"))})
    page = response.content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    before = state(plan)
    response = client.post(reverse("indicators:plan-import-confirm", args=[plan.pk]), {"token": token}, follow=True)
    assert "ยังไม่ได้บันทึกอะไรเลย" in response.content.decode()
    assert state(plan) == before
    assert ActionPlan.objects.get(pk=plan.pk).indicators.get(number=30).name != RENAMED_30
