"""API tokens: issued to one user by an administrator, stored hashed, shown once.

A token reads "<prefix>.<secret>". Only the prefix (for the lookup) and the
sha256 of the whole token are stored, so a copy of the database gives nobody
a working token. A token acts as its user: it sees what the user sees on the
pages, and nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX_BYTES = 6  # 12 hex characters: public, only for the lookup
SECRET_BYTES = 32


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ผู้ใช้"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("ใช้กับระบบ"), max_length=100, help_text=_("เช่น ระบบ BI ของกรม"))
    prefix = models.CharField(_("รหัสนำหน้า"), max_length=2 * PREFIX_BYTES, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("ออกเมื่อ"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ผู้ออก"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    expires_at = models.DateTimeField(_("หมดอายุเมื่อ"))
    last_used_at = models.DateTimeField(_("ใช้ล่าสุดเมื่อ"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("เพิกถอนเมื่อ"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("โทเคน API")
        verbose_name_plural = _("โทเคน API")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def matches(self, raw: str) -> bool:
        return hmac.compare_digest(self.hashed, digest(raw))


def new_raw_token() -> tuple[str, str]:
    """(prefix, the whole token): the token is given to its holder once and never stored."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    return prefix, f"{prefix}.{secrets.token_urlsafe(SECRET_BYTES)}"
