"""The action plan: org units, people, fiscal years, rounds, indicators, criteria.

Progress against the plan (completions, rounds submitted, history) lives in
the assessments app; this app only describes what was promised.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import thai

from .querysets import IndicatorManager, IndicatorQuerySet, PlanQuerySet

LEVELS = 5
level_validators = [MinValueValidator(0), MaxValueValidator(LEVELS)]


class OrgUnit(models.Model):
    """กรมบังคับคดี / กลุ่ม / ฝ่าย: a tree kept with a materialised path."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("กรม")
        DIVISION = "division", _("สำนัก/กอง")
        GROUP = "group", _("กลุ่ม")
        SECTION = "section", _("ฝ่าย")
        OFFICE = "office", _("สำนักงาน")
        PROVINCIAL = "provincial", _("สำนักงานบังคับคดีจังหวัด")
        BRANCH = "branch", _("สำนักงานบังคับคดีจังหวัดสาขา")

    name = models.CharField(_("ชื่อหน่วยงาน"), max_length=255)
    short_name = models.CharField(_("ชื่อย่อ"), max_length=50, blank=True)
    kind = models.CharField(_("ประเภทหน่วยงาน"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("สังกัด"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # ภาค ๑-๙ of a provincial or branch office; 0 for the central units.
    region = models.PositiveSmallIntegerField(_("ภาค"), default=0, blank=True, validators=[MaxValueValidator(9)])
    # "/1/5/12/": ids from the root down to this unit, so subtree and ancestor
    # checks need no recursive query.
    tree_path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("หน่วยงาน")
        verbose_name_plural = _("หน่วยงาน")
        ordering = ["tree_path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = (self.parent.tree_path if self.parent_id else "/") + f"{self.pk}/"
        if path != self.tree_path:
            self.tree_path = path
            type(self).objects.filter(pk=self.pk).update(tree_path=path)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root to this unit, itself included (no query)."""
        return [int(part) for part in self.tree_path.strip("/").split("/") if part]


class Person(models.Model):
    """A member of staff, whether or not they have a login."""

    title = models.CharField(_("คำนำหน้า"), max_length=30, blank=True)
    first_name = models.CharField(_("ชื่อ"), max_length=100)
    last_name = models.CharField(_("นามสกุล"), max_length=100, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("สังกัด"), on_delete=models.PROTECT, related_name="people"
    )
    position = models.CharField(_("ตำแหน่ง"), max_length=255, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("บัญชีผู้ใช้"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        verbose_name = _("บุคลากร")
        verbose_name_plural = _("บุคลากร")
        ordering = ["first_name", "last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "first_name", "last_name"], name="person_unique_name_in_unit"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        """The Thai full name, title included ("นางสาวสุวิมล นาครอด"): how a person is named everywhere."""
        return f"{self.title}{self.first_name} {self.last_name}".strip()


def display_name(user) -> str:
    """A user's name wherever people read it (pages, PDFs, Excel, e-mails, API, history): the Thai
    full name of their Person when the account has one, else the account's own name, else the login
    name. Lists select_related("<user field>__person") so that naming many users costs no query."""
    if user is None:
        return ""
    person = getattr(user, "person", None)  # a user without a Person raises a DoesNotExist/AttributeError
    if person is not None:
        return person.full_name
    return user.get_full_name() or user.username


class FiscalYear(models.Model):
    """ปีงบประมาณ: 1 October to 30 September, numbered in the Buddhist Era."""

    year_be = models.PositiveIntegerField(_("ปีงบประมาณ (พ.ศ.)"), unique=True)
    starts_on = models.DateField(_("วันเริ่มต้น"))
    ends_on = models.DateField(_("วันสิ้นสุด"))

    class Meta:
        verbose_name = _("ปีงบประมาณ")
        verbose_name_plural = _("ปีงบประมาณ")
        ordering = ["-year_be"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lt=models.F("ends_on")), name="fiscalyear_dates_in_order"),
        ]

    def __str__(self):
        return thai.fiscal_year_label(self.year_be)

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def as_of(self, today: dt.date) -> dt.date:
        """The date the owners' and reviewers' pages count progress on: today, or the year's last day
        once the year is over. (The reports clamp to the start too: assessments.levels.default_as_of.)"""
        return min(today, self.ends_on)

    def quarters(self) -> list[thai.Quarter]:
        return thai.quarters(self.year_be)


class Round(models.Model):
    """รอบการประเมิน: the 6-month and 12-month assessment rounds of a fiscal year."""

    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("ปีงบประมาณ"), on_delete=models.CASCADE, related_name="rounds"
    )
    months = models.PositiveSmallIntegerField(_("รอบ (เดือน)"), choices=[(6, _("รอบ ๖ เดือน")), (12, _("รอบ ๑๒ เดือน"))])
    starts_on = models.DateField(_("วันเริ่มต้น"))
    closes_on = models.DateField(_("วันปิดรอบ"))

    class Meta:
        verbose_name = _("รอบการประเมิน")
        verbose_name_plural = _("รอบการประเมิน")
        ordering = ["fiscal_year", "closes_on"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "months"], name="round_unique_per_year"),
        ]

    def __str__(self):
        return f"{thai.round_label(self.months)} {thai.fiscal_year_label(self.fiscal_year.year_be)}"

    @property
    def label(self) -> str:
        return thai.round_label(self.months)

    def open_on(self, day: dt.date) -> bool:
        """The round has not closed by this day: a step done on it counts for the round."""
        return day <= self.closes_on


class ActionPlan(models.Model):
    """แผนปฏิบัติการ: one org unit's plan for one fiscal year."""

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("หน่วยงาน"), on_delete=models.PROTECT, related_name="plans")
    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("ปีงบประมาณ"), on_delete=models.PROTECT, related_name="plans"
    )
    title = models.CharField(_("ชื่อแผน"), max_length=255)
    vision = models.TextField(_("วิสัยทัศน์"), blank=True)
    mission = models.TextField(_("พันธกิจ"), blank=True)
    motto = models.CharField(_("คติพจน์ (MOTTO)"), max_length=255, blank=True)
    values_name = models.CharField(_("ค่านิยมร่วม"), max_length=100, blank=True)
    culture = models.TextField(_("วัฒนธรรมองค์กร"), blank=True)

    class PublicationStatus(models.TextChoices):
        DRAFT = "draft", _("ร่าง (ยังไม่เผยแพร่)")
        PUBLISHED = "published", _("เผยแพร่แล้ว")

    # A copied or imported next-year plan starts as a draft that only its
    # administrators and directors see; owners see it once it is published.
    status = models.CharField(_("สถานะแผน"), max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.PUBLISHED)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("แผนปฏิบัติการ")
        verbose_name_plural = _("แผนปฏิบัติการ")
        ordering = ["-fiscal_year__year_be", "org_unit__tree_path"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "fiscal_year"], name="plan_unique_per_unit_year"),
        ]

    def __str__(self):
        return f"{self.org_unit} {thai.fiscal_year_label(self.fiscal_year.year_be)}"


