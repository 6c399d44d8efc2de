"""ภาพรวมผลการดำเนินงาน: the director's dashboard of one action plan.

One plan at a time, as of a date (GET as_of=YYYY-MM-DD, default: the plan's
default as-of date, today clamped to its fiscal year), for one round. Every
number comes from reports.rows.build_rows, the same row source as the
scorecard page, the PDF and the Excel file; this module only filters, sorts
and groups those rows and picks what needs attention. The number of queries is
fixed, whatever the number of indicators (see reports.rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import services
from assessments.forms import BuddhistDateField
from assessments.levels import Status
from assessments.selectors import current_round, plan_rounds
from indicators import versions
from indicators.access import may_direct
from indicators.models import ActionPlan, OrgUnit, PolicyKPI
from indicators.querysets import scope_of
from core import pagecache, thai

from . import rows as row_source
from .rows import IndicatorRow, plan_default_as_of

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
# The tiles and the attention panel filter the table with ?status=: a status of
# assessments.levels.Status, or one of these (a review state, or no recent change).
AWAITING, RETURNED, STALE, NOT_STARTED = "awaiting", "returned", "stale", "not_started"
EXTRA_FILTERS = {
    AWAITING: gettext_lazy("รอตรวจสอบ"),
    RETURNED: gettext_lazy("ส่งกลับแก้ไข"),
    STALE: gettext_lazy("ไม่มีความเคลื่อนไหว"),
    NOT_STARTED: gettext_lazy("ยังไม่เริ่มดำเนินการ (ระดับ 0)"),
}
STALE_DAYS = (14, 30, 60, 90)
DEFAULT_STALE_DAYS = 30


def is_stale(row: IndicatorRow, as_of: dt.date, days: int) -> bool:
    """Not met yet and nothing recorded in the last `days` days before the as-of date."""
    if row.status in (Status.MET, Status.UNDEFINED):
        return False
    return row.last_update is None or row.last_update.date() < as_of - dt.timedelta(days=days)


def matches(row: IndicatorRow, status: str, as_of: dt.date, stale_days: int) -> bool:
    if status == AWAITING:
        return row.awaiting_review
    if status == RETURNED:
        return row.returned
    if status == STALE:
        return is_stale(row, as_of, stale_days)
    if status == NOT_STARTED:
        return row.has_criteria and row.level == 0
    return row.status == status


def search(rows: list[IndicatorRow], q: str) -> list[IndicatorRow]:
    """Number, name or any owner's name contains q (Thai or Arabic digits, any case)."""
    needle = " ".join(thai.to_arabic_digits(q).split()).casefold()
    if not needle:
        return rows
    if needle.isdigit():
        return [r for r in rows if str(r.number) == needle or needle in r.name.casefold()]
    return [
        r for r in rows
        if needle in thai.to_arabic_digits(r.name).casefold() or any(needle in o.casefold() for o in r.owners)
    ]


@dataclass
class Group:
    key: str
    label: str
    rows: list[IndicatorRow] = field(default_factory=list)


@dataclass
class AttentionList:
    key: str
    label: str
    colour: str
    rows: list[IndicatorRow]

# --- parsing ------------------------------------------------------------------

def parse_as_of(raw, plan: ActionPlan, today: dt.date) -> tuple[dt.date, str | None]:
    """The as-of date from a GET parameter, else the plan's default; with a Thai message when refused.

    A date outside the plan's fiscal year or in the future is replaced by the
    plan's default as-of date (reports.rows.plan_default_as_of).
    """
    default = plan_default_as_of(plan, today)
    raw = thai.to_arabic_digits(str(raw or "")).strip()
    if not raw:
        return default, None
    try:
        day = thai.parse_input_date(raw)  # 31/03/2565 as people type it, or ISO as the links carry it
    except (ValueError, OverflowError):
        return default, _("วันที่ \"{value}\" ไม่ถูกต้อง (พิมพ์เป็น วว/ดด/ปปปป พ.ศ.) จึงแสดงข้อมูล ณ วันที่ {day} แทน").format(
            value=raw[:20], day=thai.format_date(default))
    if day > today:
        return default, _("วันที่ที่เลือกเป็นวันในอนาคต จึงแสดงข้อมูล ณ วันที่ {day} แทน").format(day=thai.format_date(default))
    start, end = thai.fiscal_year_bounds(plan.fiscal_year.year_be)
    if not start <= day <= end:
        return default, _("วันที่ที่เลือกไม่อยู่ใน{year} จึงแสดงข้อมูล ณ วันที่ {day} แทน").format(
            year=thai.fiscal_year_label(plan.fiscal_year.year_be), day=thai.format_date(default))
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


