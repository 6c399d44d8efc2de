from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class KpiTrackerConfig(AppConfig):
    name = "kpi_tracker"
    verbose_name = "KPI Tracker"


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic without the Bootstrap files no page uses.

    bootstrap-wrapper ships every build of Bootstrap (RTL, grid-only, reboot,
    utilities, the JS bundles, each with a source map); the pages use
    bootstrap.min.css alone, and three of Sarabun's sixteen styles. Copying, hashing and compressing the rest took
    most of a minute on a 2-core machine.
    """

    ignore_patterns = [
        *BaseStaticFilesConfig.ignore_patterns,
        "bootstrap.rtl*", "bootstrap-grid*", "bootstrap-reboot*", "bootstrap-utilities*",
        "bootstrap.css", "bootstrap.css.map", "bootstrap.js*", "bootstrap.min.js*",
        "bootstrap.bundle*", "bootstrap.esm*",
        # Sarabun: the pages use Regular, Bold and Italic (the PDF reads its fonts from the package).
        "Sarabun-*Thin*", "Sarabun-*Light*", "Sarabun-Medium*", "Sarabun-ExtraBold*", "Sarabun-SemiBold*",
        "Sarabun-BoldItalic*",
    ]
