"""ชุดรายงานสิ้นไตรมาส: the page that starts a quarter-end batch and lists the user's batches.

Who: whoever may open the department roll-up (Scope.sees_rollup); each batch holds the plans
its owner may see (reports/batch.py). Staff without an appointment get a 403, and a batch is
downloaded by its owner only (anyone else: 404, as if it did not exist).

The list of batches is one partial (batch.html#jobs) served by the page and, to htmx, by the
same URL: while a batch is queued or running it asks again every 2 seconds (data-hx-trigger);
without JavaScript the page says to reload it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core import thai
from indicators.models import OrgUnit
from indicators.querysets import scope_of

from . import batch, tasks
from .models import BatchJob
from .scorecard import default_period

JOBS_SHOWN = 20


class BatchForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=gettext_lazy("ปีงบประมาณ"), coerce=int,
                                         error_messages={"invalid_choice": gettext_lazy(
                                             "เลือกปีงบประมาณที่มีแผนปฏิบัติการที่คุณมีสิทธิ์ดู")})
    quarter = forms.TypedChoiceField(label=gettext_lazy("ไตรมาส"), coerce=int,
                                     choices=[(n, gettext_lazy("ไตรมาสที่ {n}").format(n=n)) for n in (1, 2, 3, 4)],
                                     error_messages={"invalid_choice": gettext_lazy("เลือกไตรมาสที่ 1 ถึง 4")})
    scope = forms.TypedChoiceField(label=gettext_lazy("หน่วยงาน"), coerce=int, required=False, empty_value=None,
                                   error_messages={"invalid_choice": gettext_lazy(
                                       "เลือกหน่วยงานที่คุณมีสิทธิ์ดูแผนปฏิบัติการ")})

    def __init__(self, *args, choices: batch.Choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(y, str(y)) for y in choices.years]
        self.fields["scope"].choices = [("", _("ทุกหน่วยงานที่คุณมีสิทธิ์ดู"))] + [
            (pk, "\u00a0\u00a0" * depth + name) for pk, name, depth in choices.units]

    def clean_scope(self):
        pk = self.cleaned_data.get("scope")
        return OrgUnit.objects.get(pk=pk) if pk is not None else None


def _allowed(user) -> None:
    if not scope_of(user).sees_rollup:
        raise PermissionDenied(_("ชุดรายงานสิ้นไตรมาสเปิดให้ผู้บริหาร ผู้ติดตามประเมินผล ผู้อำนวยการ และผู้ดูแลระบบ"))


def _initial(choices: batch.Choices) -> dict:
    if not choices.years:
        return {}
    today = timezone.localdate()
    current = thai.fiscal_year_of(today)
    year = current if current in choices.years else choices.years[0]
    return {"fiscal_year": year, "quarter": default_period(year, today).quarter}


def _page(request, form: BatchForm, status: int = 200):
    jobs = list(BatchJob.objects.filter(requested_by=request.user).select_related("scope")[:JOBS_SHOWN])
    context = {"form": form, "jobs": jobs, "polling": any(job.is_active for job in jobs)}
    if request.htmx:
        return render(request, "reports/batch.html#jobs", context, status=status)
    return render(request, "reports/batch.html", context, status=status)


@login_required
@require_safe
def batch_page(request):
    _allowed(request.user)
    choices = batch.batch_choices(request.user)
    return _page(request, BatchForm(choices=choices, initial=_initial(choices)))


@login_required
@require_POST
def batch_start(request):
    _allowed(request.user)
    form = BatchForm(request.POST, choices=batch.batch_choices(request.user))
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        job, created = batch.batch_start(user=request.user, enqueue=tasks.batch_enqueue, **form.cleaned_data)
    except batch.BatchError as exc:
        form.add_error(None, exc.message)
        return _page(request, form, status=400)
    if not created:
        messages.info(request, _("ชุดรายงาน{period} ชุดเดียวกันนี้กำลังจัดทำอยู่แล้ว ไม่ได้เริ่มซ้ำ").format(
            period=job.period_label))
    else:
        messages.success(request, _("สั่งจัดทำชุดรายงาน{period} แล้ว").format(period=job.period_label))
    return redirect("reports:batch")


@login_required
@require_safe
def batch_download(request, pk: int):
    _allowed(request.user)
    job = BatchJob.objects.filter(pk=pk, requested_by=request.user, state=BatchJob.State.DONE).exclude(
        file="").select_related("scope").first()
    if job is None:
        raise Http404(_("ไม่พบชุดรายงานนี้"))
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("ไม่พบไฟล์ของชุดรายงานนี้ในที่จัดเก็บแล้ว กรุณาสั่งจัดทำใหม่"))
    return FileResponse(handle, as_attachment=True, filename=batch.download_name(job), content_type="application/zip")


urlpatterns = [
    path("batch/", batch_page, name="batch"),
    path("batch/start/", batch_start, name="batch-start"),
    path("batch/<int:pk>/download/", batch_download, name="batch-download"),
]
