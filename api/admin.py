"""Issue and revoke API tokens in the Django admin; the token is shown once, right after it is issued."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    fields = ["user", "name", "expires_at", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # An issued token is never edited: revoke it and issue another.
        return self.readonly_fields + (["user", "name", "expires_at"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            return
        _token, raw = services.token_issue(user=obj.user, name=obj.name, by=request.user, token=obj)
        messages.warning(request, _("โทเคนของ {user}: {token}  คัดลอกเก็บไว้ตอนนี้ ระบบจะไม่แสดงอีก").format(
            user=obj.user, token=raw))

    def get_actions(self, request):
        # Revoke, not delete: a revoked token stays listed with when it was last used. (Deleting
        # stays possible one by one, so deleting a user with tokens is not blocked.)
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("เพิกถอนโทเคนที่เลือก"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.token_revoke(token=token)
        messages.success(request, _("เพิกถอนโทเคนแล้ว"))
