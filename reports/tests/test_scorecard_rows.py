"""The scorecard rows: the as-of rule, the target per quarter, self-assessed vs verified, periods."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.levels import Status
from reports import charts
from reports.scorecard import Period, PeriodError, build_scorecard, parse_period

pytestmark = pytest.mark.django_db


def row_of(sc, number):
    return next(r for r in sc.rows if r.number == number)


def test_step_done_on_31_december_counts_in_q1_and_1_january_does_not(plan, progress):
    q1 = build_scorecard(plan=plan, period=Period.for_quarter(2565, 1))
    q2 = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))
    two_q1, two_q2 = row_of(q1, 2), row_of(q2, 2)
    assert q1.period.as_of == dt.date(2021, 12, 31)
    assert two_q1.level == 1
    assert two_q1.steps[0].done_on == dt.date(2021, 12, 31) and two_q1.steps[0].counted
    # done on 1 Jan 2022: not done at all as of the end of Q1, however late this is printed
    assert two_q1.steps[1].done_on is None and not two_q1.steps[1].counted
    assert two_q2.level == 2
    assert two_q2.steps[1].done_on == dt.date(2022, 1, 1)


def test_target_is_the_6_month_one_in_q1_q2_and_the_12_month_one_in_q3_q4(plan, rounds):
    targets = {n: row_of(build_scorecard(plan=plan, period=Period.for_quarter(2565, n)), 1).target for n in (1, 2, 3, 4)}
    assert targets == {1: 3, 2: 3, 3: 5, 4: 5}
    assert build_scorecard(plan=plan, period=Period.for_quarter(2565, 3)).round_label == "รอบ 12 เดือน"


def test_self_assessed_and_verified_levels_are_both_shown(plan, progress):
    row = row_of(build_scorecard(plan=plan, period=Period.for_quarter(2565, 2)), 1)
    assert row.level == 3  # steps 1-3 done by 31 Mar
    assert row.verified_level == 2  # the director verified a lower level
    assert row.review_status == "verified"
    assert row.review_comment == "ขั้นตอนที่ ๓ ยังไม่มีเอกสารหลักฐาน"
    assert row.status == Status.MET
    assert row.steps[0].recorded_by == "นางสาวสุวิมล นาครอด"
    assert row.steps[0].note == "ประชุมคณะทำงานแล้ว"


def test_a_verification_after_the_as_of_date_is_not_shown_before_the_round_closes(plan, progress):
    row = row_of(build_scorecard(plan=plan, period=Period.for_date(dt.date(2022, 3, 20))), 1)
    assert row.verified_level is None and row.review_status == "draft"


def test_indicator_without_criteria_is_undefined(plan):
    row = row_of(build_scorecard(plan=plan, period=Period.for_quarter(2565, 2)), 7)
    assert not row.has_criteria and row.status == Status.UNDEFINED and row.steps == []


def test_rows_are_in_plan_order_with_owners_and_sections(plan):
    sc = build_scorecard(plan=plan, period=Period.for_round(2565, 6))
    assert [r.number for r in sc.rows] == list(range(1, 31))
    assert row_of(sc, 1).owners[0] == "นางสาวสุวิมล นาครอด"
    assert row_of(sc, 1).section == "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์"
    assert row_of(sc, 20).owners[0] == "ทุกตำแหน่ง"
    assert sc.summary.overall.total == 30
    assert sum(s.total for s in sc.summary.sections) == 30
    assert sc.group == "กลุ่มพัฒนาระบบบริหาร" and sc.department == "กรมบังคับคดี"
    assert len(sc.policy_kpis) == 7


def test_summary_counts_and_average(plan, progress):
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))
    overall = sc.summary.overall
    assert overall.counts[Status.MET] == 1
    assert overall.total == 30 and overall.assessed == 18
    assert overall.average_level == round((3 + 2 + 1) / 18, 2)
    assert sc.summary.verified == 1


def test_history_of_the_period_only(plan, progress):
    from django.utils import timezone

    from assessments.models import HistoryEntry

    entries = list(HistoryEntry.objects.filter(indicator=progress["one"]).order_by("pk"))
    inside, after, before = entries[0], entries[1], entries[2]
    local = timezone.get_current_timezone()
    HistoryEntry.objects.filter(pk=inside.pk).update(at=dt.datetime(2022, 3, 31, 23, 30, tzinfo=local))
    HistoryEntry.objects.filter(pk=after.pk).update(at=dt.datetime(2022, 4, 1, 0, 10, tzinfo=local))
    HistoryEntry.objects.filter(pk=before.pk).update(at=dt.datetime(2021, 12, 31, 12, 0, tzinfo=local))
    HistoryEntry.objects.exclude(pk__in=[inside.pk, after.pk, before.pk]).delete()
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))
    assert [(h.at.date(), h.indicator_number) for h in sc.history] == [(dt.date(2022, 3, 31), 1)]
    assert sc.history[0].action == "บันทึกว่าดำเนินการแล้ว" and sc.history[0].actor == "นางสาวสุวิมล นาครอด"
    assert len(build_scorecard(plan=plan, period=Period.for_round(2565, 6)).history) == 2


def test_one_indicator_only(plan, progress):
    one = progress["one"]
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2), indicator_ids=[one.pk])
    assert [r.number for r in sc.rows] == [1]
    assert sc.filename_stem == "scorecard-2565-Q2-1"


def test_period_labels_and_codes():
    q2 = Period.for_quarter(2565, 2)
    assert q2.label == "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565"
    assert q2.title(thai_digits=False) == "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2565"
    assert (q2.as_of, q2.round_months, q2.code) == (dt.date(2022, 3, 31), 6, "Q2")
    assert Period.for_round(2565, 12).as_of == dt.date(2022, 9, 30)
    day = Period.for_date(dt.date(2022, 4, 1))
    assert (day.round_months, day.fiscal_year, day.code) == (12, 2565, "2022-04-01")


def test_the_as_of_date_is_typed_in_buddhist_era_like_every_date():
    for typed in ("31/03/2565", "๓๑/๐๓/๒๕๖๕", "2022-03-31", "2565-03-31"):
        assert parse_period({"as_of": typed}, fiscal_year=2565, today=dt.date(2022, 6, 1)).as_of == dt.date(2022, 3, 31)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"quarter": "5"}, "ไตรมาส"),
        ({"quarter": "x"}, "ไตรมาส"),
        ({"round": "7"}, "รอบการประเมิน"),
        ({"as_of": "31/02/2565"}, "รูปแบบ"),
        ({"as_of": "2022-02-30"}, "รูปแบบ"),
        ({"as_of": "2023-01-01"}, "ปีงบประมาณ พ.ศ. 2565"),
        ({"quarter": "1", "round": "6"}, "เพียงอย่างเดียว"),
    ],
)
def test_bad_periods_give_a_thai_message(params, message):
    with pytest.raises(PeriodError) as exc:
        parse_period(params, fiscal_year=2565)
    assert message in exc.value.message


def test_period_parsing_accepts_thai_digits_and_buddhist_era_dates():
    assert parse_period({"quarter": "๒"}, fiscal_year=2565).quarter == 2
    assert parse_period({"as_of": "2565-03-31"}, fiscal_year=2565).as_of == dt.date(2022, 3, 31)
    assert parse_period({}, fiscal_year=2565, today=dt.date(2022, 5, 1)).quarter == 3
    assert parse_period({}, fiscal_year=2565, today=dt.date(2023, 5, 1)).quarter == 4


def test_charts_escape_text_and_show_every_row(plan):
    sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))
    sc.rows[0].name = '<script>alert("x")</script>'
    sc.rows[0].section = "ฝ่าย <b>"
    svg = charts.levels_chart(sc.rows)
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") >= 30
    svg = charts.status_by_section_chart(sc.rows, thai_digits=False)
    assert "ฝ่าย &lt;b&gt;" in svg and "<b>" not in svg


def test_the_level_trend_charts_as_of_label_stays_inside_the_chart_at_either_end_of_the_year():
    """Centred on its line; at the year's last day (the right edge) it ends there instead (it was cut off
    on a phone). The first day's line stands right of the indicator names: room enough to centre."""
    import re

    def anchor(day):
        svg = charts.level_trend_chart([], starts_on=dt.date(2021, 10, 1), ends_on=dt.date(2022, 9, 30), as_of=day)
        return re.search(r'text-anchor="(\w+)" fill="#333">ข้อมูล ณ วันที่', svg).group(1)

    assert [anchor(dt.date(2021, 10, 1)), anchor(dt.date(2022, 3, 31)), anchor(dt.date(2022, 9, 30))] == [
        "middle", "middle", "end"]
