from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed so Django finds core/templatetags (the thai filters, inline_static)."""

    name = "core"
    verbose_name = "KPI Tracker core"
