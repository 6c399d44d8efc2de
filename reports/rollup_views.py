"""The department roll-up pages: HTML, PDF and Excel of reports.rollup.build_rollup.

Open to anyone appointed to read a subtree (viewer, monitor, director,
administrator: Scope.sees_rollup); each sees the units whose plans they may see.
Staff without an appointment get a 403. A refused ?as_of= (reports.rollup.build_rollup)
is the page with its Thai message and a 400, for the page and for the files alike.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments import services
from assessments.levels import Status, Timeliness
from indicators import versions
from indicators.models import ActionPlan
from indicators.querysets import scope_of
from core import pagecache

from .rollup import SORTS, STATUS_FILTERS, Rollup, build_rollup
from .throttle import bounded
from .views import XLSX, thai_document

COLUMNS = ("unit", "kind", "region", "total", "met", "on_track", "behind", "overdue", "undefined", "average",
           "submitted", "updated")


def _rollup(request) -> Rollup:
    _allowed(request)
    return build_rollup(user=request.user, params=request.GET, today=services.today())


def _allowed(request) -> None:
    if not scope_of(request.user).sees_rollup:
        raise PermissionDenied(_("ภาพรวมระดับกรมเปิดให้ผู้บริหาร ผู้ติดตามประเมินผล ผู้อำนวยการ และผู้ดูแลระบบ"))


def _main_key(request) -> str:
    """Everything the page's content depends on (issue 19): the plans the reader may see, each with its
    version token (a write to a plan replaces it: indicators/versions.py), every GET parameter, the
    language and today's date (the default as-of date). Nothing of the reader's own."""
    plans = list(ActionPlan.objects.visible_to(request.user).order_by("pk").values_list(
        "pk", "fiscal_year__year_be", "org_unit__name", "org_unit__kind", "org_unit__region", "org_unit__tree_path"))
    tokens = versions.tokens(p[0] for p in plans)
    return pagecache.key("rollup-main", plans, sorted(tokens.items()), sorted(request.GET.lists()),
                         translation.get_language(), services.today())


def _filename(r: Rollup, ext: str) -> str:
    year = r.fiscal_year.year_be if r.fiscal_year else ""
    months = r.round.months if r.round else ""
    day = f"-{r.filters['as_of']}" if r.filters.get("as_of") else ""  # a roll-up as of a chosen day says which
    return f"rollup-{year}-{months}{day}.{ext}"


def _page(request, r: Rollup, main: str | None = None, refused: bool | None = None):
    """The roll-up page; with the Thai message and a 400 when the roll-up was refused (r.error).
    `refused` when the caller knows (a page from the cache was never refused: `r` is not read)."""
    main = _main(r) if main is None else main
    refused = bool(r.error) if refused is None else refused
    return render(request, "reports/rollup.html", {"r": r, "main": mark_safe(main)}, status=400 if refused else 200)


def _main(r: Rollup) -> str:
    """The page's content (everything inside the frame of base.html)."""
    base = {k: v for k, v in r.filters.items() if v}
    headers = []
    for key in COLUMNS:
        desc = "1" if (r.sort == key and not r.desc) else ""
        headers.append({"key": key, "label": str(SORTS[key]), "active": r.sort == key, "desc": r.desc,
                        "query": urlencode({**base, "sort": key, **({"desc": desc} if desc else {})})})
    keep = {**base, "sort": r.sort, **({"desc": "1"} if r.desc else {})}
    return render_to_string("reports/_rollup_main.html", {
        "r": r, "headers": headers, "query": urlencode(keep),
        "drill": urlencode({"as_of": r.filters["as_of"]}) if r.filters.get("as_of") and not r.error else "",
        "status_filters": [(k, str(v)) for k, v in STATUS_FILTERS.items()],
        "legend": [(s, str(Status.LABELS[s])) for s in Status.ORDER],
        "timeliness_labels": {k: str(v) for k, v in Timeliness.LABELS.items()},
    })


@login_required
@require_GET
def rollup(request):
    """ภาพรวมระดับกรม: one row per unit, filters and sorting in the URL (GET), drill-down to each unit.

    The content is cached (_main_key); when it comes from the cache the roll-up is not built at all
    (`r` in the context is then built only if something reads it, as the tests do)."""
    _allowed(request)
    built = {}

    def render():
        built["r"] = r = _rollup(request)
        return _main(r), not r.error  # a refused as-of date is shown, not kept

    main = pagecache.content(request, _main_key(request), render)
    if "r" in built:
        return _page(request, built["r"], main)
    r = SimpleLazyObject(lambda: build_rollup(user=request.user, params=request.GET, today=services.today()))
    return _page(request, r, main, refused=False)
    r = SimpleLazyObject(lambda: build_rollup(user=request.user, params=request.GET, today=services.today()))
    return _page(request, r, main)


@login_required
@require_GET
@bounded("pdf")
@thai_document
def rollup_pdf(request):
    from .rollup_export import render_pdf

    r = _rollup(request)
    if r.error:
        return _page(request, r)
    response = HttpResponse(render_pdf(r), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(r, "pdf")}"'
    return response


@login_required
@require_GET
@thai_document
def rollup_xlsx(request):
    from .rollup_export import render_xlsx

    r = _rollup(request)
    if r.error:
        return _page(request, r)
    response = HttpResponse(render_xlsx(r), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(r, "xlsx")}"'
    return response


urlpatterns = [
    path("rollup/", rollup, name="rollup"),
    path("rollup.pdf", rollup_pdf, name="rollup-pdf"),
    path("rollup.xlsx", rollup_xlsx, name="rollup-xlsx"),
]
