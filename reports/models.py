"""The reports app's one table: the quarter-end batch jobs (reports/batch.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import thai
from indicators.models import OrgUnit


def batch_upload_to(job: BatchJob, filename: str) -> str:
    return f"batches/{job.requested_by_id}/{filename}"


class BatchJob(models.Model):
    """ชุดรายงานสิ้นไตรมาส: every scorecard (PDF executive and full, Excel) and evidence annex of the
    plans one person may see, for one quarter, as one ZIP made in the background (reports/batch.py).

    `scope` narrows the batch to a unit's subtree (None: every plan the person may see); the
    plans are those visible to `requested_by` when the job runs. `file` is set only once the
    whole ZIP is saved (no half-written file is ever named here).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("รอคิว")
        RUNNING = "running", _("กำลังจัดทำ")
        DONE = "done", _("เสร็จแล้ว")
        FAILED = "failed", _("ไม่สำเร็จ")

    ACTIVE = (State.QUEUED, State.RUNNING)

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ผู้สั่งจัดทำ"),
                                     on_delete=models.CASCADE, related_name="batch_jobs")
    fiscal_year = models.PositiveIntegerField(_("ปีงบประมาณ (พ.ศ.)"))
    quarter = models.PositiveSmallIntegerField(_("ไตรมาส"))
    scope = models.ForeignKey(OrgUnit, verbose_name=_("หน่วยงาน"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    # The scope as a plain value ("" for everything, else the unit's id) for the constraint below:
    # NULLs never collide in a unique index, so two "everything" jobs would both be accepted.
    scope_key = models.CharField(max_length=20, blank=True, default="", editable=False)
    state = models.CharField(_("สถานะ"), max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(_("จัดทำแล้ว (ไฟล์)"), default=0)
    total = models.PositiveIntegerField(_("ทั้งหมด (ไฟล์)"), default=0)
    error = models.TextField(_("สาเหตุที่ไม่สำเร็จ"), blank=True)
    file = models.FileField(_("ไฟล์ ZIP"), upload_to=batch_upload_to, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("ขนาดไฟล์ (ไบต์)"), default=0)
    created_at = models.DateTimeField(_("สั่งเมื่อ"), auto_now_add=True)
    started_at = models.DateTimeField(_("เริ่มจัดทำเมื่อ"), null=True, blank=True)
    finished_at = models.DateTimeField(_("เสร็จเมื่อ"), null=True, blank=True)
    # Every step of the job (start, each file, the end) writes it: a job whose worker was killed
    # stops moving, and is shown as failed once it has not moved for longer than any job may run.
    updated_at = models.DateTimeField(_("ปรับปรุงล่าสุด"), default=timezone.now)

    class Meta:
        verbose_name = _("ชุดรายงานสิ้นไตรมาส")
        verbose_name_plural = _("ชุดรายงานสิ้นไตรมาส")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="batchjob_user_newest")]
        constraints = [
            # A double submit (two clicks, two tabs, two servers) cannot start the same batch twice at once.
            models.UniqueConstraint(fields=["requested_by", "fiscal_year", "quarter", "scope_key"],
                                    condition=Q(state__in=["queued", "running"]), name="batchjob_one_active"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="batchjob_quarter_1_4"),
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="batchjob_done_le_total"),
        ]

    def __str__(self):
        return f"{self.period_label} ({self.get_state_display()})"

    @property
    def period_label(self) -> str:
        return f"ไตรมาสที่ {self.quarter} {thai.fiscal_year_label(self.fiscal_year)}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE and not self.is_stale

    @property
    def is_stale(self) -> bool:
        """Queued or running, but unmoved for longer than any job may run: its worker is gone
        (killed past the hard time limit, the machine restarted) or none ever took it."""
        if self.state not in self.ACTIVE:
            return False
        limit = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + STALE_GRACE_SECONDS)
        return self.updated_at < timezone.now() - limit

    @property
    def shown_state(self) -> str:
        return self.State.FAILED if self.is_stale else self.state

    @property
    def shown_error(self) -> str:
        return STALE_MESSAGE if self.is_stale else self.error

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


STALE_GRACE_SECONDS = 300
STALE_MESSAGE = _("การจัดทำหยุดไปโดยไม่เสร็จ (ไม่มีเครื่องประมวลผลรับงาน หรือเครื่องประมวลผลหยุดทำงาน) "
                  "กรุณาสั่งจัดทำใหม่ หากเกิดซ้ำโปรดแจ้งผู้ดูแลระบบ")