class CoreValue(models.Model):
    """ค่านิยมร่วม: one letter of "I AM LED"."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="core_values")
    order = models.PositiveSmallIntegerField(_("ลำดับ"), default=0)
    letter = models.CharField(_("อักษร"), max_length=5)
    term = models.CharField(_("คำ"), max_length=100)
    meaning = models.CharField(_("ความหมาย"), max_length=255)

    class Meta:
        verbose_name = _("ค่านิยมร่วม")
        verbose_name_plural = _("ค่านิยมร่วม")
        ordering = ["plan", "order"]

    def __str__(self):
        return f"{self.letter} {self.term}"


class Indicator(models.Model):
    """ตัวชี้วัด: one line of the plan's table with its detail card."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("แผนปฏิบัติการ"), on_delete=models.CASCADE, related_name="indicators")
    number = models.PositiveSmallIntegerField(_("ลำดับ"))
    name = models.CharField(_("ชื่อตัวชี้วัด"), max_length=500)
    card_title = models.CharField(_("ชื่อในรายละเอียดตัวชี้วัด"), max_length=500, blank=True)
    category = models.CharField(_("ประเภทตัวชี้วัด"), max_length=255, blank=True)
    dimension = models.CharField(_("มิติ"), max_length=255, blank=True)
    perspective = models.CharField(_("ด้าน"), max_length=255, blank=True)
    objective_number = models.PositiveSmallIntegerField(_("วัตถุประสงค์ที่"), null=True, blank=True)
    objective = models.CharField(_("วัตถุประสงค์"), max_length=500, blank=True)
    unit = models.CharField(_("หน่วยวัด"), max_length=100, default="ระดับ")
    weight = models.CharField(_("น้ำหนัก"), max_length=20, blank=True, default="-")
    description = models.TextField(_("คำอธิบาย"), blank=True)
    conditions = models.TextField(_("เงื่อนไข"), blank=True)
    data_source = models.TextField(_("แหล่งข้อมูล / วิธีการจัดเก็บข้อมูล"), blank=True)
    # ผู้กำกับดูแลตัวชี้วัด: a position, not a person.
    supervisor = models.CharField(_("ผู้กำกับดูแลตัวชี้วัด"), max_length=255, blank=True)
    # ผู้จัดเก็บข้อมูล: a section of the group.
    data_collector = models.ForeignKey(
        OrgUnit,
        verbose_name=_("ผู้จัดเก็บข้อมูล"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collected_indicators",
    )
    # ทุกตำแหน่ง: every member of the plan's org unit is an owner.
    ALL_STAFF_LABEL = _("ทุกตำแหน่ง")  # how such an indicator's owners are named on pages and in e-mails
    all_staff = models.BooleanField(_("ผู้รับผิดชอบทุกตำแหน่ง"), default=False)
    # ยกเลิกตัวชี้วัด: a withdrawn indicator stays (with its history) but drops
    # out of every list, dashboard and scorecard: the default manager hides it.
    withdrawn_at = models.DateTimeField(_("ยกเลิกเมื่อ"), null=True, blank=True)
    withdraw_reason = models.TextField(_("เหตุผลที่ยกเลิก"), blank=True)

    objects = IndicatorManager()
    all_objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("ตัวชี้วัด")
        verbose_name_plural = _("ตัวชี้วัด")
        ordering = ["plan", "number"]
        base_manager_name = "all_objects"
        constraints = [
            # A withdrawn indicator gives its number back to the plan.
            models.UniqueConstraint(
                fields=["plan", "number"], condition=Q(withdrawn_at__isnull=True), name="indicator_unique_number_in_plan"
            ),
        ]

    def __str__(self):
        return f"{thai.to_thai_digits(self.number)}. {self.name}"

    def round_of(self, round_pk) -> Round | None:
        """A round of this indicator's fiscal year by its key; None when there is no such round."""
        if round_pk is None:
            return None
        return Round.objects.filter(pk=round_pk, fiscal_year_id=self.plan.fiscal_year_id).first()


class IndicatorOwner(models.Model):
    """ผู้รับผิดชอบหลัก / รอง: the first person listed is the primary owner."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("ผู้รับผิดชอบหลัก")
        SECONDARY = "secondary", _("ผู้รับผิดชอบรอง")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="owners")
    person = models.ForeignKey(Person, verbose_name=_("บุคลากร"), on_delete=models.PROTECT, related_name="ownerships")
    role = models.CharField(_("บทบาท"), max_length=10, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("ลำดับ"), default=0)

    class Meta:
        verbose_name = _("ผู้รับผิดชอบ")
        verbose_name_plural = _("ผู้รับผิดชอบ")
        ordering = ["indicator", "order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "person"], name="owner_unique_person"),
            models.UniqueConstraint(
                fields=["indicator"], condition=Q(role="primary"), name="owner_one_primary"
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class Target(models.Model):
    """ค่าเป้าหมาย: the level an indicator must reach by a round's close."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    round = models.ForeignKey(Round, verbose_name=_("รอบการประเมิน"), on_delete=models.PROTECT, related_name="targets")
    level = models.PositiveSmallIntegerField(_("ค่าเป้าหมาย (ระดับ)"), validators=level_validators)

    class Meta:
        verbose_name = _("ค่าเป้าหมาย")
        verbose_name_plural = _("ค่าเป้าหมาย")
        ordering = ["indicator", "round__closes_on"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "round"], name="target_unique_per_round"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=LEVELS), name="target_level_1_to_5"),
        ]

    def __str__(self):
        return f"{self.round.label}: ระดับ {self.level}"


