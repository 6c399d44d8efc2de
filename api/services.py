"""Issuing and revoking API tokens (the admin and `manage.py api_token_issue` call these)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, digest, new_raw_token

DEFAULT_DAYS = 90


@transaction.atomic
def token_issue(*, user, name: str, days: int = DEFAULT_DAYS, by=None, token: ApiToken | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, valid `days` days: (the row, the raw token to show once)."""
    prefix, raw = new_raw_token()
    token = token or ApiToken()
    token.user, token.name, token.created_by = user, name, by
    token.prefix, token.hashed = prefix, digest(raw)
    if token.expires_at is None:
        token.expires_at = timezone.now() + dt.timedelta(days=days)
    token.save()
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
