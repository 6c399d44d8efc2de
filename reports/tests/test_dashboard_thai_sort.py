"""core.thai.thai_sort_key: Thai dictionary order without PyICU."""

from core.thai import strip_title, thai_name_key, thai_sort_key


def test_names_sort_by_name_without_title():
    names = ["นายณัฐ", "น.ส.ธนพร", "จักรพันธ์", "สุวิมล", "นางสาวอัมเรศวร์", "นายประเสริฐ"]
    assert sorted(names, key=thai_name_key) == [
        "จักรพันธ์", "นายณัฐ", "น.ส.ธนพร", "นายประเสริฐ", "สุวิมล", "นางสาวอัมเรศวร์",
    ]


def test_leading_vowels_sort_under_their_consonant():
    # เก sorts under ก (after กา), not after every consonant as code points would put it.
    assert sorted(["ข", "เก", "กา", "ไก่", "แกง", "โกง"], key=thai_sort_key) == ["กา", "เก", "แกง", "โกง", "ไก่", "ข"]
    assert sorted(["เสือ", "สุวิมล", "ศุภลักษณ์"], key=thai_sort_key) == ["ศุภลักษณ์", "สุวิมล", "เสือ"]
    # Code point order gets it wrong, which is why the key exists.
    assert sorted(["เก", "ข"]) == ["ข", "เก"]


def test_tone_marks_only_break_ties():
    assert sorted(["ก้อง", "กอง", "กอด"], key=thai_sort_key) == ["กอง", "ก้อง", "กอด"]
    assert thai_sort_key("ก้อง")[0] == thai_sort_key("กอง")[0]


def test_sections_of_the_real_plan():
    sections = ["ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์", "ฝ่ายบริหารทั่วไป", "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง"]
    assert sorted(sections, key=thai_sort_key) == [
        "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง",  # โคร → ค
        "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์",  # น
        "ฝ่ายบริหารทั่วไป",  # บ
    ]


def test_titles_digits_spaces_and_empty_values():
    assert strip_title("นายณัฐ สุทธิประภา") == "ณัฐ สุทธิประภา"
    assert strip_title("นางสาวธนพร") == "ธนพร" and strip_title("น.ส. ธนพร") == "ธนพร"
    assert strip_title("นาย") == "นาย"  # nothing left: not a title
    assert thai_sort_key("ตัวชี้วัดที่ ๒") == thai_sort_key("ตัวชี้วัดที่ 2")
    assert sorted(["b", "A", "ก", ""], key=thai_sort_key) == ["", "A", "b", "ก"]
    assert thai_sort_key(None) == thai_sort_key("")
