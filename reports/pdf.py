"""The scorecard as a PDF (WeasyPrint): A4, Sarabun embedded, Buddhist Era dates.

The font comes from the fontpkg-sarabun package by file URL, so the PDF looks
the same on a machine with no Thai fonts installed. Digits are Thai unless
settings.REPORT_THAI_DIGITS is off.

This module is also a template library (`register`): the print template gets
its `num`, `rdate`, `rdatetime` and `digits` filters from here, through a
template engine of its own, so the digit setting is applied in one place.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fontpkg_sarabun
from django import template
from django.conf import settings
from django.template import Context, Engine

from assessments import levels
from core import thai

from . import charts, pdf_text
from .scorecard import Scorecard

TEMPLATE = "reports/scorecard_pdf.html"
# Tagged (structure tree: headings, tables with header cells, lists), /Lang from
# <html lang="th">, XMP metadata (title, authors, description, dc:language, pdfuaid:part 1),
# /DisplayDocTitle: WeasyPrint's PDF/UA-1 variant. See README, "PDF files".
PDF_VARIANT = "pdf/ua-1"
CHART_ROWS = 30
FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
FONT_FILES = {
    ("normal", 400): "Sarabun-Regular.ttf",
    ("normal", 700): "Sarabun-Bold.ttf",
    ("italic", 400): "Sarabun-Italic.ttf",
    ("normal", 600): "Sarabun-SemiBold.ttf",
}

register = template.Library()


def _thai() -> bool:
    return bool(getattr(settings, "REPORT_THAI_DIGITS", True))


@register.filter
def digits(value):
    """Digits in the report's style (Thai or Arabic), for any text."""
    if value is None:
        return ""
    return thai.to_thai_digits(value) if _thai() else thai.to_arabic_digits(value)


@register.filter
def num(value, empty="–"):
    """A number (level, count, average), or a dash when there is none."""
    if value is None or value == "":
        return empty
    if isinstance(value, float):  # an average level: its one format lives in assessments.levels
        value = levels.format_average(value)
    return digits(value)


@register.filter
def amount(value, unit=""):
    """A 5G KPI figure with its unit: "ร้อยละ ๙๑", "๔๑๕ คะแนน" (never "6E+1")."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if not unit:
        return digits(text)
    return digits(f"{unit} {text}" if unit.startswith("ร้อยละ") else f"{text} {unit}")


@register.filter
def rdate(value, style=""):
    return thai.format_date(value, long=style == "long", thai_digits=_thai())


@register.filter
def rdatetime(value):
    return thai.format_datetime(value, thai_digits=_thai())


def font_faces() -> str:
    """@font-face rules pointing at the packaged TTF files (file:// URLs)."""
    rules = []
    for (style, weight), name in FONT_FILES.items():
        path = FONT_DIR / name
        rules.append(
            f'@font-face {{ font-family: "Sarabun"; font-style: {style}; font-weight: {weight}; '
            f'src: url("{path.as_uri()}") format("truetype"); }}'
        )
    return "\n".join(rules)


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine(
        dirs=[str(Path(settings.BASE_DIR) / "templates")],
        builtins=["core.templatetags.thai", "reports.pdf"],
        autoescape=True,
    )


def render_html(scorecard: Scorecard) -> str:
    """The print HTML (what WeasyPrint lays out)."""
    context = {
        "sc": scorecard,
        "font_faces": font_faces(),
        "counter_style": "thai" if _thai() else "decimal",
        # An SVG never splits across pages: a long plan gets one chart per 30 indicators.
        "levels_svgs": [
            charts.levels_chart(scorecard.rows[i : i + CHART_ROWS], width=1000, font_size=14)
            for i in range(0, len(scorecard.rows), CHART_ROWS)
        ],
        "sections_svg": charts.status_by_section_chart(scorecard.rows, width=800, font_size=13),
        "period_title": scorecard.period.title(thai_digits=_thai()),
    }
    return _engine().get_template(TEMPLATE).render(Context(context))


def write_pdf(html: str) -> bytes:
    """A PDF of the print HTML, with a text layer that gives back the exact Thai text."""
    from weasyprint import HTML

    with pdf_text.exact_text():
        return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(pdf_variant=PDF_VARIANT)


def render_pdf(scorecard: Scorecard) -> bytes:
    return write_pdf(render_html(scorecard))