def group_plans(plans: list[ActionPlan]) -> list[tuple[str, list[ActionPlan]]]:
    """The plan selector's <optgroup>s: one per fiscal year and kind of unit (newest year first, units
    in Thai order), so a department of a hundred units is not one flat list."""
    order = [k for k, _label in OrgUnit.Kind.choices]
    groups: dict[tuple[int, str], list[ActionPlan]] = {}
    for p in plans:
        groups.setdefault((p.fiscal_year.year_be, p.org_unit.kind), []).append(p)
    out = []
    for (year, kind) in sorted(groups, key=lambda k: (-k[0], order.index(k[1]) if k[1] in order else 99)):
        label = f"{thai.fiscal_year_label(year)} · {OrgUnit.Kind(kind).label if kind in order else kind}"
        out.append((label, sorted(groups[(year, kind)], key=lambda p: thai.thai_sort_key(p.org_unit.name))))
    return out


# --- arranging the rows -------------------------------------------------------

def sort_rows(rows: list[IndicatorRow], sort: str) -> list[IndicatorRow]:
    by_number = sorted(rows, key=lambda r: r.number)
    keys = {
        "number": None,
        "name": lambda r: thai.thai_sort_key(r.name),
        "owner": lambda r: (r.primary_owner_id is None, thai.thai_sort_key(r.owner_sort_name)),
        "section": lambda r: (r.section_id is None, thai.thai_sort_key(r.section)),
        "status": lambda r: Status.ORDER.index(r.status),
        "level": lambda r: -r.level,
        "updated": lambda r: -(r.last_update.timestamp() if r.last_update else float("-inf")),
    }
    key = keys.get(sort)
    return sorted(by_number, key=key) if key else by_number  # sorted() is stable: ties stay by number


def group_rows(rows: list[IndicatorRow], group: str) -> list[Group]:
    if group not in ("section", "owner", "status"):
        return [Group("", "", rows)]
    groups: dict[str, Group] = {}
    for row in rows:
        if group == "section":
            key, label = str(row.section_id or ""), row.section
        elif group == "owner":
            key, label = str(row.primary_owner_id or ""), row.owner or "-"
        else:
            key, label = row.status, str(Status.LABELS[row.status])
        groups.setdefault(key, Group(key, label)).rows.append(row)
    if group == "status":
        return [groups[s] for s in Status.ORDER if s in groups]
    return sorted(groups.values(), key=lambda g: (g.key == "", thai.thai_name_key(g.label)))


def attention(rows: list[IndicatorRow], as_of: dt.date, stale_days: int) -> list[AttentionList]:
    """ต้องติดตาม: overdue, behind, returned, awaiting review, and no change for `stale_days` days."""
    lists = [
        (Status.OVERDUE, Status.LABELS[Status.OVERDUE], "danger"),
        (Status.BEHIND, Status.LABELS[Status.BEHIND], "warning"),
        (RETURNED, EXTRA_FILTERS[RETURNED], "danger"),
        (AWAITING, EXTRA_FILTERS[AWAITING], "info"),
        (STALE, _("ไม่มีความเคลื่อนไหวเกิน {days} วัน").format(days=stale_days), "secondary"),
    ]
    return [
        AttentionList(key, str(label), colour, [r for r in rows if matches(r, key, as_of, stale_days)])
        for key, label, colour in lists
    ]


def _kpi_charts(data) -> dict:
    """Each 5G KPI's values as inline SVG (they print)."""
    from reports import charts

    start, end = thai.fiscal_year_bounds(data.plan.fiscal_year.year_be)
    return {k.kpi_id: charts.kpi_trend_chart(k, starts_on=start, ends_on=end, thai_digits=False) for k in data.kpis}


def _level_chart(data, rows: list[IndicatorRow]) -> str:
    """The year's level of each shown indicator as inline SVG."""
    from reports import charts

    start, end = thai.fiscal_year_bounds(data.plan.fiscal_year.year_be)
    return charts.level_trend_chart(
        sorted(rows, key=lambda r: r.number), starts_on=start, ends_on=end, as_of=data.as_of, thai_digits=False
    )


BODY_TEMPLATE = "reports/_dashboard_body.html"


