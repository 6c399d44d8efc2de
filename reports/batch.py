"""ชุดรายงานสิ้นไตรมาส: the department's quarter-end batch, as a background job.

For one fiscal year and quarter, every plan the person may see (ActionPlan.objects.visible_to,
the rule of the roll-up; optionally only a unit's subtree) gets its scorecards (the executive
and the full PDF, the Excel workbook) and its evidence annex, in one ZIP with a folder per unit
named after it. The files are made by the same functions as the scorecard downloads
(reports.scorecard.build_scorecard, reports.pdf.render_pdf, reports.excel.render_xlsx,
reports.annex.build_annex / render_pdf), so the batch and the page never disagree.

The life of a job (reports.models.BatchJob):
- `batch_start` (the page's POST) writes a queued job and hands it to Celery after the commit
  (reports/tasks.py batch_enqueue); an identical job still queued or running is returned instead (a
  double submit), which the database enforces too (constraint batchjob_one_active).
- `batch_run` (the task) takes the job only while it is queued, marks it running, writes the ZIP
  into a temporary file under VAR_DIR/batch-tmp, counting each file made, and only when the
  whole ZIP is written saves it to the storage (default_storage: a folder, or S3) and marks the
  job done with a notice to its owner, in one transaction. Any failure records the reason in
  Thai, deletes the temporary file and anything saved, and notifies the owner too.

Without a broker (settings: CELERY_TASK_ALWAYS_EAGER) the task runs in the request, right after
the job's commit; with one, in a Celery worker.
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Notice
from assessments.notices import notify
from indicators.models import ActionPlan, OrgUnit
from indicators.querysets import scope_of

from .models import BatchJob
from .scorecard import Period, PeriodError, build_scorecard

log = logging.getLogger(__name__)

FILES_PER_PLAN = 4  # executive PDF, full PDF, Excel, evidence annex
State = BatchJob.State


class BatchError(Exception):
    """A batch that cannot be started or made; message in Thai."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- names in the ZIP -------------------------------------------------------------------

# Not allowed in a Windows file name (and "/" separates folders in a ZIP).
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}


def safe_name(text: str, *, limit: int = 80) -> str:
    """A file or folder name that Windows, macOS and Linux all accept, Thai kept as it is.

    NFC (one spelling of each Thai character); forbidden characters become "_"; runs of
    spaces become one; at most `limit` characters, never cutting a Thai vowel or tone mark
    from its consonant; no trailing dot or space; never a device name (CON, NUL, COM1 ...).
    """
    text = unicodedata.normalize("NFC", str(text))
    text = " ".join(_FORBIDDEN.sub("_", text).split())
    if len(text) > limit:
        cut = limit
        while cut > 0 and unicodedata.category(text[cut]).startswith("M"):
            cut -= 1
        text = text[:cut]
    text = text.rstrip(" .")
    if not text or text.split(".")[0].strip().upper() in _RESERVED:
        text = f"_{text}"
    return text


def unit_folders(plans: list[ActionPlan]) -> dict[int, str]:
    """Plan id -> its folder: the unit's name, made unique (as Windows compares: case-blind)
    by the name of the unit above it, then by a number."""
    by_name: dict[str, list[ActionPlan]] = {}
    for plan in plans:
        by_name.setdefault(safe_name(plan.org_unit.name).casefold(), []).append(plan)
    folders: dict[int, str] = {}
    taken: set[str] = set()
    for plan in plans:
        unit = plan.org_unit
        name = safe_name(unit.name)
        if len(by_name[name.casefold()]) > 1 and unit.parent_id:
            name = safe_name(f"{unit.name} ({unit.parent.name})", limit=120)
        candidate, n = name, 2
        while candidate.casefold() in taken:
            candidate, n = f"{name} ({n})", n + 1
        taken.add(candidate.casefold())
        folders[plan.pk] = candidate
    return folders


def zip_root(job: BatchJob) -> str:
    return safe_name(f"รายงานผลการดำเนินงาน ไตรมาสที่ {job.quarter} ปีงบประมาณ {job.fiscal_year}")


def zip_filename(job: BatchJob) -> str:
    """The stored file's name (ASCII, for any storage); the download is named in Thai (download_name)."""
    return f"quarter-batch-{job.fiscal_year}-Q{job.quarter}-{job.pk}.zip"


def download_name(job: BatchJob) -> str:
    scope = f" {job.scope.name}" if job.scope_id else ""
    return safe_name(f"ชุดรายงานสิ้นไตรมาส {job.quarter}-{job.fiscal_year}{scope}", limit=120) + ".zip"


# --- which plans --------------------------------------------------------------------------


def visible_plans(*, user, fiscal_year: int, scope: OrgUnit | None = None):
    """The plans of the year that `user` may see (the roll-up's rule), in the tree's order."""
    plans = ActionPlan.objects.visible_to(user).filter(fiscal_year__year_be=fiscal_year)
    if scope is not None:
        plans = plans.filter(org_unit__tree_path__startswith=scope.tree_path)
    return plans.select_related("org_unit__parent", "fiscal_year").order_by("org_unit__tree_path", "pk")


