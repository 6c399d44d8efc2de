"""Every URL of the project × every role × GET and POST: the expected outcome, checked.

MATRIX below is the written-down access policy. test_every_url_is_in_the_matrix
fails when a URL pattern is added without an entry here, so nobody can add a
page and forget to decide who may use it. Writes are checked twice: by status
and by whether the database changed (a refused write changes nothing; an
allowed one records exactly what it should).

Outcomes: 200, 403, 404, 405, "login" (a redirect to the sign-in page) and
"redirect" (any other redirect: back to the page after a write, or onwards).
Read-only pages answer GET and HEAD only: a POST to them is a 405.

Roles (root conftest.py, `department_users`): anonymous; viewer
(department-wide, read only); owner (primary owner of indicators 1-8, who
submitted indicator 2's 6-month round); coowner (secondary owner of
indicator 1); other_staff (owns 24-30 only); director (of the group: reads
everything, reviews); admin (department administrator and Django superuser);
sibling_director (member and director of a sibling กอง under the same
department, with its own plan: every object of the group's plan is hidden
from him, a 404, as from a stranger, while pages without an object show him
his own unit); monitor (the department monitoring role, กพร.: reads every
plan, its evidence and the roll-up; reviews, records and changes nothing,
a 403 where the object is visible to him).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments import services
from assessments.models import Evidence, HistoryEntry, PolicyKPIMeasurement, RoundAssessment, StepCompletion
from indicators.models import ActionPlan, Cascade, Indicator, MilestoneStep, PlanChange, PolicyKPI, Target

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "viewer", "owner", "coowner", "other_staff", "director", "admin", "sibling_director", "monitor")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def everyone(outcome):
    return {role: outcome for role in ROLES}


def signed_in(outcome, anonymous="login"):
    return {"anonymous": anonymous, **{role: outcome for role in ROLES[1:]}}


def only(allowed, outcome, others, anonymous="login", **roles):
    """`outcome` for the roles in `allowed`, `others` for the rest of the signed-in roles;
    keyword arguments name the outcome of single roles (`sibling_director=404`)."""
    return {"anonymous": anonymous, **{r: (outcome if r in allowed else others) for r in ROLES[1:]}, **roles}


def of_the_group(cases: dict) -> dict:
    """An object of the group's plan is hidden from a sibling unit's director: whatever the others
    get, he gets the 404 of a stranger (never a 403 that says it exists)."""
    return {**cases, "sibling_director": 404}


OWNERS_OF_1 = {"owner", "coowner", "admin"}
REVIEWERS = {"director", "admin"}
ROLLUP_READERS = {"viewer", "director", "admin", "sibling_director", "monitor"}


@dataclass
class Case:
    args: str = ""  # which objects of the world fill the URL
    get: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    data: str = ""  # which POST body to send
    changes: str = ""  # which table a successful POST must change


MATRIX: dict[str, Case] = {
    "home": Case(get=signed_in("redirect"), post=signed_in(405)),
    "login": Case(get={**signed_in("redirect"), "anonymous": 200}, post={**signed_in("redirect"), "anonymous": 200},
                  data="bad-login"),
    "logout": Case(get=everyone(405), post=everyone("login")),
    "set_language": Case(get=everyone("redirect"), post=everyone("redirect"), data="language"),
    # Progress pages: every signed-in member of the department may read them.
    "assessments:my-indicators": Case(get=signed_in(200), post=signed_in(405)),
    "assessments:plan": Case(get=signed_in(200), post=signed_in(405)),
    "assessments:indicator": Case(args="indicator", get=of_the_group(signed_in(200)), post=signed_in(405)),
    # Writes: only the indicator's owners and administrators.
    "assessments:step-save": Case(args="step", get=signed_in(405),
                                  post=of_the_group(only(OWNERS_OF_1, "redirect", 403)),
                                  data="tick", changes="completion"),
    "assessments:evidence-download": Case(args="evidence", get=of_the_group(signed_in(200)), post=signed_in(405)),
    "assessments:evidence-remove": Case(args="evidence", get=signed_in(405),
                                        post=of_the_group(only(OWNERS_OF_1, "redirect", 403)),
                                        data="reason", changes="evidence"),
    "assessments:round-submit": Case(args="indicator-round", get=signed_in(405),
                                     post=of_the_group(only(OWNERS_OF_1, "redirect", 403)),
                                     data="note", changes="assessment"),
    # Review: the director of the group and administrators.
    # A sibling unit's director has his own queue (nothing of the group's in it); a monitor reviews nothing.
    "assessments:review-queue": Case(get=only(REVIEWERS | {"sibling_director"}, 200, 403), post=signed_in(405)),
    "assessments:review": Case(args="submitted", get=of_the_group(only(REVIEWERS, 200, 403)), post=signed_in(405)),
    "assessments:round-verify": Case(args="submitted", get=signed_in(405),
                                     post=of_the_group(only(REVIEWERS, "redirect", 403)),
                                     data="verify", changes="assessment"),
    "assessments:round-return": Case(args="submitted", get=signed_in(405),
                                     post=of_the_group(only(REVIEWERS, "redirect", 403)),
                                     data="return", changes="assessment"),
    "assessments:round-reopen": Case(args="submitted", get=signed_in(405),
                                     post=of_the_group(only({"admin"}, "redirect", 403)),
                                     data="reason", changes="assessment"),
    # Issue 14 (owners' notices, round report, evidence preview, confirmation steps).
    "assessments:evidence-view": Case(args="evidence", get=of_the_group(signed_in(200)), post=signed_in(405)),
    "assessments:evidence-remove-confirm": Case(args="evidence", get=of_the_group(only(OWNERS_OF_1, 200, 403)),
                                                post=signed_in(405)),
    "assessments:round-report": Case(args="indicator-round", get=signed_in(405),
                                     post=of_the_group(only(OWNERS_OF_1, "redirect", 403)),
                                     data="report", changes="history"),
    "assessments:round-confirm": Case(args="submitted", get=signed_in(405),
                                      post=of_the_group(only(REVIEWERS, 200, 403)),
                                      data="confirm-return"),
    "assessments:notices": Case(get=signed_in(200), post=signed_in(405)),
    "assessments:notice-open": Case(args="notice", get=signed_in(405), post=only({"owner"}, "redirect", 404)),
    "assessments:notices-read-all": Case(get=signed_in(405), post=signed_in("redirect")),
    # Reports: read by everyone signed in; 5G KPI values recorded by reviewers.
    "reports:dashboard": Case(get=signed_in(200), post=signed_in(405)),
    # The POST names the group's plan: hidden from the sibling unit's director.
    "reports:kpi-record": Case(args="kpi", get=signed_in(405), post=of_the_group(only(REVIEWERS, "redirect", 403)),
                               data="kpi", changes="measurement"),
    "reports:ping": Case(get=signed_in(200), post=signed_in(405)),
    # The scorecards are asked for the group's plan (check() adds ?plan=...): hidden from a sibling unit.
    "reports:scorecard": Case(get=of_the_group(signed_in(200)), post=signed_in(405)),
    "reports:scorecard-pdf": Case(get=of_the_group(signed_in(200)), post=signed_in(405)),
    "reports:scorecard-xlsx": Case(get=of_the_group(signed_in(200)), post=signed_in(405)),
    # The evidence annex: whoever may download the evidence (everyone signed in).
    "reports:scorecard-annex": Case(get=of_the_group(signed_in(200)), post=signed_in(405)),
    # Plan pages (issue 15): the plan administrator of the unit edits the plan ("admin": department
    # administrator and superuser); the director of the unit edits criteria and targets only.
    # The list of the plans one directs: a sibling unit's director sees his own there; a monitor directs none.
    "indicators:plan-list": Case(get=only(REVIEWERS | {"sibling_director"}, 200, 403), post=signed_in(405)),
    "indicators:plan-detail": Case(args="plan-id", get=of_the_group(only(REVIEWERS, 200, 403)), post=signed_in(405)),
    "indicators:plan-edit": Case(args="plan-id", get=of_the_group(only({"admin"}, 200, 403)),
                                 post=of_the_group(only({"admin"}, "redirect", 403)),
                                 data="plan-edit", changes="plan"),
    "indicators:plan-copy": Case(args="plan-id", get=signed_in(405),
                                 post=of_the_group(only({"admin"}, "redirect", 403)),
                                 data="copy", changes="plan"),
    # The world's plan is already published: the administrator is sent back with the reason, nothing changes.
    "indicators:plan-publish": Case(args="plan-id", get=signed_in(405),
                                    post=of_the_group(only({"admin"}, "redirect", 403)),
                                    changes=""),
    "indicators:indicator-add": Case(args="plan-id", get=of_the_group(only({"admin"}, 200, 403)),
                                     post=of_the_group(only({"admin"}, "redirect", 403)),
                                     data="indicator-add", changes="indicator"),
    "indicators:kpi-edit": Case(args="plan-kpi", get=of_the_group(only({"admin"}, 200, 403)),
                                post=of_the_group(only({"admin"}, "redirect", 403)),
                                data="kpi-edit", changes="kpi"),
    "indicators:plan-template": Case(args="plan-id", get=of_the_group(only({"admin"}, 200, 403)), post=signed_in(405)),
    # No file: the administrator gets the form back with the Thai reason (400), nothing is saved.
    "indicators:plan-import": Case(args="plan-id", get=of_the_group(only({"admin"}, 200, 403)),
                                   post=of_the_group(only({"admin"}, 400, 403))),
    # No preview waiting in the session: back to the upload page, nothing is saved.
    "indicators:plan-import-confirm": Case(args="plan-id", get=signed_in(405),
                                           post=of_the_group(only({"admin"}, "redirect", 403)),
                                           changes=""),
    "indicators:indicator-edit": Case(args="bare", get=of_the_group(only({"admin"}, 200, 403)),
                                      post=of_the_group(only({"admin"}, "redirect", 403)),
                                      data="indicator-edit", changes="indicator"),
    "indicators:criteria-edit": Case(args="bare", get=of_the_group(only(REVIEWERS, 200, 403)),
                                     post=of_the_group(only(REVIEWERS, "redirect", 403)),
                                     data="criteria", changes="criteria"),
    "indicators:indicator-withdraw": Case(args="bare", get=signed_in(405),
                                          post=of_the_group(only({"admin"}, "redirect", 403)),
                                          data="withdraw", changes="indicator"),
    # Issue 20: the read-only JSON API. Everyone signed in (session or token) reads what the pages show them
    # (the world's plan is published, so all of it); without credentials a 401; every write a 405.
    # The OpenAPI description and its documentation page hold no data: open to anyone.
    "api:schema": Case(get=everyone(200), post=everyone(405)),
    "api:docs": Case(get=everyone(200), post=everyone(405)),
    "api:year-list": Case(get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:year-detail": Case(args="year-id", get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:round-list": Case(get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:round-detail": Case(args="round-id", get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:unit-list": Case(get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:unit-detail": Case(args="unit-id", get=of_the_group(signed_in(200, anonymous=401)),
                            post=signed_in(405, anonymous=401)),
    "api:plan-list": Case(get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:plan-detail": Case(args="plan-id", get=of_the_group(signed_in(200, anonymous=401)),
                            post=signed_in(405, anonymous=401)),
    "api:plan-progress": Case(args="plan-id", get=of_the_group(signed_in(200, anonymous=401)),
                              post=signed_in(405, anonymous=401)),
    "api:indicator-list": Case(get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:indicator-detail": Case(args="indicator", get=of_the_group(signed_in(200, anonymous=401)),
                                 post=signed_in(405, anonymous=401)),
    "api:indicator-history": Case(args="indicator", get=of_the_group(signed_in(200, anonymous=401)),
                                  post=signed_in(405, anonymous=401)),
    "api:kpi-list": Case(get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    "api:kpi-detail": Case(args="kpi", get=signed_in(200, anonymous=401), post=signed_in(405, anonymous=401)),
    # The department roll-up in the API: whoever may open its page (an appointment to read a subtree), else 403.
    "api:rollup": Case(get=only(ROLLUP_READERS, 200, 403, anonymous=401),
                       post=signed_in(405, anonymous=401)),
    # Issue 18: the department roll-up and its downloads, for everyone appointed to read a subtree (viewer,
    # director, administrator, monitor); staff without one: 403. A director of a sibling unit sees only his
    # own units' rows (test_sibling_director_sees_his_own_unit below, reports/tests/test_rollup.py).
    "reports:rollup": Case(get=only(ROLLUP_READERS, 200, 403), post=signed_in(405)),
    "reports:rollup-pdf": Case(get=only(ROLLUP_READERS, 200, 403), post=signed_in(405)),
    "reports:rollup-xlsx": Case(get=only(ROLLUP_READERS, 200, 403), post=signed_in(405)),
    # Issue 19: the quarter-end batch, for whoever may open the roll-up; staff without an appointment: 403.
    # A POST queues a job (run after the commit, which these rolled-back requests never reach:
    # reports/tests/test_batch.py checks the job and its ZIP). The world's finished batch is the viewer's:
    # its owner downloads it, to anyone else who may use the page it does not exist.
    "reports:batch": Case(get=only(ROLLUP_READERS, 200, 403), post=signed_in(405)),
    "reports:batch-start": Case(get=signed_in(405), post=only(ROLLUP_READERS, "redirect", 403), data="batch"),
    "reports:batch-download": Case(args="batch", get={**only(ROLLUP_READERS - {"viewer"}, 404, 403), "viewer": 200},
                                   post=signed_in(405)),
    "indicators:cascade-edit": Case(args="bare", get=of_the_group(only(REVIEWERS, 200, 403)),
                                    post=of_the_group(only(REVIEWERS, "redirect", 403)),
                                    data="cascade", changes="cascade"),
}
# The Django admin is one rule for all its URLs: checked on every registered
# model's list page below (superusers only; anyone else is sent to its sign-in).
ADMIN_NAMESPACE = "admin"


def url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            yield from url_names(p, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else f"{namespace}<unnamed {p.pattern}>"


def test_every_url_is_in_the_matrix():
    names = set(url_names())
    unlisted = {n for n in names if not n.startswith(f"{ADMIN_NAMESPACE}:")} - set(MATRIX)
    assert not unlisted, f"add these URLs to MATRIX with the expected outcome for every role: {sorted(unlisted)}"
    assert not set(MATRIX) - names, f"MATRIX lists URLs that no longer exist: {sorted(set(MATRIX) - names)}"
    for name, case in MATRIX.items():
        assert set(case.get) == set(ROLES) and set(case.post) == set(ROLES), name


# --- the world the URLs point into --------------------------------------------------

@pytest.fixture
def world(plan, department_users, rounds, fy_today, settings, tmp_path):
    users = department_users
    fy_today(dt.date(2022, 5, 16))
    settings.MEDIA_ROOT = tmp_path
    users["admin"].is_superuser = True
    users["admin"].save()
    one = plan.indicators.get(number=1)
    two = plan.indicators.get(number=2)
    steps = {s.number: s for s in MilestoneStep.objects.filter(criteria_set__indicator=one)}
    done = services.step_complete(step=steps[1], done_on=dt.date(2022, 4, 20), by=users["owner"],
                                  files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    step_of_two = MilestoneStep.objects.filter(criteria_set__indicator=two, number=1).first()
    services.step_complete(step=step_of_two, done_on=dt.date(2022, 1, 5), by=users["owner"])
    services.round_submit(indicator=two, round=rounds[6], by=users["owner"])
    from assessments.models import Notice  # issue 14: a notice of the owner's, for notice-open

    notice = Notice.objects.create(recipient=users["owner"], kind="round_returned", title="ส่งกลับแก้ไข",
                                   link=reverse("assessments:indicator", args=[one.pk]))
    batch = _batch_jobs(users["viewer"])  # issue 19: the viewer's quarter-end batches, one done, one running
    return {
        "notice": [notice.pk],
        "indicator": [one.pk],
        "step": [steps[2].pk],
        "evidence": [done.evidence.get().pk],
        "indicator-round": [one.pk, rounds[12].pk],
        "submitted": [two.pk, rounds[6].pk],
        "kpi": [PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).order_by("number").first().pk],
        "rounds": rounds,
        "plan": plan,
        "plan-id": [plan.pk],
        "plan-kpi": [plan.pk, PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).order_by("number").first().pk],
        "bare": [plan.indicators.get(number=20).pk],
        "year-id": [plan.fiscal_year.pk],  # issue 20 (the API)
        "round-id": [rounds[6].pk],
        "unit-id": [plan.org_unit.pk],
        "batch": [batch.pk],
    }


def _batch_jobs(user):
    """A finished quarter-end batch with its ZIP in the storage, and one still running (its progress bar)."""
    from django.core.files.base import ContentFile

    from reports.models import BatchJob

    empty_zip = b"PK\x05\x06" + bytes(18)
    done = BatchJob(requested_by=user, fiscal_year=2565, quarter=2, state=BatchJob.State.DONE, total=4, done=4,
                    size=len(empty_zip))
    done.file.save("world.zip", ContentFile(empty_zip), save=False)
    done.save()
    BatchJob.objects.create(requested_by=user, fiscal_year=2565, quarter=3, state=BatchJob.State.RUNNING,
                            total=8, done=3)
    return done


def post_data(kind, world):
    rounds = world["rounds"]
    return {
        "": {},
        "bad-login": {"username": "nobody", "password": "wrong"},
        "language": {"language": "en", "next": "/"},
        "tick": {"done": "on", "done_on": "2022-05-02", "note": "ตามแผน", "round": rounds[12].pk},
        "reason": {"reason": "แนบไฟล์ผิด ต้องแก้ไข", "round": rounds[12].pk},
        "note": {"note": "ส่งผลรอบ ๑๒ เดือน"},
        "verify": {"level": "", "reason": ""},
        "return": {"comment": "กรุณาแนบหลักฐานขั้นตอนที่ ๑ เพิ่มเติม"},
        "confirm-return": {"action": "return", "comment": "กรุณาแนบหลักฐานเพิ่มเติม"},
        "report": {"results": "จัดทำคู่มือแล้ว", "problems": "-", "remedies": "-", "version": "0"},
        "kpi": {"value": "92.5", "measured_on": "2022-05-01", "source": "รายงานกรม", "plan": world["plan"].pk},
        "plan-edit": {"title": "แผนทดสอบ", "vision": "วิสัยทัศน์ใหม่", "values": ""},
        "copy": {"to_year": "2566"},
        "indicator-add": {"number": "31", "name": "ตัวชี้วัดใหม่", "unit": "ระดับ"},
        "kpi-edit": {"name": "ตัวชี้วัดทดสอบ", "target_value": "95", "target_unit": "ร้อยละ", "higher_is_better": "on"},
        "indicator-edit": {"number": "20", "name": "ชื่อใหม่", "unit": "ระดับ", "all_staff": "on"},
        "criteria": {"mode": "year", "target_6": "3", "target_12": "5",
                     **{f"year_{n}": f"ขั้นตอนทดสอบ {n}" for n in range(1, 6)}},
        "withdraw": {"reason": "ซ้ำกับตัวชี้วัดอื่น"},
        "cascade": {"action": "set", "parent": f"kpi-{world['kpi'][0]}"},
        "batch": {"fiscal_year": "2565", "quarter": "1"},
    }[kind]


def snapshot():
    """Everything a write could change, as comparable values."""
    return {
        "completion": list(StepCompletion.objects.order_by("pk").values_list("pk", "revoked_at", "version")),
        "evidence": list(Evidence.objects.order_by("pk").values_list("pk", "removed_at")),
        "assessment": list(RoundAssessment.objects.order_by("pk").values_list("pk", "status", "verified_level")),
        "measurement": list(PolicyKPIMeasurement.objects.order_by("pk").values_list("pk", "value")),
        "plan": list(ActionPlan.objects.order_by("pk").values_list("pk", "status", "vision")),
        "indicator": list(Indicator.all_objects.order_by("pk").values_list("pk", "number", "name", "withdrawn_at")),
        "kpi": list(PolicyKPI.objects.order_by("pk").values_list("pk", "name", "target_value")),
        "criteria": (list(MilestoneStep.objects.order_by("pk").values_list("pk", "text"))
                     + list(Target.objects.order_by("pk").values_list("pk", "level"))),
        "cascade": list(Cascade.objects.order_by("pk").values_list("pk", "policy_kpi_id", "indicator_id", "child_id")),
        # Progress history and the plan's own history (PlanChange) both count.
        "history": HistoryEntry.objects.count() + PlanChange.objects.count(),
    }


def outcome_of(response) -> object:
    if response.status_code in (301, 302):
        location = response["Location"]
        if "/login/" in location:
            return "login"
        return "redirect"
    return response.status_code


def check(client, users, world, name, method):
    case = MATRIX[name]
    args = world[case.args] if case.args else []
    url = reverse(name, args=args)
    if name == "reports:scorecard" or name.startswith("reports:scorecard-"):
        # One indicator keeps the PDF small: who may download is what is checked here.
        url += f"?plan={world['plan'].pk}&quarter=1&indicator={world['indicator'][0]}"
    failures = []
    for role in ROLES:
        expected = (case.get if method == "get" else case.post)[role]
        with transaction.atomic():
            client.logout()
            if role != "anonymous":
                client.force_login(users[role])
            before = snapshot()
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, post_data(case.data, world))
            got = outcome_of(response)
            after = snapshot()
            if got != expected:
                failures.append(f"{role}: expected {expected}, got {got} ({response.status_code})")
            elif method == "post" and case.changes:
                changed = before[case.changes] != after[case.changes]
                if changed != (expected == "redirect"):  # a refused write redirects back too, unchanged
                    failures.append(f"{role}: {case.changes} {'changed' if changed else 'did not change'}")
                if expected == "redirect" and case.changes != "measurement" and after["history"] <= before["history"]:
                    failures.append(f"{role}: the change is not in the history")
            elif method == "get" and before != after:
                failures.append(f"{role}: a GET changed the database")
            transaction.set_rollback(True)
    assert not failures, f"{method.upper()} {url}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_as_each_role(client, department_users, world, name):
    check(client, department_users, world, name, "get")
    check(client, department_users, world, name, "post")


def test_the_admin_is_for_superusers_only(client, department_users, world):
    users = department_users
    pages = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        for page in pages:
            response = client.get(page)
            if role == "admin":
                assert response.status_code == 200, (role, page)
            else:
                assert response.status_code == 302 and "/admin/login/" in response["Location"], (role, page)
