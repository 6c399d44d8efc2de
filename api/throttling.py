"""Requests per token: DRF's throttle with a scope keyed on the token (Django's cache)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        # Read at each request, so a changed REST_FRAMEWORK setting applies at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # people in the browser are not throttled here
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
