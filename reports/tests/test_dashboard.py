"""The director's dashboard: who reads it, what it shows, filters, plans and years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.levels import Status
from indicators.models import ActionPlan, Indicator, OrgUnit, Person, PolicyKPI
from core import thai
from reports.tests.factories import complete_steps, make_plan

URL = reverse("reports:dashboard")


def row_for(response, number):
    return next(r for r in response.context["rows"] if r.number == number)


def numbers(response):
    return [r.number for g in response.context["groups"] for r in g.rows]


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_is_sent_to_login(self, client, plan):
        response = client.get(URL)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]

    @pytest.mark.parametrize("role", ["director", "admin", "viewer", "owner", "other_staff"])
    def test_readers_and_group_staff_see_every_indicator(self, client, users, fy_today, role):
        client.force_login(users[role])
        response = client.get(URL)
        assert response.status_code == 200
        assert len(response.context["rows"]) == 30
        assert response.context["plan"].org_unit.name == "กลุ่มพัฒนาระบบบริหาร"

    def test_a_user_with_no_plan_gets_a_message_not_an_error(self, client, plan, django_user_model):
        client.force_login(django_user_model.objects.create_user("nobody"))
        response = client.get(URL)
        assert response.status_code == 200
        assert "ยังไม่มีแผนปฏิบัติการที่คุณเข้าถึงได้" in response.content.decode()

    def test_a_plan_the_user_cannot_see_is_404(self, client, users, fy_today):
        other = make_plan(name="กลุ่มอื่น", indicators=3, department=OrgUnit.objects.create(name="กรมอื่น", kind="department"))
        client.force_login(users["director"])
        assert client.get(URL, {"plan": other.pk}).status_code == 404
        assert client.get(URL, {"plan": "abc"}).status_code == 404

    def test_rows_link_to_the_indicator_page(self, client, users, fy_today, indicator):
        client.force_login(users["viewer"])
        html = client.get(URL).content.decode()
        assert reverse("assessments:indicator", args=[indicator.pk]) in html


@pytest.mark.django_db
class TestTable:
    def test_columns_owner_section_targets(self, client, users, fy_today):
        client.force_login(users["director"])
        response = client.get(URL)
        row = row_for(response, 1)
        assert row.owner == "นางสาวสุวิมล นาครอด"
        assert row.section == "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์"
        assert [rp.target for rp in row.rounds] == [3, 5]
        assert row_for(response, 20).owner == "ทุกตำแหน่ง"
        assert row_for(response, 20).status == Status.UNDEFINED
        html = response.content.decode()
        assert "นางสาวสุวิมล นาครอด" in html and "ทุกตำแหน่ง" in html

    def test_legend_says_what_each_colour_means(self, client, users, fy_today):
        client.force_login(users["director"])
        html = client.get(URL).content.decode()
        for status in Status.ORDER:
            assert str(Status.LABELS[status]) in html
            assert str(Status.EXPLANATIONS[status]) in html
            assert f"text-bg-{Status.COLOURS[status]}" in html

    def test_tiles(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        owner = users["owner"]
        complete_steps(plan.indicators.get(number=1), [1, 2, 3], dt.date(2022, 1, 10), owner)
        complete_steps(plan.indicators.get(number=2), [1], dt.date(2022, 1, 10), owner)
        a = services.round_submit(indicator=plan.indicators.get(number=1), round=plan.fiscal_year.rounds.get(months=6), by=owner)
        # Submitted "today" (fy_today freezes the date, not the clock): a submission
        # made after the as-of date would not be shown.
        a.submitted_at = timezone.make_aware(dt.datetime(2022, 2, 15, 10, 0))
        a.save(update_fields=["submitted_at"])
        client.force_login(users["director"])
        s = client.get(URL).context["summary"].overall
        assert s.total == 30
        assert s.met == 1
        assert s.undefined == 12  # 7 and 20-30 have no criteria
        assert s.not_started == 16  # 18 with criteria, 2 of them started
        assert s.awaiting_review == 1
        assert s.average_level == pytest.approx((3 + 1) / 18, abs=0.01)
        assert sum(s.counts.values()) == s.behind + s.on_track + s.met + s.undefined == 30

    def test_last_update_date(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        complete_steps(plan.indicators.get(number=1), [1], dt.date(2022, 1, 10), users["owner"])
        client.force_login(users["director"])
        response = client.get(URL)
        assert row_for(response, 1).last_update is not None
        assert row_for(response, 2).last_update is None


@pytest.mark.django_db
class TestFiltersAndGrouping:
    def test_filter_by_section(self, client, users, fy_today):
        section = OrgUnit.objects.get(name="ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง")
        client.force_login(users["director"])
        response = client.get(URL, {"section": section.pk})
        assert numbers(response) == list(range(12, 20))
        assert client.get(URL, {"section": "none"}).status_code == 200

    def test_filter_by_owner_includes_secondary_and_all_staff(self, client, users, fy_today):
        person = Person.objects.get(first_name="พัชรเมศร์")
        client.force_login(users["director"])
        assert numbers(client.get(URL, {"owner": person.pk})) == [1, 9, 10, 20, 21, 22, 23]

    def test_filter_by_status(self, client, users, fy_today):
        client.force_login(users["director"])
        response = client.get(URL, {"status": Status.UNDEFINED})
        assert numbers(response) == [7] + list(range(20, 31))

    def test_group_by_section_and_status(self, client, users, fy_today):
        client.force_login(users["director"])
        groups = client.get(URL, {"group": "section"}).context["groups"]
        labels = [g.label for g in groups]
        # Thai order: โครง sorts under ค, so before นวัต (code point order would put it
        # last); the indicators without a section come at the end.
        assert labels == [
            "ฝ่ายโครงสร้างและบริหารการเปลี่ยนแปลง",
            "ฝ่ายนวัตกรรมบริการและบริหารผลสัมฤทธิ์",
            "ยังไม่ระบุผู้จัดเก็บข้อมูล",
        ]
        groups = client.get(URL, {"group": "status"}).context["groups"]
        assert [g.key for g in groups] == [s for s in Status.ORDER if any(g.key == s for g in groups)]

    def test_sort_by_owner_is_thai_order(self, client, users, fy_today):
        client.force_login(users["director"])
        response = client.get(URL, {"sort": "owner"})
        names = [r.owner_sort_name for g in response.context["groups"] for r in g.rows if r.primary_owner_id]
        # จักรพันธ์ < ณฐนันท์ < ธนพร < สุธี < สุวิมล; the leading vowel rule keeps เ/แ/โ in place.
        firsts = list(dict.fromkeys(n.split()[0] for n in names))
        assert firsts == ["จักรพันธ์", "ณฐนันท์", "ธนพร", "สุธี", "สุวิมล"]

    def test_unknown_params_are_ignored(self, client, users, fy_today):
        client.force_login(users["director"])
        response = client.get(URL, {"sort": "evil", "group": "x", "status": "y", "owner": "z", "round": "q"})
        assert response.status_code == 200
        assert len(response.context["rows"]) == 30


@pytest.mark.django_db
class TestAsOf:
    def test_bad_date_shows_a_thai_message_and_uses_today(self, client, users, fy_today):
        today = fy_today(dt.date(2022, 2, 15))
        client.force_login(users["director"])
        for bad in ["2022-02-30", "yesterday", "9999-99-99", "31/02/2565", "01/01/2563"]:
            response = client.get(URL, {"as_of": bad}, follow=True)
            assert response.status_code == 200
            assert response.context["as_of"] == today
            text = response.content.decode()
            assert "จึงแสดงข้อมูล ณ วันที่ 15 ก.พ. 2565 แทน" in text

    def test_a_buddhist_era_date_is_typed_and_shown_as_people_write_it(self, client, users, fy_today):
        fy_today(dt.date(2022, 2, 15))
        client.force_login(users["director"])
        for typed in ["31/01/2565", "๓๑/๐๑/๒๕๖๕", "31-1-2565", "2565-01-31"]:
            response = client.get(URL, {"as_of": typed})
            assert response.context["as_of"] == dt.date(2022, 1, 31), typed
        body = response.content.decode()
        assert 'name="as_of" value="31/01/2565"' in body and 'type="date"' not in body

    def test_thai_digits_are_accepted(self, client, users, fy_today):
        fy_today(dt.date(2022, 2, 15))
        client.force_login(users["director"])
        response = client.get(URL, {"as_of": "๒๐๒๒-๐๑-๓๑"})
        assert response.context["as_of"] == dt.date(2022, 1, 31)

    def test_before_and_after_a_completion(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        complete_steps(plan.indicators.get(number=1), [1, 2, 3], dt.date(2022, 1, 10), users["owner"])
        client.force_login(users["director"])
        before = row_for(client.get(URL, {"as_of": "2022-01-09"}), 1)
        after = row_for(client.get(URL, {"as_of": "2022-01-10"}), 1)
        assert before.level == 0 and before.status != Status.MET
        assert before.last_update is None  # recorded today (15 Feb), after 9 Jan
        assert after.level == 3 and after.status == Status.MET

    def test_quarter_shortcuts(self, client, users, fy_today):
        fy_today(dt.date(2022, 7, 5))
        client.force_login(users["director"])
        response = client.get(URL)
        html = response.content.decode()
        quarters = response.context["quarters"]
        assert [q["disabled"] for q in quarters] == [False, False, False, True]
        assert "as_of=2021-12-31" in html and "as_of=2022-03-31" in html and "as_of=2022-06-30" in html
        response = client.get(URL, {"as_of": "2021-12-31"})
        assert response.context["as_of"] == dt.date(2021, 12, 31)
        assert response.context["round"].months == 6
        assert thai.format_date(dt.date(2021, 12, 31), long=True) in response.content.decode()


@pytest.mark.django_db
class TestStatusAtBoundaries:
    """The 6-month round closes on 31 March 2022: met/behind that day, overdue the day after."""

    @pytest.fixture
    def six(self, plan):
        return plan.fiscal_year.rounds.get(months=6)

    def test_behind_on_the_closing_day_overdue_the_day_after(self, client, users, fy_today, plan, six):
        fy_today(dt.date(2022, 4, 5))
        complete_steps(plan.indicators.get(number=1), [1, 2], dt.date(2022, 3, 1), users["owner"])
        client.force_login(users["director"])
        response = client.get(URL, {"as_of": "2022-03-31"})
        on_close = row_for(response, 1)
        assert response.context["round"] == six
        assert on_close.status == Status.BEHIND
        after = client.get(URL, {"as_of": "2022-04-01", "round": six.pk})
        assert row_for(after, 1).status == Status.OVERDUE
        # Without a round chosen, the day after the close shows the 12-month round.
        assert client.get(URL, {"as_of": "2022-04-01"}).context["round"].months == 12

    def test_a_step_done_on_the_closing_day_counts_the_day_after_does_not(self, client, users, fy_today, plan, six):
        fy_today(dt.date(2022, 4, 5))
        ind1, ind2 = plan.indicators.get(number=1), plan.indicators.get(number=2)
        complete_steps(ind1, [1, 2], dt.date(2022, 3, 1), users["owner"])
        complete_steps(ind1, [3], dt.date(2022, 3, 31), users["owner"])
        complete_steps(ind2, [1, 2], dt.date(2022, 3, 1), users["owner"])
        complete_steps(ind2, [3], dt.date(2022, 4, 1), users["owner"])
        client.force_login(users["director"])
        response = client.get(URL, {"as_of": "2022-04-02", "round": six.pk})
        assert row_for(response, 1).status == Status.MET
        assert row_for(response, 2).status == Status.OVERDUE
        assert row_for(response, 2).level == 2

    def test_on_track_early_in_the_round(self, client, users, fy_today, plan):
        fy_today(dt.date(2021, 10, 20))
        complete_steps(plan.indicators.get(number=1), [1], dt.date(2021, 10, 15), users["owner"])
        client.force_login(users["director"])
        response = client.get(URL)
        assert row_for(response, 1).status == Status.ON_TRACK
        assert row_for(response, 1).level == 1


@pytest.mark.django_db
class TestPlansAndYears:
    def test_current_fiscal_year_is_the_default(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        next_year = make_plan(name="กลุ่มพัฒนาระบบบริหาร ปีหน้า", indicators=2, department=plan.org_unit.parent, year_be=2566)
        client.force_login(users["viewer"])
        response = client.get(URL)
        assert response.context["plan"] == plan
        assert next_year in response.context["plans"]
        assert client.get(URL, {"plan": next_year.pk}).context["plan"] == next_year

    def test_falls_back_to_the_newest_plan(self, client, users, fy_today, plan):
        fy_today(dt.date(2024, 2, 15))  # FY 2567: no plan
        newest = make_plan(name="แผนปี 2566", indicators=2, department=plan.org_unit.parent, year_be=2566)
        client.force_login(users["viewer"])
        assert client.get(URL).context["plan"] == newest

    def test_selector_lists_only_visible_plans(self, client, users, fy_today, plan):
        elsewhere = make_plan(name="กลุ่มนอก", indicators=1, department=OrgUnit.objects.create(name="กรมอื่น", kind="department"))
        client.force_login(users["director"])
        plans = client.get(URL).context["plans"]
        assert plan in plans and elsewhere not in plans
        assert ActionPlan.objects.count() == 2


@pytest.mark.django_db
class TestPolicyKPIs:
    def test_kpis_of_the_department_are_listed(self, client, users, fy_today, plan):
        client.force_login(users["viewer"])
        response = client.get(URL)
        kpis = response.context["kpis"]
        department = PolicyKPI.objects.filter(org_unit_id=plan.org_unit.parent_id, fiscal_year=plan.fiscal_year)
        assert kpis and [k.kpi_id for k in kpis] == list(department.order_by("group_number", "number").values_list("pk", flat=True))
        assert all(k.value is None and k.status_label == "ยังไม่มีผล" for k in kpis)
        assert not response.context["can_record_kpi"]
        assert "kpi/" not in response.content.decode().split('id="policy-kpis"')[1]

    def test_director_records_a_value_and_the_status_follows_the_target(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        client.force_login(users["director"])
        kpi = PolicyKPI.objects.get(pk=client.get(URL).context["kpis"][0].kpi_id)  # ITA, target 95
        url = reverse("reports:kpi-record", args=[kpi.pk])
        r = client.post(url, {"plan": plan.pk, "value": "94.5", "measured_on": "2022-01-31", "source": "ITA รอบที่ 1"})
        assert r.status_code == 302
        k = client.get(URL).context["kpis"][0]
        assert k.value == Decimal("94.5") and k.met is False and k.source == "ITA รอบที่ 1"
        client.post(url, {"plan": plan.pk, "value": "95", "measured_on": "2022-02-10", "source": ""})
        k = client.get(URL).context["kpis"][0]
        assert k.met is True and k.status_label == Status.LABELS[Status.MET]
        # As of a date before the second value, the first one is the latest.
        assert client.get(URL, {"as_of": "2022-02-01"}).context["kpis"][0].met is False

    def test_the_date_of_a_value_is_typed_in_buddhist_era(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        client.force_login(users["director"])
        kpi = PolicyKPI.objects.get(pk=client.get(URL).context["kpis"][0].kpi_id)
        r = client.post(reverse("reports:kpi-record", args=[kpi.pk]),
                        {"plan": plan.pk, "value": "94.5", "measured_on": "31/01/2565", "source": ""})
        assert r.status_code == 302
        assert client.get(URL).context["kpis"][0].measured_on == dt.date(2022, 1, 31)
        r = client.post(reverse("reports:kpi-record", args=[kpi.pk]),
                        {"plan": plan.pk, "value": "94.5", "measured_on": "31/13/2565", "source": ""})
        assert r.status_code == 400 and "พิมพ์เป็น วว/ดด/ปปปป (พ.ศ.)" in r.content.decode()

    def test_bad_values_are_refused_with_a_thai_message(self, client, users, fy_today, plan):
        fy_today(dt.date(2022, 2, 15))
        client.force_login(users["admin"])
        kpi = PolicyKPI.objects.get(pk=client.get(URL).context["kpis"][0].kpi_id)
        url = reverse("reports:kpi-record", args=[kpi.pk])
        r = client.post(url, {"plan": plan.pk, "value": "abc", "measured_on": "2022-01-31"})
        assert r.status_code == 400 and "ผลการดำเนินงานต้องเป็นตัวเลข" in r.content.decode()
        r = client.post(url, {"plan": plan.pk, "value": "90", "measured_on": "2022-03-01"})
        assert r.status_code == 400 and "วันที่ของข้อมูลต้องไม่เป็นวันในอนาคต" in r.content.decode()
        assert not kpi.measurements.exists()

    @pytest.mark.parametrize("role", ["viewer", "owner", "other_staff"])
    def test_only_director_or_admin_records(self, client, users, fy_today, plan, role):
        kpi = plan.fiscal_year.policy_kpis.first()
        client.force_login(users[role])
        r = client.post(reverse("reports:kpi-record", args=[kpi.pk]),
                        {"plan": plan.pk, "value": "90", "measured_on": "2022-01-31"})
        assert r.status_code == 403
        assert not kpi.measurements.exists()

    def test_get_is_not_allowed_and_anonymous_goes_to_login(self, client, users, plan):
        kpi = plan.fiscal_year.policy_kpis.first()
        url = reverse("reports:kpi-record", args=[kpi.pk])
        assert client.post(url, {}).status_code == 302
        client.force_login(users["director"])
        assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_trend_charts_print_as_inline_svg(client, users, fy_today):
    client.force_login(users["director"])
    response = client.get(URL)
    charts = response.context["charts"]
    assert set(charts) == {"kpis", "levels"}
    assert set(charts["kpis"]) == {k.kpi_id for k in response.context["kpis"]}
    html = response.content.decode()
    assert html.count("<svg") == 1 + sum(1 for k in response.context["kpis"] if k.history)
    assert "ข้อมูลของแผนภูมิ (ข้อความ)" in html  # the text equivalent of the level trend


@pytest.mark.django_db
def test_ping_needs_login(client, users):
    assert client.get(reverse("reports:ping")).status_code == 302
    client.force_login(users["viewer"])
    assert client.get(reverse("reports:ping")).content == b"ok"


def test_indicator_numbers_and_names_unchanged(plan):
    assert Indicator.objects.filter(plan=plan).count() == 30


@pytest.mark.django_db
class TestLinksAndDigits:
    """No link the dashboard draws answers 400, whatever today is; one kind of digit on screen."""

    @pytest.mark.parametrize("today", [dt.date(2026, 12, 1), dt.date(2022, 10, 5), dt.date(2021, 9, 20)])
    def test_every_report_link_opens_for_a_plan_outside_today_s_year(self, client, users, fy_today, plan, today):
        import re

        fy_today(today)
        for role in ("director", "viewer", "owner"):
            client.force_login(users[role])
            response = client.get(reverse("home"), follow=True)
            response = client.get(URL, {"plan": plan.pk})
            start, end = thai.fiscal_year_bounds(2565)
            assert start <= response.context["as_of"] <= end
            html = response.content.decode()
            links = set(re.findall(r'href="(/reports/scorecard[^"#]*)"', html))
            assert len(links) == 3, links
            for link in links:
                if "scorecard.pdf" in link:
                    continue  # the same parameters as the page; the PDF is slow to draw
                assert client.get(link.replace("&amp;", "&")).status_code == 200, (role, link)
            for link in set(re.findall(r'href="\?([^"#]*)"', html)):
                assert client.get(URL + "?" + link.replace("&amp;", "&")).status_code == 200, (role, link)

    def test_a_date_outside_the_plan_s_year_is_replaced_by_its_default_with_a_message(self, client, users, fy_today, plan):
        fy_today(dt.date(2026, 12, 1))
        client.force_login(users["director"])
        response = client.get(URL, {"as_of": "2026-01-01"}, follow=True)
        assert response.context["as_of"] == dt.date(2022, 9, 30)
        assert "ไม่อยู่ในปีงบประมาณ พ.ศ. 2565" in response.content.decode()

    def test_round_and_quarter_names_use_arabic_digits_on_screen(self, client, users, fy_today):
        fy_today(dt.date(2022, 7, 5))
        client.force_login(users["director"])
        html = client.get(URL).content.decode()
        assert "รอบ 12 เดือน" in html and "ไตรมาสที่ 1" in html
        for thai_digit in ("รอบ ๖", "รอบ ๑๒", "ไตรมาสที่ ๑", "ไตรมาสที่ ๒"):
            assert thai_digit not in html
