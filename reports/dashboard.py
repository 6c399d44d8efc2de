"""ภาพรวมผลการดำเนินงาน: the director's dashboard of one action plan.

One plan at a time, as of a date (GET as_of=YYYY-MM-DD): every indicator with
its targets, levels (self-assessed and verified) and status for the chosen
round, the department's 5G policy KPIs, and the summary tiles. The number of
queries is fixed, whatever the number of indicators: the plan's indicators
and owners in two, their progress in five (assessments.selectors.progress_for),
the latest history time in one grouped query, the KPIs with their latest
value in one. Names are sorted in Python with kpi_tracker.thai.thai_sort_key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import services
from assessments.levels import Status
from assessments.models import HistoryEntry, PolicyKPIMeasurement, RoundAssessment
from assessments.selectors import IndicatorProgress, RoundProgress, current_round, progress_for
from indicators.models import ActionPlan, Indicator, IndicatorOwner, OrgUnit, Person, PolicyKPI, Round
from indicators.querysets import scope_of
from kpi_tracker import thai

GROUPS = {
    "": gettext_lazy("ไม่จัดกลุ่ม"),
    "section": gettext_lazy("ผู้จัดเก็บข้อมูล (ฝ่าย)"),
    "owner": gettext_lazy("ผู้รับผิดชอบหลัก"),
    "status": gettext_lazy("สถานะ"),
}
SORTS = {
    "number": gettext_lazy("ลำดับตัวชี้วัด"),
    "name": gettext_lazy("ชื่อตัวชี้วัด"),
    "owner": gettext_lazy("ผู้รับผิดชอบหลัก"),
    "section": gettext_lazy("ผู้จัดเก็บข้อมูล (ฝ่าย)"),
    "status": gettext_lazy("สถานะ"),
    "level": gettext_lazy("ระดับที่ได้ (มากไปน้อย)"),
    "updated": gettext_lazy("ปรับปรุงล่าสุด"),
}
ALL_STAFF_LABEL = gettext_lazy("ทุกตำแหน่ง")
NO_SECTION_LABEL = gettext_lazy("ไม่ระบุฝ่าย")


# --- rows -------------------------------------------------------------------

@dataclass
class DashboardRow:
    indicator: Indicator
    progress: IndicatorProgress
    selected: RoundProgress | None
    primary_owner: Person | None
    owner_ids: set[int]
    last_update: dt.datetime | None

    @property
    def rounds(self) -> list[RoundProgress]:
        return self.progress.rounds

    @property
    def status(self) -> str:
        return self.selected.status if self.selected else Status.UNDEFINED

    @property
    def owner_name(self) -> str:
        if self.primary_owner is not None:
            return self.primary_owner.full_name
        return ALL_STAFF_LABEL if self.indicator.all_staff else ""

    @property
    def owner_sort_name(self) -> str:
        p = self.primary_owner
        return f"{p.first_name} {p.last_name}" if p else self.owner_name

    @property
    def section(self) -> OrgUnit | None:
        return self.indicator.data_collector

    @property
    def section_name(self) -> str:
        return self.section.name if self.section else NO_SECTION_LABEL

    @property
    def awaiting_review(self) -> bool:
        return any(rp.review_status == RoundAssessment.Status.SUBMITTED for rp in self.rounds)


@dataclass
class Group:
    key: str
    label: str
    rows: list[DashboardRow] = field(default_factory=list)


@dataclass
class Summary:
    total: int
    met: int
    on_track: int
    behind: int
    overdue: int
    undefined: int
    not_started: int
    awaiting_review: int
    average_level: float | None


@dataclass
class KPIRow:
    kpi: PolicyKPI
    value: object  # Decimal | None
    measured_on: dt.date | None
    source: str

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        if self.kpi.higher_is_better:
            return self.value >= self.kpi.target_value
        return self.value <= self.kpi.target_value

    @property
    def status_label(self) -> str:
        return {None: _("ยังไม่มีผล"), True: Status.LABELS[Status.MET], False: Status.LABELS[Status.BEHIND]}[self.met]

    @property
    def status_colour(self) -> str:
        return {None: "secondary", True: Status.COLOURS[Status.MET], False: Status.COLOURS[Status.BEHIND]}[self.met]


# --- parsing ------------------------------------------------------------------

def parse_as_of(raw, today: dt.date) -> tuple[dt.date, str | None]:
    """The as-of date from a GET parameter, or today with a Thai message why not."""
    raw = thai.to_arabic_digits(str(raw or "")).strip()
    if not raw:
        return today, None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return today, _("วันที่ \"{value}\" ไม่ถูกต้อง (รูปแบบ ปปปป-ดด-วว ค.ศ.) จึงแสดงข้อมูล ณ วันนี้แทน").format(value=raw[:20])
    if day > today:
        return today, _("วันที่ที่เลือกเป็นวันในอนาคต จึงแสดงข้อมูล ณ วันนี้แทน")
    if day.year < 1900:
        return today, _("วันที่ที่เลือกไม่ถูกต้อง จึงแสดงข้อมูล ณ วันนี้แทน")
    return day, None


def choose_plan(user, wanted, today: dt.date) -> tuple[ActionPlan | None, list[ActionPlan]]:
    """The plan asked for (404 if not visible), else this fiscal year's, else the newest."""
    plans = list(
        ActionPlan.objects.visible_to(user)
        .select_related("fiscal_year", "org_unit")
        .order_by("-fiscal_year__year_be", "org_unit__tree_path")
    )
    if wanted not in (None, ""):
        for plan in plans:
            if str(plan.pk) == str(wanted):
                return plan, plans
        raise Http404("ไม่พบแผนปฏิบัติการนี้")
    if not plans:
        return None, plans
    this_year = [p for p in plans if p.fiscal_year.year_be == thai.fiscal_year_of(today)] or [
        p for p in plans if p.fiscal_year.year_be == plans[0].fiscal_year.year_be
    ]
    scope = scope_of(user)
    own = [p for p in this_year if p.org_unit_id in scope.person_unit_ancestors]
    if own and not scope.reader_paths:
        # Staff: the plan of the unit nearest to them.
        return max(own, key=lambda p: len(p.org_unit.tree_path)), plans
    # Readers: the highest unit they can see.
    return min(this_year, key=lambda p: (len(p.org_unit.tree_path), p.org_unit.tree_path)), plans


