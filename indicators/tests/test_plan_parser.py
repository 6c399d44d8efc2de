"""Tests of indicators.plan_parser (pure Python: no database, no Django)."""

import json
import re
import unicodedata
from pathlib import Path

import pytest

from indicators.plan_parser import CORRECTIONS, apply_corrections, parse_plan

pytestmark = []

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = FIXTURES / "plan_2565.txt"
EXPECTED = FIXTURES / "plan_2565.json"

CARDED = {1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}


@pytest.fixture(scope="module")
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plan(seed_text):
    return parse_plan(seed_text)


def _by_number(plan):
    return {i["number"]: i for i in plan["indicators"]}


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for x in obj:
            yield from _strings(x)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)


# ---------------------------------------------------------------- fixture


def test_matches_committed_json_fixture(plan):
    assert plan == json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_json_fixture_is_exactly_what_the_parser_writes(plan):
    expected = json.dumps(plan, ensure_ascii=False, indent=2) + "\n"
    assert EXPECTED.read_text(encoding="utf-8") == expected


def test_top_level_keys_in_schema_order(plan):
    assert list(plan) == [
        "org_unit", "fiscal_year", "title", "vision", "motto", "mission",
        "values_name", "values", "culture", "sections", "people",
        "policy_kpis", "indicators", "warnings",
    ]


# ---------------------------------------------------------------- header


def test_header(plan):
    assert plan["org_unit"] == {
        "name": "กลุ่มพัฒนาระบบบริหาร", "short_name": "กพร.", "parent": "กรมบังคับคดี",
    }
    assert plan["fiscal_year"] == 2565
    assert plan["title"] == "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. ๒๕๖๕"
    assert plan["values_name"] == "I AM LED"
    assert [v["letter"] for v in plan["values"]] == list("IAMLED")
    assert plan["values"][0] == {"letter": "I", "term": "Integrity", "meaning": "มีความซื่อสัตย์"}
    assert plan["culture"] == "บริการด้วยรอยยิ้ม บริหารด้วยหลักการ บริบาลด้วยหลักธรรม"
    assert plan["mission"].startswith("เสนอแนะ") and plan["mission"].endswith("ภายในกรม")
    assert "“" not in plan["mission"] and "”" not in plan["mission"]


# ---------------------------------------------------------------- policy KPIs


def test_policy_kpis(plan):
    pk = plan["policy_kpis"]
    assert pk["title"] == "ตัวชี้วัดและค่าเป้าหมายที่สำคัญของกรมบังคับคดี นโยบาย ๕ G"
    assert pk["announced_on"] == "2022-01-10"
    items = pk["items"]
    assert [i["number"] for i in items] == [1, 2, 3, 4, 5, 6, 7]
    assert [i["target_value"] for i in items] == ["95", "90", "91", "92.30", "4", "415", "60"]
    assert [i["target_unit"] for i in items] == [
        "คะแนน", "ร้อยละ", "ร้อยละ", "ร้อยละ", "หน่วย", "คะแนน", "ร้อยละ",
    ]
    assert [i["group_number"] for i in items] == [1, 2, 3, 4, 4, 5, 5]
    assert [i["number"] for i in items if i["headline"]] == [3, 6]
    assert "อายัด" in items[1]["name"] and "อายุัด" not in items[1]["name"]


# ---------------------------------------------------------------- table


def test_thirty_indicators_in_order_with_targets(plan):
    inds = plan["indicators"]
    assert [i["number"] for i in inds] == list(range(1, 31))
    for i in inds:
        assert i["targets"] == {"6": 3, "12": 5}
        assert i["unit"] == "ระดับ"
        assert i["category"] == "C : ตัวชี้วัดตามหน้าที่/งานประจำ"
        assert list(i) == ["number", "name", "category", "unit", "owners", "all_staff", "targets", "card"]


