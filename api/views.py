"""Read-only API v1: thin views over api.selectors (what the user sees) and reports.rows (progress).

Every view answers GET, HEAD and OPTIONS; a write is a 405. Hidden and missing
objects are both a 404, as on the pages.
"""

from __future__ import annotations

import copy
import hashlib

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework import status as http
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import services
from indicators.querysets import scope_of
from reports import rows as row_source
from reports.rollup import build_rollup
from reports.dashboard import parse_as_of

from . import selectors
from .serializers import (FiscalYearSerializer, HistorySerializer, IndicatorSerializer, ListQuerySerializer,
                          OrgUnitSerializer, PlanSerializer, PolicyKPISerializer, ProgressQuerySerializer,
                          ProgressSerializer, RollupQuerySerializer, RollupSerializer, RoundSerializer)

ID_REGEX = r"[0-9]{1,9}"


def query_filter(*names: str):
    """A serializer of just these filters (the schema lists them; the view validates with it)."""
    fields = {name: copy.deepcopy(ListQuerySerializer._declared_fields[name]) for name in names}
    return type(f"{''.join(n.title() for n in names)}Filter", (drf_serializers.Serializer,), fields)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_REGEX
    filters: tuple[str, ...] = ()

    def filter_values(self) -> dict:
        query = query_filter(*self.filters)(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)


@extend_schema_view(list=extend_schema(summary=lazy("ปีงบประมาณและรอบการประเมิน"), parameters=[query_filter("year")]),
                    retrieve=extend_schema(summary=lazy("ปีงบประมาณหนึ่งปี")))
class FiscalYearViewSet(ReadOnlyViewSet):
    """Fiscal years in which the user sees a plan, each with its rounds."""

    serializer_class = FiscalYearSerializer
    filters = ("year",)

    def get_queryset(self):
        qs = selectors.years_for(self.request.user)
        if self.action == "list" and (year := self.filter_values().get("year")):
            qs = qs.filter(year_be=year)
        return qs


@extend_schema_view(list=extend_schema(summary=lazy("รอบการประเมิน"), parameters=[query_filter("year")]),
                    retrieve=extend_schema(summary=lazy("รอบการประเมินหนึ่งรอบ")))
class RoundViewSet(ReadOnlyViewSet):
    serializer_class = RoundSerializer
    filters = ("year",)

    def get_queryset(self):
        qs = selectors.rounds_for(self.request.user)
        if self.action == "list" and (year := self.filter_values().get("year")):
            qs = qs.filter(fiscal_year__year_be=year)
        return qs


@extend_schema_view(list=extend_schema(summary=lazy("หน่วยงาน"), parameters=[query_filter("unit")]),
                    retrieve=extend_schema(summary=lazy("หน่วยงานหนึ่งหน่วย")))
class OrgUnitViewSet(ReadOnlyViewSet):
    """The units of the plans the user sees, and the sections below them; `unit` keeps one unit's subtree."""

    serializer_class = OrgUnitSerializer
    filters = ("unit",)

    def get_queryset(self):
        qs = selectors.units_for(self.request.user)
        if self.action == "list" and (unit := self.filter_values().get("unit")):
            qs = qs.filter(tree_path__contains=f"/{unit}/")
        return qs


@extend_schema_view(
    list=extend_schema(summary=lazy("แผนปฏิบัติการ พร้อมตัวชี้วัด ผู้รับผิดชอบ ค่าเป้าหมาย และเกณฑ์"),
                       parameters=[query_filter("year", "unit", "status")]),
    retrieve=extend_schema(summary=lazy("แผนปฏิบัติการหนึ่งแผน")),
)
class PlanViewSet(ReadOnlyViewSet):
    serializer_class = PlanSerializer
    filters = ("year", "unit", "status")

    def get_queryset(self):
        qs = selectors.plans_with_indicators_for(self.request.user)
        if self.action == "list":
            f = self.filter_values()
            if "year" in f:
                qs = qs.filter(fiscal_year__year_be=f["year"])
            if "unit" in f:
                qs = qs.filter(org_unit_id=f["unit"])
            if "status" in f:
                qs = qs.filter(status=f["status"])
        return qs

    @extend_schema(
        summary=lazy("ความก้าวหน้าของแผนในรอบหนึ่ง ณ วันที่หนึ่ง (ตัวเลขเดียวกับหน้าภาพรวม)"),
        parameters=[ProgressQuerySerializer,
                    OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, required=False,
                                     description=lazy("ETag ของคำตอบครั้งก่อน: ไม่เปลี่ยนจะได้ 304"))],
        responses={200: ProgressSerializer, 304: OpenApiResponse(description=lazy("ไม่เปลี่ยนจากครั้งก่อน")),
                   400: OpenApiResponse(description=lazy("ค่าที่ส่งมาไม่ถูกต้อง"))},
    )
    @action(detail=True, methods=["get"], url_path="progress")
    def progress(self, request, pk=None):
        plan = self._visible_plan(pk)
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        today = services.today()
        as_of, error = parse_as_of(wanted["as_of"].isoformat() if "as_of" in wanted else "", plan, today)
        if error:
            raise ValidationError({"as_of": [error]})
        rounds = row_source.plan_rounds(plan)
        round = None
        if "round" in wanted:
            round = next((r for r in rounds if r.pk == wanted["round"]), None)
            if round is None:
                raise ValidationError({"round": [_("ไม่พบรอบนี้ในปีงบประมาณของแผน")]})
        elif not rounds:
            raise ValidationError({"round": [_("ปีงบประมาณของแผนนี้ยังไม่มีรอบการประเมิน")]})
        data = row_source.build_rows(plan=plan, as_of=as_of, round=round, rounds=rounds)
        rows = data.rows
        if "status" in wanted:
            rows = [r for r in rows if r.status == wanted["status"]]
        body = ProgressSerializer({
            "plan": plan, "round": data.round, "as_of": data.as_of, "summary": data.summary,
            "count": len(rows), "rows": rows,
        }).data
        return etagged(request, body)

    def _visible_plan(self, pk):
        plan = selectors.plans_for(self.request.user).select_related("fiscal_year", "org_unit").filter(pk=pk).first()
        if plan is None:
            raise Http404(_("ไม่พบแผนปฏิบัติการนี้"))
        return plan


