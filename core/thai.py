"""Thai calendar and digits: the only place that knows the Buddhist Era offset.

Fiscal years (ปีงบประมาณ) start on 1 October: FY 2565 runs from 1 Oct 2021
to 30 Sep 2022. Quarters (ไตรมาส) are Q1 Oct-Dec, Q2 Jan-Mar, Q3 Apr-Jun,
Q4 Jul-Sep. The 6-month round (รอบ ๖ เดือน) closes on 31 March, the 12-month
round (รอบ ๑๒ เดือน) on 30 September.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

BE_OFFSET = 543

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")

MONTHS_SHORT = [
    "", "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
]
MONTHS_LONG = [
    "", "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
]
MONTHS_SHORT_EN = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_LONG_EN = [
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]


def english() -> bool:
    """True when the user switched the interface to English (scorecards are always Thai)."""
    from django.utils import translation

    return (translation.get_language() or "").startswith("en")


def to_thai_digits(value) -> str:
    return str(value).translate(_TO_THAI)


def to_arabic_digits(value) -> str:
    return str(value).translate(_TO_ARABIC)


def to_digits(value, *, thai_digits: bool) -> str:
    """Every digit of the text in one style: Thai (the PDF, REPORT_THAI_DIGITS) or Arabic (pages, Excel)."""
    return to_thai_digits(value) if thai_digits else to_arabic_digits(value)


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def format_date(value: dt.date | dt.datetime | None, *, long: bool = False, thai_digits: bool = False) -> str:
    """"31 มี.ค. 2565" (or "๓๑ มีนาคม ๒๕๖๕" with long and thai_digits)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
    if english():
        months = MONTHS_LONG_EN if long else MONTHS_SHORT_EN
        return f"{value.day} {months[value.month]} {be_year(value.year)} BE"
    months = MONTHS_LONG if long else MONTHS_SHORT
    text = f"{value.day} {months[value.month]} {be_year(value.year)}"
    return to_thai_digits(text) if thai_digits else text


def format_datetime(value: dt.datetime | None, *, thai_digits: bool = False) -> str:
    if value is None:
        return ""
    from django.utils import timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value)
    if english():
        return f"{format_date(value.date())}, {value:%H:%M}"
    text = f"{format_date(value.date())} {value:%H:%M} น."
    return to_thai_digits(text) if thai_digits else text


def format_input_date(value: dt.date | None) -> str:
    """The typed form of a date: "31/03/2565" (day/month/Buddhist Era year, Arabic digits)."""
    if value is None:
        return ""
    return f"{value.day:02d}/{value.month:02d}/{be_year(value.year)}"


def parse_input_date(text) -> dt.date:
    """A typed date: "31/03/2565", "๓๑/๐๓/๒๕๖๕", "31-3-2565" or ISO "2022-03-31". ValueError otherwise.

    A day/month/year date with a year below 2400 is taken as a Christian Era year
    (31/03/2022), since no Buddhist Era date this system keeps is that early.
    """
    import re

    value = to_arabic_digits(str(text or "")).strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if iso:
        year, month, day = (int(x) for x in iso.groups())
        if year >= 2400:
            year = ce_year(year)
        return dt.date(year, month, day)
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", value)
    if not m:
        raise ValueError(f"not a date: {text!r}")
    day, month, year = (int(x) for x in m.groups())
    return dt.date(ce_year(year) if year >= 2400 else year, month, day)


def fiscal_year_of(day: dt.date) -> int:
    """The BE fiscal year a date falls in (1 Oct 2021 → 2565)."""
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def fiscal_year_bounds(fy_be: int) -> tuple[dt.date, dt.date]:
    ce = ce_year(fy_be)
    return dt.date(ce - 1, 10, 1), dt.date(ce, 9, 30)


@dataclass(frozen=True)
class Quarter:
    fiscal_year: int  # BE
    number: int  # 1..4
    starts_on: dt.date
    ends_on: dt.date

    @property
    def label(self) -> str:
        """"ไตรมาสที่ 2": Arabic digits, like the dates beside it on a page (a PDF passes thai_digits)."""
        return self.label_in(thai_digits=False)

    def label_in(self, *, thai_digits: bool) -> str:
        if english():
            return f"Q{self.number}"
        text = f"ไตรมาสที่ {self.number}"
        return to_thai_digits(text) if thai_digits else text

    @property
    def round_months(self) -> int:
        """The round this quarter reports against: Q1-Q2 the 6-month, Q3-Q4 the 12-month."""
        return 6 if self.number <= 2 else 12


def quarter(fy_be: int, number: int) -> Quarter:
    if number not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1-4")
    start, _ = fiscal_year_bounds(fy_be)
    month = start.month + 3 * (number - 1)
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    end_month = month + 2
    end_year = year + (end_month - 1) // 12
    end_month = (end_month - 1) % 12 + 1
    last_day = calendar.monthrange(end_year, end_month)[1]
    return Quarter(fy_be, number, dt.date(year, month, 1), dt.date(end_year, end_month, last_day))


