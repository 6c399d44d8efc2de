import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from django import forms
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


class StepForm(forms.Form):
    """What one step's form posts (step_save): the checkbox is the real control; the rest describes it.
    The round panel writes the form itself (StepFields)."""

    done = forms.BooleanField(required=False)
    done_on = BuddhistDateField(required=False)
    files = forms.FileField(required=False, widget=MultipleFileInput)
    note = forms.CharField(required=False, strip=False, error_messages=NO_NUL)
    reason = forms.CharField(required=False, error_messages=NO_NUL)
    completion_id = forms.IntegerField(required=False, error_messages=INVALID_FORM)
    version = forms.IntegerField(required=False, error_messages=INVALID_FORM)
    round = forms.IntegerField(required=False, error_messages=INVALID_FORM)


@dataclass(frozen=True)
class StepFields:
    """One step's form in the round panel, as the template's step-fields partial writes it (issue 19: through
    crispy's field templates these inputs were half of a tick's answer; nothing on them needs a form's
    rendering, since errors are said above the panel, never beside a field). Ids are "<field>-<step pk>"
    (the date's "date-<step pk>"); values are the saved ones or the default date; the date's bounds
    [starts_on, as_of] are the calendar's. The saved completion's id and version go back with an untick or
    an edit, so a change made meanwhile is refused (services)."""

    step_pk: int
    round_pk: int
    done: bool
    completion_id: int | None
    version: int | None
    note: str
    done_on: str  # as typed: 31/03/2565
    example: str  # the default date, in the help text
    min: str  # ISO, for the calendar (static/js)
    max: str
    note_max: int
    max_mb: int
    accept: ClassVar[str] = EVIDENCE_ACCEPT

    @classmethod
    def of(cls, view, *, round_pk: int, default_done_on: dt.date, starts_on: dt.date, as_of: dt.date,
           note_max: int, max_mb: int) -> "StepFields":
        """`view`: the step as the round panel shows it (selectors.StepView)."""
        c = view.completion
        return cls(step_pk=view.step.pk, round_pk=round_pk, done=view.state.done,
                   completion_id=c.pk if c else None, version=c.version if c else None, note=c.note if c else "",
                   done_on=thai.format_input_date(c.done_on if c else default_done_on),
                   example=thai.format_input_date(default_done_on), min=starts_on.isoformat() if starts_on else "",
                   max=as_of.isoformat() if as_of else "", note_max=note_max, max_mb=max_mb)


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


