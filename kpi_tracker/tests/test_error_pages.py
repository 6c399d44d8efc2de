"""Error pages a user can meet (issue 13): a Thai 400 page for requests over the
limits, and a 500 page that does not claim nothing was saved."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Evidence, StepCompletion
from indicators.models import MilestoneStep

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def step_url(plan, fy_today):
    step = MilestoneStep.objects.filter(criteria_set__indicator__number=1).order_by("number").first()
    return reverse("assessments:step-save", args=[step.pk])


def assert_thai_400(response, words: str) -> None:
    assert response.status_code == 400
    body = response.content.decode()
    assert "ระบบรับคำขอนี้ไม่ได้ (400)" in body and words in body, body[:500]
    assert "Bad Request" not in body
    assert not StepCompletion.objects.exists() and not Evidence.objects.exists()


def test_too_many_files_get_a_thai_400(client, users, step_url):
    client.force_login(users["owner"])
    files = [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post(step_url, {"done": "on", "done_on": "2022-01-10", "files": files})
    assert_thai_400(response, "แนบไฟล์มากเกินไป")


def test_too_many_fields_get_a_thai_400(client, users, step_url):
    client.force_login(users["owner"])
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(step_url, {"done": "on", **fields})
    assert_thai_400(response, "ช่องข้อมูลมากเกินไป")


def test_a_body_over_the_limit_gets_a_thai_400(client, users, step_url):
    client.force_login(users["owner"])
    response = client.post(step_url, {"done": "on", "note": "ก" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)})
    assert_thai_400(response, "ใหญ่เกิน 5 MB")


@pytest.mark.parametrize("encoded", [False, True])
def test_a_five_thousand_character_file_name_gets_a_thai_answer(client, users, step_url, encoded):
    """Raw UTF-8 (what browsers send) or percent-encoded in filename* (what scripts send):
    either kept under a shortened name or refused with a Thai 400, never Django's English one."""
    from urllib.parse import quote

    client.force_login(users["owner"])
    name = "ก" * 5000 + ".pdf"
    disposition = (f"filename*=utf-8''{quote(name)}" if encoded else f'filename="{name}"')
    body = (b"--B\r\nContent-Disposition: form-data; name=\"done\"\r\n\r\non\r\n"
            + f"--B\r\nContent-Disposition: form-data; name=\"files\"; {disposition}\r\n".encode()
            + b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--B--\r\n")
    response = client.post(step_url, body, content_type="multipart/form-data; boundary=B")
    if response.status_code == 400:
        assert_thai_400(response, "ชื่อไฟล์ยาวเกินไป")
    else:
        assert response.status_code == 302
        assert len(Evidence.objects.get().original_name) <= 200


def test_the_400_page_follows_the_chosen_language(client, users, step_url):
    client.force_login(users["owner"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(step_url, fields)
    assert response.status_code == 400 and 'lang="en"' in response.content.decode()


def test_the_500_page_does_not_claim_that_nothing_was_saved(rf):
    """A failure after the commit (a lost connection, a crash while rendering) comes after the save."""
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "ไม่ได้ถูกบันทึก" not in body and "Nothing was saved" not in body
    assert "อาจบันทึกแล้ว" in body  # may have been saved ...
    assert "ประวัติการเปลี่ยนแปลง" in body  # ... and where to check
