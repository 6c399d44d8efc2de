"""The scorecard pages: HTML, PDF and Excel of one plan for one period.

?plan=<id> (else the newest plan the user can see), one of ?quarter=1-4,
?round=6|12, ?as_of=YYYY-MM-DD, and optionally ?indicator=<id>. A plan the
user may not see is a 404; a bad period is a 400 page with a Thai message.
"""

from __future__ import annotations

from functools import wraps
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


def _error(request, message: str):
    return render(request, "reports/scorecard.html", {"error": message}, status=400)


@login_required
@require_GET
@thai_document
def scorecard(request):
    req, sc, error = _scorecard_or_error(request)
    if error:
        return _error(request, error)
    query = urlencode(req.query())
    context = {
        "sc": sc,
        "req": req,
        "query": query,
        "all_query": urlencode({"plan": req.plan.pk, **req.period.query()}),
        "quarters": thai.quarters(sc.fiscal_year),
        "levels_svg": charts.levels_chart(sc.rows, thai_digits=False),
        "sections_svg": charts.status_by_section_chart(sc.rows, thai_digits=False),
    }
    return render(request, "reports/scorecard.html", context)


def _download(sc, content: bytes, ext: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{sc.filename_stem}.{ext}"'
    return response


@login_required
@require_GET
@bounded("pdf")
@thai_document
def scorecard_pdf(request):
    from .pdf import render_pdf

    _, sc, error = _scorecard_or_error(request)
    if error:
        return _error(request, error)
    return _download(sc, render_pdf(sc), "pdf", "application/pdf")


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
