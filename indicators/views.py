"""แผนปฏิบัติการ: the plan pages of plan administrators and directors (thin views).

Parse, check (indicators.access), call a service (indicators.services), render.
A refused change (PlanError) re-renders the form with the Thai reason and HTTP
400; nothing has been saved.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import thai

from . import plan_import, services
from .access import CRITERIA, PLAN, get_indicator_for_user, get_plan_for_user, may_administer
from .forms import CascadeForm, CopyForm, CriteriaForm, ImportForm, IndicatorForm, KPIForm, PlanForm, WithdrawForm
from .models import LEVELS, ActionPlan, Indicator, PlanChange, Round
from .querysets import scope_of

HISTORY_LIMIT = 100


def _errors(form, exc) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
@require_safe
def plan_list(request):
    """แผนปฏิบัติการที่ดูแล: every plan the user administers or directs, drafts included."""
    if not scope_of(request.user).is_director_anywhere:
        raise PermissionDenied(_("เฉพาะผู้ดูแลระบบหรือผู้อำนวยการที่จัดการแผนปฏิบัติการได้"))
    plans = list(ActionPlan.objects.directed_by(request.user).visible_to(request.user)
                 .select_related("fiscal_year", "org_unit").order_by("-fiscal_year__year_be", "org_unit__tree_path"))
    administered = set(ActionPlan.objects.administered_by(request.user).values_list("pk", flat=True))
    return render(request, "indicators/plan_list.html", {"plans": plans, "administered": administered})


@login_required
@require_safe
def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=CRITERIA)
    indicators = list(plan.indicators.select_related("data_collector").prefetch_related(
        "owners__person", "targets__round", "criteria_sets").order_by("number"))
    withdrawn = list(Indicator.all_objects.filter(plan=plan).withdrawn().order_by("number"))
    history = list(PlanChange.objects.filter(plan=plan).select_related("actor__person", "indicator")[:HISTORY_LIMIT])
    next_year = plan.fiscal_year.year_be + 1
    return render(request, "indicators/plan_detail.html", {
        "plan": plan, "indicators": indicators, "withdrawn": withdrawn, "history": history,
        "kpis": list(services.policy_kpis_of(plan).order_by("number")),
        "can_administer": may_administer(request.user, plan),
        "copy_form": CopyForm(initial={"to_year": next_year}), "next_year": next_year,
        "next_exists": ActionPlan.objects.filter(org_unit=plan.org_unit, fiscal_year__year_be=next_year).first(),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    values = "\n".join(f"{v.letter} | {v.term} | {v.meaning}" for v in plan.core_values.order_by("order"))
    form = PlanForm(request.POST if request.method == "POST" else None, initial={
        "title": plan.title, "vision": plan.vision, "mission": plan.mission, "motto": plan.motto,
        "values_name": plan.values_name, "culture": plan.culture, "values": values})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        rows = data.pop("values")
        try:
            services.plan_update(plan=plan, by=request.user, **data)
            services.core_values_set(plan=plan, by=request.user, values=rows)
        except services.PlanError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("บันทึกข้อมูลแผนแล้ว"))
            return redirect("indicators:plan-detail", plan.pk)
    return render(request, "indicators/plan_form.html", {"plan": plan, "form": form},
                  status=400 if form.errors else 200)


def _indicator_initial(indicator: Indicator) -> dict:
    owners = sorted(indicator.owners.all(), key=lambda o: o.order)
    initial = {f: getattr(indicator, f) for f in ("number", "name", "card_title", "category", "dimension", "perspective",
                                                  "objective", "unit", "description", "conditions", "data_source",
                                                  "supervisor", "all_staff")}
    initial["data_collector"] = indicator.data_collector_id
    initial["primary"] = owners[0].person_id if owners else None
    initial["secondary"] = [o.person_id for o in owners[1:]]
    return initial


def _save_indicator(request, form, plan, indicator=None):
    data = dict(form.cleaned_data)
    primary, secondary, all_staff = data.pop("primary"), list(data.pop("secondary")), data.pop("all_staff")
    if indicator is None:
        indicator = services.indicator_create(plan=plan, by=request.user, all_staff=all_staff, **data)
    else:
        indicator = services.indicator_update(indicator=indicator, by=request.user, **data)
    services.owners_set(indicator=indicator, by=request.user, primary=primary, secondary=secondary, all_staff=all_staff)
    return indicator


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def indicator_add(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    taken = set(plan.indicators.values_list("number", flat=True))
    form = IndicatorForm(request.POST if request.method == "POST" else None, plan=plan,
                         initial={"number": max(taken, default=0) + 1, "unit": "ระดับ",
                                  "supervisor": _("ผู้อำนวยการ") + plan.org_unit.name})
    if request.method == "POST" and form.is_valid():
        try:
            with services.transaction.atomic():
                indicator = _save_indicator(request, form, plan)
        except services.PlanError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("เพิ่มตัวชี้วัดที่ {n} แล้ว กำหนดเกณฑ์การให้คะแนนและค่าเป้าหมายต่อได้เลย").format(
                n=indicator.number))
            return redirect("indicators:criteria-edit", indicator.pk)
    return render(request, "indicators/indicator_form.html", {"plan": plan, "form": form, "indicator": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def indicator_edit(request, pk):
    indicator = get_indicator_for_user(request.user, pk, edit=PLAN)
    plan = indicator.plan
    form = IndicatorForm(request.POST if request.method == "POST" else None, plan=plan, initial=_indicator_initial(indicator))
    if request.method == "POST" and form.is_valid():
        try:
            with services.transaction.atomic():
                _save_indicator(request, form, plan, indicator)
        except services.PlanError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("บันทึกตัวชี้วัดแล้ว"))
            return redirect("indicators:plan-detail", plan.pk)
    return render(request, "indicators/indicator_form.html", {
        "plan": plan, "form": form, "indicator": indicator, "withdraw_form": WithdrawForm(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def indicator_withdraw(request, pk):
    indicator = get_indicator_for_user(request.user, pk, edit=PLAN)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise services.PlanError(_("กรุณาระบุเหตุผลที่ยกเลิกตัวชี้วัด"))
        services.indicator_withdraw(indicator=indicator, by=request.user, reason=form.cleaned_data["reason"])
    except services.PlanError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("indicators:indicator-edit", indicator.pk)
    messages.success(request, _("ยกเลิกตัวชี้วัดที่ {n} แล้ว (ยังเก็บไว้พร้อมประวัติ)").format(n=indicator.number))
    return redirect("indicators:plan-detail", indicator.plan_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def criteria_edit(request, pk):
    """เกณฑ์การให้คะแนนและค่าเป้าหมาย: plan administrators and the unit's director."""
    indicator = get_indicator_for_user(request.user, pk, edit=CRITERIA)
    plan = indicator.plan
    rounds = list(Round.objects.filter(fiscal_year_id=plan.fiscal_year_id).order_by("closes_on"))
    sets = {cs.round_id: [s.text for s in cs.steps.order_by("number")] for cs in indicator.criteria_sets.all()}
    initial = {"mode": CriteriaForm.ROUNDS if sets and None not in sets else CriteriaForm.YEAR}
    for t in indicator.targets.all():
        initial[f"target_{t.round.months}"] = t.level
    for n in range(1, LEVELS + 1):
        if None in sets and len(sets[None]) >= n:
            initial[f"year_{n}"] = sets[None][n - 1]
        for r in rounds:
            if r.pk in sets and len(sets[r.pk]) >= n:
                initial[f"r{r.months}_{n}"] = sets[r.pk][n - 1]
    form = CriteriaForm(request.POST if request.method == "POST" else None, rounds=rounds, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with services.transaction.atomic():
                services.targets_set(indicator=indicator, by=request.user, levels=form.targets())
                services.criteria_write(indicator=indicator, by=request.user, sets=form.sets())
        except services.PlanError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("บันทึกเกณฑ์การให้คะแนนและค่าเป้าหมายของตัวชี้วัดที่ {n} แล้ว").format(
                n=indicator.number))
            return redirect("indicators:plan-detail", plan.pk)
    return render(request, "indicators/criteria_form.html", {
        "plan": plan, "indicator": indicator, "form": form, "rounds": rounds,
        "round_steps": [(r, form.step_fields(f"r{r.months}")) for r in rounds],
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def kpi_edit(request, pk, kpi_pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    kpi = get_object_or_404(services.policy_kpis_of(plan).select_related("org_unit"), pk=kpi_pk)
    if not scope_of(request.user).administers(kpi.org_unit.tree_path):
        # The department's 5G KPIs are the department's: a group's administrator reads them only.
        raise PermissionDenied(_("ตัวชี้วัดนโยบายนี้เป็นของ{unit} แก้ไขได้เฉพาะผู้ดูแลระบบของหน่วยงานนั้น").format(
            unit=kpi.org_unit.name))
    form = KPIForm(request.POST if request.method == "POST" else None, initial={"name": kpi.name, "target_value": kpi.target_value,
                                                  "target_unit": kpi.target_unit, "higher_is_better": kpi.higher_is_better})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_kpi_update(kpi=kpi, plan=plan, by=request.user, **form.cleaned_data)
        except services.PlanError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("บันทึกตัวชี้วัดนโยบายแล้ว"))
            return redirect("indicators:plan-detail", plan.pk)
    return render(request, "indicators/kpi_form.html", {"plan": plan, "kpi": kpi, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def plan_copy(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    form = CopyForm(request.POST)
    try:
        if not form.is_valid():
            raise services.PlanError([m for ms in form.errors.values() for m in ms])
        new = services.plan_copy(plan=plan, to_year_be=form.cleaned_data["to_year"], by=request.user)
    except services.PlanError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("indicators:plan-detail", plan.pk)
    messages.success(request, _("สร้างร่างแผน{year}แล้ว แก้ไขได้ตามต้องการ แล้วกดเผยแพร่เมื่อพร้อม").format(
        year=thai.fiscal_year_label(new.fiscal_year.year_be)))
    return redirect("indicators:plan-detail", new.pk)


@login_required
@require_POST
def plan_publish(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    try:
        services.plan_publish(plan=plan, by=request.user)
    except services.PlanError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("เผยแพร่แผนแล้ว ผู้รับผิดชอบเห็นตัวชี้วัดของแผนนี้แล้ว"))
    return redirect("indicators:plan-detail", plan.pk)


@login_required
@require_safe
def plan_template(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    response = HttpResponse(plan_import.template_xlsx(plan),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="kpi-template-{plan.fiscal_year.year_be}.xlsx"'
    return response


SESSION_KEY = "plan_import_{pk}"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_import_view(request, pk):
    """Upload → preview (nothing saved); the specs wait in the session for the confirmation."""
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    preview = None
    token = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kind, specs, warnings, errors = plan_import.read_upload(upload, plan)
        except plan_import.ImportError_ as exc:
            form.add_error("file", str(exc))
        else:
            preview = plan_import.preview(plan, kind, specs, warnings, errors)
            if preview.ok:
                token = secrets.token_urlsafe(16)
                request.session[SESSION_KEY.format(pk=plan.pk)] = {
                    "token": token, "specs": specs, "source": getattr(upload, "name", "")[:200], "kind": kind}
    status = 400 if form.errors or (preview and not preview.ok) else 200
    return render(request, "indicators/plan_import.html",
                  {"plan": plan, "form": form, "preview": preview, "token": token}, status=status)


@login_required
@require_POST
def plan_import_confirm(request, pk):
    plan = get_plan_for_user(request.user, pk, edit=PLAN)
    stored = request.session.get(SESSION_KEY.format(pk=plan.pk))
    if not stored or not secrets.compare_digest(str(stored.get("token", "")), str(request.POST.get("token", ""))):
        messages.error(request, _("ไม่พบข้อมูลที่ตรวจสอบไว้ (หมดอายุหรือถูกแทนที่แล้ว) กรุณาอัปโหลดไฟล์อีกครั้ง"))
        return redirect("indicators:plan-import", plan.pk)
    try:
        counts = services.plan_import_apply(plan=plan, specs=stored["specs"], by=request.user, source=stored["source"])
    except services.PlanError as exc:
        for m in exc.messages:
            messages.error(request, _("ยังไม่ได้บันทึกอะไรเลย: {reason}").format(reason=m))
        return redirect("indicators:plan-import", plan.pk)
    del request.session[SESSION_KEY.format(pk=plan.pk)]
    messages.success(request, _("นำเข้าแล้ว: เพิ่ม {added} แก้ไข {updated} ยกเลิก {withdrawn} ตัวชี้วัด").format(**counts))
    return redirect("indicators:plan-detail", plan.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cascade_edit(request, pk):
    """ถ่ายทอดตัวชี้วัด: which department 5G KPI or indicator of a unit above this indicator carries.

    The unit's directors and plan administrators (as for criteria). POST action=set with
    parent=kpi-<id> or ind-<id>, or action=unset with link=<id>.
    """
    from .models import Cascade

    indicator = get_indicator_for_user(request.user, pk, edit=CRITERIA)
    kpis, parents = services.cascade_parent_choices(indicator)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = CascadeForm(request.POST if action == "set" else None, kpis=kpis, parents=parents)
    status, error = 200, ""
    if request.method == "POST":
        try:
            if action == "set" and not form.is_valid():
                raise services.PlanError("")  # the form holds the reason, beside its field
            _cascade_write(request, indicator, action, form)
        except services.PlanError as exc:
            if action == "set" and exc.messages[0]:
                form.add_error("parent", exc.messages[0])
            elif exc.messages[0]:
                error = exc.messages[0]  # an unset refused: said above the list
            status = 400
        else:
            return redirect("indicators:cascade-edit", indicator.pk)
    links = list(Cascade.objects.filter(child=indicator).select_related("policy_kpi", "indicator__plan__org_unit"))
    return render(request, "indicators/cascade_form.html", {
        "plan": indicator.plan, "indicator": indicator, "links": links, "form": form, "error": error,
    }, status=status)


def _cascade_write(request, indicator, action: str, form) -> None:
    """Set (form) or unset (POST link=<id>) one cascade of the indicator; PlanError with the Thai reason."""
    from .models import Cascade

    if action == "set":
        kpi, parent = form.chosen()
        services.cascade_set(child=indicator, by=request.user, policy_kpi=kpi, parent=parent)
        messages.success(request, _("บันทึกการถ่ายทอดตัวชี้วัดแล้ว"))
    elif action == "unset":
        link_raw = str(request.POST.get("link", ""))
        link = (Cascade.objects.filter(child=indicator, pk=link_raw).first()
                if link_raw.isdecimal() and len(link_raw) <= 12 else None)
        if link is None:
            raise services.PlanError(_("ไม่พบการถ่ายทอดที่จะยกเลิก"))
        services.cascade_unset(link=link, by=request.user)
        messages.success(request, _("ยกเลิกการถ่ายทอดตัวชี้วัดแล้ว"))
    else:
        raise services.PlanError(_("กรุณาเลือกว่าจะบันทึกหรือยกเลิกการถ่ายทอด"))
