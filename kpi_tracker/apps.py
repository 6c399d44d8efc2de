from django.apps import AppConfig


class KpiTrackerConfig(AppConfig):
    name = "kpi_tracker"
    verbose_name = "KPI Tracker"

