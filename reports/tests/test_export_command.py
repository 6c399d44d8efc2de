"""manage.py export_scorecard: one plan or --all, any period, PDF or Excel."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("export_scorecard", *args, stdout=out)
    return out.getvalue()


def test_it_writes_the_quarter_pdf_in_either_edition(plan, tmp_path):
    target = tmp_path / "q2.pdf"
    run("--year", "2565", "--quarter", "2", "--format", "pdf", "--output", str(target))  # executive by default
    reader = PdfReader(str(target))
    text = "".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) <= 3 and "สรุปผู้บริหาร" in text and "ภาคผนวก" not in text
    assert "๒๕๖๕" in reader.pages[0].extract_text()

    run("--year", "2565", "--quarter", "2", "--format", "pdf", "--edition", "full", "--output", str(target))
    reader = PdfReader(str(target))
    text = "".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) > 3 and "ฉบับเต็ม" in text and "ภาคผนวก" in text


def test_an_unknown_edition_is_refused(plan, tmp_path):
    with pytest.raises(CommandError):
        run("--year", "2565", "--quarter", "2", "--edition", "summary", "--output", str(tmp_path / "x.pdf"))


@pytest.mark.parametrize(
    "period, a2",
    [
        (["--quarter", "2"], "ไตรมาสที่ 2"),
        (["--round", "12"], "รอบ 12 เดือน"),
        (["--as-of", "2022-01-15"], "ข้อมูล ณ วันที่ 15 ม.ค. 2565"),
    ],
)
def test_it_writes_a_workbook_for_any_period(plan, tmp_path, period, a2):
    target = tmp_path / "out.xlsx"
    run("--year", "2565", *period, "--format", "xlsx", "--output", str(target))
    assert a2 in load_workbook(target).worksheets[0]["A2"].value


def test_it_picks_the_plan_by_org_unit_name_or_id(plan, tmp_path):
    by_name = tmp_path / "a.xlsx"
    run("--year", "2565", "--quarter", "1", "--format", "xlsx", "--org-unit", "กลุ่มพัฒนาระบบบริหาร", "--output", str(by_name))
    by_id = tmp_path / "b.xlsx"
    run("--year", "2565", "--quarter", "1", "--format", "xlsx", "--org-unit", str(plan.org_unit_id), "--output", str(by_id))
    assert by_name.exists() and by_id.exists()
    with pytest.raises(CommandError, match="ไม่พบแผนปฏิบัติการ"):
        run("--year", "2565", "--quarter", "1", "--org-unit", "ไม่มีหน่วยงานนี้", "--output", str(tmp_path / "c.pdf"))


def test_all_plans_of_the_year_into_a_folder(plan, tmp_path):
    from indicators.models import ActionPlan, Indicator, OrgUnit

    unit = OrgUnit.objects.create(name="กองแผนงาน", kind=OrgUnit.Kind.DIVISION, parent=plan.org_unit.parent)
    second = ActionPlan.objects.create(org_unit=unit, fiscal_year=plan.fiscal_year, title="แผนของกองแผนงาน")
    Indicator.objects.create(plan=second, number=1, name="ระดับความสำเร็จของแผนงาน")
    with pytest.raises(CommandError, match="หลายแผน"):
        run("--year", "2565", "--quarter", "3", "--format", "xlsx", "--output", str(tmp_path / "x.xlsx"))
    folder = tmp_path / "all"
    run("--year", "2565", "--quarter", "3", "--format", "xlsx", "--all", "--output", str(folder))
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"scorecard-2565-Q3-{plan.org_unit_id}.xlsx", f"scorecard-2565-Q3-{unit.pk}.xlsx"])


@pytest.mark.parametrize("args", [["--quarter", "5"], ["--round", "9"], ["--as-of", "2023-01-01"]])
def test_bad_periods_are_command_errors(plan, tmp_path, args):
    with pytest.raises(CommandError):
        run("--year", "2565", *args, "--output", str(tmp_path / "x.pdf"))


def test_an_unknown_year_is_a_command_error(plan, tmp_path):
    with pytest.raises(CommandError, match="2599"):
        run("--year", "2599", "--quarter", "1", "--output", str(tmp_path / "x.pdf"))
