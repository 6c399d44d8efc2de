"""The Django admin of progress: read-only. Ticks, evidence, round results and 5G KPI values change
only through assessments/services.py, which keeps their history and replaces the plan versions
(indicators/versions.py) that cached pages are keyed by; an admin that wrote here would do neither.
"""

from django.contrib import admin

from .models import Evidence, HistoryEntry, Notice, PolicyKPIMeasurement, RoundAssessment, StepCompletion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Progress is changed through the app's services, which keep history; here it is only read."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StepCompletion)
class StepCompletionAdmin(ReadOnlyAdmin):
    list_display = ["step", "done_on", "recorded_by", "recorded_at", "revoked_at"]
    list_filter = ["done_on", "step__criteria_set__indicator__plan"]
    search_fields = ["note", "step__text", "step__criteria_set__indicator__name"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at", "removed_at"]
    search_fields = ["original_name"]


@admin.register(RoundAssessment)
class RoundAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "round", "status", "self_level", "verified_level", "reviewed_by"]
    list_filter = ["status", "round"]
    search_fields = ["indicator__name", "review_comment"]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "indicator", "action", "actor", "comment"]
    list_filter = ["action", "at"]
    search_fields = ["indicator__name", "comment"]


@admin.register(PolicyKPIMeasurement)
class PolicyKPIMeasurementAdmin(ReadOnlyAdmin):
    list_display = ["kpi", "value", "measured_on", "source", "recorded_by"]
    list_filter = ["measured_on"]
    search_fields = ["kpi__name", "source"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
