"""Who may download the scorecard: anonymous → login, outsiders → 404, readers → 200."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook


pytestmark = pytest.mark.django_db

HTML, PDF, XLSX = "reports:scorecard", "reports:scorecard-pdf", "reports:scorecard-xlsx"


@pytest.fixture
def outsider(plan):
    """A user of another unit of the department: cannot see this group's plan."""
    from indicators.models import OrgUnit, Person

    other = OrgUnit.objects.create(name="กองบังคับคดีแพ่ง ๑", kind=OrgUnit.Kind.DIVISION, parent=plan.org_unit.parent)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("outsider", password="pw-not-used-123")
    Person.objects.create(first_name="ผู้ใช้", last_name="ภายนอก", org_unit=other, user=user)
    return user


def get(client, user, name, **params):
    if user is not None:
        client.force_login(user)
    return client.get(reverse(name), params)


@pytest.mark.parametrize("name", [HTML, PDF, XLSX])
def test_it_redirects_anonymous_users_to_login(client, plan, name):
    response = get(client, None, name, plan=plan.pk, quarter=2)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", [HTML, PDF, XLSX])
def test_it_is_a_404_for_a_user_who_cannot_see_the_plan(client, plan, outsider, name):
    assert get(client, outsider, name, plan=plan.pk, quarter=2).status_code == 404
    indicator = plan.indicators.get(number=1)
    assert get(client, outsider, name, indicator=indicator.pk, quarter=2).status_code == 404
    assert get(client, outsider, name, quarter=2).status_code == 404  # no plan they can see


@pytest.mark.parametrize("role", ["owner", "viewer", "director"])
def test_it_shows_the_html_scorecard_to_readers(client, plan, users, progress, role):
    response = get(client, users[role], HTML, plan=plan.pk, quarter=2)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565" in html
    assert "ระดับความสำเร็จการจัดทำคู่มือกระบวนการ" in html
    assert "<svg" in html
    assert f"{reverse(PDF)}?plan={plan.pk}&amp;quarter=2" in html


@pytest.mark.parametrize("role", ["owner", "viewer", "director"])
def test_it_downloads_the_pdf_for_readers(client, plan, users, progress, role):
    # One indicator keeps the rendering fast; the whole plan is tested in test_pdf.
    response = get(client, users[role], PDF, indicator=progress["one"].pk, quarter=2)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="scorecard-2565-Q2-1.pdf"'
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("role", ["owner", "viewer", "director"])
def test_it_downloads_the_workbook_for_readers(client, plan, users, role):
    response = get(client, users[role], XLSX, plan=plan.pk, round=6)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="scorecard-2565-R6.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 6


def test_the_plan_defaults_to_the_newest_visible_one(client, plan, users, fy_today):
    response = get(client, users["director"], HTML)
    assert response.status_code == 200
    assert "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565" in response.content.decode()  # today is 15 Feb 2022


def test_one_indicator_only(client, plan, users):
    indicator = plan.indicators.get(number=5)
    response = get(client, users["viewer"], HTML, indicator=indicator.pk, as_of="2022-01-31")
    html = response.content.decode()
    assert response.status_code == 200
    assert indicator.name in html and plan.indicators.get(number=6).name not in html


@pytest.mark.parametrize(
    "params",
    [{"quarter": "9"}, {"round": "3"}, {"as_of": "yesterday"}, {"as_of": "2030-01-01"}, {"quarter": "1", "as_of": "2022-01-01"}],
)
@pytest.mark.parametrize("name", [HTML, PDF, XLSX])
def test_bad_periods_are_a_400_with_a_thai_message(client, plan, users, params, name):
    response = get(client, users["director"], name, plan=plan.pk, **params)
    assert response.status_code == 400
    assert "alert-danger" in response.content.decode()


@pytest.mark.parametrize("params", [{"plan": "abc"}, {"plan": "999999"}, {"indicator": "x"}, {"indicator": "999999"}])
def test_bad_ids_are_a_404(client, plan, users, params):
    assert get(client, users["director"], HTML, **params).status_code == 404


def test_an_indicator_of_another_plan_is_a_404(client, plan, users):
    from indicators.models import ActionPlan, FiscalYear

    other = ActionPlan.objects.create(
        org_unit=plan.org_unit, fiscal_year=FiscalYear.objects.create(year_be=2566, starts_on="2022-10-01", ends_on="2023-09-30"), title="x"
    )
    indicator = plan.indicators.get(number=1)
    assert get(client, users["director"], HTML, plan=other.pk, indicator=indicator.pk).status_code == 404
