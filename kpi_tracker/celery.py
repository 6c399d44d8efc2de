"""The Celery application: background jobs (the quarter-end batch of reports/tasks.py).

Settings come from Django's (the CELERY_* names in kpi_tracker/settings.py); tasks are
found in each app's tasks.py. A worker: `.venv/bin/celery -A kpi_tracker worker -l info`
with CELERY_BROKER_URL set (README, "Background jobs"). Without a broker the tasks run
in-process (settings: CELERY_TASK_ALWAYS_EAGER), so no worker is needed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_tracker.settings")

app = Celery("kpi_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
