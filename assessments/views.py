"""Owners' pages: my indicators, the indicator page, ticking steps, evidence, submitting.

Views are thin: parse, check access (assessments.access), call a service,
render. With htmx a write returns the round panel alone; without JavaScript
it redirects back to the page, with the message.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.template.loader import render_to_string
from django.utils import translation
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import versions
from indicators.models import Indicator, IndicatorOwner, Round
from indicators.querysets import scope_of
from core import pagecache, thai

from . import cascades, levels, services
from .access import (
    can_administer,
    can_edit,
    can_review,
    get_evidence_for_user,
    get_indicator_for_user,
    get_plan_for_user,
    get_step_for_user,
)
from .forms import EvidenceRemoveForm, ReasonForm, RoundReportForm, StepFields, StepForm
from .models import Evidence, HistoryEntry, Notice, RoundAssessment
from .selectors import counted_before, current_round, plan_rounds, progress_for

HISTORY_PAGE = 50


def _rounds_of(plan) -> list[Round]:
    return plan_rounds(plan)


def _as_of(plan) -> dt.date:
    """Today, or the year's last day once the fiscal year is over."""
    return plan.fiscal_year.as_of(services.today())


def _owner_roles(indicators, person_id) -> dict[int, str]:
    roles = dict(
        IndicatorOwner.objects.filter(indicator__in=indicators, person_id=person_id).values_list("indicator_id", "role")
    )
    return {i.pk: roles.get(i.pk, "all_staff") for i in indicators}


ROUND_STATE_ORDER = {"returned": 0, "draft": 1, "submitted": 2, "verified": 3}


@login_required
@require_safe
def my_indicators(request):
    """ตัวชี้วัดของฉัน: a to-do list over every round of the year the user owns indicators in.

    Returned rounds first (with the reviewer's comment), then drafts (days left to
    the close), then rounds awaiting review, then verified ones. When the current
    year has no plan yet (or the user asks, ?year=), the newest year in which they
    own indicators is shown, and the page says so.
    """
    scope = scope_of(request.user)
    today = services.today()
    owned = Indicator.objects.owned_by(request.user)
    years = sorted(set(owned.values_list("plan__fiscal_year__year_be", flat=True)), reverse=True)
    current = thai.fiscal_year_of(today)
    wanted = request.GET.get("year", "")
    year = int(wanted) if wanted.isdecimal() and len(wanted) <= 4 and int(wanted) in years else (current if current in years or not years else years[0])
    indicators = list(
        owned.filter(plan__fiscal_year__year_be=year)
        .select_related("plan__fiscal_year", "plan__org_unit")
        .order_by("plan__org_unit__tree_path", "number")
    )
    groups = {key: [] for key in ROUND_STATE_ORDER}
    rnd, as_of = None, today
    if indicators:
        plan = indicators[0].plan
        as_of = _as_of(plan)
        rounds = _rounds_of(plan)
        rnd = current_round(rounds, as_of)
        progress = progress_for(indicators, rounds, as_of)
        roles = _owner_roles(indicators, scope.person_id)
        for i in indicators:
            for rp in progress[i.pk].rounds:
                state = rp.assessment.status if rp.assessment else "draft"
                groups[state].append({
                    "indicator": i, "role": roles[i.pk], "progress": rp,
                    "days_left": (rp.round.closes_on - today).days,
                })
        # Drafts: the round closing soonest first (an overdue one before an open one).
        groups["draft"].sort(key=lambda row: (row["progress"].round.closes_on, row["indicator"].number))
    sections = [
        ("returned", _("ส่งกลับแก้ไข"), groups["returned"]),
        ("draft", _("ยังไม่ส่ง"), groups["draft"]),
        ("submitted", _("รอตรวจสอบ"), groups["submitted"]),
        ("verified", _("ผ่านการตรวจสอบ"), groups["verified"]),
    ]
    return render(request, "assessments/my_indicators.html", {
        "sections": sections, "has_rows": bool(indicators), "round": rnd, "today": as_of, "year": year,
        "years": years, "not_current": year != current, "real_today": today,
    })