def test_owners(plan):
    ind = _by_number(plan)
    assert ind[1]["owners"] == ["สุวิมล นาครอด", "พัชรเมศร์ วุฒิเลิศเดชานนท์"]
    assert ind[12]["owners"] == [
        "ณฐนันท์ แดงยิ้ม", "นวล ฤกษ์นาวิ", "ประเสริฐ มาดำ", "รัฐธรรมนุญ อินโน", "บุร็สกร กรอบมุข",
    ]
    for n in (20, 21, 22, 23):
        assert ind[n]["all_staff"] is True
        assert ind[n]["owners"] == []
    for n in (28, 29, 30):
        assert ind[n]["owners"] == ["จักรพันธ์ สว่างพงศ์พันธ์"]
        assert ind[n]["all_staff"] is False


def test_people_titles_and_sections(plan):
    people = {p["key"]: p for p in plan["people"]}
    assert len(people) == 14
    assert list(people)[0] == "สุวิมล นาครอด"
    assert people["สุวิมล นาครอด"]["title"] == "นางสาว"          # from "น.ส."
    assert people["จิรนนท์ ภูสุข"]["title"] == "นางสาว"          # from "นางสาว"
    assert people["นวล ฤกษ์นาวิ"]["title"] == "นาย"
    assert people["สุวิมล นาครอด"]["section"] == "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์"
    assert people["ณฐนันท์ แดงยิ้ม"]["section"] == "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง"
    assert people["สุธี สุทาวัน"]["section"] == "ฝ่ายบริหารทั่วไป"
    assert people["จักรพันธ์ สว่างพงศ์พันธ์"]["section"] == "ฝ่ายบริหารทั่วไป"
    names = [s["name"] for s in plan["sections"]]
    assert names == [
        "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์",
        "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง",
        "ฝ่ายบริหารทั่วไป",
    ]
    assert {p["section"] for p in plan["people"]} <= set(names)
    owners = {k for i in plan["indicators"] for k in i["owners"]}
    assert owners == set(people)


# ---------------------------------------------------------------- cards


def test_cards_present_exactly_where_expected(plan):
    assert {i["number"] for i in plan["indicators"] if i["card"]} == CARDED


def test_ita_card_matched_by_content_not_printed_number(plan):
    ind = _by_number(plan)
    assert ind[6]["card"]["printed_number"] == 2
    assert "ITA" in ind[6]["card"]["title"]
    assert ind[2]["card"]["printed_number"] == 2
    assert "สิทธิมนุษยชน" in ind[2]["card"]["title"]


def test_criteria_sets(plan):
    ind = _by_number(plan)
    c3 = ind[3]["card"]["criteria"]
    assert [c["round"] for c in c3] == ["6", "12"]
    assert [c["title"] for c in c3] == ["รอบการประเมินที่ 1", "รอบการประเมินที่ 2"]
    assert c3[0]["steps"][0] == "ปรับปรุงคำสั่งคณะกรรมการควบคุมภายใน"
    for n in (13, 14):
        sets = ind[n]["card"]["criteria"]
        assert [c["round"] for c in sets] == ["6", "12"]
        assert sets[0]["title"] == "เกณฑ์การให้คะแนน รอบ ๖ เดือน"
    for n in CARDED - {3, 13, 14}:
        sets = ind[n]["card"]["criteria"]
        assert len(sets) == 1 and sets[0]["round"] is None, n
    for n in CARDED:
        for s in ind[n]["card"]["criteria"]:
            assert len(s["steps"]) == 5 and all(x.strip() for x in s["steps"]), n


