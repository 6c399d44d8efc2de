import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_tracker.settings")
application = get_wsgi_application()

if getattr(settings, "REPORT_PDF_PREPARE", not settings.TESTING):
    # A server process has started (a gunicorn worker, runserver): the PDFs' fonts and styles are
    # prepared in the background now, so its first PDF costs what later ones do (reports.pdf.prepare).
    from reports.pdf import prepare_in_background

    prepare_in_background()

# What the process has built so far (Django, the apps, the URL patterns, the templates' modules: some 130,000
# objects) lives as long as the process: the cyclic garbage collector need not look at it again. Without
# this, a full collection walked all of it every hundred or so writes, a twentieth of a tick's time (issue
# 19, measured in-process); `gc.freeze` is Python's own answer for a server's workers.
gc.freeze()
