"""Issue 14: owners never miss what needs them.

The to-do list over both rounds, notices (in the app and by e-mail, with absolute
links), Buddhist Era dates that say which round a step counts for, the page kept
true after every htmx write, confirmation steps, the round report, evidence
preview, and removed evidence gone for all but administrators (issue 13, finding 10).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import Evidence, HistoryEntry, Notice, RoundAssessment, StepCompletion
from assessments.selectors import progress_for
from indicators import readers
from indicators.models import MilestoneStep

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCX_NAME = "บันทึก.docx"
TODAY = dt.date(2022, 5, 16)  # the 6-month round closed on 31 Mar 2022; the 12-month one is open
SITE = "https://kpi.example.go.th"


@pytest.fixture(autouse=True)
def _setup(fy_today, settings):
    fy_today(TODAY)
    settings.SITE_URL = SITE


def steps_of(indicator):
    return {s.number: s for s in MilestoneStep.objects.filter(criteria_set__indicator=indicator)}


def returned_six_month_round(users, indicator, rounds, comment="กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน"):
    s = steps_of(indicator)
    for n in (1, 2, 3):
        services.step_complete(step=s[n], done_on=dt.date(2022, 1, 10 + n), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    mail.outbox.clear()
    return services.round_return(indicator=indicator, round=rounds[6], by=users["director"], comment=comment)


def htmx_post(client, url, data, current=None):
    """As htmx posts from a page (HX-Current-URL: the page's address)."""
    headers = {"HX-Request": "true"} | ({"HX-Current-URL": f"http://testserver{current}"} if current else {})
    return client.post(url, data, headers=headers)


# --- 1. the to-do list ---------------------------------------------------------------------------

def test_my_indicators_puts_the_returned_round_first_with_its_comment_and_tab_link(
        client, users, indicator, rounds, plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        returned_six_month_round(users, indicator, rounds)
    two = plan.indicators.get(number=2)
    services.step_complete(step=steps_of(two)[1], done_on=dt.date(2022, 1, 5), by=users["owner"])
    services.round_submit(indicator=two, round=rounds[12], by=users["owner"])
    client.force_login(users["owner"])
    body = client.get(reverse("assessments:my-indicators")).content.decode()
    order = [body.index(f'id="todo-{k}"') for k in ("returned", "draft", "submitted")]
    assert order == sorted(order)
    returned = body[order[0]:order[1]]
    assert "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" in returned
    assert f'{reverse("assessments:indicator", args=[indicator.pk])}?round={rounds[6].pk}' in returned
    drafts = body[order[1]:order[2]]
    days = (rounds[12].closes_on - TODAY).days
    assert f"อีก {days} วัน" in drafts
    assert "ระดับความสำเร็จ" in body[order[2]:]  # indicator 2, awaiting review


def test_the_indicator_page_opens_on_the_returned_tab_and_marks_each_tab_in_words(client, users, indicator, rounds):
    returned_six_month_round(users, indicator, rounds)
    client.force_login(users["owner"])
    body = client.get(reverse("assessments:indicator", args=[indicator.pk])).content.decode()
    tabs = body[body.index('id="round-tabs"'):body.index("</ul>", body.index('id="round-tabs"'))]
    active = re.search(r'class="nav-link active"[^>]*href="\?round=(\d+)"', tabs)
    assert active and int(active.group(1)) == rounds[6].pk
    assert 'data-tab-state="returned"' in tabs and "ส่งกลับแก้ไข" in tabs
    assert "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" in body


# --- 2. notices ----------------------------------------------------------------------------------

def test_a_return_notifies_the_owners_in_the_app_and_by_mail_with_an_absolute_link(
        client, users, indicator, rounds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        returned_six_month_round(users, indicator, rounds)
    recipients = set(Notice.objects.filter(kind="round_returned").values_list("recipient__username", flat=True))
    assert recipients == {"owner", "coowner"}
    by_to = {m.to[0]: m for m in mail.outbox if "ส่งกลับแก้ไข" in m.subject}
    assert set(by_to) == {"owner@example.go.th", "coowner@example.go.th"}
    msg = by_to["owner@example.go.th"]
    assert "ส่งกลับแก้ไข" in msg.subject and "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" in msg.body
    urls = re.findall(r"\S*/indicators/\S*|\S*/notices/\S*", msg.body)
    assert urls and all(u.startswith(SITE + "/") for u in urls)
    assert f"{SITE}/indicators/{indicator.pk}/?round={rounds[6].pk}" in msg.body
    client.force_login(users["owner"])
    nav = client.get(reverse("assessments:my-indicators")).content.decode()
    count = re.search(r'id="nav-notices"[^>]*>[^<]*<span class="badge[^"]*">(\d+)', nav)
    assert count and count.group(1) == "1"


def test_a_submission_notifies_those_who_may_review_it_and_a_verification_the_owners(
        users, indicator, rounds, django_capture_on_commit_callbacks):
    users["admin"].is_superuser = True
    users["admin"].save()
    s = steps_of(indicator)
    for n in (1, 2, 3):
        services.step_complete(step=s[n], done_on=dt.date(2022, 1, 10 + n), by=users["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    submitted = Notice.objects.filter(kind="round_submitted")
    assert set(submitted.values_list("recipient__username", flat=True)) == {"director", "admin"}
    assert all(n.link == reverse("assessments:review", args=[indicator.pk, rounds[6].pk]) for n in submitted)
    assert {m.to[0] for m in mail.outbox} == {"director@example.go.th", "admin@example.go.th"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.round_verify(indicator=indicator, round=rounds[6], by=users["director"])
    assert set(Notice.objects.filter(kind="round_verified").values_list("recipient__username", flat=True)) == {
        "owner", "coowner"}
    assert {m.to[0] for m in mail.outbox} == {"owner@example.go.th", "coowner@example.go.th"}


def test_a_refused_decision_writes_no_notice_and_sends_no_mail(users, indicator, rounds,
                                                               django_capture_on_commit_callbacks):
    services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    Notice.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(services.ProgressError):
            services.round_return(indicator=indicator, round=rounds[6], by=users["director"], comment="  ")
    assert not Notice.objects.exists() and mail.outbox == []


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client, users, indicator, rounds):
    returned_six_month_round(users, indicator, rounds)
    notice = Notice.objects.get(recipient=users["owner"])
    client.force_login(users["coowner"])
    assert client.post(reverse("assessments:notice-open", args=[notice.pk])).status_code == 404
    client.force_login(users["owner"])
    page = client.get(reverse("assessments:notices")).content.decode()
    assert "ใหม่" in page and "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" in page
    response = client.post(reverse("assessments:notice-open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == notice.link
    notice.refresh_from_db()
    assert notice.read_at is not None
    other = Notice.objects.get(recipient=users["coowner"])
    assert other.read_at is None  # someone else's stays unread
    client.post(reverse("assessments:notices-read-all"))
    assert not Notice.objects.filter(recipient=users["owner"], read_at__isnull=True).exists()


# --- 3. dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["10/01/2565", "๑๐/๐๑/๒๕๖๕", "10-1-2565", "2022-01-10"])
def test_a_date_is_typed_in_buddhist_era_with_thai_or_arabic_digits(client, users, indicator, rounds, typed):
    client.force_login(users["owner"])
    step = steps_of(indicator)[1]
    client.post(reverse("assessments:step-save", args=[step.pk]), {"done": "on", "done_on": typed, "round": rounds[6].pk})
    assert step.completions.get().done_on == dt.date(2022, 1, 10)


@pytest.mark.parametrize("typed,message", [
    ("10/01/2564", "วันที่ดำเนินการต้องอยู่ในปีงบประมาณ พ.ศ. 2565"),
    ("31/02/2565", "วันที่ไม่ถูกต้อง พิมพ์เป็น วว/ดด/ปปปป"),
    ("เมื่อวาน", "วันที่ไม่ถูกต้อง พิมพ์เป็น วว/ดด/ปปปป"),
])
def test_a_bad_or_out_of_year_date_is_refused_in_thai_and_saves_nothing(client, users, indicator, rounds, typed, message):
    client.force_login(users["owner"])
    step = steps_of(indicator)[1]
    before = HistoryEntry.objects.count()
    response = htmx_post(client, reverse("assessments:step-save", args=[step.pk]),
                         {"done": "on", "done_on": typed, "round": rounds[6].pk})
    assert message in response.content.decode()
    assert not step.completions.exists() and HistoryEntry.objects.count() == before


def test_a_step_dated_after_the_round_closes_is_saved_with_a_notice_of_the_round_it_counts_for(
        client, users, indicator, rounds):
    client.force_login(users["owner"])
    step = steps_of(indicator)[1]
    response = htmx_post(client, reverse("assessments:step-save", args=[step.pk]),
                         {"done": "on", "done_on": "02/04/2565", "round": rounds[6].pk})
    body = response.content.decode()
    assert "นับในรอบ 12 เดือน ไม่นับในรอบ 6 เดือน" in body
    assert "alert-warning" in body
    assert "alert-success" not in body  # never a bare green "saved"
    assert step.completions.get().done_on == dt.date(2022, 4, 2)


def input_value(body: str, input_id: str) -> str:
    """The value of the <input> with this id, in whatever order its attributes are written."""
    tag = re.search(rf'<input\b[^>]*\bid="{re.escape(input_id)}"[^>]*>', body)
    assert tag, f"no input {input_id} on the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def test_the_date_field_defaults_inside_the_round_of_the_open_tab(client, users, indicator, rounds):
    client.force_login(users["owner"])
    url = reverse("assessments:indicator", args=[indicator.pk])
    step = steps_of(indicator)[1]
    six = client.get(url, {"round": rounds[6].pk}).content.decode()
    assert input_value(six, f"date-{step.pk}") == "31/03/2565"  # the close, not 16 May
    twelve = client.get(url, {"round": rounds[12].pk}).content.decode()
    assert input_value(twelve, f"date-{step.pk}") == "16/05/2565"
    # Saved without a date from the 6-month tab, the step lands inside that round.
    client.post(reverse("assessments:step-save", args=[step.pk]), {"done": "on", "done_on": "", "round": rounds[6].pk})
    assert step.completions.get().done_on == rounds[6].closes_on


class Tags(HTMLParser):
    """Every tag of a page with an id: its name and attributes (a bare attribute maps to None)."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, tuple[str, dict]] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.by_id[found["id"]] = (tag, found)


def tags_by_id(body: str) -> dict[str, tuple[str, dict]]:
    parser = Tags()
    parser.feed(body)
    parser.close()
    return parser.by_id


def test_the_step_form_written_by_hand_keeps_its_ids_bounds_labels_and_help(client, users, indicator, rounds):
    """The step form (forms.StepFields, written by the template): the ids the page and its scripts know, the
    date's bounds, help text tied with aria-describedby, several files, the note's limit, the reason only for
    a done step, and a label for every input, in Thai and in English."""
    s = steps_of(indicator)
    s[2].text = "ประชุม <b>คณะทำงาน</b>"
    s[2].save(update_fields=["text"])
    done = services.step_complete(step=s[1], done_on=dt.date(2022, 1, 10), by=users["owner"], note="แนบคำสั่งแล้ว")
    client.force_login(users["owner"])
    body = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    tags = tags_by_id(body)
    one, two = s[1].pk, s[2].pk
    assert tags[f"done-{one}"][1]["type"] == "checkbox" and "checked" in tags[f"done-{one}"][1]
    assert "checked" not in tags[f"done-{two}"][1]
    assert re.search(rf'<label for="done-{two}" class="form-check-label">\s*<span class="fw-bold">ขั้นตอนที่ 2</span>'
                     r' <span class="step-text">ประชุม &lt;b&gt;คณะทำงาน&lt;/b&gt;</span>', body)
    date = tags[f"date-{two}"][1]
    assert (date["name"], date["value"], date["inputmode"], date["autocomplete"], date["maxlength"]) == (
        "done_on", "31/03/2565", "numeric", "off", "40")
    assert (date["data-min"], date["data-max"], date["placeholder"]) == ("2021-10-01", "2022-05-16", "วว/ดด/ปปปป")
    assert "data-be-date" in date and "form-control-sm" in date["class"].split()
    assert "31/03/2565" in body[body.index(f'id="{date["aria-describedby"]}"'):][:200]
    assert tags[f"date-{one}"][1]["value"] == "10/01/2565"
    files = tags[f"files-{two}"][1]
    assert (files["type"], files["name"], files["accept"]) == ("file", "files", ".pdf,.jpg,.jpeg,.png,.gif,.webp,"
                                                             ".doc,.docx,.xls,.xlsx,.ppt,.pptx") and "multiple" in files
    note = tags[f"note-{one}"]
    assert note[0] == "textarea" and (note[1]["maxlength"], note[1]["rows"]) == (str(services.NOTE_MAX), "2")
    assert re.search(rf'id="note-{one}">\s*แนบคำสั่งแล้ว</textarea>', body)
    assert tags[f"reason-{one}"][1]["name"] == "reason" and f"reason-{two}" not in tags
    hidden = {a["name"]: a["value"] for _, a in tags.values() if a.get("type") == "hidden" and a["id"].endswith(f"-{one}")}
    assert hidden == {"round": str(rounds[6].pk), "completion_id": str(done.pk), "version": str(done.version)}
    labels = dict(re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', body, re.S))
    assert (labels[f"date-{two}"], labels[f"note-{one}"], labels[f"reason-{one}"]) == (
        "วันที่ดำเนินการ", "หมายเหตุ", "เหตุผล (เมื่อยกเลิกเครื่องหมายดำเนินการแล้ว)")
    assert labels[f"files-{two}"].startswith("เอกสารหลักฐาน") and "≤ 20 MB" in labels[f"files-{two}"]
    assert labels["submit-note"] == "เหตุผลที่ต่ำกว่าค่าเป้าหมาย (ผู้ตรวจสอบจะเห็น)"  # level 1 of 3
    client.cookies["django_language"] = "en"
    english = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    labels = dict(re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', english, re.S))
    assert not re.search(r"[\u0e00-\u0e7f]", labels[f"date-{two}"] + labels[f"files-{two}"] + labels[f"reason-{one}"])


def test_no_step_form_for_a_reader_or_a_submitted_round(client, users, indicator, rounds):
    s = steps_of(indicator)
    url = reverse("assessments:indicator", args=[indicator.pk])
    client.force_login(users["director"])
    read = client.get(url, {"round": rounds[6].pk}).content.decode()
    assert f'id="step-{s[1].pk}"' in read and f'id="done-{s[1].pk}"' not in read
    services.step_complete(step=s[1], done_on=dt.date(2022, 1, 10), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    client.force_login(users["owner"])
    six = client.get(url, {"round": rounds[6].pk}).content.decode()
    assert f'id="done-{s[1].pk}"' not in six and f'id="step-{s[1].pk}"' in six
    assert f'id="done-{s[1].pk}"' in client.get(url, {"round": rounds[12].pk}).content.decode()


# --- 4. the page stays true after htmx writes ----------------------------------------------------

def test_a_tick_answers_with_its_row_and_what_it_changed_elsewhere_on_the_page(client, users, indicator, rounds):
    """Issue 19: a tick's answer is the step's row, and out of band what the tick changed: the level and the
    submit button's level when the level changed, the counted / not-yet-counted notes of the other steps
    whose note changed, and the history's new line. The other rows are not sent again, so what their owner
    is typing in them stays."""
    client.force_login(users["owner"])
    s = steps_of(indicator)
    page = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    # The page says its history is empty, and each step's form sends that along (htmx's hx-include).
    assert '<input type="hidden" id="history-empty" name="history_empty" value="1">' in page
    assert f'data-hx-target="#step-{s[2].pk}" data-hx-swap="outerHTML" data-hx-include="#history-empty"' in page

    def tick(n, **shown):
        return htmx_post(client, reverse("assessments:step-save", args=[s[n].pk]),
                         {"done": "on", "done_on": "10/01/2565", "round": rounds[6].pk, **shown}).content.decode()

    body = tick(2, history_empty="1")  # done, not counted yet: step 1 is not done
    row = body[:body.index("</li>")]
    assert body.lstrip().startswith('<li class="step-row') and f'id="step-{s[2].pk}"' in row
    assert 'name="completion_id"' in row and "บันทึกขั้นตอนที่ 2 ว่าดำเนินการแล้ว" in row
    assert f'id="step-{s[1].pk}"' not in body and f'id="step-{s[3].pk}"' not in body
    assert 'data-hx-swap-oob="innerHTML:#history-wrap"' in body  # the history was empty: all of it
    assert '<input type="hidden" id="history-empty" name="history_empty" value="">' in body  # ... and no longer is
    assert 'id="round-summary"' not in body and 'id="submit-panel"' not in body  # still level 0: unchanged

    def state(body, n):
        return re.search(rf'id="step-state-{s[n].pk}" data-state="([a-z-]+)"', body).group(1)

    assert state(body, 2) == "done-not-counted" and f'id="step-state-{s[1].pk}"' not in body  # step 1's: unchanged
    body = tick(1)
    assert state(body, 1) == "counted" and state(body, 2) == "counted"  # step 2 counts now
    assert f'id="step-state-{s[2].pk}" data-state="counted" data-hx-swap-oob="true"' in body
    assert "ผลการประเมินตนเอง: ระดับ 2" in body[body.index('id="round-summary"'):]
    submit = body[body.index('id="submit-panel"'):]
    assert 'data-hx-swap-oob="true"' in submit.split(">")[0] and "ระดับ 2)" in submit
    new_lines = body[body.index('data-hx-swap-oob="afterbegin:#history-rows"'):]
    assert new_lines.count("<tr>") == 1 and "ขั้นตอนที่ 1" in new_lines
    # On a later page of the history, the new line is not slipped in there.
    older = htmx_post(client, reverse("assessments:step-save", args=[s[3].pk]),
                      {"done": "on", "done_on": "10/01/2565", "round": rounds[6].pk},
                      current=reverse("assessments:indicator", args=[indicator.pk]) + "?history_page=2")
    assert "#history-rows" not in older.content.decode()


def test_a_steps_answer_brings_the_page_to_what_a_page_read_after_it_shows(client, users, indicator, rounds):
    """A step's answer is counted from what its write read under the step's lock and sends what the write
    changed (services.Written): after each kind of write, the page with the answer swapped in shows the
    level, status and every step's counted / not-yet-counted state of the page read next."""
    client.force_login(users["owner"])
    s = steps_of(indicator)
    url = reverse("assessments:indicator", args=[indicator.pk])
    services.step_complete(step=s[3], done_on=dt.date(2022, 1, 5), by=users["coowner"])

    def summary(body):
        if 'id="round-summary"' not in body:
            return None
        part = body[body.index('id="round-summary"'):][:1500]
        return (re.search(r'<strong id="achieved-level">(.*?)</strong>', part).group(1),
                re.findall(r'<span class="badge [^"]*">([^<]+)</span>', part))

    def states(body):
        return dict(re.findall(r'id="step-state-(\d+)" data-state="([a-z-]+)"', body))

    page = client.get(url, {"round": rounds[6].pk}).content.decode()
    screen = {"summary": summary(page), "states": states(page)}
    sent = []

    def save(n, **data):
        answer = htmx_post(client, reverse("assessments:step-save", args=[s[n].pk]), {"round": rounds[6].pk, **data})
        body = answer.content.decode()
        assert answer.status_code == 200 and "alert-danger" not in body
        sent.append(summary(body) is not None)
        screen["summary"] = summary(body) or screen["summary"]  # htmx swaps in what came
        screen["states"] |= states(body)
        page = client.get(url, {"round": rounds[6].pk}).content.decode()
        assert screen == {"summary": summary(page), "states": states(page)}
        return screen["summary"][0], screen["states"]

    def active(n):
        c = StepCompletion.objects.active().get(step=s[n])
        return {"completion_id": c.pk, "version": c.version}

    assert save(1, done="on", done_on="10/01/2565")[0].endswith("ระดับ 1")
    assert save(2, done="on", done_on="10/04/2565")[1][str(s[2].pk)] == "done-not-counted"  # after round 6 closed
    assert save(2, done="on", done_on="10/02/2565", **active(2))[0].endswith("ระดับ 3")  # moved into round 6
    assert save(1, reason="ทดสอบ", **active(1))[0].endswith("ระดับ 0")
    assert save(4, done="on", done_on="12/01/2565")[1][str(s[4].pk)] == "done-not-counted"
    assert save(1, done="on", done_on="11/01/2565", note="อีกครั้ง")[0].endswith("ระดับ 4")
    assert sent == [True, False, True, True, False, True]  # the level is sent when it changed


def test_a_submit_refreshes_the_panel_history_and_tabs_out_of_band(client, users, indicator, rounds):
    client.force_login(users["owner"])
    s = steps_of(indicator)
    for n in (1, 2, 3):
        services.step_complete(step=s[n], done_on=dt.date(2022, 1, 10 + n), by=users["owner"])
    body = htmx_post(client, reverse("assessments:round-submit", args=[indicator.pk, rounds[6].pk]),
                     {"note": ""}).content.decode()
    assert body.lstrip().startswith('<section id="round-panel"')
    assert 'hx-swap-oob="innerHTML:#history-wrap"' in body and 'hx-swap-oob="innerHTML:#round-tabs-wrap"' in body
    tabs = body[body.index('id="round-tabs"'):]
    assert 'data-tab-state="submitted"' in tabs
    assert "ส่งผลการประเมินตนเอง" in body[body.index('id="history"'):]


# --- 5. confirmations, reasons and what changed since a return -------------------------------------

def test_submitting_below_target_needs_a_reason_that_the_reviewer_sees(client, users, indicator, rounds):
    client.force_login(users["owner"])
    services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"])
    url = reverse("assessments:round-submit", args=[indicator.pk, rounds[6].pk])
    page = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    note = re.search(r'<textarea[^>]*id="submit-note"[^>]*>', page).group(0)
    assert "ต่ำกว่าค่าเป้าหมาย" in page and 'maxlength="5000"' in note and " required" in note
    body = htmx_post(client, url, {"note": ""}).content.decode()
    assert "กรุณาระบุเหตุผลถึงผู้ตรวจสอบก่อนส่ง" in body
    assert not RoundAssessment.objects.filter(status="submitted").exists()
    htmx_post(client, url, {"note": "รอคำสั่งแต่งตั้งจากกรม"})
    assert RoundAssessment.objects.get(indicator=indicator, round=rounds[6]).status == "submitted"
    client.force_login(users["director"])
    review = client.get(reverse("assessments:review", args=[indicator.pk, rounds[6].pk])).content.decode()
    assert "รอคำสั่งแต่งตั้งจากกรม" in review


def test_verify_and_return_go_through_a_confirmation_page_that_changes_nothing(client, users, indicator, rounds):
    s = steps_of(indicator)
    for n in (1, 2, 3):
        services.step_complete(step=s[n], done_on=dt.date(2022, 1, 10 + n), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    client.force_login(users["director"])
    review = client.get(reverse("assessments:review", args=[indicator.pk, rounds[6].pk])).content.decode()
    confirm_url = reverse("assessments:round-confirm", args=[indicator.pk, rounds[6].pk])
    assert review.count(f'action="{confirm_url}"') == 2
    page = client.post(confirm_url, {"action": "return", "comment": "ขาดหลักฐาน"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "ยืนยันส่งกลับแก้ไข" in body and reverse("assessments:round-return", args=[indicator.pk, rounds[6].pk]) in body
    page = client.post(confirm_url, {"action": "verify", "level": "3"})
    assert "ยืนยันผ่านการตรวจสอบ" in page.content.decode()
    assert RoundAssessment.objects.get(indicator=indicator, round=rounds[6]).status == "submitted"
    refused = client.post(confirm_url, {"action": "return", "comment": ""})
    assert refused.status_code == 400 and "กรุณาระบุความเห็น" in refused.content.decode()


def test_removing_evidence_asks_first(client, users, indicator, rounds):
    client.force_login(users["owner"])
    c = services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    e = c.evidence.get()
    page = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    confirm = reverse("assessments:evidence-remove-confirm", args=[e.pk])
    assert confirm in page and f'hx-post="{reverse("assessments:evidence-remove", args=[e.pk])}"' not in page
    body = client.get(confirm, {"round": rounds[6].pk}).content.decode()
    assert "ยืนยันนำออก" in body and "หลักฐาน.pdf" in body
    e.refresh_from_db()
    assert e.removed_at is None


def test_resubmitting_moves_the_return_comment_to_the_history_and_shows_what_changed(
        client, users, indicator, rounds):
    returned_six_month_round(users, indicator, rounds)
    s = steps_of(indicator)
    c = s[2].completions.get()
    services.step_edit(step=s[2], by=users["owner"], done_on=dt.date(2022, 2, 1), note="แนบคำสั่งแล้ว",
                       expected_completion_id=c.pk, expected_version=c.version)
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    a = RoundAssessment.objects.get(indicator=indicator, round=rounds[6])
    assert a.review_comment == ""
    client.force_login(users["owner"])
    page = client.get(reverse("assessments:indicator", args=[indicator.pk]), {"round": rounds[6].pk}).content.decode()
    panel = page[page.index('id="round-panel"'):page.index('id="history"')]
    assert "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" not in panel
    assert "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" in page[page.index('id="history"'):]
    client.force_login(users["director"])
    review = client.get(reverse("assessments:review", args=[indicator.pk, rounds[6].pk])).content.decode()
    since = review[review.index('id="since-return"'):review.index("</section>", review.index('id="since-return"'))]
    assert "กรุณาแนบคำสั่งแต่งตั้งคณะทำงาน" in since
    assert "ขั้นตอนที่ 2" in since and "12 ม.ค. 2565 → 1 ก.พ. 2565" in since and "แนบคำสั่งแล้ว" in since


# --- 6. the round report --------------------------------------------------------------------------

def test_the_round_report_is_kept_in_history_shown_to_the_reviewer_and_on_the_progress_row(
        client, users, indicator, rounds):
    client.force_login(users["owner"])
    url = reverse("assessments:round-report", args=[indicator.pk, rounds[6].pk])
    htmx_post(client, url, {"results": "จัดทำร่างคู่มือแล้ว", "problems": "ข้อมูลไม่ครบ", "remedies": "ประสานฝ่าย",
                            "version": "0"})
    rp = progress_for([indicator], [rounds[6]], TODAY)[indicator.pk].rounds[0]
    assert (rp.report.results, rp.report.problems, rp.report.remedies) == ("จัดทำร่างคู่มือแล้ว", "ข้อมูลไม่ครบ", "ประสานฝ่าย")
    h = HistoryEntry.objects.get(action="report_edited")
    assert h.before == {"results": "", "problems": "", "remedies": ""} and h.after["remedies"] == "ประสานฝ่าย"
    stale = htmx_post(client, url, {"results": "ทับ", "problems": "", "remedies": "", "version": "0"}).content.decode()
    assert "ถูกแก้ไขโดยผู้อื่น" in stale
    bad = htmx_post(client, url, {"results": "ก\x00", "problems": "", "remedies": "", "version": "1"}).content.decode()
    assert "อักขระควบคุม" in bad
    assert HistoryEntry.objects.filter(action="report_edited").count() == 1
    services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"], note="รอคำสั่ง")
    locked = htmx_post(client, url, {"results": "แก้", "problems": "", "remedies": "", "version": "1"}).content.decode()
    assert "แก้ไขรายงานผลการดำเนินงานไม่ได้" in locked
    client.force_login(users["director"])
    review = client.get(reverse("assessments:review", args=[indicator.pk, rounds[6].pk])).content.decode()
    assert "จัดทำร่างคู่มือแล้ว" in review and "ข้อมูลไม่ครบ" in review and "ประสานฝ่าย" in review


# --- 7. evidence preview, and removed evidence (issue 13, finding 10) ------------------------------

def test_pdf_evidence_opens_inline_under_a_sandbox_and_other_types_download(client, users, indicator):
    c = services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    e = c.evidence.get()
    client.force_login(users["viewer"])
    r = client.get(reverse("assessments:evidence-view", args=[e.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("inline")
    assert "sandbox" in r["Content-Security-Policy"] and r["X-Content-Type-Options"] == "nosniff"
    Evidence.objects.filter(pk=e.pk).update(content_type="application/msword")
    r = client.get(reverse("assessments:evidence-view", args=[e.pk]))
    assert r["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("role,status", [
    ("owner", 404), ("coowner", 404), ("director", 404), ("viewer", 404), ("other_staff", 404), ("admin", 200),
])
def test_removed_evidence_is_404_for_all_but_administrators(client, users, indicator, role, status):
    c = services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    e = c.evidence.get()
    services.evidence_remove(evidence=e, by=users["owner"], reason="ผิดไฟล์")
    client.force_login(users[role])
    assert client.get(reverse("assessments:evidence-download", args=[e.pk])).status_code == status
    assert client.get(reverse("assessments:evidence-view", args=[e.pk])).status_code == status


def test_the_notice_list_and_the_nav_count_take_the_same_queries_at_3_and_30_notices(client, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["owner"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("assessments:notices")).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        Notice.objects.bulk_create(Notice(recipient=users["owner"], kind="reminder", title=f"แจ้งเตือน {i}",
                                          link="/my/") for i in range(n))
        readers.notices_changed([users["owner"].pk])  # as assessments.notices.notify does after its bulk_create

    add(3)
    count()  # the owner's Scope is cached from here on; the unread count is asked again after each add
    add(0)
    small = count()
    add(27)
    assert count() == small
    nav = re.search(r'id="nav-notices"[^>]*>(.*?)</a>', client.get(reverse("assessments:notices")).content.decode(), re.S)
    assert " ".join(re.sub(r"<[^>]+>", " ", nav.group(1)).split()).startswith("การแจ้งเตือน 30 ")


def test_a_reopened_round_tells_its_owners_why(users, indicator, rounds, django_capture_on_commit_callbacks):
    services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    services.round_verify(indicator=indicator, round=rounds[6], by=users["director"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.round_reopen(indicator=indicator, round=rounds[6], by=users["admin"], reason="แก้วันที่ขั้นตอนที่ 1")
    n = Notice.objects.get(recipient=users["owner"], title__contains="เปิดรอบให้แก้ไขอีกครั้ง")
    assert n.body == "แก้วันที่ขั้นตอนที่ 1"
    assert "owner@example.go.th" in {m.to[0] for m in mail.outbox}


# --- 8. bad input on the new URLs: a Thai message, nothing changed ------------------------------

@pytest.mark.parametrize("data,message", [
    ({"results": "ก" * 5001, "problems": "", "remedies": "", "version": "0"}, "ผลการดำเนินงานยาวเกินไป"),
    ({"results": "ก", "problems": "ข\x00", "remedies": "", "version": "0"}, "อักขระควบคุม"),
    ({"results": "ก", "problems": "", "remedies": "", "version": "หนึ่ง"}, "ข้อมูลฟอร์มไม่ถูกต้อง"),
    ({"results": "ก", "problems": "", "remedies": "", "version": "-1"}, "ข้อมูลฟอร์มไม่ถูกต้อง"),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_round_report_gets_a_thai_message_and_saves_nothing(client, users, indicator, rounds, data, message, htmx):
    client.force_login(users["owner"])
    url = reverse("assessments:round-report", args=[indicator.pk, rounds[12].pk])
    response = client.post(url, data, headers={"HX-Request": "true"} if htmx else {}, follow=not htmx)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert not HistoryEntry.objects.filter(action="report_edited").exists()
    assert not RoundAssessment.objects.exclude(report_results="").exists()


@pytest.mark.parametrize("data", [{}, {"action": "delete"}, {"action": "verify", "level": "9"},
                                  {"action": "verify", "level": "²"}, {"action": "verify", "level": "1"}])
def test_a_bad_confirmation_request_is_a_thai_400_and_changes_nothing(client, users, indicator, rounds, data):
    s = steps_of(indicator)
    for n in (1, 2):
        services.step_complete(step=s[n], done_on=dt.date(2022, 1, 10 + n), by=users["owner"])
    services.round_submit(indicator=indicator, round=rounds[6], by=users["owner"])
    client.force_login(users["director"])
    response = client.post(reverse("assessments:round-confirm", args=[indicator.pk, rounds[6].pk]), data)
    assert response.status_code == 400
    assert re.search("กรุณา|ผลการตรวจสอบต้อง", response.content.decode())
    assert RoundAssessment.objects.get(indicator=indicator, round=rounds[6]).status == "submitted"


def test_odd_ids_on_the_notice_and_confirm_urls_are_404_never_500(client, users, indicator):
    client.force_login(users["owner"])
    assert client.post(reverse("assessments:notice-open", args=[999999])).status_code == 404
    c = services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    url = reverse("assessments:evidence-remove-confirm", args=[c.evidence.get().pk])
    for round_param in ("abc", "99999", "", "1" * 30):
        assert client.get(url, {"round": round_param}).status_code == 200


@pytest.mark.parametrize("typed,expected", [
    ("31/03/2565", dt.date(2022, 3, 31)), ("๓๑/๐๓/๒๕๖๕", dt.date(2022, 3, 31)), ("1.4.2565", dt.date(2022, 4, 1)),
    (" 1 / 4 / 2565 ", dt.date(2022, 4, 1)), ("2022-03-31", dt.date(2022, 3, 31)), ("2565-03-31", dt.date(2022, 3, 31)),
    ("31/03/2022", dt.date(2022, 3, 31)),
])
def test_typed_dates_parse_to_the_stored_iso_date_and_back(typed, expected):
    from core import thai

    assert thai.parse_input_date(typed) == expected
    assert thai.parse_input_date(thai.format_input_date(expected)) == expected


@pytest.mark.parametrize("typed", ["", "31/02/2565", "2565", "31/03/65", "๓๑/๐๓", "0/0/0000", "1/1/99999"])
def test_typed_dates_that_are_not_dates_raise_value_error(typed):
    from core import thai

    with pytest.raises(ValueError):
        thai.parse_input_date(typed)