def test_card_fields(plan):
    ind = _by_number(plan)
    c1 = ind[1]["card"]
    assert list(c1) == [
        "printed_number", "title", "dimension", "perspective", "objective_number",
        "objective", "weight", "description", "conditions", "data_source",
        "supervisor", "data_collector", "criteria",
    ]
    assert c1["dimension"] == "มิติภายนอก"
    assert c1["perspective"] == "ด้านประสิทธิผล การปฏิบัติราชการ"
    assert c1["objective_number"] == 2
    assert c1["weight"] == "-"
    assert c1["conditions"] == ""
    assert c1["supervisor"] == "ผู้อำนวยการกลุ่มพัฒนาระบบบริหาร"
    # space-separated card with a leading space (indicator 3)
    c3 = ind[3]["card"]
    assert c3["dimension"] == "มิติภายนอก" and c3["objective_number"] == 2
    assert c3["title"] == "ระดับความสำเร็จการขับเคลื่อนแผนการควบคุมภายใน"
    assert "ประเมินความเสี่ยงมาใช้" in c3["description"]          # word split by a wrap
    assert "Treadway Commission : COSO 2013" in c3["description"]  # Latin keeps its space
    assert c3["data_source"].split("\n") == [
        "1. หน่วยงานในสังกัดส่วนกลาง กรมบังคับคดี เป็นผู้รายงานข้อมูล",
        "2. กลุ่มพัฒนาระบบบริหารเป็นผู้ดำเนินการให้การควบคุมภายในของกรมบังคับคดี"
        "เป็นไปตามหลักเกณฑ์กระทรวงการคลังว่าด้วยมาตรฐานและหลักเกณฑ์ปฏิบัติการควบคุมภายใน"
        "สำหรับหน่วยงานของรัฐ พ.ศ. 2561",
    ]
    # description on the following paragraph; conditions as "- " lines (12)
    c12 = ind[12]["card"]
    assert c12["description"].startswith("ระดับความสำเร็จของการสำรวจ")
    assert c12["conditions"].startswith("ดำเนินการสำรวจ ๒ รอบ")
    assert c12["criteria"][0]["title"].startswith("เกณฑ์การให้คะแนน : ระดับความสำเร็จ")
    # conditions on the same line (14); wrapped title (17)
    assert ind[14]["card"]["conditions"] == "ประเมินผลงานทั้งปีงบประมาณ"
    assert ind[17]["card"]["title"].endswith("ตาม พ.ร.บ. อำนาจความสะดวก")
    # the last card's collector, spelled differently, is reconciled
    assert ind[19]["card"]["data_collector"] == "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง"
    for n in range(1, 12):
        if n in CARDED:
            assert ind[n]["card"]["data_collector"] == "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์"


# ---------------------------------------------------------------- corrections


def test_corrections_applied(plan):
    ind = _by_number(plan)
    blob = json.dumps(plan, ensure_ascii=False)
    for wrong, right, _ in CORRECTIONS:
        assert wrong not in blob
    assert "เรียบเรียง" in ind[7]["name"]
    assert ind[28]["name"].startswith("ระดับความสำเร็จการติดต่อ")
    assert "รายหมวด" in ind[10]["card"]["title"]
    assert ind[4]["card"]["criteria"][0]["steps"][2].startswith("ดำเนินการถ่ายทอดตัวชี้วัด")
    assert ind[6]["card"]["criteria"][0]["steps"][2].startswith("ดำเนินการถ่ายทอดตัวชี้วัด")
    assert "ความเห็นชอบของกรมบังคับคดี" in ind[5]["card"]["criteria"][0]["steps"][1]


def test_no_foreign_script_letter_inside_thai_words(plan):
    blob = json.dumps(plan, ensure_ascii=False)
    thai = r"[\u0e01-\u0e4e]"
    foreign = r"[^\W\d_A-Za-z\u0e00-\u0e7f]"
    assert not re.search(f"{thai}{foreign}|{foreign}{thai}", blob)
    assert "व" not in blob and "ल" not in blob


def test_all_strings_nfc_and_collapsed(plan):
    for s in _strings(plan):
        assert unicodedata.is_normalized("NFC", s)
        assert s == s.strip()
        for part in s.split("\n"):
            assert "  " not in part and "\t" not in part


def test_apply_corrections_reports_changes(seed_text):
    text, applied = apply_corrections(seed_text)
    wrongs = {a["wrong"] for a in applied}
    assert {"อายุัด", "รายนวด", "ระดับ ความสำเร็จ", "เปรียบเรียง", "ความเป็นชอบ",
            "ดำเนินการถ่ายตัวชี้วัด"} <= wrongs
    assert any(a["right"] == "นายนวล" for a in applied)
    assert "นवल" not in text


