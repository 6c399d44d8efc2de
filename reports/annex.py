"""ภาคผนวกเอกสารหลักฐาน: the evidence annex of one indicator, or of a whole plan, for a period.

One PDF: a numbered list of the evidence (เอกสารหลักฐานที่ ๑, ๒, …: indicator, step,
file name, who uploaded it and when, its SHA-256), then each evidence file in the
list's order: a PDF's own pages appended, an image on a page of its own, anything
else listed only (with its checksum, so the file sent alongside can be checked).
A file that cannot be appended (missing, altered since upload, a damaged or
password-protected PDF, an image that does not open) gets a page with a Thai note
saying why, never an error. Every item has a bookmark (PDF outline), under its
indicator in a plan's annex.

Which evidence: the same as the scorecard of the period shows (reports/scorecard.py):
the files, not removed, of the completions of the round's steps done by
min(as-of date, round close), of the indicators the user may see
(Indicator.objects.visible_to, the rule of an evidence download,
assessments/access.py).

The list and the image and note pages are WeasyPrint output through
reports/pdf.py's engine and text layer (exact Thai text in every PDF viewer,
tagged); pypdf appends the evidence PDFs and writes the outline.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.template import Context

from assessments.models import Evidence
from assessments.selectors import progress_for
from indicators.models import ActionPlan, Indicator, Round
from core import thai

from . import pdf, pdf_text
from .rows import names_for
from .scorecard import Period

logger = logging.getLogger(__name__)

TEMPLATE = "reports/annex_pdf.html"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}

PDF, IMAGE, OTHER, NOTE = "pdf", "image", "other", "note"


@dataclass
class AnnexItem:
    """One evidence file, numbered in the annex."""

    number: int
    evidence_id: int
    indicator_number: int
    indicator_name: str
    step_number: int
    step_text: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: object
    done_on: object
    kind: str = OTHER  # pdf | image | other | note
    note: str = ""  # why the file is not appended (kind == note)
    image_uri: str = ""
    pdf_bytes: bytes = field(default=b"", repr=False)  # the PDF as pypdf rewrote it
    file: object = field(default=None, repr=False)  # the Evidence's FieldFile

    @property
    def extension(self) -> str:
        """"XLSX" for แผน.xlsx (shown instead of the long MIME type, which would wrap at hyphens)."""
        return Path(self.name).suffix.lstrip(".").upper() or "-"

    @property
    def has_page(self) -> bool:
        """Whether the annex's own pages include one for this item (an image or a note)."""
        return self.kind in (IMAGE, NOTE)


@dataclass
class Annex:
    plan: ActionPlan
    period: Period
    indicator: Indicator | None  # None: the whole plan
    items: list[AnnexItem]

    @property
    def title(self) -> str:
        return "ภาคผนวกเอกสารหลักฐาน"

    @property
    def filename(self) -> str:
        stem = f"evidence-annex-{self.plan.fiscal_year.year_be}-{self.period.code}"
        if self.indicator is not None:
            stem += f"-{self.indicator.number}"
        return f"{stem}.pdf"


def annex_items(*, user, plan: ActionPlan, period: Period, indicator_ids: list[int] | None = None) -> list[AnnexItem]:
    """The evidence of the period, numbered, in indicator, step and upload order (fixed queries).

    user=None (the export_annex command, run by whoever runs the server) sees every indicator.
    """
    indicators_qs = (Indicator.objects.visible_to(user) if user is not None else Indicator.objects).filter(plan=plan)
    indicators_qs = indicators_qs.order_by("number")
    if indicator_ids is not None:
        indicators_qs = indicators_qs.filter(pk__in=indicator_ids)
    indicators = list(indicators_qs)
    rnd = Round.objects.get(fiscal_year=plan.fiscal_year, months=period.round_months)
    progress = progress_for(indicators, [rnd], period.as_of)
    cutoff = min(period.as_of, rnd.closes_on)
    counted = {}  # completion id -> (indicator, step number, step text, done on)
    for indicator in indicators:
        for view in progress[indicator.pk].rounds[0].steps:
            c = view.completion
            if c is not None and c.done_on <= cutoff:
                counted[c.pk] = (indicator, view.number, view.step.text, c.done_on)
    evidence = list(
        Evidence.objects.filter(completion_id__in=list(counted), removed_at__isnull=True).order_by("uploaded_at", "pk")
    )
    names = names_for(e.uploaded_by_id for e in evidence)
    evidence.sort(key=lambda e: (counted[e.completion_id][0].number, counted[e.completion_id][1], e.uploaded_at, e.pk))
    items = []
    for number, e in enumerate(evidence, start=1):
        indicator, step_number, step_text, done_on = counted[e.completion_id]
        items.append(
            AnnexItem(
                number=number,
                evidence_id=e.pk,
                indicator_number=indicator.number,
                indicator_name=indicator.name,
                step_number=step_number,
                step_text=step_text,
                name=e.original_name,
                content_type=e.content_type,
                size=e.size,
                sha256=e.sha256,
                uploaded_by=names.get(e.uploaded_by_id, ""),
                uploaded_at=e.uploaded_at,
                done_on=done_on,
                file=e.file,
            )
        )
    return items


# --- the files ---------------------------------------------------------------------------


