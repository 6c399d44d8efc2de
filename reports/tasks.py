"""Celery tasks of the reports app (found by kpi_tracker/celery.py's autodiscover_tasks)."""

from celery import shared_task


@shared_task(name="reports.batch_run", ignore_result=True)
def batch_run_task(job_id: int) -> None:
    """ชุดรายงานสิ้นไตรมาส: make the ZIP of one queued BatchJob (reports.batch.batch_run).

    The job's row carries its state, progress and reason: the task returns nothing and never
    raises, so a failure is never retried into a second half-made ZIP.
    """
    from .batch import batch_run

    batch_run(job_id)