def dashboard_body(ctx: dict, data) -> str:
    """The table, the section summary and the level trend (cached with the rest of the content)."""
    rows = ctx["rows"]
    charts = {**ctx["charts"], **({"levels": _level_chart(data, rows)} if rows else {})}
    return mark_safe(render_to_string(BODY_TEMPLATE, {**ctx, "charts": charts}))


class KPIMeasurementForm(forms.Form):
    """บันทึกผลตัวชี้วัดนโยบาย on a 5G KPI card; field ids "kpi-<kpi id>-<field>" (several cards on one page)."""

    value = forms.DecimalField(
        label=gettext_lazy("ผลการดำเนินงาน"), max_digits=12, decimal_places=2,
        error_messages={"invalid": gettext_lazy("ผลการดำเนินงานต้องเป็นตัวเลข"), "required": gettext_lazy("กรุณาระบุผลการดำเนินงาน"),
                        # Django's Thai catalogue leaves these in English.
                        "max_digits": gettext_lazy("ผลการดำเนินงานต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"),
                        "max_whole_digits": gettext_lazy("ผลการดำเนินงานต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"),
                        "max_decimal_places": gettext_lazy("ผลการดำเนินงานมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control-sm"}),
    )
    # Typed and shown in Buddhist Era (31/03/2565), like every date people enter here.
    measured_on = BuddhistDateField(
        label=gettext_lazy("ข้อมูล ณ วันที่"),
        error_messages={"required": gettext_lazy("กรุณาระบุวันที่ของข้อมูล")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 40, "data-be-date": "",
                                      "class": "form-control-sm"}),
    )
    source = forms.CharField(
        label=gettext_lazy("แหล่งข้อมูล"), max_length=500, required=False,
        error_messages={"max_length": gettext_lazy("แหล่งข้อมูลยาวเกินไป ใส่ได้ไม่เกิน 500 ตัวอักษร"),
                        "null_characters_not_allowed": gettext_lazy("แหล่งข้อมูลมีอักขระควบคุม (NUL) ที่บันทึกไม่ได้ กรุณาลบออก")},
        widget=forms.TextInput(attrs={"class": "form-control-sm"}),
    )

    def __init__(self, *args, kpi=None, starts_on: dt.date | None = None, today: dt.date | None = None, **kwargs):
        """`kpi` (a KPIRow or PolicyKPI) names the ids and the unit; without it the form only validates."""
        kpi_id = getattr(kpi, "kpi_id", None) or getattr(kpi, "pk", "")
        super().__init__(*args, auto_id=f"kpi-{kpi_id}-%s" if kpi is not None else "id_%s", **kwargs)
        if kpi is not None and kpi.target_unit:
            self.fields["value"].label = f"{self.fields['value'].label} ({kpi.target_unit})"
        date = self.fields["measured_on"].widget.attrs
        date["placeholder"] = _("วว/ดด/ปปปป")
        if starts_on and today:
            date.update({"data-min": starts_on.isoformat(), "data-max": today.isoformat()})


def _kpi_forms(ctx: dict, kpis) -> dict:
    """One KPI form per card: the refused one with what was typed, the others with the latest day."""
    latest = thai.format_input_date(ctx["latest_day"])
    return {
        k.kpi_id: ctx["kpi_form"] if ctx.get("kpi_form_for") == k.kpi_id and ctx.get("kpi_form") is not None else
        KPIMeasurementForm(kpi=k, starts_on=ctx["year_starts_on"], today=ctx["today"], initial={"measured_on": latest})
        for k in kpis
    }


MAIN_TEMPLATE = "reports/_dashboard_main.html"


