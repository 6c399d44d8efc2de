"""Writes to progress: every one atomic, validated, and recorded in the history.

Errors a user can cause raise ProgressError (or its ConflictError) with a Thai
message; views show the message and nothing has changed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import os
import unicodedata
import weakref
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import readers, structure, versions
from indicators.models import Indicator, MilestoneStep, PolicyKPI, Round, Target
from core import thai

from . import hot as _hot
from . import levels, notices
from .models import Evidence, HistoryEntry, PolicyKPIMeasurement, RoundAssessment, StepCompletion

NOTE_MAX = 5000
REASON_MAX = 2000



class ProgressError(ValidationError):
    """A change refused for a reason the user can act on (message in Thai)."""


class ConflictError(ProgressError):
    """Someone else changed the same thing after the page was loaded."""


def today() -> dt.date:
    return timezone.localdate()


def _clean_text(value: str, *, limit: int, what: str) -> str:
    value = unicodedata.normalize("NFC", value or "")
    # Control characters other than newlines and tabs have no place in a note.
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if len(value) > limit:
        raise ProgressError(_("{what}ยาวเกินไป ({count} ตัวอักษร) ใส่ได้ไม่เกิน {limit} ตัวอักษร").format(
            what=what, count=f"{len(value):,}", limit=f"{limit:,}"))
    return value


def _check_date(done_on: dt.date, indicator: Indicator) -> None:
    if done_on > today():
        raise ProgressError(_("วันที่ดำเนินการต้องไม่เป็นวันในอนาคต"))
    fy = indicator.plan.fiscal_year
    if not fy.contains(done_on):
        raise ProgressError(
            _("วันที่ดำเนินการต้องอยู่ในปีงบประมาณ พ.ศ. {year} ({start} ถึง {end})").format(
                year=fy.year_be, start=thai.format_date(fy.starts_on), end=thai.format_date(fy.ends_on))
        )


def _step_rounds(step: MilestoneStep) -> list[Round]:
    """The rounds whose result the step counts towards (its criteria set's round, or all the year's)."""
    cs = step.criteria_set
    return [r for r in structure.rounds(cs.indicator.plan.fiscal_year_id) if cs.round_id in (None, r.pk)]


@dataclass
class _Held:
    """What a step's write read under its lock (_lock_step)."""

    completions: dict[int, StepCompletion]  # the indicator's active ones, {step pk: completion}
    rounds: list[Round]  # the rounds the step counts towards
    results: dict[int, RoundAssessment]  # the indicator's round results of those rounds, {round pk: result}


def _check_unlocked(step: MilestoneStep, *dates: dt.date, held: _Held | None = None) -> None:
    """Refuses a change on these dates that would alter a submitted or verified round's result: against
    what the write read under its lock (`held`), else read now."""
    if held is None:
        rounds = _step_rounds(step)
        results = {a.round_id: a for a in RoundAssessment.objects.filter(
            indicator_id=step.criteria_set.indicator_id, round_id__in=[r.pk for r in rounds])}
    else:
        rounds, results = held.rounds, held.results
    locked = [r for r in rounds if r.pk in results and results[r.pk].is_locked and any(r.open_on(d) for d in dates)]
    if locked:
        names = ", ".join(r.label for r in locked)
        raise ProgressError(
            _("{rounds} ส่งผลการประเมินตนเองแล้ว (รอตรวจสอบหรือผ่านการตรวจสอบ) จึงแก้ไขขั้นตอนนี้ไม่ได้").format(rounds=names)
        )


