"""collectstatic without the Bootstrap builds and Sarabun styles no page uses.

bootstrap-wrapper ships every build of Bootstrap (RTL, grid-only, reboot,
utilities, the JS bundles, each with a source map); the pages use
bootstrap.min.css alone, and three of Sarabun's sixteen styles. Copying,
hashing and compressing the rest took over a minute on a 2-core machine
(now about 15 s). This command replaces django.contrib.staticfiles' own,
which is why kpi_tracker comes before it in INSTALLED_APPS.
"""

from django.contrib.staticfiles.management.commands.collectstatic import Command as CollectStatic

UNUSED = [
    "bootstrap.rtl*", "bootstrap-grid*", "bootstrap-reboot*", "bootstrap-utilities*",
    "bootstrap.css", "bootstrap.css.map", "bootstrap.js*", "bootstrap.min.js*",
    "bootstrap.bundle*", "bootstrap.esm*",
    # Sarabun: the pages use Regular, Bold and Italic (the PDF reads its fonts from the package).
    "Sarabun-*Thin*", "Sarabun-*Light*", "Sarabun-Medium*", "Sarabun-ExtraBold*", "Sarabun-SemiBold*",
    "Sarabun-BoldItalic*",
]


class Command(CollectStatic):
    def set_options(self, **options):
        super().set_options(**options)
        if options["use_default_ignore_patterns"]:
            self.ignore_patterns = sorted(set(self.ignore_patterns) | set(UNUSED))