def dashboard_context(request, params, *, kpi_form=None, kpi_form_for=None) -> dict:
    """The dashboard page: `main` is its whole content, cached; the rest is the frame (base.html).

    Issue 19: a reader's request costs the plan list (which plans this reader may see), the
    rounds and the plan's version token; the content itself is rendered once per version and
    view and then served from the cache (Redis with REDIS_URL), for every reader alike. The key
    holds everything the content depends on: the plan's version token (every write to the
    plan, and to any cascaded indicator a KPI card counts, replaces it: indicators/versions.py),
    the plans the reader may choose from, the date, the round, every GET parameter, the
    language, today's date and what the reader may do here (record KPI values, open the
    roll-up). The reader's CSRF token is put in after the cache (core.pagecache). A form sent
    back with errors (kpi_form) is never cached.
    """
    user = request.user
    today = services.today()
    plan, plans = choose_plan(user, params.get("plan"), today)
    ctx = {"plan": plan, "plans": plans, "today": today, "as_of_raw": params.get("as_of", "")}
    if plan is None:
        return _with_main(request, ctx)
    as_of, date_error = parse_as_of(params.get("as_of"), plan, today)
    if date_error:
        messages.warning(request, date_error)
    token = versions.token(plan.pk, cascades=True)
    rounds = plan_rounds(plan)
    selected = next((r for r in rounds if str(r.pk) == str(params.get("round", ""))), None) or current_round(
        rounds, as_of
    )
    if selected is None:
        ctx.update({"as_of": as_of, "rows": [], "no_rounds": True})
        return _with_main(request, ctx)
    ctx.update({"as_of": as_of, "rounds": rounds, "round": selected, "can_record_kpi": may_direct(user, plan),
                "kpi_form": kpi_form, "kpi_form_for": kpi_form_for})
    def render():
        _content_context(ctx, params)
        return _render_main(request, ctx), True

    key = None if kpi_form is not None else _main_key(request, params, ctx, token)
    ctx["main"] = pagecache.content(request, key, render)
    return ctx


def _main_key(request, params, ctx: dict, token: str) -> str:
    """Everything the cached content depends on (see dashboard_context)."""
    choices = [(p.pk, p.fiscal_year.year_be, p.org_unit_id, p.org_unit.name, p.org_unit.kind) for p in ctx["plans"]]
    query = sorted(params.lists()) if hasattr(params, "lists") else sorted(params.items())
    scope = scope_of(request.user)
    return pagecache.key("dash-main", token, ctx["plan"].pk, choices, ctx["as_of"], ctx["round"].pk, query,
                         translation.get_language(), ctx["today"], ctx["can_record_kpi"], scope.sees_rollup)


def _render_main(request, ctx: dict) -> str:
    """The content, rendered without the reader's request-bound parts (see core.pagecache)."""
    extra = {"request": request, "kpi_scope": scope_of(request.user), "csrf_token": pagecache.CSRF_SLOT,
             "plan_groups": group_plans(ctx["plans"])}
    return render_to_string(MAIN_TEMPLATE, {**ctx, **extra})


def _with_main(request, ctx: dict) -> dict:
    ctx["main"] = pagecache.content(request, None, lambda: (_render_main(request, ctx), False))
    return ctx


def _content_context(ctx: dict, params) -> None:
    """What the content shows: the rows of the plan (reports.rows), filtered, sorted and grouped."""
    plan, today, as_of, rounds, selected = ctx["plan"], ctx["today"], ctx["as_of"], ctx["rounds"], ctx["round"]
    data = row_source.build_rows(plan=plan, as_of=as_of, round=selected, rounds=rounds)
    filters = _filters(params)
    people = row_source_people(data.rows)
    rows, summary = _filtered(data.rows, filters, people, as_of)
    view_query = _queries(plan, as_of, selected, filters)
    start, end = thai.fiscal_year_bounds(plan.fiscal_year.year_be)
    ctx.update(
        {
            "default_as_of": plan_default_as_of(plan, today),
            "year_starts_on": start,
            "latest_day": plan.fiscal_year.as_of(today),
            "rows": rows,
            "all_rows": data.rows,
            "groups": group_rows(sort_rows(rows, filters["sort"]), filters["group"]),
            "summary": summary,
            "attention": attention(data.rows, as_of, filters["stale"]),
            "stale_days": filters["stale"],
            **_choices(data.rows, people),
            "filters": {k: filters[k] for k in ("section", "owner", "status", "sort", "group", "q")},
            "filtered": bool(filters["section"] or filters["owner"] or filters["status"] or filters["q"]),
            "status_label": Status.LABELS.get(filters["status"]) or EXTRA_FILTERS.get(filters["status"], ""),
            "quarters": [{"q": q_, "disabled": q_.ends_on > today, "active": q_.ends_on == as_of}
                         for q_ in thai.quarters(plan.fiscal_year.year_be)],
            "kpis": data.kpis,
            "kpi_cascades": row_source.cascade_summaries(kpi_ids=[k.kpi_id for k in data.kpis], rounds=rounds,
                                                         round=selected, as_of=as_of),
            "charts": {"kpis": _kpi_charts(data)},
            "is_default_date": as_of == plan_default_as_of(plan, today),
            **view_query,
        }
    )
    ctx["kpi_forms"] = _kpi_forms(ctx, data.kpis) if ctx["can_record_kpi"] else {}
    ctx["body"] = dashboard_body(ctx, data)