@dataclass
class Choices:
    """What the start form offers: the years and units of the plans the user may see."""

    years: list[int]
    units: list[tuple[int, str, int]]  # (id, name, depth)


def batch_choices(user) -> Choices:
    rows = ActionPlan.objects.visible_to(user).values_list(
        "fiscal_year__year_be", "org_unit_id", "org_unit__name", "org_unit__tree_path")
    years, units = set(), {}
    for year, unit_id, name, path in rows:
        years.add(year)
        units[unit_id] = (path, name)
    ordered = sorted(units.items(), key=lambda item: item[1][0])
    return Choices(sorted(years, reverse=True),
                   [(pk, name, path.strip("/").count("/")) for pk, (path, name) in ordered])


# --- starting -----------------------------------------------------------------------------


def batch_start(*, user, fiscal_year: int, quarter: int, scope: OrgUnit | None = None,
                enqueue: Callable[[int], None]) -> tuple[BatchJob, bool]:
    """Queue the batch (True), or return the identical one already queued or running (False).

    `enqueue(job_id)` hands a new job to Celery (reports.tasks.batch_enqueue); it is called once
    the job is committed, so a worker never looks for a row it cannot see yet.
    Raises BatchError (Thai) when the user may not start one or the batch would be empty.
    """
    if not scope_of(user).sees_rollup:
        raise BatchError(_("ชุดรายงานสิ้นไตรมาสเปิดให้ผู้ที่ดูภาพรวมระดับกรมได้เท่านั้น"))
    if quarter not in (1, 2, 3, 4):
        raise BatchError(_("ไตรมาสต้องเป็นไตรมาสที่ 1 ถึง 4"))
    if not visible_plans(user=user, fiscal_year=fiscal_year, scope=scope).exists():
        raise BatchError(_("ไม่มีแผนปฏิบัติการของปีงบประมาณ พ.ศ. {year} ที่คุณมีสิทธิ์ดูในหน่วยงานที่เลือก")
                         .format(year=fiscal_year))
    key = dict(requested_by=user, fiscal_year=fiscal_year, quarter=quarter, scope_key=str(scope.pk) if scope else "")
    try:
        with transaction.atomic():
            job = _active_job(key)
            if job is not None:
                return job, False
            job = BatchJob.objects.create(scope=scope, **key)
            transaction.on_commit(lambda: enqueue(job.pk))
            return job, True
    except IntegrityError:  # the same batch was queued by a request running at the same moment
        job = BatchJob.objects.filter(state__in=BatchJob.ACTIVE, **key).first()
        if job is None:
            raise
        return job, False


def _active_job(key: dict) -> BatchJob | None:
    """The identical job still queued or running; a stale one (its worker gone) is closed as failed first."""
    job = BatchJob.objects.select_for_update().filter(state__in=BatchJob.ACTIVE, **key).first()
    if job is not None and job.is_stale:
        batch_fail(job.pk, str(job.shown_error))
        return None
    return job


# --- running ------------------------------------------------------------------------------


def batch_run(job_id: int) -> None:
    """Make the ZIP of a queued job (the task's body). Never raises: a failure is recorded on the job."""
    now = timezone.now()
    if not BatchJob.objects.filter(pk=job_id, state=State.QUEUED).update(
            state=State.RUNNING, started_at=now, updated_at=now):
        return  # already taken (a message delivered twice), finished, or closed as stale
    job = BatchJob.objects.select_related("requested_by", "scope").get(pk=job_id)
    part = _temporary_path(job)
    saved = ""
    # Official documents, and the reasons and notices about them: Thai whatever the interface language.
    with translation.override("th"):
        try:
            _write_zip(job, _plans_of(job), part)
            with part.open("rb") as handle:
                saved = default_storage.save(batch_upload_name(job), File(handle, name=zip_filename(job)))
            _finish(job, saved, part.stat().st_size)
        except Exception as exc:  # noqa: BLE001 - every failure is told on the page, with its reason
            if saved:
                _delete_quietly(saved)
            batch_fail(job_id, _reason(exc, job))
        finally:
            part.unlink(missing_ok=True)


def batch_upload_name(job: BatchJob) -> str:
    return job.file.field.generate_filename(job, zip_filename(job))


def _temporary_path(job: BatchJob) -> Path:
    folder = Path(settings.VAR_DIR) / "batch-tmp"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=f"batch-{job.pk}-", suffix=".zip.part", delete=False)
    handle.close()
    return Path(handle.name)


def _plans_of(job: BatchJob) -> list[ActionPlan]:
    plans = list(visible_plans(user=job.requested_by, fiscal_year=job.fiscal_year, scope=job.scope))
    if not plans:
        raise BatchError(_("ไม่มีแผนปฏิบัติการที่คุณมีสิทธิ์ดูแล้ว (สิทธิ์อาจถูกเปลี่ยน) จึงไม่มีรายงานให้จัดทำ"))
    BatchJob.objects.filter(pk=job.pk).update(total=len(plans) * FILES_PER_PLAN, updated_at=timezone.now())
    return plans