def _lock_step(step: MilestoneStep) -> _Held:
    """Serialises writers of one step (writers of different steps never wait: the step's row only), and
    reads what the write is checked against: the active completions of the indicator's steps ({step pk:
    completion}, one per step at most; who recorded them is not loaded) and its round results ({round pk:
    RoundAssessment}), in one round trip (assessments/hot.py). The write's record keeps them (Written).

    The step comes as the caller loaded it, its criteria set, indicator and plan with it (they change in
    plan administration only: assessments.access reads them from indicators/structure.py). A step
    removed from its criteria meanwhile is refused."""
    rounds = _step_rounds(step)
    locked = _hot.lock_and_read(step.pk, step.criteria_set.indicator_id, [r.pk for r in rounds])
    if not locked.step_exists:
        raise ConflictError(_("ขั้นตอนนี้ถูกนำออกจากเกณฑ์แล้ว หน้าจอแสดงข้อมูลล่าสุดแล้ว"))
    held = _Held({c.step_id: c for c in locked.completions}, rounds, {a.round_id: a for a in locked.round_results})
    record = _written.get()
    if record is not None:
        record.completions, record.assessments = held.completions, held.results
        record.done_before = {pk: c.done_on for pk, c in held.completions.items()}
    return held


def _completion_json(c: StepCompletion | None) -> dict | None:
    if c is None:
        return None
    return {"done_on": c.done_on.isoformat(), "note": c.note, "version": c.version}


@dataclass
class Written:
    """What a step's write saved and read, kept for its answer (assessments.views._after_step: issue 19, a
    tick's answer is counted from them instead of reading them again). Trust it only when the write
    succeeded: a write that raises has rolled back what it saved.

    - `history`: the history lines it saved, newest first;
    - `completions`: the active completions of the indicator's steps, {step pk: completion}, as the write
      read them under the step's lock and with its own change made (who recorded them is not loaded);
    - `done_before`: {step pk: date done} of those completions before the write changed any: what the page
      showed, as far as the write knows, so that its answer sends only what changed;
    - `assessments`: the indicator's round results, {round pk: RoundAssessment}, as the write read them
      under its lock to check that no round it changes is locked.

    Each is the state as of the write (a write to another step of the indicator committed a moment later
    is on the next page, as it would be on a page read a moment earlier); None until the write has locked
    its step (_lock_step: every step write does, first)."""

    history: list[HistoryEntry] = field(default_factory=list)
    completions: dict[int, StepCompletion] | None = None
    done_before: dict[int, dt.date] | None = None
    assessments: dict[int, RoundAssessment] | None = None


_written: contextvars.ContextVar[Written | None] = contextvars.ContextVar("written", default=None)


@contextlib.contextmanager
def written():
    """Record what the writes inside the block save and read (Written)."""
    record = Written()
    token = _written.set(record)
    try:
        yield record
    finally:
        _written.reset(token)


def _now_active(step: MilestoneStep, completion: StepCompletion | None) -> None:
    """The step's active completion after its write, in the write's record (Written.completions)."""
    record = _written.get()
    if record is not None and record.completions is not None:
        if completion is None:
            record.completions.pop(step.pk, None)
        else:
            record.completions[step.pk] = completion


def _history(*, indicator_id: int, action: str, actor, step: MilestoneStep | None = None,
             round: Round | None = None, before=None, after=None, comment: str = "") -> HistoryEntry:
    versions.indicator_changed(indicator_id)  # every write to progress writes history: cached pages go stale
    entry = HistoryEntry.objects.create(
        indicator_id=indicator_id, action=action, actor=actor, step=step, round=round,
        before=before, after=after, comment=comment,
    )
    record = _written.get()
    if record is not None:
        record.history.insert(0, entry)
    return entry


