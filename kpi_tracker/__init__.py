# The Celery app is loaded with Django, so @shared_task (reports/tasks.py) binds to it
# in every process: web workers that enqueue and Celery workers that run.
from .celery import app as celery_app

__all__ = ("celery_app",)
