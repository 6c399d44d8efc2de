"""Verification: the queue, the review page, verify / return / resubmit / reopen, locks and permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import HistoryEntry, RoundAssessment
from reports.tests.factories import complete_steps

QUEUE = reverse("assessments:review-queue")


@pytest.fixture
def six(rounds):
    return rounds[6]


@pytest.fixture
def submitted(users, fy_today, indicator, six):
    """Indicator ๑, steps 1-3 done on 10 Jan 2022 (one with a note), submitted by its owner."""
    fy_today(dt.date(2022, 2, 15))
    complete_steps(indicator, [1, 2], dt.date(2022, 1, 10), users["owner"])
    cs = indicator.criteria_sets.get(round=None)
    services.step_complete(step=cs.steps.get(number=3), done_on=dt.date(2022, 1, 12), by=users["owner"],
                           note="ประชุมคณะทำงานครั้งที่ 1/2565")
    return services.round_submit(indicator=indicator, round=six, by=users["owner"], note="ส่งผลรอบ ๖ เดือน")


def urls(indicator, rnd):
    args = [indicator.pk, rnd.pk]
    return {name: reverse(f"assessments:{name}", args=args) for name in ("review", "round-verify", "round-return", "round-reopen")}


def status_of(indicator, rnd):
    return RoundAssessment.objects.get(indicator=indicator, round=rnd)


@pytest.mark.django_db
class TestQueue:
    def test_director_sees_submitted_rounds(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        response = client.get(QUEUE)
        assert response.status_code == 200
        assert [a.pk for a in response.context["pending"]] == [submitted.pk]
        html = response.content.decode()
        assert indicator.name in html and urls(indicator, six)["review"] in html

    def test_decided_rounds_leave_the_queue(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        client.post(urls(indicator, six)["round-verify"], {})
        response = client.get(QUEUE)
        assert response.context["pending"] == []
        assert [a.pk for a in response.context["recent"]] == [submitted.pk]

    @pytest.mark.parametrize("role", ["viewer", "owner", "other_staff"])
    def test_non_reviewers_get_403(self, client, users, submitted, role):
        client.force_login(users[role])
        assert client.get(QUEUE).status_code == 403

    def test_anonymous_goes_to_login(self, client, submitted):
        response = client.get(QUEUE)
        assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
class TestReviewPage:
    def test_shows_steps_dates_notes_and_history(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        response = client.get(urls(indicator, six)["review"])
        assert response.status_code == 200
        html = response.content.decode()
        assert "10 ม.ค. 2565" in html and "12 ม.ค. 2565" in html
        assert "ประชุมคณะทำงานครั้งที่ 1/2565" in html
        assert "ส่งผลรอบ ๖ เดือน" in html
        assert str(HistoryEntry.Action.ROUND_SUBMITTED.label) in html
        assert response.context["rp"].level == 3
        assert response.context["can_decide"]
        assert [v for v, _label in response.context["verify_form"].fields["level"].choices] == ["3", "2", "1", "0"]

    def test_not_submitted_round_has_no_decision_forms(self, client, users, fy_today, indicator, rounds):
        client.force_login(users["director"])
        response = client.get(urls(indicator, rounds[12])["review"])
        assert response.status_code == 200
        assert not response.context["can_decide"]
        assert urls(indicator, rounds[12])["round-verify"] not in response.content.decode()

    @pytest.mark.parametrize("role,status", [("viewer", 403), ("owner", 403), ("other_staff", 403), ("coowner", 403)])
    def test_who_may_open_it(self, client, users, submitted, indicator, six, role, status):
        client.force_login(users[role])
        assert client.get(urls(indicator, six)["review"]).status_code == status

    def test_outsider_and_wrong_round_get_404(self, client, users, submitted, indicator, six, django_user_model):
        client.force_login(django_user_model.objects.create_user("outsider"))
        assert client.get(urls(indicator, six)["review"]).status_code == 404
        client.force_login(users["director"])
        assert client.get(reverse("assessments:review", args=[indicator.pk, 999999])).status_code == 404

    def test_anonymous_goes_to_login(self, client, submitted, indicator, six):
        for name, url in urls(indicator, six).items():
            response = client.post(url) if name != "review" else client.get(url)
            assert response.status_code == 302 and reverse("login") in response["Location"], name


@pytest.mark.django_db
class TestVerify:
    def test_verify_at_the_self_assessed_level(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        response = client.post(urls(indicator, six)["round-verify"], {"level": ""})
        assert response.status_code == 302 and response["Location"] == QUEUE
        a = status_of(indicator, six)
        assert (a.status, a.verified_level, a.reviewed_by) == (RoundAssessment.ReviewStatus.VERIFIED, 3, users["director"])
        entry = HistoryEntry.objects.filter(indicator=indicator, action=HistoryEntry.Action.ROUND_VERIFIED).get()
        assert entry.actor == users["director"] and entry.after["verified_level"] == 3

    def test_a_lower_level_needs_a_reason(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        response = client.post(urls(indicator, six)["round-verify"], {"level": "2", "reason": ""})
        assert response.status_code == 400
        assert "กรุณาระบุเหตุผล" in response.content.decode()
        # The refused form keeps the level typed and ties its fields to the reason (crispy's markup).
        form = response.context["verify_form"]
        assert form.refusal and form.initial["level"] == "2"
        html = response.content.decode()
        assert 'id="verify-error"' in html and 'aria-describedby="verify-error"' in html
        assert '<option value="2" selected>' in html
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.SUBMITTED
        response = client.post(urls(indicator, six)["round-verify"], {"level": "2", "reason": "หลักฐานขั้นตอนที่ 3 ไม่ครบ"})
        assert response.status_code == 302
        a = status_of(indicator, six)
        assert (a.status, a.verified_level, a.review_comment) == (RoundAssessment.ReviewStatus.VERIFIED, 2, "หลักฐานขั้นตอนที่ 3 ไม่ครบ")

    @pytest.mark.parametrize("level", ["4", "-1", "abc", "๙"])
    def test_a_level_above_the_self_assessed_or_garbage_is_refused(self, client, users, submitted, indicator, six, level):
        client.force_login(users["director"])
        response = client.post(urls(indicator, six)["round-verify"], {"level": level, "reason": "x"})
        assert response.status_code == 400
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.SUBMITTED

    def test_verifying_twice_is_a_conflict_not_an_error(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        client.post(urls(indicator, six)["round-verify"], {})
        response = client.post(urls(indicator, six)["round-verify"], {})
        assert response.status_code == 400
        assert "ไม่ได้อยู่ในสถานะรอตรวจสอบ" in response.content.decode()

    def test_owner_cannot_verify_their_own_round(self, client, users, submitted, indicator, six):
        client.force_login(users["owner"])
        assert client.post(urls(indicator, six)["round-verify"], {}).status_code == 403
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.SUBMITTED

    def test_a_reviewer_who_submitted_cannot_verify_it_either(self, client, users, fy_today, indicator, six):
        fy_today(dt.date(2022, 2, 15))
        complete_steps(indicator, [1], dt.date(2022, 1, 10), users["admin"])
        services.round_submit(indicator=indicator, round=six, by=users["admin"])
        client.force_login(users["admin"])
        page = client.get(urls(indicator, six)["review"])
        assert page.context["own_submission"] and not page.context["can_decide"]
        response = client.post(urls(indicator, six)["round-verify"], {})
        assert response.status_code == 400
        assert "ตรวจสอบผลของตนเองไม่ได้" in response.content.decode()
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.SUBMITTED
        # Another reviewer can.
        client.force_login(users["director"])
        assert client.post(urls(indicator, six)["round-verify"], {}).status_code == 302

    @pytest.mark.parametrize("role", ["viewer", "other_staff", "coowner"])
    def test_read_only_users_get_403(self, client, users, submitted, indicator, six, role):
        client.force_login(users[role])
        assert client.post(urls(indicator, six)["round-verify"], {}).status_code == 403
        assert client.post(urls(indicator, six)["round-return"], {"comment": "x"}).status_code == 403
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.SUBMITTED

    def test_get_is_not_allowed(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        assert client.get(urls(indicator, six)["round-verify"]).status_code == 405


@pytest.mark.django_db
class TestReturnAndResubmit:
    def test_return_needs_a_comment(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        response = client.post(urls(indicator, six)["round-return"], {"comment": "  "})
        assert response.status_code == 400
        assert "กรุณาระบุความเห็น" in response.content.decode()
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.SUBMITTED

    def test_return_unlocks_and_resubmission_locks_again(self, client, users, submitted, indicator, six):
        step4 = indicator.criteria_sets.get(round=None).steps.get(number=4)
        # Submitted: the round's steps are locked.
        with pytest.raises(services.ProgressError):
            services.step_complete(step=step4, done_on=dt.date(2022, 2, 1), by=users["owner"])
        client.force_login(users["director"])
        response = client.post(urls(indicator, six)["round-return"], {"comment": "แนบหลักฐานขั้นตอนที่ 3 เพิ่ม"})
        assert response.status_code == 302
        a = status_of(indicator, six)
        assert (a.status, a.review_comment) == (RoundAssessment.ReviewStatus.RETURNED, "แนบหลักฐานขั้นตอนที่ 3 เพิ่ม")
        entry = HistoryEntry.objects.get(indicator=indicator, action=HistoryEntry.Action.ROUND_RETURNED)
        assert entry.comment == "แนบหลักฐานขั้นตอนที่ 3 เพิ่ม"
        assert client.get(QUEUE).context["pending"] == []
        # Returned: the owner can change the steps and submit again.
        services.step_complete(step=step4, done_on=dt.date(2022, 2, 1), by=users["owner"])
        services.round_submit(indicator=indicator, round=six, by=users["owner"], note="แก้ไขแล้ว")
        a = status_of(indicator, six)
        assert (a.status, a.self_level) == (RoundAssessment.ReviewStatus.SUBMITTED, 4)
        assert [x.pk for x in client.get(QUEUE).context["pending"]] == [a.pk]
        assert client.post(urls(indicator, six)["round-verify"], {}).status_code == 302
        assert status_of(indicator, six).verified_level == 4
        actions = list(HistoryEntry.objects.filter(indicator=indicator, round=six).order_by("pk").values_list("action", flat=True))
        assert actions == ["round_submitted", "round_returned", "round_submitted", "round_verified"]
        # Verified: locked again.
        with pytest.raises(services.ProgressError):
            services.step_uncomplete(step=step4, by=users["owner"], reason="ผิด", expected_completion_id=None)


@pytest.mark.django_db
class TestReopen:
    @pytest.fixture
    def verified(self, client, users, submitted, indicator, six):
        client.force_login(users["director"])
        client.post(urls(indicator, six)["round-verify"], {})
        client.logout()
        return status_of(indicator, six)

    def test_admin_reopens_with_a_reason(self, client, users, verified, indicator, six):
        client.force_login(users["admin"])
        page = client.get(urls(indicator, six)["review"])
        assert page.context["can_reopen"] and urls(indicator, six)["round-reopen"] in page.content.decode()
        response = client.post(urls(indicator, six)["round-reopen"], {"reason": ""})
        assert response.status_code == 400 and "กรุณาระบุเหตุผล" in response.content.decode()
        response = client.post(urls(indicator, six)["round-reopen"], {"reason": "แก้ไขวันที่ขั้นตอนที่ 2"})
        assert response.status_code == 302
        a = status_of(indicator, six)
        assert a.status == RoundAssessment.ReviewStatus.RETURNED
        entry = HistoryEntry.objects.get(indicator=indicator, action=HistoryEntry.Action.ROUND_REOPENED)
        assert entry.comment == "แก้ไขวันที่ขั้นตอนที่ 2" and entry.before["verified_level"] == 3
        # Reopening an open round is a conflict message, not an error page.
        response = client.post(urls(indicator, six)["round-reopen"], {"reason": "อีกครั้ง"})
        assert response.status_code == 400 and "เปิดให้แก้ไขอยู่แล้ว" in response.content.decode()

    @pytest.mark.parametrize("role", ["director", "viewer", "owner"])
    def test_only_administrators_reopen(self, client, users, verified, indicator, six, role):
        client.force_login(users[role])
        assert client.post(urls(indicator, six)["round-reopen"], {"reason": "x"}).status_code == 403
        assert status_of(indicator, six).status == RoundAssessment.ReviewStatus.VERIFIED
