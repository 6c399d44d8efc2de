"""`Authorization: Token <prefix>.<secret>`: the token's user, if the token is live."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken

# last_used_at is written at most this often per token, not on every request.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("รูปแบบโทเคนไม่ถูกต้อง"))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("รูปแบบโทเคนไม่ถูกต้อง"))
        prefix = raw.split(".", 1)[0]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first() if prefix else None
        if token is None or not token.matches(raw):
            raise exceptions.AuthenticationFailed(_("โทเคนไม่ถูกต้อง"))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("โทเคนนี้ถูกเพิกถอนแล้ว"))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("โทเคนนี้หมดอายุแล้ว"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("บัญชีผู้ใช้ของโทเคนนี้ถูกระงับ"))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _('โทเคนที่ผู้ดูแลระบบออกให้ ในรูป "Token <โทเคน>"'),
        }