class _UnitFailed(Exception):
    def __init__(self, unit: str, cause: Exception):
        super().__init__(f"{unit}: {cause!r}")
        self.unit, self.cause = unit, cause


def _write_zip(job: BatchJob, plans: list[ActionPlan], part: Path) -> None:
    from . import annex, excel, pdf

    period = Period.for_quarter(job.fiscal_year, job.quarter)
    root, folders = zip_root(job), unit_folders(plans)
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for plan in plans:
            folder = f"{root}/{folders[plan.pk]}"
            try:
                sc = build_scorecard(plan=plan, period=period)
                annexed = annex.build_annex(user=job.requested_by, plan=plan, period=period)
                files = (
                    (f"{sc.filename_stem}-executive.pdf", lambda: pdf.render_pdf(sc, pdf.EXECUTIVE)),
                    (f"{sc.filename_stem}.pdf", lambda: pdf.render_pdf(sc, pdf.FULL)),
                    (f"{sc.filename_stem}.xlsx", lambda: excel.render_xlsx(sc)),
                    (annexed.filename, lambda: annex.render_pdf(annexed)),
                )
                for name, render in files:
                    archive.writestr(f"{folder}/{safe_name(name)}", render())
                    BatchJob.objects.filter(pk=job.pk).update(done=F("done") + 1, updated_at=timezone.now())
            except (BatchError, PeriodError):
                raise
            except Exception as exc:  # noqa: BLE001 - named with its unit in the message
                raise _UnitFailed(plan.org_unit.name, exc) from exc


def _finish(job: BatchJob, name: str, size: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        if not BatchJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
                state=State.DONE, file=name, size=size, finished_at=now, updated_at=now, error=""):
            # Closed meanwhile (as stale, by a new request for the same batch): its ZIP is not kept.
            raise BatchError(_("ชุดรายงานนี้ถูกปิดไปก่อนจัดทำเสร็จ"))
        notify(recipients=[job.requested_by], kind=Notice.Kind.REPORT_BATCH, link=reverse("reports:batch"),
               title=_("ชุดรายงานสิ้นไตรมาส {period} พร้อมดาวน์โหลดแล้ว").format(period=job.period_label),
               body=_("ดาวน์โหลดไฟล์ ZIP ได้ที่หน้าชุดรายงานสิ้นไตรมาส"))


def batch_fail(job_id: int, reason: str) -> None:
    """Close a queued or running job as failed, with its reason (Thai), and tell its owner."""
    now = timezone.now()
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        if job is None or job.state not in BatchJob.ACTIVE:
            return
        BatchJob.objects.filter(pk=job_id).update(state=State.FAILED, error=reason, finished_at=now,
                                                  updated_at=now, file="", size=0)
    try:  # the reason is on the page already; a notice that cannot be written must not undo it
        with transaction.atomic():
            notify(recipients=[job.requested_by], kind=Notice.Kind.REPORT_BATCH, link=reverse("reports:batch"),
                   title=_("ชุดรายงานสิ้นไตรมาส {period} จัดทำไม่สำเร็จ").format(period=job.period_label),
                   body=reason)
    except Exception:  # noqa: BLE001
        log.exception("batch job %s: the notice of its failure was not written", job_id)


def _reason(exc: Exception, job: BatchJob) -> str:
    """The Thai reason shown on the page; the details go to the log."""
    from celery.exceptions import SoftTimeLimitExceeded

    unit = ""
    if isinstance(exc, _UnitFailed):
        unit, exc = exc.unit, exc.cause
    if isinstance(exc, (BatchError, PeriodError)):
        return exc.message
    log.error("batch job %s failed", job.pk, exc_info=exc)
    where = _("ขณะจัดทำรายงานของ {unit}: ").format(unit=unit) if unit else ""
    if isinstance(exc, SoftTimeLimitExceeded):
        minutes = settings.CELERY_TASK_SOFT_TIME_LIMIT // 60
        return where + _("ใช้เวลาเกิน {minutes} นาที จึงหยุดจัดทำ กรุณาเลือกหน่วยงานให้น้อยลงแล้วสั่งใหม่").format(
            minutes=minutes)
    if isinstance(exc, OSError):
        return where + _("บันทึกไฟล์ไม่ได้ (พื้นที่จัดเก็บเต็ม หรือไม่มีสิทธิ์เขียน) กรุณาแจ้งผู้ดูแลระบบ")
    return where + _("เกิดข้อผิดพลาดที่ระบบไม่คาดคิด กรุณาสั่งจัดทำใหม่ หากเกิดซ้ำโปรดแจ้งผู้ดูแลระบบ")


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:  # noqa: BLE001 - the job is failed either way; the log keeps the leftover's name
        log.exception("batch output %s could not be deleted", name)