@login_required
@require_safe
def plan_indicators(request):
    """Every indicator of a plan the user may see (read-only list with links)."""
    plan = get_plan_for_user(request.user, request.GET.get("plan"))
    rows, rnd = [], None
    if plan is not None:
        indicators = list(
            Indicator.objects.visible_to(request.user).filter(plan=plan).select_related("plan").order_by("number")
        )
        rounds = _rounds_of(plan)
        as_of = _as_of(plan)
        rnd = current_round(rounds, as_of)
        progress = progress_for(indicators, [rnd], as_of) if rnd else {}
        editable = set(Indicator.objects.editable_by(request.user).filter(plan=plan).values_list("pk", flat=True))
        rows = [{"indicator": i, "progress": progress[i.pk].rounds[0], "editable": i.pk in editable} for i in indicators]
    return render(request, "assessments/plan.html", {"plan": plan, "rows": rows, "round": rnd})


TAB_MARKERS = {
    "returned": gettext_lazy("ส่งกลับแก้ไข"),
    "submitted": gettext_lazy("รอตรวจสอบ"),
    "verified": gettext_lazy("ผ่านการตรวจสอบ"),
}


def _tab_that_needs_the_owner(progress, rounds, as_of) -> Round | None:
    """A returned round first (the owner must act on it); otherwise the current round."""
    for rp in sorted(progress.rounds, key=lambda r: r.round.closes_on):
        if rp.assessment and rp.assessment.status == RoundAssessment.ReviewStatus.RETURNED:
            return rp.round
    return current_round(rounds, as_of)


def _indicator_context(request, indicator: Indicator, rnd: Round | None = None) -> dict:
    """The whole indicator page: the round panel, tabs and history (_panel_context), and the rest."""
    ctx = _panel_context(request, indicator, rnd)
    ctx.update({
        "owners": list(indicator.owners.select_related("person__org_unit").order_by("order")),
        "can_administer": can_administer(request.user, indicator),
        # ถ่ายทอดตัวชี้วัด: the children's progress in the same round, and what this one carries.
        "cascade_children": cascades.children_progress(user=request.user, as_of=ctx["as_of"], indicator=indicator,
                                                       round=ctx["round"]),
        "carried_by": cascades.carried_by(indicator),
    })
    return ctx


def _panel_context(request, indicator: Indicator, rnd: Round | None = None, *, editable: bool | None = None) -> dict:
    """What the round panel, the tabs and the history show: all a write's answer renders (_after_write).
    `editable` when the caller already knows the user may edit (a write that succeeded)."""
    plan = indicator.plan
    rounds = _rounds_of(plan)
    as_of = _as_of(plan)
    progress = progress_for([indicator], rounds, as_of)[indicator.pk]
    if rnd is None:
        wanted = request.GET.get("round") or request.POST.get("round")
        rnd = next((r for r in rounds if str(r.pk) == str(wanted)), None) or _tab_that_needs_the_owner(
            progress, rounds, as_of)
    rp = progress.for_round(rnd)
    completion_ids = [v.completion.pk for r in progress.rounds for v in r.steps if v.completion]
    evidence: dict[int, list[Evidence]] = {}
    for e in Evidence.objects.filter(completion_id__in=completion_ids, removed_at__isnull=True).order_by("uploaded_at"):
        evidence.setdefault(e.completion_id, []).append(e)
    history = _history_page(indicator, request.GET.get("history_page"))
    tabs = [{"rp": r, "state": r.assessment.status if r.assessment else "draft",
             "marker": TAB_MARKERS.get(r.assessment.status if r.assessment else "draft", "")} for r in progress.rounds]
    target = rp.target if rp else None
    may_edit = can_edit(request.user, indicator) if editable is None else editable
    # A new step's date lies inside the tab's round: the as-of date, or the round's close.
    default_done_on = levels.effective_date(as_of, rnd.closes_on) if rnd else as_of
    return {
        "indicator": indicator, "plan": plan, "rounds": rounds, "round": rnd, "progress": progress, "tabs": tabs,
        "rp": rp, "evidence": evidence, "history": history,
        "can_edit": may_edit,
        "can_review": can_review(request.user, indicator),
        "today": services.today(),
        "as_of": as_of,
        "default_done_on": default_done_on,
        "step_forms": _step_forms(rp, default_done_on, plan.fiscal_year.starts_on, as_of) if may_edit else {},
        "below_target": bool(rp and target is not None and rp.level < target),
        "report_form": _report_form(rp),
        "note_max": services.NOTE_MAX,
        "max_mb": services.settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
        "inline_types": INLINE_TYPES,
    }


