import datetime as dt

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import thai

# Django's Thai catalogue has no translation of its own message for NUL characters
# (which PostgreSQL cannot store in text either): say it in Thai.
NO_NUL = {"null_characters_not_allowed": _("ข้อความมีอักขระควบคุม (NUL) ที่บันทึกไม่ได้ กรุณาลบออกแล้วบันทึกอีกครั้ง")}


class BuddhistDateField(forms.CharField):
    """A date typed as 31/03/2565 (Thai or Arabic digits); ISO 2022-03-31 is accepted too."""

    default_error_messages = {"invalid": _("วันที่ไม่ถูกต้อง พิมพ์เป็น วว/ดด/ปปปป (พ.ศ.) เช่น 31/03/2565")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return thai.parse_input_date(value)
        except (ValueError, OverflowError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class MultipleFileInput(forms.FileInput):
    """<input type="file" multiple>: shown by the step form; the view reads request.FILES.getlist."""

    allow_multiple_selected = True


EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.gif,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx"
INVALID_FORM = {"invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง")}


def small_label(text) -> str:
    """A label in small type, as the step form's fields have beside the bigger step text."""
    return format_html('<span class="small">{}</span>', text)


class StepForm(forms.Form):
    """One milestone step: the checkbox is the real control; the rest describes it.

    Bound to POST data it validates a save (step_save). Given `view` (a selectors.StepView) it renders
    that step in the round panel: ids "<field>-<step pk>" (the date's is "date-<step pk>"), the saved
    values or the default date, and the date's bounds [starts_on, as_of] for the calendar.
    """

    done = forms.BooleanField(required=False)
    done_on = BuddhistDateField(label=_("วันที่ดำเนินการ"), required=False)
    files = forms.FileField(label=_("เอกสารหลักฐาน"), required=False, widget=MultipleFileInput)
    note = forms.CharField(label=_("หมายเหตุ"), required=False, strip=False, error_messages=NO_NUL)
    reason = forms.CharField(label=_("เหตุผล"), required=False, error_messages=NO_NUL)
    completion_id = forms.IntegerField(required=False, error_messages=INVALID_FORM, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, error_messages=INVALID_FORM, widget=forms.HiddenInput)
    round = forms.IntegerField(required=False, error_messages=INVALID_FORM, widget=forms.HiddenInput)

    def __init__(self, data=None, *, view=None, round_pk: int | None = None, default_done_on: dt.date | None = None,
                 starts_on: dt.date | None = None, as_of: dt.date | None = None, note_max: int | None = None,
                 max_mb: int | None = None, **kwargs):
        if view is None:
            super().__init__(data, **kwargs)
            return
        done, completion = view.state.done, view.completion
        super().__init__(data, auto_id=f"%s-{view.step.pk}", initial={
            "done": done, "round": round_pk, "note": completion.note if completion else "",
            "done_on": thai.format_input_date(completion.done_on if completion else default_done_on),
            "completion_id": completion.pk if completion else None,
            "version": completion.version if completion else None}, **kwargs)
        self._show_step(view)
        self._show_date(view.step.pk, default_done_on, starts_on, as_of)
        self._show_texts(note_max, max_mb)
        if completion is None:
            del self.fields["completion_id"], self.fields["version"]
        if not done:
            del self.fields["reason"]

    def _show_step(self, view) -> None:
        self.fields["done"].label = format_html('<span class="fw-bold">{} {}</span> <span class="step-text">{}</span>',
                                                _("ขั้นตอนที่"), view.number, view.step.text)

    def _show_date(self, step_pk: int, default_done_on, starts_on, as_of) -> None:
        field = self.fields["done_on"]
        field.label = small_label(_("วันที่ดำเนินการ"))
        field.help_text = format_html("{} {}", _("พิมพ์ วว/ดด/ปปปป (พ.ศ.) เช่น"), thai.format_input_date(default_done_on))
        field.widget.attrs.update({
            "id": f"date-{step_pk}", "class": "form-control-sm", "inputmode": "numeric", "autocomplete": "off",
            "maxlength": "40", "placeholder": _("วว/ดด/ปปปป"), "data-be-date": True,
            "data-min": starts_on.isoformat() if starts_on else "", "data-max": as_of.isoformat() if as_of else ""})

    def _show_texts(self, note_max: int | None, max_mb: int | None) -> None:
        files = self.fields["files"]
        kinds = _("PDF, รูปภาพ, Word, Excel, PowerPoint ≤ %(max_mb)s MB") % {"max_mb": max_mb}
        files.label = format_html('<span class="small">{} <span class="text-muted">({})</span></span>',
                                  _("เอกสารหลักฐาน"), kinds)
        files.widget.attrs.update({"class": "form-control-sm", "accept": EVIDENCE_ACCEPT})
        note = self.fields["note"]
        note.label = small_label(_("หมายเหตุ"))
        note.widget = forms.Textarea(attrs={"rows": "2", "class": "form-control-sm"}
                                     | ({"maxlength": str(note_max)} if note_max else {}))
        if "reason" in self.fields:
            reason = self.fields["reason"]
            reason.label = small_label(_("เหตุผล (เมื่อยกเลิกเครื่องหมายดำเนินการแล้ว)"))
            reason.widget.attrs.update({"class": "form-control-sm", "maxlength": "2000"})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("เหตุผล"), required=False, error_messages=NO_NUL)
    note = forms.CharField(label=_("หมายเหตุ"), required=False, error_messages=NO_NUL)
    round = forms.IntegerField(required=False, error_messages={"invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง")})


