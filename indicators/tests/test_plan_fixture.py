"""The FY 2565 plan as loaded into the database, and the importer that built it."""

import io

import pytest
from django.core.management import call_command

from indicators.models import ActionPlan, CriteriaSet, Indicator, Person, PolicyKPI

pytestmark = pytest.mark.django_db


def owners(indicator):
    return [f"{o.person.first_name} {o.person.last_name}" for o in indicator.owners.order_by("order")]


def test_thirty_indicators_with_targets_3_and_5(plan):
    indicators = list(plan.indicators.order_by("number"))
    assert [i.number for i in indicators] == list(range(1, 31))
    for i in indicators:
        targets = {t.round.months: t.level for t in i.targets.select_related("round")}
        assert targets == {6: 3, 12: 5}, i.number


def test_owners_in_the_order_of_the_plan(plan):
    by_number = {i.number: i for i in plan.indicators.all()}
    assert owners(by_number[1]) == ["สุวิมล นาครอด", "พัชรเมศร์ วุฒิเลิศเดชานนท์"]
    assert owners(by_number[12])[:2] == ["ณฐนันท์ แดงยิ้ม", "นวล ฤกษ์นาวิ"]
    assert by_number[12].owners.get(order=0).role == "primary"
    assert set(by_number[12].owners.exclude(order=0).values_list("role", flat=True)) == {"secondary"}
    assert owners(by_number[9]) == ["ธนพร ศิริบรรจง", "พัชรเมศร์ วุฒิเลิศเดชานนท์", "ณัฐ สุทธิประภา"]
    for n in (20, 21, 22, 23):
        assert by_number[n].all_staff and owners(by_number[n]) == []
    assert owners(by_number[30]) == ["จักรพันธ์ สว่างพงศ์พันธ์"]


def test_each_card_on_the_right_indicator(plan):
    by_number = {i.number: i for i in plan.indicators.all()}
    # The ITA card is printed as "ตัวชี้วัดที่ ๒" but belongs to indicator ๖.
    assert "ITA" in by_number[6].card_title
    assert by_number[6].criteria_sets.get().steps.get(number=1).text == (
        "รวบรวมศึกษา วิเคราะห์ข้อมูลสำคัญเพื่อการจัดทำโครงการขับเคลื่อนโครงการ ITA"
    )
    assert "สิทธิมนุษยชน" in by_number[2].card_title
    carded = sorted(Indicator.objects.filter(criteria_sets__isnull=False).values_list("number", flat=True).distinct())
    assert carded == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    assert by_number[1].criteria_sets.get().steps.get(number=5).text == (
        "กรมบังคับคดีให้ความเห็นชอบร่างคู่มือและนำมาใช้ในการทำงาน"
    )
    assert by_number[1].data_collector.name == "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์"
    assert by_number[12].data_collector.name == "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง"
    assert by_number[1].supervisor == "ผู้อำนวยการกลุ่มพัฒนาระบบบริหาร"


def test_per_round_criteria_of_indicators_3_13_14(plan, rounds):
    for number in (3, 13, 14):
        sets = {cs.round.months: cs for cs in CriteriaSet.objects.filter(indicator__plan=plan, indicator__number=number)}
        assert set(sets) == {6, 12}, number
        assert all(cs.steps.count() == 5 for cs in sets.values())
    three = CriteriaSet.objects.get(indicator__plan=plan, indicator__number=3, round=rounds[6])
    assert three.steps.get(number=1).text == "ปรับปรุงคำสั่งคณะกรรมการควบคุมภายใน"
    thirteen = CriteriaSet.objects.get(indicator__plan=plan, indicator__number=13, round=rounds[12])
    assert thirteen.steps.get(number=1).text == "เสนอคำสั่งแต่งตั้งคณะทำงานสำรวจความเชื่อมั่นฯ"


def test_uncarded_indicators_have_no_criteria(plan):
    for number in (7, 20, 25, 30):
        assert not CriteriaSet.objects.filter(indicator__plan=plan, indicator__number=number).exists()


def test_policy_kpis_vision_and_values(plan):
    targets = [str(k.target_value) for k in PolicyKPI.objects.order_by("number")]
    assert targets == ["95.00", "90.00", "91.00", "92.30", "4.00", "415.00", "60.00"]
    assert set(PolicyKPI.objects.filter(headline=True).values_list("number", flat=True)) == {3, 6}
    assert plan.motto.startswith("คิดถึงคุณภาพ")
    assert [v.letter for v in plan.core_values.all()] == list("IAMLED")
    assert plan.culture == "บริการด้วยรอยยิ้ม บริหารด้วยหลักการ บริบาลด้วยหลักธรรม"


def test_no_foreign_letters_in_thai_names(plan):
    for person in Person.objects.all():
        assert all("\u0e00" <= ch <= "\u0e7f" or ch in " ." for ch in person.full_name), person.full_name


def snapshot():
    rows = []
    for i in Indicator.objects.order_by("number").prefetch_related("owners__person", "criteria_sets__steps", "targets__round"):
        rows.append((
            i.number, i.name, i.card_title, i.description, i.conditions, i.data_source, i.all_staff,
            [(o.person.full_name, o.role) for o in i.owners.all()],
            sorted((t.round.months, t.level) for t in i.targets.all()),
            [(cs.title, cs.round.months if cs.round else None, [s.text for s in cs.steps.all()]) for cs in i.criteria_sets.all()],
        ))
    return rows


def test_importer_on_the_seed_produces_the_fixture_plan(plan):
    from_fixture = snapshot()
    ActionPlan.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    call_command("import_plan", "fixtures/plan_2565.txt", stdout=out, stderr=err)
    assert "30 ตัวชี้วัด" in out.getvalue()
    assert "ตัวชี้วัดที่ 7" in err.getvalue()  # says what it could not read
    assert snapshot() == from_fixture


def test_loading_twice_changes_nothing(plan):
    call_command("load_plan", stdout=io.StringIO())
    assert ActionPlan.objects.count() == 1 and Indicator.objects.count() == 30
