"""ตรวจสอบผล: the director's queue of submitted rounds, the review page and its decisions.

Who may decide is assessments.access.can_review (the director of the plan's
unit, or an administrator); reopening a decided round is for administrators
(can_administer). The decisions themselves, their locks and their history
rows are services.round_verify / round_return / round_reopen; the views here
only parse, check and call. A refused decision (ProgressError) re-renders the
review page with the Thai message and HTTP 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST, require_safe
from django.utils.translation import gettext as _

from indicators.models import Indicator, IndicatorOwner, Round
from indicators.querysets import scope_of

from . import services
from .access import can_administer, can_review, get_indicator_for_user
from .forms import ReopenForm, ReturnForm, VerifyForm
from .models import Evidence, HistoryEntry, RoundAssessment
from .selectors import progress_for

RECENT = 20
HISTORY_LIMIT = 100


def _round_of(indicator: Indicator, round_pk) -> Round:
    rnd = indicator.round_of(round_pk)
    if rnd is None:
        raise Http404(_("ไม่พบรอบการประเมินนี้"))
    return rnd


def _reviewable(user, pk, round_pk) -> tuple[Indicator, Round]:
    """The indicator and round, 404 to outsiders, 403 to those who may see but not review."""
    indicator = get_indicator_for_user(user, pk)
    rnd = _round_of(indicator, round_pk)
    if not can_review(user, indicator):
        raise PermissionDenied(_("เฉพาะผู้อำนวยการกลุ่ม (ผู้กำกับดูแลตัวชี้วัด) หรือผู้ดูแลระบบที่ตรวจสอบผลได้"))
    return indicator, rnd


@login_required
@require_safe
def review_queue(request):
    """รอตรวจสอบ: every submitted round the user may decide, oldest first."""
    user = request.user
    if not scope_of(user).is_director_anywhere:
        raise PermissionDenied(_("เฉพาะผู้อำนวยการกลุ่มหรือผู้ดูแลระบบที่ตรวจสอบผลได้"))
    # Filtered in the database (RoundAssessment.objects.reviewable_by): the recent list is never cut short.
    mine = RoundAssessment.objects.reviewable_by(user).filter(indicator__withdrawn_at__isnull=True)
    related = ("indicator__plan__org_unit", "indicator__plan__fiscal_year", "round", "submitted_by__person",
               "reviewed_by__person")
    review = RoundAssessment.ReviewStatus
    pending = list(mine.filter(status=review.SUBMITTED).select_related(*related).order_by("submitted_at", "pk"))
    recent = list(
        mine.filter(status__in=[review.VERIFIED, review.RETURNED]).select_related(*related)
        .order_by("-reviewed_at", "-pk")[:RECENT]
    )
    primary = {
        o.indicator_id: o.person.full_name
        for o in IndicatorOwner.objects.filter(
            indicator_id__in={a.indicator_id for a in pending + recent}, role=IndicatorOwner.Role.PRIMARY
        ).select_related("person")
    }
    for a in pending + recent:
        a.primary_owner_name = primary.get(a.indicator_id, Indicator.ALL_STAFF_LABEL if a.indicator.all_staff else "-")
    return render(
        request,
        "assessments/review_queue.html",
        {"pending": pending, "recent": recent},
    )


def _review_context(request, indicator: Indicator, rnd: Round, **extra) -> dict:
    plan = indicator.plan
    as_of = plan.fiscal_year.as_of(services.today())
    rp = progress_for([indicator], [rnd], as_of)[indicator.pk].rounds[0]
    completion_ids = [v.completion.pk for v in rp.steps if v.completion]
    evidence: dict[int, list[Evidence]] = {}
    for e in Evidence.objects.filter(completion_id__in=completion_ids, removed_at__isnull=True).order_by("uploaded_at"):
        evidence.setdefault(e.completion_id, []).append(e)
    step_ids = [v.step.pk for v in rp.steps]
    history = list(
        HistoryEntry.objects.filter(indicator=indicator)
        .filter(Q(round=rnd) | Q(step_id__in=step_ids))
        .select_related("actor__person", "step", "round")[:HISTORY_LIMIT]
    )
    # What changed since the round was last returned: the reviewer checks the fixes, not everything again.
    last_return = next((h for h in history if h.action == HistoryEntry.Action.ROUND_RETURNED and h.round_id == rnd.pk), None)
    since_return = [h for h in history if last_return and h.at > last_return.at
                    and h.action != HistoryEntry.Action.ROUND_SUBMITTED] if last_return else []
    assessment = rp.assessment
    own_submission = bool(assessment and assessment.submitted_by_id == request.user.pk)
    self_level = (assessment.self_level or 0) if assessment else 0
    ctx = {
        "indicator": indicator,
        "plan": plan,
        "round": rnd,
        "rp": rp,
        "assessment": assessment,
        "steps": [{"view": v, "evidence": evidence.get(v.completion.pk, []) if v.completion else []} for v in rp.steps],
        "history": history,
        "last_return": last_return,
        "since_return": since_return,
        "owners": list(indicator.owners.select_related("person").order_by("order")),
        "can_decide": bool(assessment and assessment.status == RoundAssessment.ReviewStatus.SUBMITTED and not own_submission),
        "own_submission": own_submission,
        "can_reopen": bool(assessment and assessment.is_locked and can_administer(request.user, indicator)),
        "self_level": self_level,
        "as_of": as_of,
        **_decision_forms(self_level),
    }
    ctx.update(extra)
    return ctx


def _decision_forms(self_level: int, decision: str = "", typed: dict | None = None, refusal: str = "") -> dict:
    """The three decision forms; the refused one (if any) with what was typed and why it was refused."""
    def mine(name):
        return {"typed": typed, "refusal": refusal} if name == decision else {}

    return {"verify_form": VerifyForm(self_level=self_level, **mine("verify")),
            "return_form": ReturnForm(**mine("return")), "reopen_form": ReopenForm(**mine("reopen"))}


def _refused(request, indicator, rnd, message: str, form: dict, *, decision: str):
    """The page again, the message shown in the refused form and tied to its fields (aria-describedby)."""
    ctx = _review_context(request, indicator, rnd)
    if decision and ctx["can_reopen" if decision == "reopen" else "can_decide"]:
        ctx.update(_decision_forms(ctx["self_level"], decision, form, message))
    else:  # no decision chosen, or its form is no longer on the page (someone decided first): say it at the top
        messages.error(request, message)
    return render(request, "assessments/review_detail.html", ctx, status=400)


@login_required
@require_safe
def review(request, pk, round_pk):
    """The review page: the steps with dates, notes and evidence, then verify or return."""
    indicator, rnd = _reviewable(request.user, pk, round_pk)
    return render(request, "assessments/review_detail.html", _review_context(request, indicator, rnd))


@login_required
@require_POST
def round_verify(request, pk, round_pk):
    """ผ่านการตรวจสอบ: the level defaults to the self-assessed one; a lower one needs a reason."""
    indicator, rnd = _reviewable(request.user, pk, round_pk)
    raw_level = str(request.POST.get("level", "")).strip()
    reason = request.POST.get("reason", "")
    form = {"level": raw_level, "reason": reason}
    if raw_level and not (raw_level.isdecimal() and len(raw_level) <= 10):  # "²" is a digit int() refuses
        return _refused(request, indicator, rnd, _("ผลการตรวจสอบต้องเป็นระดับ 0 ถึง 5"), form, decision="verify")
    try:
        a = services.round_verify(
            indicator=indicator, round=rnd, by=request.user, level=int(raw_level) if raw_level else None, reason=reason
        )
    except services.ProgressError as exc:
        return _refused(request, indicator, rnd, exc.messages[0], form, decision="verify")
    messages.success(
        request, _("ตัวชี้วัดที่ {number} {round}: ผ่านการตรวจสอบ ระดับ {level} แล้ว").format(
            number=indicator.number, round=rnd.label, level=a.verified_level)
    )
    return redirect("assessments:review-queue")


@login_required
@require_POST
def round_return(request, pk, round_pk):
    """ส่งกลับแก้ไข, with the comment the owners will read."""
    indicator, rnd = _reviewable(request.user, pk, round_pk)
    comment = request.POST.get("comment", "")
    try:
        services.round_return(indicator=indicator, round=rnd, by=request.user, comment=comment)
    except services.ProgressError as exc:
        return _refused(request, indicator, rnd, exc.messages[0], {"comment": comment}, decision="return")
    messages.success(request, _("ส่งกลับแก้ไขตัวชี้วัดที่ {number} {round} แล้ว").format(number=indicator.number, round=rnd.label))
    return redirect("assessments:review-queue")


@login_required
@require_POST
def round_confirm(request, pk, round_pk):
    """The confirmation step of a decision: what will happen, in words, before it happens.

    The review page's forms post here; this page (no JavaScript needed) shows the
    decision and posts it on to round-verify or round-return. Nothing changes here.
    """
    indicator, rnd = _reviewable(request.user, pk, round_pk)
    action = request.POST.get("action", "")
    ctx = _review_context(request, indicator, rnd)
    if action == "return":
        comment = request.POST.get("comment", "")
        if not comment.strip():
            return _refused(request, indicator, rnd, _("กรุณาระบุความเห็นเมื่อส่งกลับแก้ไข"), {"comment": comment},
                            decision="return")
        ctx.update(action="return", comment=comment)
    elif action == "verify":
        raw_level = str(request.POST.get("level", "")).strip()
        reason = request.POST.get("reason", "")
        if raw_level and not (raw_level.isdecimal() and len(raw_level) <= 10 and int(raw_level) <= ctx["self_level"]):
            return _refused(request, indicator, rnd, _("ผลการตรวจสอบต้องเป็นระดับ 0 ถึง 5"),
                            {"level": raw_level, "reason": reason}, decision="verify")
        level = int(raw_level) if raw_level else ctx["self_level"]
        if level < ctx["self_level"] and not reason.strip():
            return _refused(request, indicator, rnd, _("กรุณาระบุเหตุผลเมื่อให้ผลการตรวจสอบต่ำกว่าผลการประเมินตนเอง"),
                            {"level": raw_level, "reason": reason}, decision="verify")
        ctx.update(action="verify", level=level, reason=reason)
    else:
        return _refused(request, indicator, rnd, _("กรุณาเลือกว่าจะให้ผ่านการตรวจสอบหรือส่งกลับแก้ไข"), {}, decision="")
    return render(request, "assessments/review_confirm.html", ctx)


@login_required
@require_POST
def round_reopen(request, pk, round_pk):
    """เปิดรอบให้แก้ไขอีกครั้ง: administrators only, with a reason kept in the history."""
    indicator = get_indicator_for_user(request.user, pk)
    rnd = _round_of(indicator, round_pk)
    if not can_administer(request.user, indicator):
        raise PermissionDenied(_("เฉพาะผู้ดูแลระบบที่เปิดรอบให้แก้ไขอีกครั้งได้"))
    reason = request.POST.get("reason", "")
    try:
        services.round_reopen(indicator=indicator, round=rnd, by=request.user, reason=reason)
    except services.ProgressError as exc:
        return _refused(request, indicator, rnd, exc.messages[0], {"reason": reason}, decision="reopen")
    messages.success(request, _("เปิด{round}ของตัวชี้วัดที่ {number} ให้แก้ไขอีกครั้งแล้ว").format(round=rnd.label, number=indicator.number))
    return redirect(reverse("assessments:review", args=[indicator.pk, rnd.pk]))


urlpatterns = [
    path("review/", review_queue, name="review-queue"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/review/", review, name="review"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/verify/", round_verify, name="round-verify"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/return/", round_return, name="round-return"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/reopen/", round_reopen, name="round-reopen"),
    path("indicators/<int:pk>/rounds/<int:round_pk>/confirm/", round_confirm, name="round-confirm"),
]