def _history_page(indicator: Indicator, number):
    """One page of the indicator's history, newest first, with who did what named without more queries."""
    entries = HistoryEntry.objects.filter(indicator=indicator).select_related("actor__person", "step", "round")
    return Paginator(entries, HISTORY_PAGE).get_page(number)


def _step_forms(rp, default_done_on: dt.date, starts_on: dt.date, as_of: dt.date, only=None) -> dict[int, StepFields]:
    """The round panel's step forms, step pk -> what each shows: none when the round is locked (or has no
    tab). `only`: the StepView of the one step a write's answer shows (_after_step)."""
    if rp is None or rp.is_locked:
        return {}
    max_mb = services.settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
    return {v.step.pk: StepFields.of(v, round_pk=rp.round.pk, default_done_on=default_done_on, starts_on=starts_on,
                                     as_of=as_of, note_max=services.NOTE_MAX, max_mb=max_mb)
            for v in ([only] if only else rp.steps)}


def _report_form(rp) -> RoundReportForm:
    """รายงานผลการดำเนินงาน of the tab's round, as saved: the form, and the text when it is read-only."""
    a = rp.assessment if rp else None
    initial = {name: getattr(a, f"report_{name}") if a else "" for name in RoundReportForm.TEXTS}
    return RoundReportForm(initial=initial, note_max=services.NOTE_MAX)



@login_required
@require_safe
def indicator_detail(request, pk):
    """The indicator page. Its content is cached (issue 19): see _page_key for what it depends on."""
    indicator = get_indicator_for_user(request.user, pk)
    if request.htmx and request.GET.get("partial") == "round":
        return render(request, "assessments/indicator.html#round-panel", _panel_context(request, indicator))
    ctx = {"indicator": indicator, "plan": indicator.plan}

    def render_content():
        ctx.update(_indicator_context(request, indicator))
        return render_to_string("assessments/indicator.html#page-content",
                                {**ctx, "csrf_token": pagecache.CSRF_SLOT}), True

    ctx["main"] = pagecache.content(request, _page_key(request, indicator), render_content)
    return render(request, "assessments/indicator.html", ctx)


def _page_key(request, indicator: Indicator) -> str:
    """Everything the page content depends on: the plan's data and that of the indicators it cascades to
    (the version token: every write replaces it, indicators/versions.py), the tab and history page asked
    for, the language, today's date, what the reader may do here (edit, review, administer) and which
    units' plans they may see (the cascaded children listed). Never the reader's name or CSRF token."""
    scope = scope_of(request.user)
    who = (can_edit(request.user, indicator), can_review(request.user, indicator),
           can_administer(request.user, indicator), scope.superuser, scope.person_id,
           sorted(scope.person_unit_ancestors), sorted(scope.reader_paths), sorted(scope.admin_paths),
           sorted(scope.director_paths))
    return pagecache.key("indicator-page", versions.token(indicator.plan_id, cascades=True), indicator.pk,
                         request.GET.get("round", ""), request.GET.get("history_page", ""),
                         translation.get_language(), services.today(), who)


def _after_write(request, indicator, rnd, *, ok: str | None = None, error: str | None = None,
                 warn: str | None = None, status: int = 200, editable: bool | None = None):
    """With htmx: the round panel, plus the tabs and the history swapped out of band, so the
    whole page tells the truth after the write. Without JavaScript: back to the page.
    A step's form targets its own row (_after_step); this answer retargets the whole panel."""
    if request.htmx:
        ctx = _panel_context(request, indicator, rnd, editable=editable)
        ctx["flash_ok"], ctx["flash_error"], ctx["flash_warn"] = ok, error, warn
        response = render(request, "assessments/indicator.html#after-write", ctx, status=status)
        return reswap(retarget(response, "#round-panel"), "outerHTML")
    if error:
        messages.error(request, error)
    elif warn:
        messages.warning(request, warn)
    elif ok:
        messages.success(request, ok)
    url = reverse("assessments:indicator", args=[indicator.pk])
    return redirect(f"{url}?round={rnd.pk}#round-panel" if rnd else url)