def may_direct(user, plan: ActionPlan) -> bool:
    """Director or administrator of the plan's unit (the same rule as access.can_review)."""
    scope = scope_of(user)
    if scope.superuser:
        return True
    return any(plan.org_unit.tree_path.startswith(p) for p in scope.director_paths + scope.admin_paths)


# --- building ---------------------------------------------------------------

def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def build_rows(user, plan: ActionPlan, rounds: list[Round], selected: Round | None, as_of: dt.date) -> list[DashboardRow]:
    indicators = list(
        Indicator.objects.visible_to(user)
        .for_plan(plan)
        .select_related("plan__fiscal_year", "plan__org_unit", "data_collector")
        .prefetch_related(
            Prefetch("owners", queryset=IndicatorOwner.objects.select_related("person__org_unit").order_by("order"))
        )
        .order_by("number")
    )
    progress = progress_for(indicators, rounds, as_of)
    # The last change recorded on or before the as-of date, so an old view shows an old date.
    history = HistoryEntry.objects.filter(indicator__plan=plan)
    if as_of < services.today():
        history = history.filter(at__lt=_end_of_day(as_of))
    updated = dict(
        history.values("indicator_id")
        .annotate(last=Max("at"))
        .values_list("indicator_id", "last")
    )
    rows = []
    for indicator in indicators:
        owners = list(indicator.owners.all())
        primary = next((o.person for o in owners if o.role == IndicatorOwner.Role.PRIMARY), None)
        ip = progress[indicator.pk]
        rows.append(
            DashboardRow(
                indicator=indicator,
                progress=ip,
                selected=ip.for_round(selected) if selected else None,
                primary_owner=primary,
                owner_ids={o.person_id for o in owners},
                last_update=updated.get(indicator.pk),
            )
        )
    return rows