def etagged(request, body) -> Response:
    """200 with a strong ETag over the content, or 304 when the client already holds it."""
    from rest_framework.renderers import JSONRenderer

    tag = '"%s"' % hashlib.sha256(JSONRenderer().render(body)).hexdigest()[:32]
    sent = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if tag in sent or "*" in sent:
        response = Response(status=http.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(body)
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@extend_schema_view(
    list=extend_schema(summary=lazy("ตัวชี้วัด พร้อมผู้รับผิดชอบ ค่าเป้าหมาย และเกณฑ์"),
                       parameters=[query_filter("year", "unit", "plan")]),
    retrieve=extend_schema(summary=lazy("ตัวชี้วัดหนึ่งตัว")),
)
class IndicatorViewSet(ReadOnlyViewSet):
    serializer_class = IndicatorSerializer
    filters = ("year", "unit", "plan")

    def get_queryset(self):
        qs = selectors.indicators_for(self.request.user)
        if self.action == "list":
            f = self.filter_values()
            if "year" in f:
                qs = qs.filter(plan__fiscal_year__year_be=f["year"])
            if "unit" in f:
                qs = qs.filter(plan__org_unit_id=f["unit"])
            if "plan" in f:
                qs = qs.filter(plan_id=f["plan"])
        return qs

    @extend_schema(summary=lazy("ประวัติการเปลี่ยนแปลงของตัวชี้วัด (ใหม่สุดก่อน)"), parameters=[query_filter("round")],
                   responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="history")
    def history(self, request, pk=None):
        indicator = selectors.indicators_for(request.user).filter(pk=pk).first()
        if indicator is None:
            raise Http404(_("ไม่พบตัวชี้วัดนี้"))
        query = query_filter("round")(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = selectors.history_of(indicator)
        if "round" in query.validated_data:
            entries = entries.filter(round_id=query.validated_data["round"])
        page = self.paginate_queryset(entries)
        names = row_source.names_for(e.actor_id for e in page)
        return self.get_paginated_response(HistorySerializer(page, many=True, context={"names": names}).data)


@extend_schema_view(
    list=extend_schema(summary=lazy("ตัวชี้วัดนโยบาย ๕ G พร้อมผลที่บันทึก"), parameters=[query_filter("year", "unit")]),
    retrieve=extend_schema(summary=lazy("ตัวชี้วัดนโยบาย ๕ G หนึ่งตัว")),
)
class PolicyKPIViewSet(ReadOnlyViewSet):
    serializer_class = PolicyKPISerializer
    filters = ("year", "unit")

    def get_queryset(self):
        qs = selectors.kpis_for(self.request.user)
        if self.action == "list":
            f = self.filter_values()
            if "year" in f:
                qs = qs.filter(fiscal_year__year_be=f["year"])
            if "unit" in f:
                qs = qs.filter(org_unit_id=f["unit"])
        return qs


class RollupView(APIView):
    """The department roll-up: reports.rollup.build_rollup for the token's user, as the page renders it.

    Open to whoever may open the page (anyone appointed to read a subtree; others 403); the
    rows are the units whose plans the user sees. The page has no pagination, so neither has this.
    """

    @extend_schema(
        summary=lazy("ภาพรวมระดับกรม: หนึ่งแถวต่อหน่วยงาน (ตัวเลขเดียวกับหน้าภาพรวมระดับกรม)"),
        parameters=[RollupQuerySerializer],
        responses={200: RollupSerializer,
                   400: OpenApiResponse(description=lazy("ค่าที่ส่งมาไม่ถูกต้อง")),
                   403: OpenApiResponse(description=lazy("เปิดให้ผู้ที่ได้รับแต่งตั้งให้ดูหน่วยงานเท่านั้น"))},
    )
    def get(self, request):
        if not scope_of(request.user).sees_rollup:
            raise PermissionDenied(_("ภาพรวมระดับกรมเปิดให้ผู้บริหาร ผู้ติดตามประเมินผล ผู้อำนวยการ และผู้ดูแลระบบ"))
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = {k: str(v) for k, v in query.validated_data.items() if k != "desc"}
        if query.validated_data.get("desc"):
            params["desc"] = "1"
        rollup = build_rollup(user=request.user, params=params, today=services.today())
        if rollup.error:  # a refused ?as_of= (or the year it names): the page's Thai message
            raise ValidationError({"as_of": [rollup.error]})
        if "year" in params and rollup.fiscal_year is not None and rollup.fiscal_year.year_be != int(params["year"]):
            raise ValidationError({"year": [_("ไม่มีแผนของปีงบประมาณนี้ที่คุณเห็น")]})
        return Response(RollupSerializer(rollup).data)


# --- the description -------------------------------------------------------------------


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 description (YAML by default, JSON with ?format=json); open to anyone: it holds no data."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files, its start script a separate file (CSP: no inline script)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    template_name = "api/swagger_ui.html"
