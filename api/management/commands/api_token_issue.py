"""manage.py api_token_issue USER [--days N] [--name TEXT]: print a new API token for USER, once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import services


class Command(BaseCommand):
    help = "Issue an API token for a user; the token is printed once and only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=services.DEFAULT_DAYS)
        parser.add_argument("--name", default="manage.py api_token_issue")

    def handle(self, *args, username, days, name, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        token, raw = services.token_issue(user=user, name=name, days=days)
        self.stderr.write(f"token {token.prefix} for {user.username}, expires {token.expires_at:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(raw)