def _filters(params) -> dict:
    """The table's filters from the GET parameters; anything unknown is dropped."""
    stale_raw = str(params.get("stale", ""))
    status = str(params.get("status", ""))
    return {
        "section": str(params.get("section", "")),
        "owner": str(params.get("owner", "")),
        "status": status if status in Status.LABELS or status in EXTRA_FILTERS else "",
        "q": str(params.get("q", ""))[:100].strip(),
        "stale": int(stale_raw) if stale_raw in {str(d) for d in STALE_DAYS} else DEFAULT_STALE_DAYS,
        "sort": params.get("sort") if params.get("sort") in SORTS else "number",
        "group": params.get("group") if params.get("group") in GROUPS else "",
    }


def _filtered(all_rows: list[IndicatorRow], filters: dict, people: dict, as_of: dt.date):
    """(the rows the filters leave, the tiles' summary: what the other filters leave, whatever the tile)."""
    section, owner = filters["section"], filters["owner"]
    rows = all_rows
    # Compared as text: "²" is a digit that int() refuses, and 5,000 digits are too many for it.
    if section.isdigit():
        rows = [r for r in rows if r.section_id and str(r.section_id) == section]
    elif section == "none":
        rows = [r for r in rows if r.section_id is None]
    if owner.isdigit():
        person = people.get(owner)
        rows = [
            r for r in rows
            if int(owner) in r.owner_ids or (r.all_staff and person is not None and person.in_plan_unit)
        ] if person else []
    rows = search(rows, filters["q"])
    summary = row_source.summarise(rows)
    if filters["status"]:
        rows = [r for r in rows if matches(r, filters["status"], as_of, filters["stale"])]
    return rows, summary


def _choices(all_rows: list[IndicatorRow], people: dict) -> dict:
    """The filter bar's lists."""
    sections = {r.section_id: r.section for r in all_rows if r.section_id}
    return {
        "sections": sorted(sections.items(), key=lambda s: thai.thai_sort_key(s[1])),
        "has_no_section": any(r.section_id is None for r in all_rows),
        "no_section_label": all_rows and next((r.section for r in all_rows if r.section_id is None), ""),
        "owners": sorted(people.values(), key=lambda p: thai.thai_sort_key(p.sort_name)),
        "stale_choices": STALE_DAYS,
        "group_choices": GROUPS,
        "sort_choices": SORTS,
        "status_choices": [(s, Status.LABELS[s]) for s in Status.ORDER] + list(EXTRA_FILTERS.items()),
        "legend": [(s, Status.LABELS[s], Status.COLOURS[s], Status.EXPLANATIONS[s]) for s in Status.ORDER],
    }


def _queries(plan, as_of: dt.date, selected, filters: dict) -> dict:
    """Links that change one thing and keep the rest of the view."""
    keep = {"plan": plan.pk, "section": filters["section"], "owner": filters["owner"], "q": filters["q"],
            "group": filters["group"], "stale": filters["stale"] if filters["stale"] != DEFAULT_STALE_DAYS else ""}
    keep = {k: v for k, v in keep.items() if v}
    view = {**keep, "as_of": as_of.isoformat(), "round": selected.pk}
    status = filters["status"]
    return {
        "date_query": urlencode(keep),
        "view_query": urlencode(view),
        "status_query": urlencode({**view, "sort": filters["sort"]}),
        "sort_query": urlencode({**view, **({"status": status} if status else {})}),
        "round_query": urlencode({**keep, "as_of": as_of.isoformat(), "sort": filters["sort"]}),
        "report_query": urlencode({"plan": plan.pk, "as_of": as_of.isoformat(), "round": selected.months}),
    }


@dataclass
class OwnerChoice:
    pk: int
    full_name: str
    sort_name: str
    in_plan_unit: bool


def row_source_people(rows: list[IndicatorRow]) -> dict[str, OwnerChoice]:
    """The owners named in the rows, by primary key as text (for the owner filter)."""
    people: dict[str, OwnerChoice] = {}
    for row in rows:
        for person in row.owner_people:
            people.setdefault(str(person.pk), OwnerChoice(person.pk, person.full_name,
                                                          f"{person.first_name} {person.last_name}", person.in_plan_unit))
    return people


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
    start, _end = thai.fiscal_year_bounds(plan.fiscal_year.year_be)
    form = KPIMeasurementForm(request.POST, kpi=kpi, starts_on=start, today=today)
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
