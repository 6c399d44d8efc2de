"""Forms of the plan pages (rendered with crispy-forms' Bootstrap 5 pack; all work without JavaScript)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LEVELS, ActionPlan, OrgUnit, Person

NO_NUL = {"null_characters_not_allowed": _("ข้อความมีอักขระควบคุม (NUL) ที่บันทึกไม่ได้ กรุณาลบออกแล้วบันทึกอีกครั้ง")}
TEXTAREA = forms.Textarea(attrs={"rows": 3})
STEP_AREA = forms.Textarea(attrs={"rows": 2})


def _text(label, *, required=False, max_length=None, widget=None, help_text=""):
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget, help_text=help_text,
                           error_messages={**NO_NUL, "required": _("กรุณาระบุ%(what)s") % {"what": label},
                                           "max_length": _("ข้อความยาวเกินไป")})


def _one_line(value: str) -> str:
    """A name typed in a wrapping box is still one line: line breaks and runs of spaces become one space."""
    return " ".join(str(value or "").split())


class PlanForm(forms.Form):
    title = _text(_("ชื่อแผน"), required=True, max_length=255)
    vision = _text(_("วิสัยทัศน์"), widget=TEXTAREA)
    mission = _text(_("พันธกิจ"), widget=TEXTAREA)
    motto = _text(_("คติพจน์ (MOTTO)"), max_length=255)
    values_name = _text(_("ค่านิยมร่วม"), max_length=100)
    values = _text(_("ความหมายของค่านิยมร่วม"), widget=forms.Textarea(attrs={"rows": 6}),
                   help_text=_("บรรทัดละหนึ่งข้อ: อักษร | คำ | ความหมาย เช่น I | Integrity | ซื่อสัตย์ สุจริต"))
    culture = _text(_("วัฒนธรรมองค์กร"), widget=TEXTAREA)

    def clean_values(self):
        rows = []
        for n, line in enumerate((self.cleaned_data["values"] or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3:
                raise forms.ValidationError(_("บรรทัดที่ %(n)s ต้องมี 3 ส่วนคั่นด้วย | (อักษร | คำ | ความหมาย)") % {"n": n})
            rows.append(tuple(parts))
        return rows


def _plausible_pk(value) -> bool:
    # Checked before any query: 60 nines overflow SQLite's integer (a 500), "๙" is a digit int() reads.
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 18


class PersonChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _plausible_pk(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for v in value:
            if not _plausible_pk(v):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": str(v)[:20]})
        return super()._check_values(value)


def level_field(label):
    return forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None,
        choices=[("", _("ไม่กำหนด"))] + [(n, _("ระดับ %(n)s") % {"n": n}) for n in range(1, LEVELS + 1)],
        error_messages={"invalid_choice": _("ค่าเป้าหมายต้องเป็นระดับ 1 ถึง 5")},
    )


class IndicatorForm(forms.Form):
    """Definition and owners (plan administrators)."""

    number = forms.IntegerField(label=_("ลำดับ"), min_value=1, max_value=999,
                                error_messages={"invalid": _("ลำดับต้องเป็นตัวเลข"), "required": _("กรุณาระบุลำดับ"),
                                                "min_value": _("ลำดับต้องอยู่ระหว่าง 1 ถึง 999"),
                                                "max_value": _("ลำดับต้องอยู่ระหว่าง 1 ถึง 999")})
    # A long Thai name wraps in a two-line box instead of scrolling sideways inside a one-line field.
    name = _text(_("ชื่อตัวชี้วัด"), required=True, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_name(self):
        return _one_line(self.cleaned_data.get("name"))

    card_title = _text(_("ชื่อในรายละเอียดตัวชี้วัด"), max_length=500)
    category = _text(_("ประเภทตัวชี้วัด"), max_length=255)
    dimension = _text(_("มิติ"), max_length=255)
    perspective = _text(_("ด้าน"), max_length=255)
    objective = _text(_("วัตถุประสงค์"), max_length=500)
    unit = _text(_("หน่วยวัด"), max_length=100)
    description = _text(_("คำอธิบาย"), widget=TEXTAREA)
    conditions = _text(_("เงื่อนไข"), widget=TEXTAREA)
    data_source = _text(_("แหล่งข้อมูล / วิธีการจัดเก็บข้อมูล"), widget=TEXTAREA)
    supervisor = _text(_("ผู้กำกับดูแลตัวชี้วัด"), max_length=255)
    data_collector = PersonChoiceField(label=_("ผู้จัดเก็บข้อมูล"), queryset=OrgUnit.objects.none(), required=False,
                                            empty_label=_("ไม่ระบุ"),
                                            error_messages={"invalid_choice": _("เลือกฝ่ายจากรายการ")})
    primary = PersonChoiceField(label=_("ผู้รับผิดชอบหลัก"), queryset=Person.objects.none(), required=False,
                                     empty_label=_("ไม่ระบุ"), error_messages={"invalid_choice": _("เลือกบุคลากรจากรายการ")})
    secondary = PeopleChoiceField(
        label=_("ผู้รับผิดชอบรอง"), queryset=Person.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, error_messages={"invalid_choice": _("เลือกบุคลากรจากรายการ"),
                                                             "invalid_pk_value": _("เลือกบุคลากรจากรายการ"),
                                                             "invalid_list": _("เลือกบุคลากรจากรายการ")})
    all_staff = forms.BooleanField(label=_("ผู้รับผิดชอบทุกตำแหน่ง (ทุกคนในหน่วยงาน)"), required=False)

    def __init__(self, *args, plan: ActionPlan, **kwargs):
        super().__init__(*args, **kwargs)
        path = plan.org_unit.tree_path
        self.fields["data_collector"].queryset = OrgUnit.objects.filter(tree_path__startswith=path).exclude(pk=plan.org_unit_id)
        people = Person.objects.filter(org_unit__tree_path__startswith=path).select_related("org_unit")
        self.fields["primary"].queryset = people
        self.fields["secondary"].queryset = people

    def clean(self):
        data = super().clean()
        if data.get("primary") and data.get("primary") in (data.get("secondary") or []):
            self.add_error("secondary", _("ผู้รับผิดชอบหลักเป็นผู้รับผิดชอบรองด้วยไม่ได้"))
        return data


class CriteriaForm(forms.Form):
    """Targets per round and the five milestone steps, for the whole year or per round."""

    YEAR, ROUNDS = "year", "rounds"
    mode = forms.ChoiceField(
        label=_("เกณฑ์การให้คะแนน"), widget=forms.RadioSelect, initial=YEAR,
        choices=[(YEAR, _("ใช้เกณฑ์เดียวกันทั้งปี")), (ROUNDS, _("แยกเกณฑ์ตามรอบการประเมิน"))],
        error_messages={"invalid_choice": _("เลือกรูปแบบเกณฑ์จากรายการ"), "required": _("เลือกรูปแบบเกณฑ์")},
    )

    def __init__(self, *args, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.rounds = list(rounds)
        for r in self.rounds:
            self.fields[f"target_{r.months}"] = level_field(_("ค่าเป้าหมาย %(round)s") % {"round": r.label})
        for n in range(1, LEVELS + 1):
            self.fields[f"year_{n}"] = _text(_("ขั้นตอนที่ %(n)s") % {"n": n}, widget=STEP_AREA, max_length=5000)
        for r in self.rounds:
            for n in range(1, LEVELS + 1):
                self.fields[f"r{r.months}_{n}"] = _text(
                    _("%(round)s ขั้นตอนที่ %(n)s") % {"round": r.label, "n": n}, widget=STEP_AREA, max_length=5000)

    @property
    def year_fields(self):
        return self.step_fields("year")

    @property
    def target_fields(self):
        return [self[f"target_{r.months}"] for r in self.rounds]

    def step_fields(self, prefix):
        return [self[f"{prefix}_{n}"] for n in range(1, LEVELS + 1)]

    def sets(self) -> dict:
        data = self.cleaned_data
        if data["mode"] == self.YEAR:
            return {None: [data[f"year_{n}"] for n in range(1, LEVELS + 1)]}
        # A round whose five steps are all left empty has no criteria of its own.
        sets = {r: [data[f"r{r.months}_{n}"] for n in range(1, LEVELS + 1)] for r in self.rounds}
        return {r: steps for r, steps in sets.items() if any(s.strip() for s in steps)}

    def targets(self) -> dict:
        return {r: self.cleaned_data.get(f"target_{r.months}") for r in self.rounds}


class WithdrawForm(forms.Form):
    reason = _text(_("เหตุผลที่ยกเลิกตัวชี้วัด"), required=True, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CopyForm(forms.Form):
    to_year = forms.IntegerField(label=_("ปีงบประมาณ (พ.ศ.)"), min_value=2400, max_value=2700,
                                 error_messages={"invalid": _("ปีงบประมาณต้องเป็นตัวเลข เช่น 2566"),
                                                 "required": _("กรุณาระบุปีงบประมาณ"),
                                                 "min_value": _("ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2566"),
                                                 "max_value": _("ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2566")})


class KPIForm(forms.Form):
    name = _text(_("ตัวชี้วัด"), required=True, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_name(self):
        return _one_line(self.cleaned_data.get("name"))

    target_value = forms.DecimalField(label=_("ค่าเป้าหมาย"), max_digits=12, decimal_places=2,
                                      error_messages={"invalid": _("ค่าเป้าหมายต้องเป็นตัวเลข"),
                                                      "required": _("กรุณาระบุค่าเป้าหมาย"),
                                                      "max_digits": _("ค่าเป้าหมายต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก"),
                                                      "max_decimal_places": _("ทศนิยมได้ไม่เกิน 2 ตำแหน่ง"),
                                                      "max_whole_digits": _("ค่าเป้าหมายต้องเป็นตัวเลขที่ไม่เกิน 10 หลัก")})
    target_unit = _text(_("หน่วย"), max_length=50)
    higher_is_better = forms.BooleanField(label=_("ค่ายิ่งมากยิ่งดี"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("ไฟล์แผนปฏิบัติการ (.txt) หรือแม่แบบ Excel (.xlsx)"),
                           error_messages={"required": _("กรุณาเลือกไฟล์"), "empty": _("ไฟล์ว่างเปล่า"),
                                           "invalid": _("ไฟล์ไม่ถูกต้อง")})


class CascadeForm(forms.Form):
    """ถ่ายทอดตัวชี้วัด: the parent, a department 5G KPI ("kpi-<id>") or an indicator of a unit above
    ("ind-<id>"), offered in groups: the KPIs, then each unit's indicators."""

    parent = forms.ChoiceField(
        label=_("ตัวชี้วัดต้นทาง (ของหน่วยงานที่อยู่เหนือขึ้นไป ปีงบประมาณเดียวกัน)"),
        error_messages={"required": _("กรุณาเลือกตัวชี้วัดต้นทางจากรายการ"),
                        "invalid_choice": _("กรุณาเลือกตัวชี้วัดต้นทางจากรายการ")},
    )

    def __init__(self, *args, kpis=(), parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis, self.parents = list(kpis), list(parents)
        groups: list = [("", _("เลือกตัวชี้วัดต้นทาง"))]
        if self.kpis:
            groups.append((_("ตัวชี้วัดนโยบาย ๕ G"), [(f"kpi-{k.pk}", f"{k.org_unit}: {k}") for k in self.kpis]))
        by_unit: dict = {}
        for p in self.parents:
            by_unit.setdefault(str(p.plan.org_unit), []).append((f"ind-{p.pk}", str(p)))
        groups += list(by_unit.items())
        self.fields["parent"].choices = groups

    def chosen(self):
        """(policy KPI, parent indicator) of a valid form: one of them is set."""
        kind, _sep, ident = self.cleaned_data["parent"].partition("-")
        kpi = next((k for k in self.kpis if kind == "kpi" and str(k.pk) == ident), None)
        parent = next((p for p in self.parents if kind == "ind" and str(p.pk) == ident), None)
        return kpi, parent