# ---------------------------------------------------------------- warnings


def test_warnings_name_uncarded_indicators(plan):
    w = plan["warnings"]
    for n in [7, *range(20, 31)]:
        assert any(x.startswith(f"ตัวชี้วัดที่ {n}: ไม่พบรายละเอียดตัวชี้วัด") for x in w), n
    for n in CARDED:
        assert not any(x.startswith(f"ตัวชี้วัดที่ {n}: ไม่พบรายละเอียด") for x in w), n
    assert any("ตัวชี้วัดที่ 6" in x and "'ตัวชี้วัดที่ 2'" in x for x in w)
    assert all(isinstance(x, str) and x for x in w)


def test_card_removed_gives_warning(seed_text):
    lines = seed_text.split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith("รายละเอียดตัวชี้วัด")]
    # drop the card of indicator 8 (the 7th card in the document)
    text = "\n".join(lines[: starts[6]] + lines[starts[7]:])
    plan = parse_plan(text)
    ind = _by_number(plan)
    assert ind[8]["card"] is None
    assert any(w.startswith("ตัวชี้วัดที่ 8: ไม่พบรายละเอียด") for w in plan["warnings"])
    assert {i["number"] for i in plan["indicators"] if i["card"]} == CARDED - {8}


def test_garbled_table_lines_give_warnings(seed_text):
    lines = seed_text.split("\n")
    i5 = next(i for i, l in enumerate(lines) if l.startswith("๕. "))
    i9 = next(i for i, l in enumerate(lines) if l.startswith("๙. "))
    lines[i5] = lines[i5].replace("\t", " ")     # tabs lost: still readable
    lines[i9] = "๙. ระดับความสำเร็จของการขับเคลื่อน"  # cut: unreadable
    plan = parse_plan("\n".join(lines))
    ind = _by_number(plan)
    assert ind[5]["owners"][0] == "สุวิมล นาครอด" and ind[5]["targets"] == {"6": 3, "12": 5}
    assert 9 not in ind
    assert any("ตัวชี้วัดที่ 5" in w and "ไม่มีการแบ่งคอลัมน์" in w for w in plan["warnings"])
    assert any("อ่านบรรทัดไม่ได้" in w and "๙." in w for w in plan["warnings"])
    assert any("ไม่พบตัวชี้วัดลำดับที่ 9" in w for w in plan["warnings"])
    # the card of 9 no longer has a row to go to
    assert any("ไม่ตรงกับตัวชี้วัดใดในตาราง" in w for w in plan["warnings"])


def test_document_cut_mid_card_gives_warning(seed_text):
    text = seed_text.rsplit("\n", 1)[0]   # drop the last line (ผู้จัดเก็บข้อมูล of 19)
    plan = parse_plan(text)
    ind = _by_number(plan)
    assert ind[19]["card"]["data_collector"] == ""
    assert any(w.startswith("ตัวชี้วัดที่ 19:") and "ผู้จัดเก็บข้อมูล" in w for w in plan["warnings"])


@pytest.mark.parametrize("text", ["", "\n\n", "สวัสดี", "ประเภทตัวชี้วัด\n๑. x", "รายละเอียดตัวชี้วัด\nเกณฑ์การให้คะแนน\nระดับ\tรายละเอียด\n๑\tx"])
def test_malformed_documents_do_not_raise(text):
    plan = parse_plan(text)
    assert isinstance(plan["warnings"], list) and plan["warnings"]
    json.dumps(plan, ensure_ascii=False)


def test_crlf_and_every_prefix_parse(seed_text):
    assert parse_plan(seed_text.replace("\n", "\r\n")) == parse_plan(seed_text)
    lines = seed_text.split("\n")
    for n in range(0, len(lines), 7):
        parse_plan("\n".join(lines[:n]))
