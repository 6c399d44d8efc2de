"""The plan pages and their services: who may change what, the history, the locks, copy and publish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments import services as progress
from assessments.models import RoundAssessment, StepCompletion
from indicators import services
from indicators.models import ActionPlan, Indicator, MilestoneStep, PlanChange, Person

pytestmark = pytest.mark.django_db

STEPS = ["ศึกษาแนวทาง", "จัดทำแผน", "ดำเนินการตามแผน", "ติดตามผล", "รายงานผลต่อผู้บริหาร"]


def year_form(**extra):
    data = {"mode": "year", "target_6": "3", "target_12": "5"}
    data.update({f"year_{n}": t for n, t in enumerate(STEPS, start=1)})
    data.update(extra)
    return data


def test_locked_statuses_agree_with_assessments():
    assert set(services.LOCKED_STATUSES) == {str(s) for s in RoundAssessment.LOCKED}


def test_admin_writes_five_steps_of_20_and_staff_can_tick_them(client, users, plan, fy_today):
    twenty = plan.indicators.get(number=20)
    assert not twenty.criteria_sets.exists()
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), year_form())
    assert response.status_code == 302
    steps = list(MilestoneStep.objects.filter(criteria_set__indicator=twenty).order_by("number"))
    assert [s.text for s in steps] == STEPS
    change = PlanChange.objects.get(indicator=twenty, action="criteria_written")
    assert change.actor == users["admin"] and change.after == {"None": STEPS}
    # All staff own ๒๐: other_staff ticks step 1 straight away.
    client.force_login(users["other_staff"])
    response = client.post(reverse("assessments:step-save", args=[steps[0].pk]),
                           {"done": "on", "done_on": "2022-02-01", "note": ""})
    assert response.status_code == 302
    assert StepCompletion.objects.filter(step=steps[0]).exists()


def test_director_edits_criteria_and_targets_but_not_the_definition(client, users, plan):
    twenty = plan.indicators.get(number=20)
    client.force_login(users["director"])
    assert client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), year_form()).status_code == 302
    response = client.post(reverse("indicators:indicator-edit", args=[twenty.pk]), {"number": 20, "name": "ใหม่"})
    assert response.status_code == 403
    assert Indicator.objects.get(pk=twenty.pk).name != "ใหม่"


def test_staff_and_viewers_cannot_reach_the_plan_pages(client, users, plan):
    twenty = plan.indicators.get(number=20)
    for role in ("owner", "viewer"):
        client.force_login(users[role])
        assert client.get(reverse("indicators:plan-list")).status_code == 403
        assert client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), year_form()).status_code == 403
    assert not twenty.criteria_sets.exists()


def test_four_steps_are_refused_in_thai_and_nothing_is_saved(client, users, plan):
    twenty = plan.indicators.get(number=20)
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), year_form(year_5="", target_6="4"))
    assert response.status_code == 400
    assert "ต้องมีครบ 5 ขั้นตอน ยังไม่ได้ระบุขั้นตอนที่ 5" in response.content.decode()
    assert not twenty.criteria_sets.exists() and not twenty.targets.filter(level=4).exists()


def test_a_submitted_round_keeps_its_criteria_and_target(users, plan, rounds, fy_today):
    one = plan.indicators.get(number=1)
    step1 = MilestoneStep.objects.get(criteria_set__indicator=one, number=1)
    progress.step_complete(step=step1, done_on=dt.date(2022, 1, 5), by=users["owner"])
    progress.round_submit(indicator=one, round=rounds[6], by=users["owner"])
    with pytest.raises(services.PlanError, match="ส่งผลการประเมินตนเองแล้ว"):
        services.criteria_write(indicator=one, by=users["admin"], sets={None: ["ใหม่"] + STEPS[1:]})
    with pytest.raises(services.PlanError, match="ส่งผลการประเมินตนเองแล้ว"):
        services.targets_set(indicator=one, by=users["admin"], levels={rounds[6]: 2})
    assert MilestoneStep.objects.get(pk=step1.pk).text == step1.text
    # After an explicit reopen the change is allowed.
    progress.round_reopen(indicator=one, round=rounds[6], by=users["admin"], reason="แก้เกณฑ์")
    services.targets_set(indicator=one, by=users["admin"], levels={rounds[6]: 2})
    assert one.targets.get(round=rounds[6]).level == 2


def test_step_with_progress_is_never_deleted(users, plan, fy_today):
    one = plan.indicators.get(number=1)
    step = MilestoneStep.objects.get(criteria_set__indicator=one, number=2)
    progress.step_complete(step=step, done_on=dt.date(2022, 1, 5), by=users["owner"])
    with pytest.raises(services.PlanError, match="มีการบันทึกผลการดำเนินงานแล้ว"):
        services.step_delete(step=step, by=users["admin"])
    # Switching to per-round criteria would delete it too: refused as well.
    rounds = {r.months: r for r in plan.fiscal_year.rounds.all()}
    with pytest.raises(services.PlanError):
        services.criteria_write(indicator=one, by=users["admin"], sets={rounds[6]: STEPS, rounds[12]: STEPS})
    assert MilestoneStep.objects.filter(pk=step.pk).exists()


def test_step_without_progress_can_be_deleted_with_history(users, plan):
    step = MilestoneStep.objects.get(criteria_set__indicator__number=1, criteria_set__indicator__plan=plan, number=5)
    services.step_delete(step=step, by=users["admin"])
    assert not MilestoneStep.objects.filter(pk=step.pk).exists()
    assert PlanChange.objects.filter(action="step_deleted", actor=users["admin"]).exists()


def test_admin_inline_refuses_to_delete_a_step_with_progress(client, users, plan, fy_today, settings, tmp_path):
    """Issue 13 finding 4: the criteria-set inline deleted completions and evidence with no word."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    users["admin"].is_superuser = True
    users["admin"].save()
    one = plan.indicators.get(number=1)
    cs = one.criteria_sets.get()
    steps = list(cs.steps.order_by("number"))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    done = progress.step_complete(step=steps[0], done_on=dt.date(2022, 1, 5), by=users["owner"],
                                  files=[SimpleUploadedFile("a.pdf", pdf)])
    client.force_login(users["admin"])
    url = reverse("admin:indicators_criteriaset_change", args=[cs.pk])
    data = {"indicator": one.pk, "round": "", "title": cs.title,
            "steps-TOTAL_FORMS": "5", "steps-INITIAL_FORMS": "5", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "5"}
    for i, s in enumerate(steps):
        data.update({f"steps-{i}-id": s.pk, f"steps-{i}-criteria_set": cs.pk, f"steps-{i}-number": s.number,
                     f"steps-{i}-text": s.text})
    data["steps-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the reason
    assert "มีการบันทึกผลการดำเนินงานแล้ว" in response.content.decode()
    assert MilestoneStep.objects.filter(pk=steps[0].pk).exists()
    assert StepCompletion.objects.filter(pk=done.pk).exists() and done.evidence.count() == 1
    # Deleting the whole criteria set is refused too (the foreign key protects the progress).
    response = client.post(reverse("admin:indicators_criteriaset_delete", args=[cs.pk]), {"post": "yes"})
    assert StepCompletion.objects.filter(pk=done.pk).exists()


def test_withdrawn_indicator_leaves_every_list_but_stays(client, users, plan):
    seven = plan.indicators.get(number=7)
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:indicator-withdraw", args=[seven.pk]), {"reason": "รวมกับตัวชี้วัดที่ 6"})
    assert response.status_code == 302
    assert not plan.indicators.filter(number=7).exists()
    assert Indicator.all_objects.get(pk=seven.pk).withdraw_reason == "รวมกับตัวชี้วัดที่ 6"
    client.force_login(users["director"])
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert seven.name not in page
    assert client.get(reverse("assessments:indicator", args=[seven.pk])).status_code == 404
    # Its number can be given to a new indicator.
    services.indicator_create(plan=plan, by=users["admin"], number=7, name="ตัวชี้วัดใหม่ที่ 7")


def test_rename_and_renumber_are_in_the_history(client, users, plan):
    nine = plan.indicators.get(number=9)
    client.force_login(users["admin"])
    data = {"number": 31, "name": "ชื่อใหม่ของตัวชี้วัด", "unit": "ระดับ",
            "primary": Person.objects.get(first_name="สุวิมล").pk}
    response = client.post(reverse("indicators:indicator-edit", args=[nine.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    nine.refresh_from_db()
    assert (nine.number, nine.name) == (31, "ชื่อใหม่ของตัวชี้วัด")
    assert [o.person.first_name for o in nine.owners.all()] == ["สุวิมล"]
    summaries = list(PlanChange.objects.filter(indicator=nine).values_list("summary", flat=True))
    assert any("เปลี่ยนลำดับ" in s for s in summaries) and any("กำหนดผู้รับผิดชอบ" in s for s in summaries)
    # A number already used is refused in Thai.
    response = client.post(reverse("indicators:indicator-edit", args=[nine.pk]), {**data, "number": 1})
    assert response.status_code == 400 and "เป็นของตัวชี้วัด" in response.content.decode()


def test_copy_to_next_year_is_a_draft_owners_see_after_publishing(client, users, plan):
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:plan-copy", args=[plan.pk]), {"to_year": "2566"})
    new = ActionPlan.objects.get(fiscal_year__year_be=2566)
    assert response["Location"] == reverse("indicators:plan-detail", args=[new.pk])
    assert new.status == ActionPlan.PublicationStatus.DRAFT
    assert new.indicators.count() == plan.indicators.count()
    one = new.indicators.get(number=1)
    assert [o.person.first_name for o in one.owners.order_by("order")] == ["สุวิมล", "พัชรเมศร์"]
    assert {(t.round.months, t.level) for t in one.targets.all()} == {(6, 3), (12, 5)}
    assert one.criteria_sets.get().steps.count() == 5
    assert new.fiscal_year.starts_on == dt.date(2022, 10, 1)
    assert {r.closes_on for r in new.fiscal_year.rounds.all()} == {dt.date(2023, 3, 31), dt.date(2023, 9, 30)}
    assert not StepCompletion.objects.filter(step__criteria_set__indicator__plan=new).exists()
    assert new.fiscal_year.policy_kpis.count() == plan.fiscal_year.policy_kpis.count()
    # Owners do not see the draft.
    assert not Indicator.objects.owned_by(users["owner"]).filter(plan=new).exists()
    assert not ActionPlan.objects.visible_to(users["owner"]).filter(pk=new.pk).exists()
    assert not ActionPlan.objects.visible_to(users["viewer"]).filter(pk=new.pk).exists()
    assert ActionPlan.objects.visible_to(users["director"]).filter(pk=new.pk).exists()
    client.force_login(users["owner"])
    assert client.get(reverse("assessments:indicator", args=[one.pk])).status_code == 404
    client.force_login(users["admin"])
    assert client.post(reverse("indicators:plan-publish", args=[new.pk])).status_code == 302
    assert Indicator.objects.owned_by(users["owner"]).filter(plan=new).exists()
    client.force_login(users["owner"])
    assert "2566" in client.get(reverse("assessments:my-indicators")).content.decode()
    # A second copy to the same year is refused with the reason.
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:plan-copy", args=[plan.pk]), {"to_year": "2566"}, follow=True)
    assert "มีแผนปีงบประมาณ พ.ศ. 2566 อยู่แล้ว" in response.content.decode()


def test_copy_plan_command(users, plan):
    from django.core.management import call_command

    call_command("copy_plan", "--unit", "กพร.", "--from", "2565", "--to", "2566")
    new = ActionPlan.objects.get(fiscal_year__year_be=2566)
    assert new.status == ActionPlan.PublicationStatus.DRAFT and new.indicators.count() == 30


def test_plan_edit_keeps_history(client, users, plan):
    client.force_login(users["admin"])
    response = client.post(reverse("indicators:plan-edit", args=[plan.pk]), {
        "title": plan.title, "vision": "วิสัยทัศน์ใหม่", "mission": plan.mission, "motto": plan.motto,
        "values_name": plan.values_name, "culture": plan.culture, "values": "I | Integrity | ซื่อสัตย์"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.vision == "วิสัยทัศน์ใหม่" and plan.core_values.count() == 1
    assert PlanChange.objects.filter(plan=plan, action="plan_edited", actor=users["admin"]).exists()
    client.force_login(users["director"])
    assert client.post(reverse("indicators:plan-edit", args=[plan.pk]), {"title": "x"}).status_code == 403


def test_replacing_a_plan_with_progress_is_refused(users, plan, fy_today, tmp_path):
    from django.conf import settings
    from django.core.management import CommandError, call_command

    step = MilestoneStep.objects.get(criteria_set__indicator__number=1, criteria_set__indicator__plan=plan, number=1)
    progress.step_complete(step=step, done_on=dt.date(2022, 1, 5), by=users["owner"])
    source = tmp_path / "plan.json"
    source.write_text((settings.BASE_DIR / "fixtures" / "plan_2565.json").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CommandError, match="มีผลการดำเนินงานบันทึกไว้แล้ว"):
        call_command("import_plan", str(source), "--replace", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    assert StepCompletion.objects.filter(step=step).exists()


def test_a_groups_administrator_cannot_edit_the_departments_kpis(client, users, plan):
    from django.contrib.auth import get_user_model

    from indicators.models import Appointment

    group_admin = get_user_model().objects.create_user("group_admin", password="pw-not-used-123")
    Appointment.objects.create(user=group_admin, org_unit=plan.org_unit, role=Appointment.Role.ADMIN)
    kpi = services.policy_kpis_of(plan).order_by("number").first()
    client.force_login(group_admin)
    url = reverse("indicators:kpi-edit", args=[plan.pk, kpi.pk])
    response = client.post(url, {"name": "x", "target_value": "1", "target_unit": "y"})
    assert response.status_code == 403
    kpi.refresh_from_db()
    assert kpi.name != "x"
    # ...but edits the group's own plan.
    assert client.get(reverse("indicators:plan-edit", args=[plan.pk])).status_code == 200


def test_criteria_per_round_in_the_form(client, users, plan):
    twenty = plan.indicators.get(number=20)
    client.force_login(users["director"])
    data = {"mode": "rounds", "target_6": "3", "target_12": "5",
            **{f"r6_{n}": f"รอบแรก {n}" for n in range(1, 6)}, **{f"r12_{n}": f"รอบสอง {n}" for n in range(1, 6)}}
    assert client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), data).status_code == 302
    sets = {cs.round.months: [s.text for s in cs.steps.order_by("number")] for cs in twenty.criteria_sets.all()}
    assert sets == {6: [f"รอบแรก {n}" for n in range(1, 6)], 12: [f"รอบสอง {n}" for n in range(1, 6)]}
    # Only the 12-month round: the 6-month set goes (it has no progress).
    data.update({f"r6_{n}": "" for n in range(1, 6)})
    assert client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), data).status_code == 302
    assert [cs.round.months for cs in twenty.criteria_sets.all()] == [12]
    # Nothing at all is refused in Thai.
    data.update({f"r12_{n}": "" for n in range(1, 6)})
    response = client.post(reverse("indicators:criteria-edit", args=[twenty.pk]), data)
    assert response.status_code == 400 and "อย่างน้อยหนึ่งชุด" in response.content.decode()
