from django import forms
from django.utils.translation import gettext_lazy as _

# Django's Thai catalogue has no translation of its own message for NUL characters
# (which PostgreSQL cannot store in text either): say it in Thai.
NO_NUL = {"null_characters_not_allowed": _("ข้อความมีอักขระควบคุม (NUL) ที่บันทึกไม่ได้ กรุณาลบออกแล้วบันทึกอีกครั้ง")}


class StepForm(forms.Form):
    """One milestone step: the checkbox is the real control; the rest describes it."""

    done = forms.BooleanField(required=False)
    done_on = forms.DateField(
        label=_("วันที่ดำเนินการ"), required=False, error_messages={"invalid": _("วันที่ไม่ถูกต้อง (รูปแบบ ปปปป-ดด-วว)")}
    )
    note = forms.CharField(label=_("หมายเหตุ"), required=False, strip=False, error_messages=NO_NUL)
    reason = forms.CharField(label=_("เหตุผล"), required=False, error_messages=NO_NUL)
    completion_id = forms.IntegerField(required=False, error_messages={"invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง")})
    version = forms.IntegerField(required=False, error_messages={"invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง")})
    round = forms.IntegerField(required=False, error_messages={"invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง")})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("เหตุผล"), required=False, error_messages=NO_NUL)
    note = forms.CharField(label=_("หมายเหตุ"), required=False, error_messages=NO_NUL)
    round = forms.IntegerField(required=False, error_messages={"invalid": _("ข้อมูลฟอร์มไม่ถูกต้อง")})