def summarise(rows: list[DashboardRow]) -> Summary:
    counts = {s: 0 for s in Status.ORDER}
    levels_defined = []
    not_started = 0
    for row in rows:
        counts[row.status] += 1
        if row.selected and row.selected.has_criteria:
            levels_defined.append(row.selected.level)
            if row.selected.level == 0:
                not_started += 1
    return Summary(
        total=len(rows),
        met=counts[Status.MET],
        on_track=counts[Status.ON_TRACK],
        behind=counts[Status.BEHIND],
        overdue=counts[Status.OVERDUE],
        undefined=counts[Status.UNDEFINED],
        not_started=not_started,
        awaiting_review=sum(1 for r in rows if r.awaiting_review),
        average_level=round(sum(levels_defined) / len(levels_defined), 2) if levels_defined else None,
    )


def sort_rows(rows: list[DashboardRow], sort: str) -> list[DashboardRow]:
    by_number = sorted(rows, key=lambda r: r.indicator.number)
    keys = {
        "number": None,
        "name": lambda r: thai.thai_sort_key(r.indicator.name),
        "owner": lambda r: (r.primary_owner is None, thai.thai_sort_key(r.owner_sort_name)),
        "section": lambda r: (r.section is None, thai.thai_sort_key(r.section_name)),
        "status": lambda r: Status.ORDER.index(r.status),
        "level": lambda r: -(r.selected.level if r.selected else 0),
        "updated": lambda r: -(r.last_update.timestamp() if r.last_update else float("-inf")),
    }
    key = keys.get(sort)
    return sorted(by_number, key=key) if key else by_number  # sorted() is stable: ties stay by number


def group_rows(rows: list[DashboardRow], group: str) -> list[Group]:
    if group not in ("section", "owner", "status"):
        return [Group("", "", rows)]
    groups: dict[str, Group] = {}
    for row in rows:
        if group == "section":
            key, label = str(row.section.pk if row.section else ""), row.section_name
        elif group == "owner":
            key, label = str(row.primary_owner.pk if row.primary_owner else ""), row.owner_name or "-"
        else:
            key, label = row.status, Status.LABELS[row.status]
        groups.setdefault(key, Group(key, label)).rows.append(row)
    if group == "status":
        return [groups[s] for s in Status.ORDER if s in groups]
    return sorted(groups.values(), key=lambda g: (g.key == "", thai.thai_name_key(g.label)))


def kpi_rows(plan: ActionPlan, as_of: dt.date) -> list[KPIRow]:
    """The department's 5G policy KPIs with their latest value on or before as_of (one query)."""
    latest = PolicyKPIMeasurement.objects.filter(kpi=OuterRef("pk"), measured_on__lte=as_of).order_by(
        "-measured_on", "-recorded_at", "-pk"
    )
    kpis = (
        PolicyKPI.objects.filter(fiscal_year_id=plan.fiscal_year_id, org_unit_id__in=plan.org_unit.ancestor_ids)
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_on=Subquery(latest.values("measured_on")[:1]),
            latest_source=Subquery(latest.values("source")[:1]),
        )
        .order_by("org_unit__tree_path", "group_number", "number")
    )
    return [KPIRow(k, k.latest_value, k.latest_on, k.latest_source or "") for k in kpis]


@dataclass(frozen=True)
class ChartRow:
    """The fields reports.charts reads from a scorecard row (see reports.scorecard.ScorecardRow)."""

    number: int
    name: str
    section: str
    level: int
    target: int | None
    verified_level: int | None
    status: str


def chart_rows(rows: list[DashboardRow]) -> list[ChartRow]:
    """The dashboard's rows (filters and chosen round applied) in the charts' shape: no query."""
    return [
        ChartRow(
            number=r.indicator.number,
            name=r.indicator.name,
            section=r.section_name,
            level=r.selected.level if r.selected else 0,
            target=r.selected.target if r.selected else None,
            verified_level=r.selected.verified_level if r.selected else None,
            status=r.status,
        )
        for r in rows
    ]