class CriteriaSet(models.Model):
    """เกณฑ์การให้คะแนน: five milestone steps, for the whole year (round empty) or one round."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="criteria_sets")
    round = models.ForeignKey(
        Round,
        verbose_name=_("ใช้กับรอบ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="criteria_sets",
        help_text=_("เว้นว่างเมื่อใช้เกณฑ์เดียวกันทั้งปี"),
    )
    title = models.CharField(_("หัวข้อ"), max_length=255, default="เกณฑ์การให้คะแนน")

    class Meta:
        verbose_name = _("เกณฑ์การให้คะแนน")
        verbose_name_plural = _("เกณฑ์การให้คะแนน")
        ordering = ["indicator", "round__closes_on"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "round"], name="criteria_unique_per_round"),
            models.UniqueConstraint(
                fields=["indicator"], condition=Q(round__isnull=True), name="criteria_one_whole_year_set"
            ),
        ]

    def __str__(self):
        return f"{self.indicator.number}: {self.title}"

    def applies_to(self, round: Round) -> bool:
        return self.round_id is None or self.round_id == round.pk


class PlanChange(models.Model):
    """ประวัติการเปลี่ยนแปลงแผน: who changed what in a plan's definition, and when (append-only).

    Progress history lives in assessments.HistoryEntry; this is the plan's own,
    so the indicators app never needs to import assessments.
    """

    plan = models.ForeignKey(ActionPlan, verbose_name=_("แผนปฏิบัติการ"), on_delete=models.CASCADE, related_name="changes")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("ตัวชี้วัด"), null=True, blank=True, on_delete=models.CASCADE, related_name="plan_changes"
    )
    action = models.CharField(_("การเปลี่ยนแปลง"), max_length=40)
    summary = models.TextField(_("รายละเอียด"))
    before = models.JSONField(_("ก่อน"), null=True, blank=True)
    after = models.JSONField(_("หลัง"), null=True, blank=True)
    # Empty when a management command (copy_plan, the demo year) made the change.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ผู้ดำเนินการ"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("เมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("ประวัติการเปลี่ยนแปลงแผน")
        verbose_name_plural = _("ประวัติการเปลี่ยนแปลงแผน")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["plan", "-at"], name="planchange_plan_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary[:60]}"


class MilestoneStep(models.Model):
    """ขั้นตอนที่ ๑-๕: level N is reached when steps 1..N are all done."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("ขั้นตอนที่"), validators=[MinValueValidator(1), MaxValueValidator(LEVELS)])
    text = models.TextField(_("รายละเอียด/กิจกรรม"))

    class Meta:
        verbose_name = _("ขั้นตอน")
        verbose_name_plural = _("ขั้นตอน")
        ordering = ["criteria_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="step_unique_number"),
        ]

    def __str__(self):
        return f"ขั้นตอนที่ {self.number}: {self.text[:60]}"