def prepare(item: AnnexItem) -> None:
    """Read the item's file and decide how the annex carries it (sets kind, note, ...)."""
    try:
        with item.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        item.kind, item.note = NOTE, "ไม่พบไฟล์นี้ในที่เก็บเอกสารหลักฐาน จึงแนบไม่ได้"
        return
    if hashlib.sha256(data).hexdigest() != item.sha256:
        item.kind, item.note = NOTE, "ไฟล์นี้ไม่ตรงกับค่าตรวจสอบ (SHA-256) ที่บันทึกไว้ตอนอัปโหลด จึงไม่แนบ"
        return
    if item.content_type == "application/pdf" or data[:5] == b"%PDF-":
        item.kind = PDF
        item.pdf_bytes, item.note = _clean_pdf(data)
        if item.note:
            item.kind = NOTE
    elif item.content_type in IMAGE_TYPES:
        item.note = _check_image(data)
        if item.note:
            item.kind = NOTE
        else:
            item.kind = IMAGE
            # A data: URI of the bytes read through the storage API, never a file path: the evidence
            # may be in object storage (S3) with no local file at all (issue 19, many servers).
            item.image_uri = f"data:{item.content_type};base64,{base64.b64encode(data).decode('ascii')}"
    else:
        item.kind = OTHER


def _clean_pdf(data: bytes) -> tuple[bytes, str]:
    """(the PDF as pypdf rewrites it, "") or (b"", a Thai note saying why it cannot be appended)."""
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # an owner password only: still readable
            except Exception:  # noqa: BLE001 - pypdf raises several kinds here
                opened = 0
            if not opened:
                return b"", "ไฟล์ PDF นี้ตั้งรหัสผ่านไว้ จึงแนบในภาคผนวกไม่ได้ (ดาวน์โหลดไฟล์จากระบบแล้วเปิดด้วยรหัสผ่าน)"
        if not len(reader.pages):
            return b"", "ไฟล์ PDF นี้ไม่มีหน้าใด จึงแนบไม่ได้"
        writer = PdfWriter()
        writer.append(reader, import_outline=False)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue(), ""
    except Exception as exc:  # noqa: BLE001 - a damaged file must give a note, never a 500
        logger.info("evidence PDF not appended to the annex: %s", exc)
        return b"", "ไฟล์ PDF นี้เสียหาย เปิดอ่านไม่ได้ จึงแนบในภาคผนวกไม่ได้"


def _check_image(data: bytes) -> str:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises several kinds for a bad file
        return "ไฟล์ภาพนี้เสียหาย เปิดไม่ได้ จึงแนบในภาคผนวกไม่ได้"
    return ""


# --- the PDF -----------------------------------------------------------------------------


def render_html(annex: Annex) -> str:
    context = {
        "annex": annex,
        "counter_style": "thai" if pdf._thai() else "decimal",
        "font_faces": pdf.font_faces(),
        "period_title": annex.period.title(thai_digits=pdf._thai()),
        "group": annex.plan.org_unit.name,
    }
    return pdf._engine().get_template(TEMPLATE).render(Context(context))


def render_pdf(annex: Annex) -> bytes:
    """The annex as one PDF with an outline entry for every item."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    for item in annex.items:
        prepare(item)
    html = render_html(annex)
    with pdf_text.exact_text():
        document = HTML(string=html, base_url=str(pdf.FONT_DIR)).render(pdf_tags=True)
        anchors = {name: index for index, page in enumerate(document.pages) for name in page.anchors}
        own = document.write_pdf(pdf_tags=True)

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(own)))
    # Where each item starts in the final file: own pages shift by the PDF pages put before them.
    inserted = 0
    starts: dict[int, int] = {}
    for item in annex.items:
        if item.kind == PDF:
            reader = PdfReader(io.BytesIO(item.pdf_bytes))
            position = _next_own_page(annex.items, item, anchors, len(document.pages)) + inserted
            writer.merge(position=position, fileobj=reader, import_outline=False)
            starts[item.number] = position
            inserted += len(reader.pages)
        elif item.has_page:
            starts[item.number] = anchors[f"item-{item.number}"] + inserted
        else:  # listed only: the bookmark opens its row of the list
            starts[item.number] = anchors[f"row-{item.number}"]

    writer.add_outline_item(title=_outline_text("รายการเอกสารหลักฐาน"), page_number=0)
    parents = {}
    for item in annex.items:
        parent = None
        if annex.indicator is None:
            if item.indicator_number not in parents:
                label = f"ตัวชี้วัดที่ {_digits(item.indicator_number)} {item.indicator_name}"
                parents[item.indicator_number] = writer.add_outline_item(title=_outline_text(label), page_number=starts[item.number])
            parent = parents[item.indicator_number]
        label = f"เอกสารหลักฐานที่ {_digits(item.number)} {item.name}"
        writer.add_outline_item(title=_outline_text(label), page_number=starts[item.number], parent=parent)
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _next_own_page(items, item, anchors, own_pages: int) -> int:
    """The own page (image or note) of the first later item that has one, else the end."""
    later = [i for i in items if i.number > item.number and i.has_page]
    return anchors[f"item-{later[0].number}"] if later else own_pages


def _digits(value) -> str:
    return pdf.digits(value)


def _outline_text(text: str) -> str:
    return " ".join(text.split())


def build_annex(*, user, plan: ActionPlan, period: Period, indicator_ids: list[int] | None = None) -> Annex:
    indicator = None
    if indicator_ids:
        visible = Indicator.objects.visible_to(user) if user is not None else Indicator.objects
        indicator = visible.filter(pk=indicator_ids[0]).first()
    return Annex(plan, period, indicator, annex_items(user=user, plan=plan, period=period, indicator_ids=indicator_ids))


def thai_date(value) -> str:
    return thai.format_date(value, thai_digits=pdf._thai())
