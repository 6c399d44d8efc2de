"""Progress against the plan: dated step completions, evidence, rounds, history.

Nothing here is overwritten silently: un-ticking a step revokes its completion
(the row stays, with who, when and why), and every change also writes an
append-only HistoryEntry.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, MilestoneStep, PolicyKPI, Round, level_validators


class StepCompletionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class StepCompletion(models.Model):
    """ดำเนินการแล้ว: a milestone step done on a date, as recorded by someone."""

    # PROTECT: a step with progress is never deleted with it (indicators.services.step_delete refuses first).
    step = models.ForeignKey(MilestoneStep, verbose_name=_("ขั้นตอน"), on_delete=models.PROTECT, related_name="completions")
    done_on = models.DateField(_("วันที่ดำเนินการ"))
    note = models.TextField(_("หมายเหตุ"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ผู้บันทึก"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("วันที่บันทึก"), auto_now_add=True)
    # Bumped on every edit of date or note: a form that loaded an older
    # version is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1)
    revoked_at = models.DateTimeField(_("ยกเลิกเมื่อ"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ผู้ยกเลิก"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("เหตุผลที่ยกเลิก"), blank=True)

    objects = StepCompletionQuerySet.as_manager()

    class Meta:
        verbose_name = _("การดำเนินการตามขั้นตอน")
        verbose_name_plural = _("การดำเนินการตามขั้นตอน")
        ordering = ["step", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["step"], condition=Q(revoked_at__isnull=True), name="completion_one_active_per_step"
            ),
        ]
        indexes = [models.Index(fields=["step", "revoked_at"], name="completion_step_active")]

    def __str__(self):
        return f"{self.step} @ {self.done_on}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def evidence_path(instance, filename):
    # Never the user's file name on disk: it is kept in original_name.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """เอกสารหลักฐาน attached to a completion."""

    completion = models.ForeignKey(StepCompletion, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("ไฟล์"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("ชื่อไฟล์"), max_length=255)
    content_type = models.CharField(_("ชนิดไฟล์"), max_length=100)
    size = models.PositiveBigIntegerField(_("ขนาด (ไบต์)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("วันที่อัปโหลด"))
    removed_at = models.DateTimeField(_("นำออกเมื่อ"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("เอกสารหลักฐาน")
        verbose_name_plural = _("เอกสารหลักฐาน")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name


class RoundAssessmentQuerySet(models.QuerySet):
    """The rounds a user may see or decide: the indicators' rules (indicators.querysets), in the database."""

    def visible_to(self, user):
        return self.filter(indicator__in=Indicator.objects.visible_to(user))

    def reviewable_by(self, user):
        return self.filter(indicator__in=Indicator.objects.reviewable_by(user))

    def administrable_by(self, user):
        return self.filter(indicator__in=Indicator.objects.administrable_by(user))