class PolicyKPI(models.Model):
    """ตัวชี้วัดนโยบาย ๕ G of the department: numbers with numeric targets."""

    fiscal_year = models.ForeignKey(FiscalYear, verbose_name=_("ปีงบประมาณ"), on_delete=models.PROTECT, related_name="policy_kpis")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("หน่วยงาน"), on_delete=models.PROTECT, related_name="policy_kpis")
    number = models.PositiveSmallIntegerField(_("ลำดับ"))
    group_number = models.PositiveSmallIntegerField(_("ลำดับนโยบาย"), default=0)
    group = models.CharField(_("นโยบาย"), max_length=255, blank=True)
    name = models.CharField(_("ตัวชี้วัด"), max_length=500)
    target_value = models.DecimalField(_("ค่าเป้าหมาย"), max_digits=12, decimal_places=2)
    target_unit = models.CharField(_("หน่วย"), max_length=50)
    headline = models.BooleanField(_("ตัวชี้วัดภาพรวม"), default=False)
    # Most are "higher is better"; kept explicit for the status rule.
    higher_is_better = models.BooleanField(_("ค่ายิ่งมากยิ่งดี"), default=True)

    class Meta:
        verbose_name = _("ตัวชี้วัดนโยบาย ๕ G")
        verbose_name_plural = _("ตัวชี้วัดนโยบาย ๕ G")
        ordering = ["fiscal_year", "org_unit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "org_unit", "number"], name="policykpi_unique_number"),
        ]

    def __str__(self):
        return f"{self.number}) {self.name}"