def _after_step(request, indicator, rnd, step, *, ok: str, warn: str | None,
                written: services.Written, evidence: dict | None):
    """A tick, untick or step edit that succeeded, with htmx (issue 19: a tick's answer is what it changed).
    The step's row, and out of band what the write changed elsewhere in the round panel: the level and
    status with the submit button's level when they changed, the counted / not-yet-counted notes of the
    other steps whose note changed, and the history lines the write recorded (or the whole history when
    the page showed it empty). The other rows are not sent again, so what the owner is typing in them
    stays. Progress is counted from what the write read and changed under the step's lock, and compared
    with what it read before its change (services.Written: no query); a change someone else made since the
    page was read shows on the next page, as their rows do. `evidence`: the step's files when the caller
    knows them (a new tick without files has none), else read."""
    plan = indicator.plan
    as_of = _as_of(plan)
    rp = progress_for([indicator], [rnd], as_of, completions=written.completions, assessments=written.assessments)[
        indicator.pk].for_round(rnd) if rnd else None  # the tab's round
    view = next((v for v in rp.steps if v.step.pk == step.pk), None) if rp else None
    if view is None:  # a step of another round's criteria: this tab does not show it
        return _after_write(request, indicator, rnd, editable=True, ok=ok, warn=warn)
    default_done_on = levels.effective_date(as_of, rnd.closes_on)
    if view.completion is not None and view.completion.recorded_by_id == request.user.pk:
        view.completion.recorded_by = request.user  # the row names its recorder: the user, named already
    if evidence is None:
        evidence = {view.completion.pk: list(Evidence.objects.filter(completion=view.completion, removed_at__isnull=True)
                                             .order_by("uploaded_at"))} if view.completion else {}
    if written.done_before is None:  # every write of _step_write locks its step first; were one not to: all of it
        summary_changed, others = True, [v for v in rp.steps if v is not view]
    else:
        level, status, states = counted_before(rp, written.done_before)
        summary_changed = (level, status) != (rp.level, rp.status)
        others = [v for v, was in zip(rp.steps, states) if v is not view and v.state != was]
    ctx = {
        "indicator": indicator, "rp": rp, "v": view, "other_steps": others, "summary_changed": summary_changed,
        "step_forms": _step_forms(rp, default_done_on, plan.fiscal_year.starts_on, as_of, only=view),
        "evidence": evidence, "can_edit": True, "inline_types": INLINE_TYPES,
        "row_flash_ok": ok, "row_flash_warn": warn,
    }
    # The submit form again: whether it asks for a reason (a level below target) follows the level.
    ctx |= {"below_target": bool(rp.target is not None and rp.level < rp.target), "note_max": services.NOTE_MAX}
    page = parse_qs(urlsplit(request.htmx.current_url or "").query).get("history_page", [""])[0]
    if not (page.isdecimal() and int(page) > 1):  # the newest page of the history is on screen
        if request.POST.get("history_empty"):  # the page says "no changes yet" (#history-empty)
            ctx["history_whole"], ctx["history"] = True, _history_page(indicator, 1)
        else:
            ctx["history_new"] = written.history
    return render(request, "assessments/indicator.html#after-step", ctx)


def _round_in(rounds: list[Round], pk) -> Round | None:
    return next((r for r in rounds if pk is not None and r.pk == pk), None)


def _counts_for(step, done_on: dt.date, rounds: list[Round]) -> str | None:
    """When a date falls after a round's close, say which round the step counts for."""
    cs = step.criteria_set
    rounds = [r for r in rounds if cs.round_id is None or r.pk == cs.round_id]
    missed = [r for r in rounds if not r.open_on(done_on)]
    if not missed:
        return None
    counted = [r for r in rounds if r.open_on(done_on)]
    missed_labels = ", ".join(r.label for r in missed)
    if counted:
        return _("นับใน{counted} ไม่นับใน{missed} เพราะวันที่ดำเนินการ {date} อยู่หลังวันปิด{missed} ({closes})").format(
            counted=", ".join(r.label for r in counted), missed=missed_labels, date=thai.format_date(done_on),
            closes=thai.format_date(missed[-1].closes_on))
    return _("ไม่นับในรอบใด เพราะวันที่ดำเนินการ {date} อยู่หลังวันปิด{missed} ({closes})").format(
        missed=missed_labels, date=thai.format_date(done_on), closes=thai.format_date(missed[-1].closes_on))


