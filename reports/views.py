"""The scorecard pages: HTML, PDF and Excel of one plan for one period.

?plan=<id> (else the newest plan the user can see), one of ?quarter=1-4,
?round=6|12, ?as_of=YYYY-MM-DD, and optionally ?indicator=<id>. A plan the
user may not see is a 404; a bad period is a 400 page with a Thai message.

?edition=executive|full picks the edition of the page and the PDF
(reports.pdf.EDITIONS). The default is the executive summary (สรุปผู้บริหาร)
for a whole plan: it is what the meeting reads, three pages for 30
indicators, and the quickest to make; the full edition (ฉบับเต็ม) is one
click away. One indicator (?indicator=) defaults to the full edition: its
summary would be a single table row.

?download=<token> (added by static/js/app.js when a PDF link is clicked) makes
the PDF response set the cookie `pdf_download=<token>`, so the page can tell
the user the file has arrived and let the button be pressed again.
"""

from __future__ import annotations

from functools import wraps
import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import translation
from django.views.decorators.http import require_GET

from core import thai

from . import charts
from .scorecard import PeriodError, build_scorecard, scorecard_request
from .throttle import bounded

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DOWNLOAD_COOKIE = "pdf_download"
DOWNLOAD_TOKEN = re.compile(r"[A-Za-z0-9]{1,32}")


def thai_document(view):
    """Scorecards are the department's official Thai documents: the page, the
    PDF and the Excel file are Thai even when the user switched the interface
    to English (status labels, round names and dates included)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override("th"):
            return view(request, *args, **kwargs)

    return wrapped


def _scorecard_or_error(request):
    try:
        req = scorecard_request(request.user, request.GET)
        return req, build_scorecard(plan=req.plan, period=req.period, indicator_ids=req.indicator_ids), None
    except PeriodError as exc:
        return None, None, exc.message


def _edition(request, req):
    """The edition asked for, else the default (see the module docstring); EditionError if unknown."""
    from .pdf import EXECUTIVE, FULL, edition_of

    return edition_of(request.GET.get("edition"), default=FULL if req.indicator_ids else EXECUTIVE)


def _error(request, message: str):
    return render(request, "reports/scorecard.html", {"error": message}, status=400)


@login_required
@require_GET
@thai_document
def scorecard(request):
    from .pdf import EDITION_LABELS, EditionError

    req, sc, error = _scorecard_or_error(request)
    if error:
        return _error(request, error)
    try:
        edition = _edition(request, req)
    except EditionError as exc:
        return _error(request, str(exc))
    query = urlencode(req.query())
    context = {
        "sc": sc,
        "req": req,
        "query": query,
        "edition": edition,
        "editions": [(key, label, urlencode({**req.query(), "edition": key})) for key, label in EDITION_LABELS.items()],
        "pdf_query": urlencode({**req.query(), "edition": edition}),
        "all_query": urlencode({"plan": req.plan.pk, **req.period.query()}),
        "quarters": thai.quarters(sc.fiscal_year),
        "levels_svg": charts.levels_chart(sc.rows, thai_digits=False),
        "sections_svg": charts.status_by_section_chart(sc.rows, thai_digits=False),
    }
    return render(request, "reports/scorecard.html", context)


def _download(sc, content: bytes, ext: str, content_type: str, suffix: str = "") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{sc.filename_stem}{suffix}.{ext}"'
    return response


@login_required
@require_GET
@bounded("pdf")
@thai_document
def scorecard_pdf(request):
    from .pdf import EXECUTIVE, EditionError, render_pdf

    req, sc, error = _scorecard_or_error(request)
    if error:
        return _error(request, error)
    try:
        edition = _edition(request, req)
    except EditionError as exc:
        return _error(request, str(exc))
    response = _download(sc, render_pdf(sc, edition), "pdf", "application/pdf", suffix="-executive" if edition == EXECUTIVE else "")
    token = request.GET.get("download", "")
    if DOWNLOAD_TOKEN.fullmatch(token):
        response.set_cookie(DOWNLOAD_COOKIE, token, max_age=120, samesite="Lax", secure=request.is_secure())
    return response


@login_required
@require_GET
@thai_document
def scorecard_xlsx(request):
    from .excel import render_xlsx

    _, sc, error = _scorecard_or_error(request)
    if error:
        return _error(request, error)
    return _download(sc, render_xlsx(sc), "xlsx", XLSX)


@login_required
@require_GET
@thai_document
def scorecard_annex(request):
    """ภาคผนวกเอกสารหลักฐาน: the evidence of the scorecard's period, as one PDF (reports/annex.py).

    The same query as the scorecard (plan, period, indicator); the indicators are those the
    user may see, as for an evidence download.
    """
    from assessments.access import get_indicator_for_user

    from .annex import build_annex, render_pdf

    try:
        req = scorecard_request(request.user, request.GET)
    except PeriodError as exc:
        return _error(request, exc.message)
    if req.indicator_ids:
        get_indicator_for_user(request.user, req.indicator_ids[0])  # 404 when hidden
    annex = build_annex(user=request.user, plan=req.plan, period=req.period, indicator_ids=req.indicator_ids)
    response = HttpResponse(render_pdf(annex), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{annex.filename}"'
    return response


urlpatterns = [
    path("scorecard/", scorecard, name="scorecard"),
    path("scorecard.pdf", scorecard_pdf, name="scorecard-pdf"),
    path("scorecard.xlsx", scorecard_xlsx, name="scorecard-xlsx"),
    path("scorecard-annex.pdf", scorecard_annex, name="scorecard-annex"),
]