@transaction.atomic
def step_complete(*, step: MilestoneStep, done_on: dt.date, by, note: str = "",
                  files=(), expected_completion_id: int | None = None) -> StepCompletion:
    """Mark a step done. Refused if it already is (someone else ticked it meanwhile)."""
    held = _lock_step(step)
    indicator = step.criteria_set.indicator
    note = _clean_text(note, limit=NOTE_MAX, what=_("หมายเหตุ"))
    _check_date(done_on, indicator)
    current = held.completions.get(step.pk)
    if current is not None:
        raise ConflictError(
            _("ขั้นตอนนี้มีผู้บันทึกว่าดำเนินการแล้วเมื่อ {when} หน้าจอแสดงข้อมูลล่าสุดแล้ว").format(
                when=thai.format_datetime(current.recorded_at))
        )
    _check_unlocked(step, done_on, held=held)
    validated = [validate_evidence(f) for f in files]
    # No savepoint of its own: the step's lock already keeps a second tick out, and the refusal leaves
    # this atomic block, which rolls the whole write back.
    try:
        completion = StepCompletion.objects.create(step=step, done_on=done_on, note=note, recorded_by=by)
    except IntegrityError as exc:  # a concurrent tick won the race (a database without row locks)
        raise ConflictError(_("ขั้นตอนนี้มีผู้บันทึกพร้อมกัน หน้าจอแสดงข้อมูลล่าสุดแล้ว")) from exc
    _now_active(step, completion)
    _history(indicator_id=indicator.pk, action=HistoryEntry.Action.STEP_DONE, actor=by, step=step,
             after=_completion_json(completion))
    for upload, info in validated:
        _evidence_store(completion, upload, info, by)
    return completion


@transaction.atomic
def step_uncomplete(*, step: MilestoneStep, by, reason: str, expected_completion_id: int | None,
                    expected_version: int | None = None) -> StepCompletion:
    """Un-tick a step: the completion is revoked (kept, with the reason), never deleted."""
    held = _lock_step(step)
    reason = _clean_text(reason, limit=REASON_MAX, what=_("เหตุผล"))
    if not reason:
        raise ProgressError(_("กรุณาระบุเหตุผลที่ยกเลิกการดำเนินการ"))
    current = _current_or_conflict(held.completions.get(step.pk), expected_completion_id, expected_version)
    _check_unlocked(step, current.done_on, held=held)
    current.revoked_at = timezone.now()
    current.revoked_by = by
    current.revoke_reason = reason
    current.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    _now_active(step, None)
    _history(indicator_id=step.criteria_set.indicator_id, action=HistoryEntry.Action.STEP_UNDONE, actor=by, step=step,
             before=_completion_json(current), comment=reason)
    return current


@transaction.atomic
def step_edit(*, step: MilestoneStep, by, done_on: dt.date, note: str, expected_completion_id: int | None,
              expected_version: int | None, files=()) -> StepCompletion:
    """Change the date or note of a done step, and/or attach more evidence."""
    held = _lock_step(step)
    indicator = step.criteria_set.indicator
    note = _clean_text(note, limit=NOTE_MAX, what=_("หมายเหตุ"))
    _check_date(done_on, indicator)
    current = _current_or_conflict(held.completions.get(step.pk), expected_completion_id, expected_version)
    validated = [validate_evidence(f) for f in files]
    if (done_on, note) != (current.done_on, current.note):
        _check_unlocked(step, current.done_on, done_on, held=held)
        before = _completion_json(current)
        current.done_on, current.note = done_on, note
        current.version += 1
        current.save(update_fields=["done_on", "note", "version"])
        _history(indicator_id=indicator.pk, action=HistoryEntry.Action.STEP_EDITED, actor=by, step=step,
                 before=before, after=_completion_json(current))
    elif validated:
        _check_unlocked(step, current.done_on, held=held)
    for upload, info in validated:
        _evidence_store(current, upload, info, by)
    return current


def _current_or_conflict(current: StepCompletion | None, expected_completion_id, expected_version) -> StepCompletion:
    if current is None:
        raise ConflictError(_("ขั้นตอนนี้ถูกยกเลิกการดำเนินการไปแล้วโดยผู้อื่น หน้าจอแสดงข้อมูลล่าสุดแล้ว"))
    if expected_completion_id is not None and (
        current.pk != expected_completion_id
        or (expected_version is not None and current.version != expected_version)
    ):
        raise ConflictError(_("ขั้นตอนนี้ถูกแก้ไขโดยผู้อื่นหลังจากที่คุณเปิดหน้านี้ หน้าจอแสดงข้อมูลล่าสุดแล้ว"))
    return current


# --- evidence -------------------------------------------------------------

