"""Celery tasks of the reports app (found by kpi_tracker/celery.py's autodiscover_tasks)."""

import logging

from celery import shared_task
from django.utils import translation
from django.utils.translation import gettext as _

from . import batch

log = logging.getLogger(__name__)


@shared_task(name="reports.batch_run", ignore_result=True)
def batch_run_task(job_id: int) -> None:
    """ชุดรายงานสิ้นไตรมาส: make the ZIP of one queued BatchJob (reports.batch.batch_run).

    The job's row carries its state, progress and reason: the task returns nothing and never
    raises, so a failure is never retried into a second half-made ZIP.
    """
    batch.batch_run(job_id)


def batch_enqueue(job_id: int) -> None:
    """Hand the job to Celery (or, without a broker, run it here and now: CELERY_TASK_ALWAYS_EAGER).
    A broker that cannot be reached fails the job with the reason instead of failing the page."""
    try:
        batch_run_task.delay(job_id)
    except Exception:  # noqa: BLE001 - kombu raises several kinds for a broker that is down
        log.exception("batch job %s: could not be queued", job_id)
        with translation.override("th"):  # the reason is kept, and shown, in Thai
            batch.batch_fail(job_id, _("ส่งงานเข้าคิวไม่ได้ (ระบบคิวงานไม่ตอบสนอง) กรุณาลองใหม่ภายหลัง หรือแจ้งผู้ดูแลระบบ"))
