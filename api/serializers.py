"""What the API shows: model serializers for the plan, plain ones over reports.rows' dataclasses.

Dates are ISO 8601; where people read a date, its Buddhist Era form sits beside
it (`year_be`, `*_be` as dd/mm/BBBB, through core.thai).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.levels import Status, Timeliness
from assessments.models import HistoryEntry, PolicyKPIMeasurement
from indicators.models import (ActionPlan, CriteriaSet, FiscalYear, Indicator, IndicatorOwner, MilestoneStep, OrgUnit,
                               PolicyKPI, Round, Target)
from core import thai
from reports.rollup import SORTS as ROLLUP_SORTS
from reports.rollup import STATUS_FILTERS as ROLLUP_STATUS_FILTERS


class BEDateField(serializers.Field):
    """A date in the Buddhist Era as people type it: "31/03/2565"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return thai.format_input_date(value)


extend_schema_field({"type": "string", "nullable": True, "example": "31/03/2565",
                     "description": "วันที่แบบ พ.ศ. (วว/ดด/ปปปป)"})(BEDateField)


def be_date(source: str) -> BEDateField:
    return BEDateField(source=source, allow_null=True)


# --- the plan ----------------------------------------------------------------------


class RoundSerializer(serializers.ModelSerializer):
    year_be = serializers.IntegerField(source="fiscal_year.year_be", read_only=True)
    label = serializers.CharField(read_only=True)
    closes_on_be = be_date("closes_on")

    class Meta:
        model = Round
        fields = ["id", "year_be", "months", "label", "starts_on", "closes_on", "closes_on_be"]


class NestedRoundSerializer(RoundSerializer):
    class Meta(RoundSerializer.Meta):
        fields = ["id", "months", "label", "starts_on", "closes_on", "closes_on_be"]


class FiscalYearSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)
    rounds = NestedRoundSerializer(many=True, read_only=True)

    class Meta:
        model = FiscalYear
        fields = ["id", "year_be", "label", "starts_on", "ends_on", "rounds"]


class OrgUnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "short_name", "kind", "kind_label", "parent"]


class OwnerSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="person.full_name", read_only=True)
    position = serializers.CharField(source="person.position", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = IndicatorOwner
        fields = ["person_id", "name", "position", "role", "role_label"]


class TargetSerializer(serializers.ModelSerializer):
    round_months = serializers.IntegerField(source="round.months", read_only=True)

    class Meta:
        model = Target
        fields = ["round", "round_months", "level"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = MilestoneStep
        fields = ["number", "text"]


class CriteriaSerializer(serializers.ModelSerializer):
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = CriteriaSet
        fields = ["round", "title", "steps"]


class IndicatorSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id", read_only=True)
    year_be = serializers.IntegerField(source="plan.fiscal_year.year_be", read_only=True)
    data_collector = serializers.CharField(source="data_collector.name", default="", read_only=True)
    owners = OwnerSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    criteria = CriteriaSerializer(source="criteria_sets", many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "plan", "year_be", "number", "name", "card_title", "category", "dimension", "perspective",
            "objective_number", "objective", "unit", "weight", "description", "conditions", "data_source",
            "supervisor", "data_collector", "all_staff", "owners", "targets", "criteria",
        ]


class PlanIndicatorSerializer(IndicatorSerializer):
    class Meta(IndicatorSerializer.Meta):
        fields = [f for f in IndicatorSerializer.Meta.fields if f not in ("plan", "year_be")]


class PlanSerializer(serializers.ModelSerializer):
    year_be = serializers.IntegerField(source="fiscal_year.year_be", read_only=True)
    unit = OrgUnitSerializer(source="org_unit", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    indicators = PlanIndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "title", "year_be", "unit", "status", "status_label", "vision", "mission", "motto",
                  "indicators"]


# --- history and 5G KPIs -----------------------------------------------------------


class HistorySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.SerializerMethodField()
    at_be = be_date("at")
    round_months = serializers.IntegerField(source="round.months", default=None, read_only=True, allow_null=True)
    step_number = serializers.IntegerField(source="step.number", default=None, read_only=True, allow_null=True)

    class Meta:
        model = HistoryEntry
        fields = ["id", "at", "at_be", "action", "action_label", "actor", "round", "round_months", "step_number",
                  "before", "after", "comment"]

    def get_actor(self, entry) -> str:
        return self.context.get("names", {}).get(entry.actor_id, "")


class MeasurementSerializer(serializers.ModelSerializer):
    measured_on_be = be_date("measured_on")

    class Meta:
        model = PolicyKPIMeasurement
        fields = ["value", "measured_on", "measured_on_be", "source"]


class PolicyKPISerializer(serializers.ModelSerializer):
    year_be = serializers.IntegerField(source="fiscal_year.year_be", read_only=True)
    unit = serializers.IntegerField(source="org_unit_id", read_only=True)
    measurements = MeasurementSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyKPI
        fields = ["id", "year_be", "unit", "number", "group_number", "group", "name", "target_value", "target_unit",
                  "headline", "higher_is_better", "measurements"]


# --- progress: reports.rows rendered -------------------------------------------------

STATUS_CHOICES = [(s, str(Status.LABELS[s])) for s in Status.ORDER]


class ProgressStepSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    done_on = serializers.DateField(allow_null=True)
    done_on_be = be_date("done_on")
    counted = serializers.BooleanField()
    reason = serializers.CharField()
    recorded_by = serializers.CharField()
    note = serializers.CharField()
    evidence = serializers.ListField(child=serializers.CharField())


class RoundCellSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round_id")
    months = serializers.IntegerField()
    closes_on = serializers.DateField()
    target = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField()
    verified_level = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    status_label = serializers.CharField()
    review_status = serializers.CharField()
    review_status_label = serializers.CharField()


class ProgressRowSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(source="indicator_id")
    number = serializers.IntegerField()
    name = serializers.CharField()
    section = serializers.CharField()
    owner = serializers.CharField()
    owners = serializers.ListField(child=serializers.CharField())
    target = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField(help_text=_("ผลการประเมินตนเอง ณ วันที่"))
    verified_level = serializers.IntegerField(allow_null=True, help_text=_("ผลการตรวจสอบ"))
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    status_label = serializers.CharField()
    review_status = serializers.CharField()
    review_status_label = serializers.CharField()
    has_criteria = serializers.BooleanField()
    next_step_number = serializers.IntegerField(allow_null=True)
    next_step = serializers.CharField()
    last_update = serializers.DateTimeField(allow_null=True)
    steps = ProgressStepSerializer(many=True)
    rounds = RoundCellSerializer(many=True)


class SectionSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    assessed = serializers.IntegerField()
    verified = serializers.IntegerField()
    awaiting_review = serializers.IntegerField()
    average_level = serializers.FloatField(allow_null=True)
    average_text = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    year_be = serializers.IntegerField(source="plan.fiscal_year.year_be")
    round = NestedRoundSerializer()
    as_of = serializers.DateField()
    as_of_be = be_date("as_of")
    summary = SectionSummarySerializer(source="summary.overall")
    sections = SectionSummarySerializer(source="summary.sections", many=True)
    count = serializers.IntegerField(help_text=_("จำนวนตัวชี้วัดหลังกรองสถานะ"))
    rows = ProgressRowSerializer(many=True)


class ProgressQuerySerializer(serializers.Serializer):
    round = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                     help_text=_("รหัสรอบ (ค่าเริ่มต้น: รอบที่อยู่ในวันที่ที่เลือก)"))
    as_of = serializers.DateField(required=False, help_text=_("ข้อมูล ณ วันที่ (ค่าเริ่มต้นเหมือนหน้าแดชบอร์ด)"))
    status = serializers.ChoiceField(required=False, choices=STATUS_CHOICES)


class ListQuerySerializer(serializers.Serializer):
    """The filters of the lists (each list documents the ones it takes)."""

    year = serializers.IntegerField(required=False, min_value=2400, max_value=2800, help_text=_("ปีงบประมาณ (พ.ศ.)"))
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text=_("รหัสหน่วยงาน"))
    plan = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text=_("รหัสแผน"))
    round = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text=_("รหัสรอบ"))
    status = serializers.ChoiceField(required=False, choices=ActionPlan.PublicationStatus.choices, help_text=_("สถานะแผน"))


# --- the department roll-up (reports.rollup.build_rollup's dataclasses, as they are) ------------

TIMELINESS_CHOICES = [(t, str(Timeliness.LABELS[t])) for t in Timeliness.ORDER]


class RollupSubmissionSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round_id")
    label = serializers.CharField()
    closes_on = serializers.DateField()
    closes_on_be = be_date("closes_on")
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text=_("จำนวนตัวชี้วัดที่ส่งตรงเวลา (on_time) ล่าช้า (late) ยังไม่ส่ง (not_submitted)"))
    status = serializers.ChoiceField(choices=TIMELINESS_CHOICES, help_text=_("การส่งผลของหน่วยงานในรอบนี้"))
    status_label = serializers.CharField()


class RollupRowSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan_id")
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit")
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)
    kind_label = serializers.CharField()
    region = serializers.IntegerField(help_text=_("ภาค ๑-๙ ของสำนักงานจังหวัดและสาขา; 0 สำหรับหน่วยงานส่วนกลาง"))
    region_label = serializers.CharField()
    depth = serializers.IntegerField(help_text=_("ระดับในผังหน่วยงาน (กรม = 0)"))
    summary = SectionSummarySerializer(help_text=_("ตัวเลขเดียวกับสรุปในหน้าแดชบอร์ดของหน่วยงาน"))
    submissions = RollupSubmissionSerializer(many=True, help_text=_("การส่งผลทุกรอบของปี ตามลำดับ"))
    selected_submission = RollupSubmissionSerializer(allow_null=True, help_text=_("การส่งผลในรอบที่เลือก"))
    last_update = serializers.DateTimeField(allow_null=True)
    last_update_be = be_date("last_update")


class RollupTotalsSerializer(serializers.Serializer):
    units = serializers.IntegerField()
    summary = SectionSummarySerializer()
    submission_counts = serializers.DictField(child=serializers.IntegerField(),
                                              help_text=_("จำนวนหน่วยงานตามการส่งผลในรอบที่เลือก"))


class RollupFiltersSerializer(serializers.Serializer):
    year = serializers.CharField(required=False)
    round = serializers.CharField(required=False)
    as_of = serializers.CharField(required=False, help_text=_("วันที่ที่ขอ (ISO) หรือค่าว่างเมื่อใช้ข้อมูลล่าสุด"))
    kind = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    status = serializers.CharField(required=False)


class RollupSerializer(serializers.Serializer):
    year_be = serializers.IntegerField(source="fiscal_year.year_be", allow_null=True)
    years = serializers.ListField(child=serializers.IntegerField(), help_text=_("ปีงบประมาณ (พ.ศ.) ที่มีแผนที่คุณเห็น"))
    rounds = NestedRoundSerializer(many=True)
    round = NestedRoundSerializer(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    as_of_be = be_date("as_of")
    filters = RollupFiltersSerializer(help_text=_("ตัวกรองที่ใช้จริง (ค่าว่าง = ไม่กรอง)"))
    sort = serializers.CharField()
    desc = serializers.BooleanField()
    all_units = serializers.IntegerField(help_text=_("จำนวนหน่วยงานในปีนี้ก่อนกรอง"))
    count = serializers.SerializerMethodField(help_text=_("จำนวนแถวหลังกรอง"))
    totals = RollupTotalsSerializer()
    rows = RollupRowSerializer(many=True)

    def get_count(self, rollup) -> int:
        return len(rollup.rows)


class RollupQuerySerializer(serializers.Serializer):
    """The roll-up page's filters (reports.rollup.build_rollup), as the page takes them."""

    year = serializers.IntegerField(required=False, min_value=2400, max_value=2800,
                                    help_text=_("ปีงบประมาณ (พ.ศ.) (ค่าเริ่มต้น: ปีปัจจุบัน หรือปีล่าสุดที่มีแผน)"))
    round = serializers.ChoiceField(required=False, choices=[(6, _("รอบ ๖ เดือน")), (12, _("รอบ ๑๒ เดือน"))],
                                    help_text=_("รอบ ๖ หรือ ๑๒ เดือน (ค่าเริ่มต้น: รอบที่อยู่ในวันนี้)"))
    as_of = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text=_(
        "ข้อมูล ณ วันที่ เช่น 31/03/2565 (พ.ศ.) หรือ 2022-03-31 (ค่าเริ่มต้น: วันนี้ ภายในปีงบประมาณ)"))
    kind = serializers.ChoiceField(required=False, choices=OrgUnit.Kind.choices, help_text=_("ประเภทหน่วยงาน"))
    region = serializers.IntegerField(required=False, min_value=1, max_value=9, help_text=_("ภาค ๑-๙"))
    status = serializers.ChoiceField(required=False, choices=[(k, str(v)) for k, v in ROLLUP_STATUS_FILTERS.items()],
                                     help_text=_("หน่วยงานที่มีตัวชี้วัดหรือการส่งผลในสถานะนี้ (รอบที่เลือก)"))
    sort = serializers.ChoiceField(required=False, choices=[(k, str(v)) for k, v in ROLLUP_SORTS.items()],
                                   help_text=_("เรียงตาม (ค่าเริ่มต้น: หน่วยงาน ตามลำดับตัวอักษรไทย)"))
    desc = serializers.BooleanField(required=False, default=False, help_text=_("เรียงจากมากไปน้อย"))