def quarters(fy_be: int) -> list[Quarter]:
    return [quarter(fy_be, n) for n in (1, 2, 3, 4)]


def quarter_of(day: dt.date) -> Quarter:
    fy = fiscal_year_of(day)
    for q in quarters(fy):
        if q.starts_on <= day <= q.ends_on:
            return q
    raise AssertionError("unreachable: every day is in a quarter")


def round_closing_date(fy_be: int, months: int) -> dt.date:
    """31 March for the 6-month round, 30 September for the 12-month round."""
    ce = ce_year(fy_be)
    if months == 6:
        return dt.date(ce, 3, 31)
    if months == 12:
        return dt.date(ce, 9, 30)
    raise ValueError("rounds are 6 or 12 months")


def round_months_on(day: dt.date) -> int:
    """The round open on a day: the 6-month round until 31 March, then the 12-month round."""
    return 6 if day <= round_closing_date(fiscal_year_of(day), 6) else 12


def fiscal_year_label(fy_be: int, *, thai_digits: bool = False) -> str:
    if english():
        return f"Fiscal year {fy_be} BE"
    text = f"ปีงบประมาณ พ.ศ. {fy_be}"
    return to_thai_digits(text) if thai_digits else text


def round_label(months: int, *, thai_digits: bool = False) -> str:
    """"รอบ 6 เดือน": Arabic digits on pages and in e-mails, one kind of digit in a line with the dates;
    the PDF asks for Thai digits (settings.REPORT_THAI_DIGITS)."""
    if english():
        return f"{months}-month round"
    text = f"รอบ {months} เดือน"
    return to_thai_digits(text) if thai_digits else text


# --- Thai sort order ----------------------------------------------------------
# PyICU is not installed, so names are sorted with this small key instead of the
# "th-TH-x-icu" collation. Thai dictionary order: leading vowels (เ แ โ ใ ไ) are
# written before the consonant but sorted after it ("เก" sorts under ก, after
# "กา"); tone marks and other diacritics only break ties; consonants and vowels
# otherwise follow their code point order, which is the alphabet's order.

_LEADING_VOWELS = frozenset("เแโใไ")
# ็ ่ ้ ๊ ๋ ์ ํ ๎: ignored for the first comparison, compared only on a tie.
_TIE_MARKS = frozenset("\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
_THAI_CONSONANTS = ("\u0e01", "\u0e2e")  # ก..ฮ

# Longest first, so "นางสาว" is tried before "นาง".
NAME_TITLES = (
    "ว่าที่ร้อยตรีหญิง", "ว่าที่ร้อยตรี", "ว่าที่ ร.ต.", "ว่าที่ร.ต.", "นางสาว", "น.ส.", "นาง", "นาย", "ดร.",
    "Miss ", "Mrs. ", "Mr. ", "Ms. ", "Dr. ",
)


def _swap_leading_vowels(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in _LEADING_VOWELS and nxt and _THAI_CONSONANTS[0] <= nxt <= _THAI_CONSONANTS[1]:
            out += [nxt, ch]
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def thai_sort_key(s) -> tuple[str, str, str]:
    """A key for sorted(): Thai dictionary order, then Latin (case-insensitive).

    Primary: leading vowels moved after their consonant, tone marks dropped,
    punctuation dropped, runs of spaces kept as one separator. Secondary: the
    same with the tone marks. Last: the text itself, so the order is total.
    """
    import unicodedata

    text = unicodedata.normalize("NFC", str(s or "")).strip()
    text = to_arabic_digits(text).casefold()
    swapped = _swap_leading_vowels(text)
    primary: list[str] = []
    secondary: list[str] = []
    for ch in swapped:
        if ch.isspace():
            if primary and primary[-1] != " ":
                primary.append(" ")
                secondary.append(" ")
            continue
        if ch in _TIE_MARKS:
            secondary.append(ch)
            continue
        if ch.isalnum() or "\u0e01" <= ch <= "\u0e46":
            primary.append(ch)
            secondary.append(ch)
    return "".join(primary).rstrip(), "".join(secondary).rstrip(), text


def strip_title(name) -> str:
    """"นายณัฐ สุทธิประภา" → "ณัฐ สุทธิประภา"; "น.ส.ธนพร" → "ธนพร"."""
    text = str(name or "").strip()
    for title in NAME_TITLES:
        if text.startswith(title) and text[len(title):].strip():
            return text[len(title):].strip()
    return text


def thai_name_key(name) -> tuple[str, str, str]:
    """Sort people by name without their title (นาย, นาง, นางสาว, น.ส., ดร.)."""
    return thai_sort_key(strip_title(name))
