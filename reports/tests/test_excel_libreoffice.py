"""The workbook's dates read as Buddhist Era dates in LibreOffice, not only in Excel.

The file is opened by LibreOffice itself (headless, Debian's libreoffice-calc) and each
sheet saved as CSV with "save cell contents as shown", which is the text a user sees
in each cell. Without LibreOffice the test fails, it never skips.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.excel import SHEET_HISTORY, SHEET_STEPS, render_xlsx
from reports.scorecard import Period, build_scorecard

pytestmark = pytest.mark.django_db

# CSV filter options: comma, double quote, UTF-8, from line 1, -, -, no quoting of all
# text, detect special numbers, SAVE AS SHOWN, no formulas, no BOM, every sheet.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def shown_by_libreoffice(data: bytes) -> dict[str, list[list[str]]]:
    """Each sheet's cells as LibreOffice Calc displays them."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice not found: this test needs Debian's libreoffice-calc (apt-get install libreoffice-calc)")
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "scorecard.xlsx"
        book.write_bytes(data)
        profile = Path(tmp) / "profile"  # a profile of its own: runs in parallel do not collide
        result = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", CSV_FILTER, "--outdir", tmp, str(book)],
            capture_output=True,
            timeout=180,
        )
        sheets = {p.stem.removeprefix("scorecard-"): list(csv.reader(io.StringIO(p.read_text("utf-8")))) for p in Path(tmp).glob("scorecard-*.csv")}
        if not sheets:
            pytest.fail(f"LibreOffice wrote no CSV: {result.stdout.decode()} {result.stderr.decode()}")
        return sheets


def test_libreoffice_shows_the_dates_in_the_buddhist_era(plan, progress, users):
    from django.utils import timezone

    from assessments.models import HistoryEntry

    HistoryEntry.objects.update(at=dt.datetime(2022, 3, 31, 9, 30, tzinfo=timezone.get_current_timezone()))
    data = render_xlsx(build_scorecard(plan=plan, period=Period.for_quarter(2565, 2)))
    # The cells hold real dates (Excel and LibreOffice sort and filter them as dates).
    steps = load_workbook(io.BytesIO(data))[SHEET_STEPS]
    assert dt.datetime(2021, 11, 1) in [cell.value for row in steps.iter_rows() for cell in row]

    shown = shown_by_libreoffice(data)
    step_cells = [cell for row in shown[SHEET_STEPS] for cell in row]
    for text in ("1 พ.ย. 2564", "15 ธ.ค. 2564", "1 ก.พ. 2565"):  # indicator ๑'s steps
        assert text in step_cells, f"LibreOffice does not show {text!r}; date cells: {[c for c in step_cells if '25' in c][:5]}"
    history_cells = [cell for row in shown[SHEET_HISTORY] for cell in row]
    assert "31 มี.ค. 2565 09:30" in history_cells
    everything = " ".join(cell for rows in shown.values() for row in rows for cell in row)
    assert "bbbb" not in everything and "2021" not in everything and "2022" not in everything