def _charts(rows: list[DashboardRow]) -> dict[str, str]:
    """SVG charts from reports.charts; nothing when that module or a chart is missing."""
    try:
        from reports import charts
    except ImportError:
        return {}
    data = chart_rows(rows)
    out = {}
    for name in ("levels_chart", "status_by_section_chart"):
        fn = getattr(charts, name, None)
        if fn is not None and data:
            out[name] = fn(data, thai_digits=False)
    return out


class KPIMeasurementForm(forms.Form):
    value = forms.DecimalField(
        label=gettext_lazy("ผลการดำเนินงาน"), max_digits=12, decimal_places=2,
        error_messages={"invalid": gettext_lazy("ผลการดำเนินงานต้องเป็นตัวเลข"), "required": gettext_lazy("กรุณาระบุผลการดำเนินงาน"),
                        # Django's Thai catalogue leaves these in English.
                        "max_digits": gettext_lazy("ผลการดำเนินงานต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"),
                        "max_whole_digits": gettext_lazy("ผลการดำเนินงานต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"),
                        "max_decimal_places": gettext_lazy("ผลการดำเนินงานมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง")},
    )
    measured_on = forms.DateField(
        label=gettext_lazy("ข้อมูล ณ วันที่"), widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("วันที่ไม่ถูกต้อง (รูปแบบ ปปปป-ดด-วว)"), "required": gettext_lazy("กรุณาระบุวันที่ของข้อมูล")},
    )
    source = forms.CharField(
        label=gettext_lazy("แหล่งข้อมูล"), max_length=500, required=False,
        error_messages={"max_length": gettext_lazy("แหล่งข้อมูลยาวเกินไป ใส่ได้ไม่เกิน 500 ตัวอักษร"),
                        "null_characters_not_allowed": gettext_lazy("แหล่งข้อมูลมีอักขระควบคุม (NUL) ที่บันทึกไม่ได้ กรุณาลบออก")},
    )


def dashboard_context(request, params, *, kpi_form=None, kpi_form_for=None) -> dict:
    user = request.user
    today = services.today()
    plan, plans = choose_plan(user, params.get("plan"), today)
    as_of, date_error = parse_as_of(params.get("as_of"), today)
    if date_error:
        messages.warning(request, date_error)
    ctx = {"plan": plan, "plans": plans, "as_of": as_of, "today": today, "as_of_raw": params.get("as_of", "")}
    if plan is None:
        return ctx
    rounds = list(Round.objects.filter(fiscal_year_id=plan.fiscal_year_id).order_by("closes_on"))
    selected = next((r for r in rounds if str(r.pk) == str(params.get("round", ""))), None) or current_round(
        rounds, as_of
    )
    all_rows = build_rows(user, plan, rounds, selected, as_of)

    sections = {r.section.pk: r.section for r in all_rows if r.section}
    owners: dict[int, Person] = {}
    for r in all_rows:
        for o in r.indicator.owners.all():
            owners.setdefault(o.person_id, o.person)
    section = str(params.get("section", ""))
    owner = str(params.get("owner", ""))
    status = str(params.get("status", ""))
    rows = all_rows
    # Compared as text: "²" is a digit that int() refuses, and 5,000 digits are too many for it.
    if section.isdigit():
        rows = [r for r in rows if r.section and str(r.section.pk) == section]
    elif section == "none":
        rows = [r for r in rows if r.section is None]
    if owner.isdigit():
        person = next((p for pk, p in owners.items() if str(pk) == owner), None)
        rows = [
            r for r in rows
            if person.pk in r.owner_ids
            or (r.indicator.all_staff and person is not None and plan.org_unit_id in person.org_unit.ancestor_ids)
        ] if person else []
    if status in Status.LABELS:
        rows = [r for r in rows if r.status == status]
    sort = params.get("sort") if params.get("sort") in SORTS else "number"
    group = params.get("group") if params.get("group") in GROUPS else ""

    keep = {"plan": plan.pk, "section": section, "owner": owner, "status": status, "group": group}
    keep = {k: v for k, v in keep.items() if v}
    with_date = {**keep, "as_of": as_of.isoformat()}
    quarters = [
        {"q": q, "disabled": q.ends_on > today, "active": q.ends_on == as_of}
        for q in thai.quarters(plan.fiscal_year.year_be)
    ]
    ctx.update(
        {
            "rounds": rounds,
            "round": selected,
            "rows": rows,
            "groups": group_rows(sort_rows(rows, sort), group),
            "summary": summarise(rows),
            "sections": sorted(sections.values(), key=lambda s: thai.thai_sort_key(s.name)),
            "owners": sorted(owners.values(), key=lambda p: thai.thai_sort_key(f"{p.first_name} {p.last_name}")),
            "filters": {"section": section, "owner": owner, "status": status, "sort": sort, "group": group},
            "filtered": bool(section or owner or status),
            "group_choices": GROUPS,
            "sort_choices": SORTS,
            "status_choices": [(s, Status.LABELS[s]) for s in Status.ORDER],
            "legend": [(s, Status.LABELS[s], Status.COLOURS[s], Status.EXPLANATIONS[s]) for s in Status.ORDER],
            "quarters": quarters,
            "kpis": kpi_rows(plan, as_of),
            "can_record_kpi": may_direct(user, plan),
            "kpi_form": kpi_form,
            "kpi_form_for": kpi_form_for,
            "charts": _charts(rows),
            "is_today": as_of == today,
            # Links that change one thing and keep the rest of the view.
            "date_query": urlencode({**keep, "sort": sort}),
            "sort_query": urlencode({**with_date, **({"round": selected.pk} if selected else {})}),
            "round_query": urlencode({**with_date, "sort": sort}),
        }
    )
    return ctx