class EvidenceRemoveForm(ReasonForm):
    """นำเอกสารหลักฐานออก: an optional reason; the field's id names the file (several on one page)."""

    def __init__(self, *args, evidence_pk: int, **kwargs):
        super().__init__(*args, auto_id=f"remove-%s-{evidence_pk}", **kwargs)
        reason = self.fields["reason"]
        reason.label = _("เหตุผล (ถ้ามี)")
        reason.widget.attrs.update({"maxlength": "2000", "class": "form-control-sm"})


class RoundReportForm(forms.Form):
    """รายงานผลการดำเนินงาน of one round."""

    results = forms.CharField(label=_("ผลการดำเนินงาน"), required=False, strip=False, error_messages=NO_NUL)
    problems = forms.CharField(label=_("ปัญหา/อุปสรรค"), required=False, strip=False, error_messages=NO_NUL)
    remedies = forms.CharField(label=_("แนวทางแก้ไข/ข้อเสนอแนะ"), required=False, strip=False, error_messages=NO_NUL)
    version = forms.IntegerField(required=False, min_value=0, error_messages={
        "invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง"), "min_value": _("ข้อมูลฟอร์มไม่ถูกต้อง")})
    TEXTS = ("results", "problems", "remedies")

    def __init__(self, *args, note_max: int | None = None, **kwargs):
        super().__init__(*args, auto_id="report-%s", **kwargs)
        for name in self.TEXTS:
            attrs = {"rows": "3", "class": "form-control-sm"} | ({"maxlength": str(note_max)} if note_max else {})
            self.fields[name].widget = forms.Textarea(attrs=attrs)


class DecisionForm(forms.Form):
    """A reviewer's decision on the review page (ผ่านการตรวจสอบ, ส่งกลับแก้ไข, เปิดรอบให้แก้ไขอีกครั้ง).

    The services check the decision; the form only shows it, with what the reviewer typed (initial) and,
    when it was refused, the reason (`refusal`), which the page shows in the form and ties to its fields.
    Field ids are "<decision>-<field>" (verify-level, return-comment, reopen-reason).
    """

    decision = ""

    def __init__(self, *, typed: dict | None = None, refusal: str = ""):
        super().__init__(initial=typed or {}, auto_id=f"{self.decision}-%s")
        self.refusal = refusal
        if refusal:
            for field in self.fields.values():
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"{self.decision}-error"})


class VerifyForm(DecisionForm):
    decision = "verify"
    level = forms.ChoiceField(label=_("ผลการตรวจสอบ (ระดับ)"))
    reason = forms.CharField(label=_("เหตุผล (จำเป็นเมื่อให้ต่ำกว่าผลการประเมินตนเอง)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}))

    def __init__(self, *, self_level: int, **kwargs):
        super().__init__(**kwargs)
        own = _("ตามผลการประเมินตนเอง")
        self.fields["level"].choices = [
            (str(n), f"{_('ระดับ')} {n}" + (f" ({own})" if n == self_level else "")) for n in range(self_level, -1, -1)]
        self.initial.setdefault("level", str(self_level))


class ReturnForm(DecisionForm):
    decision = "return"
    comment = forms.CharField(label=_("ความเห็นถึงผู้รับผิดชอบ"),
                              widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))


class ReopenForm(DecisionForm):
    decision = "reopen"
    reason = forms.CharField(label=_("เหตุผล"), widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}))


class SubmitForm(forms.Form):
    """ส่งผลการประเมินตนเอง: the note to the reviewer; required when the level is below the target."""

    note = forms.CharField(required=False, error_messages=NO_NUL,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control-sm"}))

    def __init__(self, *, below_target: bool, note_max: int):
        super().__init__(auto_id="submit-%s")
        note = self.fields["note"]
        note.label = (_("เหตุผลที่ต่ำกว่าค่าเป้าหมาย (ผู้ตรวจสอบจะเห็น)") if below_target
                      else _("หมายเหตุถึงผู้ตรวจสอบ (ถ้ามี)"))
        note.widget.attrs["maxlength"] = note_max
        if below_target:
            note.widget.attrs["required"] = True