@login_required
@require_POST
def step_save(request, pk):
    """Tick, untick, or change the date/note/evidence of one step."""
    step = get_step_for_user(request.user, pk, for_edit=True)
    indicator = step.criteria_set.indicator
    form = StepForm(request.POST)
    valid = form.is_valid()
    rounds = _rounds_of(indicator.plan)
    rnd = _round_in(rounds, form.cleaned_data.get("round") if valid else None) or step.criteria_set.round
    if not valid:
        return _after_write(request, indicator, rnd, editable=True, error=_first_error(form))
    data = form.cleaned_data
    files = request.FILES.getlist("files")
    done_on = data["done_on"] or (levels.effective_date(services.today(), rnd.closes_on) if rnd else services.today())
    try:
        with services.written() as written:
            ok = _step_write(request, step, data, done_on, files)
    except services.ProgressError as exc:
        return _after_write(request, indicator, rnd, editable=True, error=exc.messages[0])
    if ok is None:
        return _after_write(request, indicator, rnd, editable=True, error=_("กรุณาทำเครื่องหมายว่าดำเนินการแล้วก่อนบันทึก"))
    counts = _counts_for(step, done_on, rounds) if data["done"] else None
    warn = f"{ok}: {counts}" if counts else None
    if request.htmx:
        fresh = data["done"] and data["completion_id"] is None and not files  # a new tick: no evidence yet
        return _after_step(request, indicator, rnd, step, ok=ok, warn=warn, written=written,
                           evidence={} if fresh else None)
    return _after_write(request, indicator, rnd, editable=True, ok=None if warn else ok, warn=warn)


def _step_write(request, step, data: dict, done_on: dt.date, files) -> str | None:
    """The write a step's form asks for, through the service; its message, or None when it asks for none."""
    if data["done"] and data["completion_id"] is None:
        services.step_complete(step=step, done_on=done_on, by=request.user, note=data["note"], files=files)
        return _("บันทึกขั้นตอนที่ {number} ว่าดำเนินการแล้ว").format(number=step.number)
    if data["done"]:
        services.step_edit(step=step, by=request.user, done_on=done_on, note=data["note"], files=files,
                           expected_completion_id=data["completion_id"], expected_version=data["version"])
        return _("บันทึกการแก้ไขขั้นตอนที่ {number} แล้ว").format(number=step.number)
    if data["completion_id"] is not None:
        services.step_uncomplete(step=step, by=request.user, reason=data["reason"],
                                 expected_completion_id=data["completion_id"], expected_version=data["version"])
        return _("ยกเลิกการดำเนินการขั้นตอนที่ {number} แล้ว").format(number=step.number)
    return None


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("ข้อมูลไม่ถูกต้อง")


INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp"}