def _dashboard_url(plan_pk, as_of: str = "") -> str:
    query = {"plan": plan_pk}
    if as_of:
        query["as_of"] = as_of
    return f"{reverse('reports:dashboard')}?{urlencode(query)}"


# --- views --------------------------------------------------------------------

@login_required
@require_safe
def dashboard(request):
    return render(request, "reports/dashboard.html", dashboard_context(request, request.GET))


@login_required
@require_POST
def kpi_record(request, pk):
    """บันทึกผลตัวชี้วัดนโยบาย: director or administrator of the plan's unit."""
    today = services.today()
    plan, _chosen = choose_plan(request.user, request.POST.get("plan") or None, today)
    if plan is None:
        raise Http404("ไม่พบแผนปฏิบัติการนี้")
    kpi = PolicyKPI.objects.filter(
        pk=pk, fiscal_year_id=plan.fiscal_year_id, org_unit_id__in=plan.org_unit.ancestor_ids
    ).first() if str(pk).isdigit() else None
    if kpi is None:
        raise Http404("ไม่พบตัวชี้วัดนโยบายนี้")
    if not may_direct(request.user, plan):
        raise PermissionDenied("เฉพาะผู้อำนวยการกลุ่มหรือผู้ดูแลระบบที่บันทึกผลตัวชี้วัดนโยบายได้")
    form = KPIMeasurementForm(request.POST)
    if form.is_valid():
        try:
            services.kpi_measurement_record(
                kpi=kpi, value=form.cleaned_data["value"], measured_on=form.cleaned_data["measured_on"],
                source=form.cleaned_data["source"], by=request.user,
            )
        except services.ProgressError as exc:
            form.add_error(None, exc.messages[0])
    if form.is_valid():
        messages.success(request, _("บันทึกผลตัวชี้วัดนโยบาย {number} แล้ว").format(number=kpi.number))
        return redirect(_dashboard_url(plan.pk, request.POST.get("as_of", "")) + "#policy-kpis")
    for error in form.errors.get("source", []):  # the dashboard's form shows no error under the source field
        form.add_error(None, error)
    params = {"plan": str(plan.pk), "as_of": request.POST.get("as_of", "")}
    ctx = dashboard_context(request, params, kpi_form=form, kpi_form_for=kpi.pk)
    return render(request, "reports/dashboard.html", ctx, status=400)


@login_required
@require_safe
def ping(request):
    """A bare authenticated view: the baseline next to which bench/run.py times the dashboard."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/kpi/<int:pk>/record/", kpi_record, name="kpi-record"),
    path("ping/", ping, name="ping"),
]
