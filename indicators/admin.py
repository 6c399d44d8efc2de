"""The Django admin of the plan's models (superusers only).

An admin edit goes around the write services, so every ModelAdmin here that can change
data replaces the plan versions itself (BumpsPlanVersion, indicators/versions.py): the
next reader of a dashboard or scorecard reads the database again, never a page cached
before the edit. assessments/admin.py is read-only (progress changes only through its
services); kpi_tracker/tests/test_admin_versions.py fails when an admin that can write
lacks the mixin.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import (
    ActionPlan,
    Appointment,
    Cascade,
    CoreValue,
    CriteriaSet,
    FiscalYear,
    Indicator,
    IndicatorOwner,
    MilestoneStep,
    OrgUnit,
    Person,
    PolicyKPI,
    Round,
    Target,
)
from . import versions
from .services import org_unit_move, org_unit_move_problem

admin.site.site_header = _("ระบบติดตามตัวชี้วัด กลุ่มพัฒนาระบบบริหาร")
admin.site.site_title = _("ระบบติดตามตัวชี้วัด")
admin.site.index_title = _("ผู้ดูแลระบบ")


class BumpsPlanVersion:
    """Replaces the versions of the plans an object is shown on, after it is saved (with its
    inlines) or deleted. `plans_of(obj)`: those plans' ids; None (the default) for data that
    several plans show (units, people, years and rounds, 5G KPIs, appointments, cascades)."""

    def plans_of(self, obj) -> list[int] | None:
        return None

    def _plans(self, objs) -> list[int] | None:
        plan_ids: set[int] = set()
        for obj in objs:
            ids = self.plans_of(obj)
            if ids is None:
                return None
            plan_ids.update(ids)
        return sorted(plan_ids)

    @staticmethod
    def _bump(plans: list[int] | None) -> None:
        if plans is None:
            versions.everything_changed()
        for plan_id in plans or []:
            versions.plan_changed(plan_id)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._bump(self._plans([obj]))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the inlines: owners, targets, steps, rounds
        self._bump(self._plans([form.instance]))

    def delete_model(self, request, obj):
        plans = self._plans([obj])  # before: what it belonged to may go with it
        super().delete_model(request, obj)
        self._bump(plans)

    def delete_queryset(self, request, queryset):
        plans = self._plans(list(queryset))
        super().delete_queryset(request, queryset)
        self._bump(plans)


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = "__all__"

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        problem = org_unit_move_problem(unit=self.instance, new_parent=parent)
        if problem:
            raise forms.ValidationError(problem)
        return parent


@admin.register(OrgUnit)
class OrgUnitAdmin(BumpsPlanVersion, admin.ModelAdmin):
    form = OrgUnitForm
    list_display = ["name", "short_name", "kind", "region", "parent"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name"]

    def save_model(self, request, obj, form, change):
        if not change or "parent" not in form.changed_data:
            return super().save_model(request, obj, form, change)
        # A move: the other fields are saved under the old parent, then org_unit_move
        # rewrites the paths of the whole branch, in the same transaction.
        new_parent = obj.parent
        obj.parent = OrgUnit.objects.get(pk=obj.pk).parent
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            moved = org_unit_move(unit=obj, new_parent=new_parent, by=request.user)
        obj.parent, obj.tree_path = moved.parent, moved.tree_path


@admin.register(Person)
class PersonAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["full_name", "org_unit", "position", "user"]
    list_filter = ["org_unit"]
    search_fields = ["first_name", "last_name", "position"]
    autocomplete_fields = ["user"]


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0


@admin.register(FiscalYear)
class FiscalYearAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["year_be", "starts_on", "ends_on"]
    inlines = [RoundInline]


@admin.register(Round)
class RoundAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["__str__", "starts_on", "closes_on"]
    list_filter = ["fiscal_year"]


class CoreValueInline(admin.TabularInline):
    model = CoreValue
    extra = 0


@admin.register(ActionPlan)
class ActionPlanAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["__str__", "org_unit", "fiscal_year", "status"]
    list_filter = ["fiscal_year", "org_unit"]
    search_fields = ["title", "org_unit__name"]
    inlines = [CoreValueInline]

    def plans_of(self, obj):
        return [obj.pk]


class OwnerInline(admin.TabularInline):
    model = IndicatorOwner
    extra = 0
    autocomplete_fields = ["person"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


class CriteriaSetInline(admin.StackedInline):
    model = CriteriaSet
    extra = 0
    show_change_link = True


@admin.register(Indicator)
class IndicatorAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["number", "name", "plan", "all_staff", "data_collector"]
    list_display_links = ["number", "name"]
    list_filter = ["plan__fiscal_year", "plan__org_unit", "data_collector", "all_staff"]
    search_fields = ["name", "card_title", "description", "owners__person__first_name", "owners__person__last_name"]
    inlines = [OwnerInline, TargetInline, CriteriaSetInline]
    list_select_related = ["plan__org_unit", "plan__fiscal_year", "data_collector"]

    def get_queryset(self, request):
        # Withdrawn indicators too: the admin is where a superuser can still reach them.
        return Indicator.all_objects.get_queryset()

    def get_readonly_fields(self, request, obj=None):
        # An indicator never moves to another plan (its history, rounds and the version map of
        # indicators/versions.py rely on it); a new one chooses its plan.
        return ["plan"] if obj is not None else []

    def plans_of(self, obj):
        return [obj.plan_id]


class StepFormSet(BaseInlineFormSet):
    """Deleting a step goes through services.step_delete: refused when the step has progress."""

    def clean(self):
        # Before super().clean(): it reaches Django's own (English-worded) "protected objects" error first.
        from .services import step_has_progress

        # Not self.deleted_forms: it is empty once any form is invalid (Django's own
        # "protected objects" error on the same form makes it so).
        for form in self.forms:
            if not getattr(form, "cleaned_data", {}).get("DELETE"):
                continue
            step = form.instance
            if step.pk and step_has_progress(step):
                raise ValidationError(
                    _("ลบขั้นตอนที่ %(number)s ไม่ได้ เพราะมีการบันทึกผลการดำเนินงานแล้ว "
                      "ให้แก้ไขข้อความของขั้นตอน หรือยกเลิกตัวชี้วัดแทน"),
                    params={"number": step.number},
                )
        super().clean()

    def delete_existing(self, obj, commit=True):
        from .services import step_delete

        if commit:
            step_delete(step=obj, by=getattr(self, "request_user", None))


class StepInline(admin.TabularInline):
    model = MilestoneStep
    formset = StepFormSet
    extra = 0
    max_num = 5

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request_user = request.user
        return formset


@admin.register(CriteriaSet)
class CriteriaSetAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["indicator", "title", "round"]
    list_filter = ["indicator__plan__fiscal_year", "round"]
    search_fields = ["indicator__name", "steps__text"]
    inlines = [StepInline]

    def get_readonly_fields(self, request, obj=None):
        return ["indicator"] if obj is not None else []  # criteria stay with their indicator (and plan)

    def plans_of(self, obj):
        return [Indicator.all_objects.filter(pk=obj.indicator_id).values_list("plan_id", flat=True).get()]


@admin.register(PolicyKPI)
class PolicyKPIAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["number", "name", "group", "target_value", "target_unit", "headline"]
    list_filter = ["fiscal_year", "group", "headline"]
    search_fields = ["name", "group"]


@admin.register(Appointment)
class AppointmentAdmin(BumpsPlanVersion, admin.ModelAdmin):
    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "org_unit__name"]


@admin.register(Cascade)
class CascadeAdmin(BumpsPlanVersion, admin.ModelAdmin):
    """ถ่ายทอดตัวชี้วัด: set and unset on the plan pages (services.cascade_set checks the units and year)."""

    list_display = ["pk", "policy_kpi", "indicator", "child"]
    raw_id_fields = ["policy_kpi", "indicator", "child"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