def _serve_evidence(evidence: Evidence, *, inline: bool):
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("ไม่พบไฟล์เอกสารหลักฐาน"))
    response = FileResponse(handle, content_type=evidence.content_type)
    # The Thai name survives (RFC 5987). Opened in the browser only for PDF and images, under a
    # sandbox (no scripts, no same-origin access); everything else is a download.
    response["Content-Disposition"] = content_disposition_header(not inline, evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


@login_required
@require_safe
def evidence_download(request, pk):
    return _serve_evidence(get_evidence_for_user(request.user, pk), inline=False)


@login_required
@require_safe
def evidence_view(request, pk):
    """ดูเอกสาร: PDF and images open in the browser; other types download."""
    evidence = get_evidence_for_user(request.user, pk)
    return _serve_evidence(evidence, inline=evidence.content_type in INLINE_TYPES)


@login_required
@require_safe
def evidence_remove_confirm(request, pk):
    """The confirmation step before a file is removed (a partial with htmx, a page without)."""
    evidence = get_evidence_for_user(request.user, pk, for_edit=True)
    indicator = get_indicator_for_user(request.user, evidence.completion.step.criteria_set.indicator_id)
    rnd = indicator.round_of(request.GET.get("round") if str(request.GET.get("round", "")).isdecimal() else None)
    ctx = {"evidence": evidence, "indicator": indicator, "round": rnd, "step": evidence.completion.step,
           "form": EvidenceRemoveForm(evidence_pk=evidence.pk)}
    if request.htmx:
        return render(request, "assessments/evidence_remove_confirm.html#confirm", ctx)
    return render(request, "assessments/evidence_remove_confirm.html", ctx)


@login_required
@require_POST
def evidence_remove(request, pk):
    evidence = get_evidence_for_user(request.user, pk, for_edit=True)
    indicator = get_indicator_for_user(request.user, evidence.completion.step.criteria_set.indicator_id)
    form = EvidenceRemoveForm(request.POST, evidence_pk=evidence.pk)
    valid = form.is_valid()
    rnd = indicator.round_of(form.cleaned_data.get("round"))
    if not valid:
        return _after_write(request, indicator, rnd, error=_first_error(form))
    try:
        services.evidence_remove(evidence=evidence, by=request.user, reason=form.cleaned_data.get("reason", ""))
    except services.ProgressError as exc:
        return _after_write(request, indicator, rnd, error=exc.messages[0])
    return _after_write(request, indicator, rnd, ok=_("นำเอกสารหลักฐาน {name} ออกแล้ว").format(name=evidence.original_name))


@login_required
@require_POST
def round_submit(request, pk, round_pk):
    """ส่งผลการประเมินตนเอง; below the target only with a reason for the reviewer."""
    indicator = get_indicator_for_user(request.user, pk, for_edit=True)
    rnd = indicator.round_of(round_pk)
    if rnd is None:
        raise Http404(_("ไม่พบรอบการประเมินนี้"))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _after_write(request, indicator, rnd, error=_first_error(form))
    try:
        a = services.round_submit(indicator=indicator, round=rnd, by=request.user,
                                  note=form.cleaned_data.get("note", ""), require_reason_below_target=True)
    except services.ProgressError as exc:
        return _after_write(request, indicator, rnd, error=exc.messages[0])
    return _after_write(
        request, indicator, rnd,
        ok=_("ส่งผลการประเมินตนเอง {round} (ระดับ {level}) แล้ว สถานะ: {status}").format(
            round=rnd.label, level=a.self_level, status=RoundAssessment.ReviewStatus(a.status).label),
    )


@login_required
@require_POST
def round_report(request, pk, round_pk):
    """รายงานผลการดำเนินงาน: what was done, problems and remedies, kept in the history."""
    indicator = get_indicator_for_user(request.user, pk, for_edit=True)
    rnd = indicator.round_of(round_pk)
    if rnd is None:
        raise Http404(_("ไม่พบรอบการประเมินนี้"))
    form = RoundReportForm(request.POST)
    if not form.is_valid():
        return _after_write(request, indicator, rnd, error=_first_error(form))
    data = form.cleaned_data
    try:
        services.round_report_save(indicator=indicator, round=rnd, by=request.user, results=data["results"],
                                   problems=data["problems"], remedies=data["remedies"],
                                   expected_version=data["version"])
    except services.ProgressError as exc:
        return _after_write(request, indicator, rnd, error=exc.messages[0])
    return _after_write(request, indicator, rnd, ok=_("บันทึกรายงานผลการดำเนินงาน {round} แล้ว").format(round=rnd.label))


# --- notices ----------------------------------------------------------------------

NOTICE_PAGE = 30


@login_required
@require_safe
def notice_list(request):
    """การแจ้งเตือน: the user's own notices, newest first; unread ones marked."""
    page = Paginator(
        Notice.objects.for_user(request.user).select_related("indicator", "round"), NOTICE_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "assessments/notices.html", {"page": page})


@login_required
@require_POST
def notice_open(request, pk):
    """Mark one notice read and go where it points."""
    notice = Notice.objects.for_user(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404(_("ไม่พบการแจ้งเตือนนี้"))
    services.notice_mark_read(user=request.user, pks=[notice.pk])
    return redirect(notice.link if url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None) and notice.link
                    else "assessments:notices")


@login_required
@require_POST
def notices_read_all(request):
    services.notice_mark_read(user=request.user)
    messages.success(request, _("ทำเครื่องหมายว่าอ่านแล้วทั้งหมด"))
    return redirect("assessments:notices")
