"""The scorecard as a PDF (WeasyPrint): A4, Sarabun embedded, Buddhist Era dates.

The font comes from the fontpkg-sarabun package by file URL, so the PDF looks
the same on a machine with no Thai fonts installed. Digits are Thai unless
settings.REPORT_THAI_DIGITS is off.

This module is also a template library (`register`): the print template gets
its `num`, `rdate`, `rdatetime` and `digits` filters from here, through a
template engine of its own, so the digit setting is applied in one place.

Two editions (EDITIONS): "executive" (สรุปผู้บริหาร: the summary by section,
the 5G KPIs with their status and one table of all indicators, with the
signature block; 30 indicators in three A4 pages) and "full" (ฉบับเต็ม: the
same, then every indicator's steps, dates, recorders, notes, evidence, round
report and the reviewer's comment, flowing one after another).

Speed: the Fontconfig configuration (WeasyPrint's FontConfiguration, with the
Sarabun faces loaded into it) is made once per process and reused by every
render, instead of scanning the system fonts again for each PDF; WeasyPrint
is not thread-safe, so renders in one process take turns (RENDER_LOCK).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import threading
from functools import lru_cache
from pathlib import Path

import fontpkg_sarabun
from django import template
from django.conf import settings
from django.template import Context, Engine

from assessments import levels
from core import thai

from . import pdf_text
from .scorecard import Scorecard

TEMPLATE = "reports/scorecard_pdf.html"
# Tagged (structure tree: headings, tables with header cells, lists), /Lang from
# <html lang="th">, XMP metadata (title, authors, description, dc:language, pdfuaid:part 1),
# /DisplayDocTitle: WeasyPrint's PDF/UA-1 variant. See README, "PDF files".
PDF_VARIANT = "pdf/ua-1"
EXECUTIVE, FULL = "executive", "full"
EDITIONS = (EXECUTIVE, FULL)
EDITION_LABELS = {EXECUTIVE: "สรุปผู้บริหาร", FULL: "ฉบับเต็ม"}
RENDER_LOCK = threading.Lock()
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
    return thai.to_digits(value, thai_digits=_thai())


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


class EditionError(ValueError):
    """An edition other than EDITIONS; message in Thai."""


def edition_of(value, default: str = EXECUTIVE) -> str:
    """The edition named by a request or command ("executive", "full", or the Thai label)."""
    text = (value or "").strip()
    if not text:
        return default
    for edition, label in EDITION_LABELS.items():
        if text in (edition, label):
            return edition
    raise EditionError(f"ฉบับของรายงาน “{text}” ไม่ถูกต้อง เลือกได้เฉพาะ executive (สรุปผู้บริหาร) หรือ full (ฉบับเต็ม)")


def render_html(scorecard: Scorecard, edition: str = FULL) -> str:
    """The print HTML (what WeasyPrint lays out) of one edition."""
    if edition not in EDITIONS:
        raise EditionError(edition)
    context = {
        "sc": scorecard,
        "edition": edition,
        "edition_label": EDITION_LABELS[edition],
        "font_faces": font_faces(),
        "counter_style": "thai" if _thai() else "decimal",
        "period_title": scorecard.period.title(thai_digits=_thai()),
    }
    return _engine().get_template(TEMPLATE).render(Context(context))


@lru_cache(maxsize=1)
def font_config():
    """One Fontconfig configuration per process: the system font scan and the Sarabun
    faces (added by the first render's @font-face rules, then found in its folder) are
    paid for once, not once per PDF."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


# Let the configuration go while the interpreter is whole (its __del__ needs the modules).
atexit.register(font_config.cache_clear)


PREPARED: dict = {}  # "seconds": how long prepare() took, once it has run


def prepare() -> None:
    """Import WeasyPrint, make the Fontconfig configuration and lay out a line of Thai in
    every Sarabun face once, so the first real PDF of the process costs what later ones do.
    kpi_tracker/wsgi.py starts it in a background thread when a server process starts (a
    gunicorn worker at boot), long before the first PDF link is clicked."""
    import time

    if PREPARED:
        return
    start = time.perf_counter()
    _engine().get_template(TEMPLATE)  # compiled once, kept by the cached loader
    faces = "".join(f'<p style="font-style: {style}; font-weight: {weight}">ความสำเร็จ น้ำใจ ๑๒๓ ABC</p>'
                    for style, weight in FONT_FILES)
    table = ("<table><thead><tr><th>ลำดับ</th><th>ตัวชี้วัด</th></tr></thead><tbody>"
             + "<tr><td>๑</td><td>ระดับความสำเร็จของการดำเนินงาน</td></tr>" * 3 + "</tbody></table>")
    write_pdf(f"""<html lang="th"><style>{font_faces()} html {{ font-family: Sarabun; line-height: 1.5 }}
@page {{ size: A4 landscape; @top-left {{ content: string(unit) }} @bottom-right {{ content: "หน้า " counter(page, thai) "/" counter(pages, thai) }} }}
h1 {{ string-set: unit content() }} thead {{ display: table-header-group }} table {{ table-layout: fixed; width: 100% }}
</style><h1>รายงาน</h1>{faces}{table}</html>""")
    _lay_out_a_real_scorecard()
    PREPARED["seconds"] = time.perf_counter() - start


def _lay_out_a_real_scorecard() -> None:
    """The print template with its own styles, sizes and tables laid out once, with the first plan's
    figures (what the one-line warm-up above does not reach: the first real PDF still cost twice a
    warm one without it). Nothing when there is no plan yet; its database connection is closed after."""
    from django.db import connection
    from django.utils import timezone

    from indicators.models import ActionPlan

    from .scorecard import build_scorecard, default_period

    try:
        plan = ActionPlan.objects.select_related("fiscal_year", "org_unit").order_by("pk").first()
        if plan is not None:
            period = default_period(plan.fiscal_year.year_be, timezone.localdate())
            write_pdf(render_html(build_scorecard(plan=plan, period=period), EXECUTIVE))
    finally:
        connection.close()


def prepare_in_background() -> None:
    def run():
        try:
            prepare()
        except Exception:  # a failed warm-up only means the first PDF pays for it
            logging.getLogger(__name__).exception("PDF warm-up failed")

    threading.Thread(target=run, name="pdf-prepare", daemon=True).start()


def _page_references_once() -> None:
    """pydyf's PDF.page_references builds the tuple of every page's reference each time it is read,
    and WeasyPrint's PDF/UA tagging reads it once per tagged box: quadratic in the pages (issue 16: a
    few seconds of a 300-indicator full PDF). Installed once: the same tuple, kept per PDF while its
    page count is unchanged (pages are only ever added)."""
    import pydyf

    original = pydyf.PDF.__dict__["page_references"]
    if getattr(original.fget, "kept", False):
        return

    def page_references(pdf):
        count = len(pdf.pages["Kids"])
        kept = pdf.__dict__.get("_kept_page_references")
        if kept is None or kept[0] != count:
            kept = pdf.__dict__["_kept_page_references"] = (count, original.fget(pdf))
        return kept[1]

    page_references.kept = True
    pydyf.PDF.page_references = property(page_references)


@contextlib.contextmanager
def _without_cycle_collection():
    """Python's cyclic garbage collector paused while WeasyPrint lays out a document (issue 16).

    A render makes millions of short-lived objects (boxes, styles, text lines), freed by reference
    counting as it goes; the collector's periodic passes over the growing heap cost 20-30 % of a
    30-indicator full PDF and more of a long one. The few cycles a render leaves are collected at
    the next automatic pass after it. Renders take turns (RENDER_LOCK), so the pause is one render long.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_pdf(html: str) -> bytes:
    """A PDF of the print HTML, with a text layer that gives back the exact Thai text."""
    from weasyprint import HTML

    _page_references_once()
    with RENDER_LOCK, pdf_text.exact_text(), _without_cycle_collection():
        return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(font_config=font_config(), pdf_variant=PDF_VARIANT)


def render_pdf(scorecard: Scorecard, edition: str = FULL) -> bytes:
    return write_pdf(render_html(scorecard, edition))
