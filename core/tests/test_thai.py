import datetime as dt

from core import thai


def test_a_november_2021_date_is_in_fy_2565_q1():
    day = dt.date(2021, 11, 15)
    assert thai.fiscal_year_of(day) == 2565
    q = thai.quarter_of(day)
    assert (q.fiscal_year, q.number) == (2565, 1)
    assert (q.starts_on, q.ends_on) == (dt.date(2021, 10, 1), dt.date(2021, 12, 31))


def test_fiscal_year_starts_in_october():
    assert thai.fiscal_year_of(dt.date(2021, 9, 30)) == 2564
    assert thai.fiscal_year_of(dt.date(2021, 10, 1)) == 2565
    assert thai.fiscal_year_bounds(2565) == (dt.date(2021, 10, 1), dt.date(2022, 9, 30))


def test_quarters_and_rounds():
    qs = thai.quarters(2565)
    assert [(q.starts_on, q.ends_on) for q in qs] == [
        (dt.date(2021, 10, 1), dt.date(2021, 12, 31)),
        (dt.date(2022, 1, 1), dt.date(2022, 3, 31)),
        (dt.date(2022, 4, 1), dt.date(2022, 6, 30)),
        (dt.date(2022, 7, 1), dt.date(2022, 9, 30)),
    ]
    assert [q.round_months for q in qs] == [6, 6, 12, 12]
    # 31 March 2022 closes the 6-month round; 30 September the 12-month one.
    assert thai.round_closing_date(2565, 6) == dt.date(2022, 3, 31)
    assert thai.round_closing_date(2565, 12) == dt.date(2022, 9, 30)
    assert thai.quarter_of(dt.date(2022, 3, 31)).number == 2
    assert thai.quarter_of(dt.date(2022, 4, 1)).number == 3


def test_buddhist_era_dates_and_thai_digits():
    assert thai.format_date(dt.date(2022, 3, 31)) == "31 มี.ค. 2565"
    assert thai.format_date(dt.date(2022, 3, 31), thai_digits=True) == "๓๑ มี.ค. ๒๕๖๕"
    assert thai.format_date(dt.date(2021, 10, 1), long=True) == "1 ตุลาคม 2564"
    assert thai.to_arabic_digits("๒๕๖๕") == "2565"
    assert thai.quarter(2565, 2).label == "ไตรมาสที่ 2"


def test_round_and_quarter_labels_use_arabic_digits_unless_the_pdf_asks():
    """One kind of digit in a line: "รอบ 6 เดือน · 31 มี.ค. 2565" on a page, all Thai in the PDF."""
    assert thai.round_label(6) == "รอบ 6 เดือน"
    assert thai.round_label(12, thai_digits=True) == "รอบ ๑๒ เดือน"
    assert thai.quarter(2565, 3).label_in(thai_digits=True) == "ไตรมาสที่ ๓"