class RoundAssessment(models.Model):
    """One indicator's result for one round: draft, submitted, verified or returned."""

    objects = RoundAssessmentQuerySet.as_manager()

    class ReviewStatus(models.TextChoices):
        DRAFT = "draft", _("ยังไม่ส่ง")
        SUBMITTED = "submitted", _("รอตรวจสอบ")
        VERIFIED = "verified", _("ผ่านการตรวจสอบ")
        RETURNED = "returned", _("ส่งกลับแก้ไข")

    LOCKED = (ReviewStatus.SUBMITTED, ReviewStatus.VERIFIED)

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="round_assessments")
    round = models.ForeignKey(Round, verbose_name=_("รอบการประเมิน"), on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(_("สถานะ"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    self_level = models.PositiveSmallIntegerField(_("ผลการประเมินตนเอง"), null=True, blank=True, validators=level_validators)
    verified_level = models.PositiveSmallIntegerField(_("ผลการตรวจสอบ"), null=True, blank=True, validators=level_validators)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_note = models.TextField(_("หมายเหตุ"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("ความเห็นผู้ตรวจสอบ"), blank=True)
    # The owner's round report (รายงานผลการดำเนินงาน), as Thai KPI reports carry it per
    # indicator and round; kept on this row so progress_for reads it with no extra query.
    report_results = models.TextField(_("ผลการดำเนินงาน"), blank=True)
    report_problems = models.TextField(_("ปัญหา/อุปสรรค"), blank=True)
    report_remedies = models.TextField(_("แนวทางแก้ไข/ข้อเสนอแนะ"), blank=True)
    report_version = models.PositiveIntegerField(default=0)
    report_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ผลการประเมินรายรอบ")
        verbose_name_plural = _("ผลการประเมินรายรอบ")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "round"], name="assessment_unique_per_round"),
        ]
        indexes = [models.Index(fields=["status"], name="assessment_status")]

    def __str__(self):
        return f"{self.indicator} – {self.round.label} – {self.get_status_display()}"

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED


class HistoryEntry(models.Model):
    """ประวัติการเปลี่ยนแปลง: append-only; no page edits or deletes it."""

    class Action(models.TextChoices):
        STEP_DONE = "step_done", _("บันทึกว่าดำเนินการแล้ว")
        STEP_UNDONE = "step_undone", _("ยกเลิกการดำเนินการ")
        STEP_EDITED = "step_edited", _("แก้ไขวันที่/หมายเหตุ")
        EVIDENCE_ADDED = "evidence_added", _("แนบเอกสารหลักฐาน")
        EVIDENCE_REMOVED = "evidence_removed", _("นำเอกสารหลักฐานออก")
        ROUND_SUBMITTED = "round_submitted", _("ส่งผลการประเมินตนเอง")
        ROUND_VERIFIED = "round_verified", _("ผ่านการตรวจสอบ")
        ROUND_RETURNED = "round_returned", _("ส่งกลับแก้ไข")
        ROUND_REOPENED = "round_reopened", _("เปิดรอบให้แก้ไขอีกครั้ง")
        REPORT_EDITED = "report_edited", _("แก้ไขรายงานผลการดำเนินงาน")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="history")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(MilestoneStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("การเปลี่ยนแปลง"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ผู้ดำเนินการ"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("เมื่อ"), auto_now_add=True, db_index=True)
    before = models.JSONField(_("ก่อน"), null=True, blank=True)
    after = models.JSONField(_("หลัง"), null=True, blank=True)
    comment = models.TextField(_("หมายเหตุ / เหตุผล"), blank=True)

    class Meta:
        verbose_name = _("ประวัติการเปลี่ยนแปลง")
        verbose_name_plural = _("ประวัติการเปลี่ยนแปลง")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["indicator", "-at"], name="history_indicator_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def get_action_display(self):
        """The action's name, as Django's own get_action_display says it, from the Action enum: Django's
        builds a dict of all the choices on every call (60 µs; a history page names 20 actions)."""
        try:
            return self.Action(self.action).label
        except ValueError:  # a value no longer among the choices: shown as stored, as Django does
            return self.action


class PolicyKPIMeasurement(models.Model):
    """An actual value of a 5G policy KPI, with its date and source."""

    kpi = models.ForeignKey(PolicyKPI, verbose_name=_("ตัวชี้วัด"), on_delete=models.CASCADE, related_name="measurements")
    value = models.DecimalField(_("ผลการดำเนินงาน"), max_digits=12, decimal_places=2)
    measured_on = models.DateField(_("ข้อมูล ณ วันที่"))
    source = models.CharField(_("แหล่งข้อมูล"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ผลตัวชี้วัดนโยบาย")
        verbose_name_plural = _("ผลตัวชี้วัดนโยบาย")
        ordering = ["kpi", "-measured_on", "-recorded_at"]
        indexes = [models.Index(fields=["kpi", "-measured_on"], name="kpi_measure_latest")]

    def __str__(self):
        return f"{self.kpi.number}: {self.value} ({self.measured_on})"


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """การแจ้งเตือน: one message to one person, shown in the app (and e-mailed by a channel)."""

    class Kind(models.TextChoices):
        ROUND_RETURNED = "round_returned", _("ส่งกลับแก้ไข")
        ROUND_VERIFIED = "round_verified", _("ผ่านการตรวจสอบ")
        ROUND_SUBMITTED = "round_submitted", _("ส่งผลการประเมินตนเอง")
        REMINDER = "reminder", _("แจ้งเตือนก่อนปิดรอบ")
        REPORT_BATCH = "report_batch", _("ชุดรายงานสิ้นไตรมาส")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("ประเภท"), max_length=20, choices=Kind.choices)
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("เรื่อง"), max_length=255)
    body = models.TextField(_("ข้อความ"), blank=True)
    # A path inside this site ("/indicators/2/?round=3"); e-mails make it absolute with SITE_URL.
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("เมื่อ"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("อ่านเมื่อ"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("การแจ้งเตือน")
        verbose_name_plural = _("การแจ้งเตือน")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread")]

    def __str__(self):
        return self.title


class ReminderLog(models.Model):
    """One row per reminder e-mail sent, so a daily cron run never repeats itself."""

    recipient = models.EmailField()
    kind = models.CharField(max_length=20)
    sent_on = models.DateField()
    subject = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "sent_on"], name="reminder_once_a_day"),
        ]