ALLOWED_TYPES = {
    # detected MIME → (extensions accepted, content type we serve it with)
    "application/pdf": ({".pdf"}, "application/pdf"),
    "image/jpeg": ({".jpg", ".jpeg"}, "image/jpeg"),
    "image/png": ({".png"}, "image/png"),
    "image/gif": ({".gif"}, "image/gif"),
    "image/webp": ({".webp"}, "image/webp"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        {".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        {".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        {".pptx"}, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "application/msword": ({".doc"}, "application/msword"),
    "application/vnd.ms-excel": ({".xls"}, "application/vnd.ms-excel"),
    "application/vnd.ms-powerpoint": ({".ppt"}, "application/vnd.ms-powerpoint"),
    "application/x-ole-storage": ({".doc", ".xls", ".ppt"}, "application/octet-stream"),
}
ALLOWED_LABEL = gettext_lazy("PDF, รูปภาพ (JPG, PNG, GIF, WEBP), Word, Excel หรือ PowerPoint")


def clean_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "เอกสารหลักฐาน"
    stem, ext = os.path.splitext(name)
    return stem[: 200 - len(ext)] + ext[:20]


def _sniff(head: bytes) -> str | None:
    import filetype

    # Any OLE compound file first: filetype tells .doc, .xls and .ppt apart by
    # guesswork (a Word file can come out as PowerPoint); the streams inside
    # decide, in _ole_ok.
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    return None


def validate_evidence(upload) -> tuple[object, dict]:
    """Check size and type (by content, and the extension must agree)."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = getattr(upload, "size", None) or 0
    name = clean_filename(getattr(upload, "name", ""))
    if size == 0:
        raise ProgressError(_("ไฟล์ {name} ว่างเปล่า").format(name=name))
    if size > limit:
        raise ProgressError(
            _("ไฟล์ {name} มีขนาด {size} MB เกินขนาดที่รับได้ {limit} MB").format(
                name=name, size=f"{size / 1048576:.1f}", limit=f"{limit / 1048576:.0f}")
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    mime = _sniff(head)
    ext = os.path.splitext(name)[1].lower()
    if mime not in ALLOWED_TYPES or ext not in ALLOWED_TYPES[mime][0]:
        raise ProgressError(_("ไฟล์ {name} ไม่ใช่ชนิดที่รับได้ (รับเฉพาะ {allowed} และนามสกุลต้องตรงกับเนื้อไฟล์)").format(
            name=name, allowed=ALLOWED_LABEL))
    if ext in OFFICE_PARTS and not _office_structure_ok(upload, ext):
        raise ProgressError(
            _("ไฟล์ {name} ไม่ใช่เอกสาร {kind} ที่สมบูรณ์ (โครงสร้างภายในไฟล์ไม่ถูกต้องหรือไฟล์เสีย) "
              "กรุณาเปิดและบันทึกไฟล์ใหม่จากโปรแกรมแล้วแนบอีกครั้ง").format(name=name, kind=OFFICE_PARTS[ext][0]))
    content_type = ALLOWED_TYPES[mime][1]
    if mime == "application/x-ole-storage":  # the streams matched the extension: serve it as what it is
        content_type = next(ct for m, (exts, ct) in ALLOWED_TYPES.items() if ext in exts and m != mime)
    return upload, {"name": name, "content_type": content_type, "size": size}


# What makes an Office file one: for OOXML the package's [Content_Types].xml
# declaring the main part with its type, and that part present; for the old
# binary formats the OLE stream that holds the document. A ZIP with a word/
# entry or any OLE file (an .msi, a .msg) is not a document.
_OOXML_MAIN = "application/vnd.openxmlformats-officedocument.{}.main+xml"
OFFICE_PARTS = {
    ".docx": ("Word", "word/document.xml", _OOXML_MAIN.format("wordprocessingml.document")),
    ".xlsx": ("Excel", "xl/workbook.xml", _OOXML_MAIN.format("spreadsheetml.sheet")),
    ".pptx": ("PowerPoint", "ppt/presentation.xml", _OOXML_MAIN.format("presentationml.presentation")),
    ".doc": ("Word", ("WordDocument",)),
    ".xls": ("Excel", ("Workbook", "Book")),
    ".ppt": ("PowerPoint", ("PowerPoint Document",)),
}
_CONTENT_TYPES_MAX = 1024 * 1024


def _office_structure_ok(upload, ext: str) -> bool:
    upload.seek(0)
    try:
        if ext.endswith("x"):
            return _ooxml_ok(upload, *OFFICE_PARTS[ext][1:])
        return _ole_ok(upload, OFFICE_PARTS[ext][1])
    except Exception:  # any parser error on a hostile file means "not a document"
        return False
    finally:
        upload.seek(0)


def _ooxml_ok(upload, main_part: str, main_type: str) -> bool:
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(upload) as package:
        names = set(package.namelist())
        if "[Content_Types].xml" not in names or main_part not in names:
            return False
        if package.getinfo("[Content_Types].xml").file_size > _CONTENT_TYPES_MAX:
            return False
        types = ElementTree.fromstring(package.read("[Content_Types].xml"))
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in types.iter(ns + "Override")}
    return overrides.get(main_part) == main_type


def _ole_ok(upload, streams: tuple[str, ...]) -> bool:
    import olefile

    ole = olefile.OleFileIO(upload)
    try:
        for stream in streams:
            if ole.exists(stream) and ole.get_type(stream) == olefile.STGTY_STREAM:
                with ole.openstream(stream) as content:  # every byte of the document there, not cut short
                    return len(content.read()) == ole.get_size(stream)
        return False
    finally:
        ole.close()


def _evidence_store(completion: StepCompletion, upload, info: dict, by) -> Evidence:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        completion=completion,
        original_name=info["name"],
        content_type=info["content_type"],
        size=info["size"],
        sha256=digest.hexdigest(),
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    # Files are written last, after every check has passed, and before the row is
    # committed (so a committed row always has its file). If the transaction
    # rolls back, here or anywhere later in the caller, the file goes too.
    evidence.file.save("evidence", upload, save=False)
    _delete_unless_committed(evidence.file.storage, evidence.file.name)
    evidence.save()
    _history(indicator_id=completion.step.criteria_set.indicator_id, action=HistoryEntry.Action.EVIDENCE_ADDED, actor=by,
             step=completion.step, after={"file": evidence.original_name, "size": evidence.size})
    return evidence


class _Committed:
    """An on_commit callback that notes the commit; see _delete_unless_committed."""

    def __init__(self, state: dict):
        self.state = state

    def __call__(self):
        self.state["committed"] = True


def _delete_unless_committed(storage, name: str) -> None:
    """Remove the stored file when the transaction it was written in rolls back.

    Django has no on_rollback hook, but it drops the on_commit callbacks of a
    transaction (or savepoint) that rolls back without calling them. So the
    file's callback only records the commit, and a finaliser on the callback
    object removes the file when the callback is dropped uncalled. Outside any
    transaction on_commit runs at once and nothing is ever removed.
    """
    state = {"committed": False}
    callback = _Committed(state)
    weakref.finalize(callback, _delete_if_uncommitted, storage, name, state)
    transaction.on_commit(callback)
    del callback  # the connection's list of callbacks is now its only owner


def _delete_if_uncommitted(storage, name: str, state: dict) -> None:
    if not state["committed"]:
        try:
            storage.delete(name)
        except OSError:  # already gone, or the folder went away: nothing left behind either way
            pass


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by, reason: str = "") -> Evidence:
    evidence = Evidence.objects.select_for_update().select_related("completion__step__criteria_set__indicator__plan__fiscal_year").get(pk=evidence.pk)
    if evidence.removed_at is not None:
        raise ConflictError(_("เอกสารหลักฐานนี้ถูกนำออกไปแล้ว"))
    step = evidence.completion.step
    _check_unlocked(step, evidence.completion.done_on)
    evidence.removed_at = timezone.now()
    evidence.removed_by = by
    evidence.save(update_fields=["removed_at", "removed_by"])
    _history(indicator_id=step.criteria_set.indicator_id, action=HistoryEntry.Action.EVIDENCE_REMOVED, actor=by, step=step,
             before={"file": evidence.original_name}, comment=_clean_text(reason, limit=REASON_MAX, what=_("เหตุผล")))
    return evidence


# --- rounds ---------------------------------------------------------------

def _assessment_for_update(indicator: Indicator, round: Round) -> RoundAssessment:
    RoundAssessment.objects.get_or_create(indicator=indicator, round=round)
    return RoundAssessment.objects.select_for_update().get(indicator=indicator, round=round)


def round_level(indicator: Indicator, round: Round, as_of: dt.date | None = None) -> int:
    from .selectors import progress_for

    return progress_for([indicator], [round], as_of or round.closes_on)[indicator.pk].rounds[0].level


@transaction.atomic
def round_submit(*, indicator: Indicator, round: Round, by, note: str = "",
                 require_reason_below_target: bool = False) -> RoundAssessment:
    """ส่งผลการประเมินตนเอง: locks the round's steps until the director decides.

    The owner's pages pass require_reason_below_target: a level below the target is
    submitted only with a reason (the note), which the reviewer reads. Resubmitting a
    returned round clears its return comment from the round (it stays in the history).
    """
    note = _clean_text(note, limit=NOTE_MAX, what=_("หมายเหตุ"))
    assessment = _assessment_for_update(indicator, round)
    if assessment.status == RoundAssessment.ReviewStatus.SUBMITTED:
        raise ConflictError(_("รอบนี้ส่งผลการประเมินตนเองแล้ว กำลังรอตรวจสอบ"))
    if assessment.status == RoundAssessment.ReviewStatus.VERIFIED:
        raise ConflictError(_("รอบนี้ผ่านการตรวจสอบแล้ว"))
    if not indicator.criteria_sets.exists():
        raise ProgressError(_("ตัวชี้วัดนี้ยังไม่ได้กำหนดเกณฑ์การให้คะแนน จึงยังส่งผลไม่ได้"))
    # Every step's lock (ticks hold theirs while checking that the round is open): a
    # concurrent tick either lands before the level is computed or sees the round submitted.
    list(MilestoneStep.objects.select_for_update(of=("self",)).filter(criteria_set__indicator=indicator)
         .order_by("pk").values_list("pk", flat=True))
    level = round_level(indicator, round, levels.effective_date(today(), round.closes_on))
    if require_reason_below_target and not note:
        target = Target.objects.filter(indicator=indicator, round=round).values_list("level", flat=True).first()
        if target is not None and level < target:
            raise ProgressError(
                _("ผลการประเมินตนเองระดับ {level} ต่ำกว่าค่าเป้าหมาย (ระดับ {target}) กรุณาระบุเหตุผลถึงผู้ตรวจสอบก่อนส่ง").format(
                    level=level, target=target))
    before = {"status": assessment.status}
    if assessment.status == RoundAssessment.ReviewStatus.RETURNED and assessment.review_comment:
        before["review_comment"] = assessment.review_comment
        assessment.review_comment = ""
    assessment.status = RoundAssessment.ReviewStatus.SUBMITTED
    assessment.self_level = level
    assessment.verified_level = None
    assessment.submitted_by, assessment.submitted_at, assessment.submit_note = by, timezone.now(), note
    assessment.save()
    _history(indicator_id=indicator.pk, action=HistoryEntry.Action.ROUND_SUBMITTED, actor=by, round=round, before=before,
             after={"status": assessment.status, "self_level": level}, comment=note)
    notices.round_submitted(assessment=assessment, by=by)
    return assessment


@transaction.atomic
def round_verify(*, indicator: Indicator, round: Round, by, level: int | None = None,
                 reason: str = "") -> RoundAssessment:
    """ผ่านการตรวจสอบ: the verified level defaults to the self-assessed one; lower needs a reason."""
    reason = _clean_text(reason, limit=REASON_MAX, what=_("เหตุผล"))
    assessment = _assessment_for_update(indicator, round)
    if assessment.status != RoundAssessment.ReviewStatus.SUBMITTED:
        raise ConflictError(_("รอบนี้ไม่ได้อยู่ในสถานะรอตรวจสอบ"))
    if assessment.submitted_by_id == by.pk:
        raise ProgressError(_("ผู้ส่งผลการประเมินตนเองตรวจสอบผลของตนเองไม่ได้"))
    self_level = assessment.self_level or 0
    level = self_level if level is None else level
    if not 0 <= level <= self_level:
        raise ProgressError(_("ผลการตรวจสอบต้องอยู่ระหว่าง 0 ถึงผลการประเมินตนเอง (ระดับ {level})").format(level=self_level))
    if level < self_level and not reason:
        raise ProgressError(_("กรุณาระบุเหตุผลเมื่อให้ผลการตรวจสอบต่ำกว่าผลการประเมินตนเอง"))
    assessment.status = RoundAssessment.ReviewStatus.VERIFIED
    assessment.verified_level = level
    assessment.reviewed_by, assessment.reviewed_at, assessment.review_comment = by, timezone.now(), reason
    assessment.save()
    _history(indicator_id=indicator.pk, action=HistoryEntry.Action.ROUND_VERIFIED, actor=by, round=round,
             before={"status": RoundAssessment.ReviewStatus.SUBMITTED, "self_level": self_level},
             after={"status": assessment.status, "verified_level": level}, comment=reason)
    notices.round_verified(assessment=assessment, by=by)
    return assessment


@transaction.atomic
def round_return(*, indicator: Indicator, round: Round, by, comment: str) -> RoundAssessment:
    """ส่งกลับแก้ไข: unlocks the round for the owners, with the director's comment."""
    comment = _clean_text(comment, limit=REASON_MAX, what=_("ความเห็น"))
    if not comment:
        raise ProgressError(_("กรุณาระบุความเห็นเมื่อส่งกลับแก้ไข"))
    assessment = _assessment_for_update(indicator, round)
    if assessment.status != RoundAssessment.ReviewStatus.SUBMITTED:
        raise ConflictError(_("รอบนี้ไม่ได้อยู่ในสถานะรอตรวจสอบ"))
    if assessment.submitted_by_id == by.pk:
        raise ProgressError(_("ผู้ส่งผลการประเมินตนเองตรวจสอบผลของตนเองไม่ได้"))
    assessment.status = RoundAssessment.ReviewStatus.RETURNED
    assessment.reviewed_by, assessment.reviewed_at, assessment.review_comment = by, timezone.now(), comment
    assessment.save()
    _history(indicator_id=indicator.pk, action=HistoryEntry.Action.ROUND_RETURNED, actor=by, round=round,
             before={"status": RoundAssessment.ReviewStatus.SUBMITTED}, after={"status": assessment.status},
             comment=comment)
    notices.round_returned(assessment=assessment, by=by)
    return assessment


REPORT_FIELDS = ("results", "problems", "remedies")


def _report_json(a: RoundAssessment) -> dict:
    return {f: getattr(a, f"report_{f}") for f in REPORT_FIELDS}


@transaction.atomic
def round_report_save(*, indicator: Indicator, round: Round, by, results: str, problems: str, remedies: str,
                      expected_version: int | None = None) -> RoundAssessment:
    """รายงานผลการดำเนินงาน: the owner's words for the round, editable until it is submitted."""
    texts = {
        "results": _clean_text(results, limit=NOTE_MAX, what=_("ผลการดำเนินงาน")),
        "problems": _clean_text(problems, limit=NOTE_MAX, what=_("ปัญหา/อุปสรรค")),
        "remedies": _clean_text(remedies, limit=NOTE_MAX, what=_("แนวทางแก้ไข/ข้อเสนอแนะ")),
    }
    assessment = _assessment_for_update(indicator, round)
    if assessment.is_locked:
        raise ProgressError(_("รอบนี้ส่งผลการประเมินตนเองแล้ว จึงแก้ไขรายงานผลการดำเนินงานไม่ได้"))
    if expected_version is not None and expected_version != assessment.report_version:
        raise ConflictError(_("รายงานนี้ถูกแก้ไขโดยผู้อื่นหลังจากที่คุณเปิดหน้านี้ หน้าจอแสดงข้อมูลล่าสุดแล้ว"))
    before = _report_json(assessment)
    if before == texts:
        return assessment
    for f, value in texts.items():
        setattr(assessment, f"report_{f}", value)
    assessment.report_version += 1
    assessment.report_updated_by, assessment.report_updated_at = by, timezone.now()
    assessment.save()
    _history(indicator_id=indicator.pk, action=HistoryEntry.Action.REPORT_EDITED, actor=by, round=round, before=before, after=texts)
    return assessment


@transaction.atomic
def round_reopen(*, indicator: Indicator, round: Round, by, reason: str) -> RoundAssessment:
    """An administrator reopens a verified (or submitted) round for a correction."""
    reason = _clean_text(reason, limit=REASON_MAX, what=_("เหตุผล"))
    if not reason:
        raise ProgressError(_("กรุณาระบุเหตุผลที่เปิดรอบให้แก้ไขอีกครั้ง"))
    assessment = _assessment_for_update(indicator, round)
    if not assessment.is_locked:
        raise ConflictError(_("รอบนี้เปิดให้แก้ไขอยู่แล้ว"))
    before = {"status": assessment.status, "verified_level": assessment.verified_level}
    assessment.status = RoundAssessment.ReviewStatus.RETURNED
    assessment.review_comment = reason
    assessment.reviewed_by, assessment.reviewed_at = by, timezone.now()
    assessment.save()
    _history(indicator_id=indicator.pk, action=HistoryEntry.Action.ROUND_REOPENED, actor=by, round=round, before=before,
             after={"status": assessment.status}, comment=reason)
    notices.round_reopened(assessment=assessment, by=by)
    return assessment


# --- 5G policy KPIs -----------------------------------------------------------

@transaction.atomic
def kpi_measurement_record(*, kpi: PolicyKPI, value, measured_on: dt.date, source: str, by) -> PolicyKPIMeasurement:
    try:
        value = Decimal(str(value))
    except InvalidOperation as exc:
        raise ProgressError(_("ผลการดำเนินงานต้องเป็นตัวเลข")) from exc
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise ProgressError(_("ผลการดำเนินงานต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"))
    if measured_on > today():
        raise ProgressError(_("วันที่ของข้อมูลต้องไม่เป็นวันในอนาคต"))
    # A value from another year would be reported as this year's result (and 0001-01-01 prints as พ.ศ. ๕๔๔).
    fy = kpi.fiscal_year
    if not fy.contains(measured_on):
        raise ProgressError(
            _("วันที่ของข้อมูลต้องอยู่ในปีงบประมาณ พ.ศ. {year} ({start} ถึง {end})").format(
                year=fy.year_be, start=thai.format_date(fy.starts_on), end=thai.format_date(fy.ends_on))
        )
    source = _clean_text(source, limit=500, what=_("แหล่งข้อมูล"))
    versions.everything_changed()  # a KPI of a unit is shown on the plans of the units below it
    return PolicyKPIMeasurement.objects.create(
        kpi=kpi, value=value.quantize(Decimal("0.01")), measured_on=measured_on, source=source, recorded_by=by
    )


# --- notices ------------------------------------------------------------------

@transaction.atomic
def notice_mark_read(*, user, pks: list[int] | None = None) -> int:
    """Mark the user's notices read (all of them, or those listed); never someone else's."""
    from .models import Notice

    qs = Notice.objects.for_user(user).unread()
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    readers.notices_changed([user.pk])  # update() sends no signal: the menu's count
    return qs.update(read_at=timezone.now())