class Appointment(models.Model):
    """Who directs, administers or views which part of the org tree (and below)."""

    class Role(models.TextChoices):
        DIRECTOR = "director", _("ผู้อำนวยการกลุ่ม / ผู้กำกับดูแลตัวชี้วัด")
        ADMIN = "admin", _("ผู้ดูแลระบบ")
        VIEWER = "viewer", _("ผู้บริหาร (ดูอย่างเดียว)")
        # กพร. ของกรม: reads every plan of the subtree and its roll-up, changes nothing.
        MONITOR = "monitor", _("ผู้ติดตามประเมินผล (กพร.)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ผู้ใช้"), on_delete=models.CASCADE, related_name="appointments")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("หน่วยงาน"), on_delete=models.CASCADE, related_name="appointments")
    role = models.CharField(_("บทบาท"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("การมอบหมายบทบาท")
        verbose_name_plural = _("การมอบหมายบทบาท")
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "role"], name="appointment_unique"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.org_unit}"


class Cascade(models.Model):
    """ถ่ายทอดตัวชี้วัด: a child indicator of a unit below carries part of a parent KPI or indicator.

    The parent is either a department 5G KPI (policy_kpi) or an indicator of a
    unit's plan (indicator); exactly one is set. The child's plan must be of a
    unit strictly below the parent's unit, in the same fiscal year (checked by
    indicators.services.cascade_set).
    """

    policy_kpi = models.ForeignKey(PolicyKPI, verbose_name=_("ตัวชี้วัดนโยบาย ๕ G"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="cascades")
    indicator = models.ForeignKey(Indicator, verbose_name=_("ตัวชี้วัดต้นทาง"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="cascades")
    child = models.ForeignKey(Indicator, verbose_name=_("ตัวชี้วัดที่รับการถ่ายทอด"), on_delete=models.CASCADE,
                              related_name="cascaded_from")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("การถ่ายทอดตัวชี้วัด")
        verbose_name_plural = _("การถ่ายทอดตัวชี้วัด")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(policy_kpi__isnull=True) & Q(indicator__isnull=False))
                | (Q(policy_kpi__isnull=False) & Q(indicator__isnull=True)),
                name="cascade_one_parent"),
            models.UniqueConstraint(fields=["policy_kpi", "child"], name="cascade_unique_kpi_child"),
            models.UniqueConstraint(fields=["indicator", "child"], name="cascade_unique_indicator_child"),
        ]

    def __str__(self):
        return f"{self.policy_kpi or self.indicator} → {self.child}"
