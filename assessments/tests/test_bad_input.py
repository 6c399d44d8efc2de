"""Bad input, property-based (hypothesis): whatever a user or a script sends, the answer is a clear
Thai refusal or exactly the intended change. Never a server error, never half a change.

Each example runs inside a transaction that is rolled back, so examples do not see each
other's rows; a snapshot of every progress table (and of the evidence directory) taken
before the request is compared with the state after it: on a refusal nothing changed,
on an acceptance exactly the rows the request meant were added or changed.

The examples are derandomised (same inputs on every run, CI included); set
KPI_HYPOTHESIS_EXAMPLES=500 KPI_HYPOTHESIS_RANDOM=1 to explore further.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from assessments import services
from assessments.forms import ReasonForm, StepForm
from assessments.models import Evidence, HistoryEntry, PolicyKPIMeasurement, RoundAssessment, StepCompletion
from indicators.models import MilestoneStep, PolicyKPI
from tests_support.properties import examples, in_rollback

pytestmark = pytest.mark.django_db

TODAY = dt.date(2022, 2, 15)
FY_START, FY_END = dt.date(2021, 10, 1), dt.date(2022, 9, 30)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"
EXE = b"MZ\x90\x00" + b"\x00" * 100
THAI_RE = re.compile(r"[\u0e00-\u0e7f]")
ALERT = re.compile(r'<div class="alert alert-(success|danger)[^"]*" role="(?:alert|status)">(.*?)</div>', re.S)
# A field's own message: hand-written (text-danger) or crispy-bootstrap5's (invalid-feedback, one <strong> each).
FIELD_ERROR = re.compile(r'<div class="text-danger small"[^>]*>(.*?)</div>|<(?:p|span) id="error_\d+_[^"]*"[^>]*><strong>(.*?)</strong>',
                         re.S)
NASTY_ECHO = ("<script>alert", "<img src=x", "onerror=alert")



# --- what users send --------------------------------------------------------------------------

THAI = "กขคงจฉชซญฐณดตถทธนบปผพฟภมยรลวศษสหอฮะัาำิีึืุูเแโใไ็่้๊๋์๐๑๒๓๔๕๖๗๘๙"
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f\x85\u200b\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\r\n\t"
MARKUP = "<>&\"'=+-@/\\%{}#;: "
NASTY = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "=HYPERLINK(\"http://evil.example\",\"คลิก\")",
    "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1",
    "{{ request.user }}", "{% debug %}",
    "&lt;b&gt;", "ก\x00ข", "\x00", "\u202eเอกสาร", "../../etc/passwd", "%00", "\r\n\r\n",
    "ประชุมคณะทำงาน ครั้งที่ ๑/๒๕๖๕", "🙂👍🏽", "\ufeff", " ", "\t", "0", "-0", "1e9", "NaN", "∞",
]
text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(st.sampled_from(THAI + CONTROL + MARKUP), max_size=40),
    st.sampled_from(NASTY),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(st.sampled_from(THAI), max_size=8)),
    st.sampled_from(["ก" * 5000, "ก" * 5001, "x" * 2001, "ข" * 60_000]),
)
day = st.dates(min_value=dt.date(2021, 8, 1), max_value=dt.date(2022, 12, 31))
date_text = st.one_of(
    st.just(""), day.map(dt.date.isoformat), day.map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["2022-02-30", "0000-01-01", "9999-12-31", "99999-01-01", "2565-01-10", "๒๐๒๒-๐๑-๑๐",
                     "2022-01-10\x00", "2022-1-1", "tomorrow", "<script>"]),
    text,
)
int_text = st.one_of(
    st.just(""), st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["²", "๓", "1.5", "1e3", "0x10", " 7 ", "9" * 5000, "1\x00", "-0", "+1", "1_000"]),
    text,
)
yes = st.sampled_from(["on", "on", "on", "", "false", "0", "1", "off", "ไม่"])


# --- state -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _today(fy_today, settings, tmp_path):
    fy_today(TODAY)
    settings.MEDIA_ROOT = tmp_path / "evidence"


def snapshot(settings) -> dict:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return {
        "completions": list(StepCompletion.objects.order_by("pk").values()),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "history": list(HistoryEntry.objects.order_by("pk").values()),
        "assessments": list(RoundAssessment.objects.order_by("pk").values()),
        "kpi": list(PolicyKPIMeasurement.objects.order_by("pk").values()),
        "files": sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else [],
    }


def added(before: dict, after: dict, table: str) -> list[dict]:
    old = {row["id"] for row in before[table]}
    return [row for row in after[table] if row["id"] not in old]


def changed(before: dict, after: dict, table: str) -> list[tuple[dict, dict]]:
    old = {row["id"]: row for row in before[table]}
    return [(old[row["id"]], row) for row in after[table] if row["id"] in old and old[row["id"]] != row]


def cleaned(value: str) -> str:
    """What services._clean_text stores: NFC, no control characters but newline and tab, stripped."""
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def steps_of(indicator):
    return {s.number: s for s in MilestoneStep.objects.filter(criteria_set__indicator=indicator)}


class Outcome:
    def __init__(self, status: int, accepted: bool | None, message: str, body: str):
        self.status, self.accepted, self.message, self.body = status, accepted, message, body


def outcome(client, response) -> Outcome:
    """Accepted or refused, by the message the user sees (following a redirect to read it)."""
    assert response.status_code < 500, response.status_code
    status = response.status_code
    if status in (301, 302):
        response = client.get(response["Location"])
        assert response.status_code == 200
    body = response.content.decode()
    alerts = ALERT.findall(body) + [("danger", a or b) for a, b in FIELD_ERROR.findall(body)]
    kinds = {k for k, _ in alerts}
    message = " ".join(m for _, m in alerts)
    if kinds == {"success"}:
        return Outcome(status, True, message, body)
    if "danger" in kinds:
        return Outcome(status, False, message, body)
    return Outcome(status, None, message, body)


def assert_refused(out: Outcome, before: dict, after: dict) -> None:
    assert out.accepted is False, (out.status, out.message[:300])
    assert THAI_RE.search(out.message), f"not a Thai message: {out.message[:300]!r}"
    assert after == before, "a refused request changed something"




# --- step save: tick ----------------------------------------------------------------------------


@examples(15)
@given(done=yes, done_on=date_text, note=text, reason=text, completion_id=int_text, version=int_text,
       round_=int_text, htmx=st.booleans())
@example(done="on", done_on="2022-01-10", note="ก\x00ข", reason="", completion_id="", version="", round_="",
         htmx=True)
@example(done="on", done_on="2022-01-10", note="<script>alert(1)</script>", reason="", completion_id="",
         version="", round_="99999999999999999999", htmx=False)
@example(done="on", done_on="2022-01-10", note="", reason="", completion_id="", version="", round_="9" * 5000,
         htmx=True)
@example(done="on", done_on="", note="=1+1", reason="", completion_id="", version="", round_="²", htmx=True)
def test_ticking_a_step_with_any_input(client, settings, users, indicator, rounds, done, done_on, note, reason,
                                       completion_id, version, round_, htmx):
    step = steps_of(indicator)[1]
    data = {"done": done, "done_on": done_on, "note": note, "reason": reason, "completion_id": completion_id,
            "version": version, "round": round_}

    def run():
        client.force_login(users["owner"])
        before = snapshot(settings)
        response = client.post(reverse("assessments:step-save", args=[step.pk]), data,
                                headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == (200 if htmx else 302)
        out = outcome(client, response)
        after = snapshot(settings)
        form = StepForm(data)
        if not form.is_valid():
            return assert_refused(out, before, after)
        f = form.cleaned_data
        day_ = f["done_on"] or TODAY
        if not f["done"] or f["completion_id"] is not None:
            # Nothing to untick, or an edit of a completion that does not exist: refused.
            return assert_refused(out, before, after)
        if len(cleaned(note)) > services.NOTE_MAX or not FY_START <= day_ <= TODAY:
            return assert_refused(out, before, after)
        assert out.accepted, (out.status, out.message[:300])
        new = added(before, after, "completions")
        assert len(new) == 1 and new[0]["step_id"] == step.pk
        assert new[0]["done_on"] == day_ and new[0]["note"] == cleaned(note)
        assert new[0]["recorded_by_id"] == users["owner"].pk and new[0]["revoked_at"] is None
        history = added(before, after, "history")
        assert [(h["action"], h["step_id"]) for h in history] == [("step_done", step.pk)]
        assert history[0]["after"] == {"done_on": day_.isoformat(), "note": cleaned(note), "version": 1}
        assert not changed(before, after, "completions") and not added(before, after, "evidence")
        assert after["assessments"] == before["assessments"] and after["files"] == before["files"]

    in_rollback(run)


# --- step save: edit and untick ----------------------------------------------------------------------


@examples(12)
@given(done=yes, done_on=date_text, note=text, reason=text, completion_id=st.one_of(st.just("<current>"), int_text),
       version=st.one_of(st.just("<current>"), int_text), htmx=st.booleans())
@example(done="", done_on="", note="", reason="\x00", completion_id="<current>", version="<current>", htmx=True)
@example(done="", done_on="", note="", reason="ยกเลิก\x00", completion_id="<current>", version="<current>",
         htmx=True)
@example(done="", done_on="", note="", reason="ผิด", completion_id="<current>", version="99999999999999999999999",
         htmx=True)
@example(done="on", done_on="2022-01-11", note="<b>แก้</b>", reason="", completion_id="<current>",
         version="<current>", htmx=False)
def test_editing_and_unticking_with_any_input(client, settings, users, indicator, rounds, done, done_on, note,
                                              reason, completion_id, version, htmx):
    step = steps_of(indicator)[1]

    def run():
        current = services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["coowner"],
                                          note="บันทึกเดิม")
        data = {"done": done, "done_on": done_on, "note": note, "reason": reason, "round": rounds[6].pk,
                "completion_id": current.pk if completion_id == "<current>" else completion_id,
                "version": current.version if version == "<current>" else version}
        client.force_login(users["owner"])
        before = snapshot(settings)
        response = client.post(reverse("assessments:step-save", args=[step.pk]), data,
                                headers={"HX-Request": "true"} if htmx else {})
        out = outcome(client, response)
        after = snapshot(settings)
        form = StepForm(data)
        if not form.is_valid():
            return assert_refused(out, before, after)
        f = form.cleaned_data
        day_ = f["done_on"] or TODAY
        fine = (len(cleaned(note)) <= services.NOTE_MAX and FY_START <= day_ <= TODAY) if f["done"] else (
            0 < len(cleaned(reason)) <= services.REASON_MAX)
        if f["completion_id"] is None:
            if f["done"] and fine:  # a tick of a step already done: a conflict
                assert "มีผู้บันทึก" in out.message
            return assert_refused(out, before, after)
        if f["completion_id"] != current.pk or (f["version"] is not None and f["version"] != current.version):
            if fine:
                assert "ผู้อื่น" in out.message
            return assert_refused(out, before, after)
        history = added(before, after, "history")
        if f["done"]:
            if len(cleaned(note)) > services.NOTE_MAX or not FY_START <= day_ <= TODAY:
                return assert_refused(out, before, after)
            assert out.accepted, out.message[:300]
            if (day_, cleaned(note)) == (current.done_on, current.note):
                assert after == before  # nothing to change: nothing recorded
                return
            [(old, new)] = changed(before, after, "completions")
            assert (new["done_on"], new["note"], new["version"]) == (day_, cleaned(note), current.version + 1)
            assert [h["action"] for h in history] == ["step_edited"]
        else:
            r = cleaned(reason)
            if not r or len(r) > services.REASON_MAX:
                return assert_refused(out, before, after)
            assert out.accepted, out.message[:300]
            [(old, new)] = changed(before, after, "completions")
            assert new["revoked_at"] is not None and new["revoke_reason"] == r
            assert (new["done_on"], new["note"], new["version"]) == (old["done_on"], old["note"], old["version"])
            assert [(h["action"], h["comment"]) for h in history] == [("step_undone", r)]
        assert not added(before, after, "completions") and not added(before, after, "evidence")

    in_rollback(run)


# --- evidence uploads ------------------------------------------------------------------------------


def multipart(fields: dict, files: list[tuple[str, bytes]], style: str) -> tuple[bytes, str]:
    """A multipart body as a browser (or a script) would send it.

    browser: the file name raw in UTF-8 with " CR LF percent-escaped (HTML standard);
    rfc5987: filename*=utf-8''…; raw: the name as it is, quotes and control characters included.
    """
    from urllib.parse import quote

    boundary = "----kpi" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + str(v).encode()
                   + b"\r\n")
    for name, content in files:
        if style == "browser":
            param = 'filename="' + name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A") + '"'
        elif style == "rfc5987":
            param = "filename*=utf-8''" + quote(name, safe="")
        else:
            param = f'filename="{name}"'
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; {param}\r\n'
                   f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


file_name = st.one_of(
    st.builds(lambda s, e: s + e, text, st.sampled_from([".pdf", ".PDF", ".png", ".html", ".pdf.exe", "", ".pdf\x00"])),
    st.sampled_from([
        "../../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "<script>alert(1)</script>.pdf",
        "<img src=x onerror=alert(1)>.pdf", "=HYPERLINK(1).pdf", "ราย\x00งาน.pdf", "\u202efdp.exe",
        "ก" * 300 + ".pdf", "x" * 5000 + ".pdf", ".pdf", "...", "..", "&lt;b&gt;.pdf", "a\r\nContent-Type: text/html.pdf",
        'คำสั่ง"; name="done.pdf', "%2e%2e%2fetc.pdf", "CON.pdf", " .pdf ",
    ]),
)
content = st.sampled_from([PDF, PDF, PNG, HTML, EXE, b""])


@examples(12)
@given(names=st.lists(file_name, min_size=1, max_size=3), contents=st.lists(content, min_size=3, max_size=3),
       style=st.sampled_from(["browser", "rfc5987", "raw"]), note=text)
@example(names=["<img src=x onerror=alert(1)>.pdf"], contents=[PDF, PDF, PDF], style="browser", note="")
@example(names=["ราย\x00งาน.pdf"], contents=[PDF, PDF, PDF], style="raw", note="")
@example(names=["x" * 5000 + ".pdf"], contents=[PDF, PDF, PDF], style="rfc5987", note="")
@example(names=["รายงาน.pdf", "เว็บ.pdf"], contents=[PDF, HTML, PDF], style="browser", note="")
def test_uploading_evidence_with_any_file_name(client, settings, users, indicator, rounds, names, contents, style,
                                                note):
    step = steps_of(indicator)[1]
    files = list(zip(names, contents))

    def run():
        client.force_login(users["owner"])
        before = snapshot(settings)
        body, ctype = multipart({"done": "on", "done_on": "2022-01-10", "note": note, "round": rounds[6].pk}, files,
                                style)
        response = client.generic("POST", reverse("assessments:step-save", args=[step.pk]), body, ctype,
                                  headers={"HX-Request": "true"})
        if response.status_code == 400:  # a body Django's parser refuses outright
            assert snapshot(settings) == before
            return
        out = outcome(client, response)
        after = snapshot(settings)
        if out.accepted:
            evidence = added(before, after, "evidence")
            assert len(evidence) <= len(files)
            assert len(added(before, after, "completions")) == 1
            history = added(before, after, "history")
            assert [h["action"] for h in history] == ["step_done"] + ["evidence_added"] * len(evidence)
            assert len(after["files"]) == len(before["files"]) + len(evidence)
            for e in evidence:
                name = e["original_name"]
                assert name and len(name) <= 220 and "/" not in name and "\\" not in name
                assert not any(unicodedata.category(ch)[0] == "C" for ch in name), repr(name)
                assert name.lower().endswith(".pdf") and e["content_type"] == "application/pdf"
                assert e["file"].startswith("evidence/") and os.path.basename(e["file"]).isalnum()
                page = client.get(reverse("assessments:evidence-download", args=[e["id"]]))
                assert page["Content-Disposition"].startswith("attachment;")
                assert b"".join(page.streaming_content) == PDF
            # The page shows each name escaped, never as markup.
            html_page = client.get(reverse("assessments:indicator", args=[indicator.pk])).content.decode()
            for e in evidence:
                from django.utils.html import escape

                assert escape(e["original_name"]) in html_page
                if "<" in e["original_name"]:
                    assert e["original_name"] not in html_page
        else:
            assert_refused(out, before, after)

    in_rollback(run)


def test_a_clean_pdf_with_a_thai_name_is_always_kept_under_its_name(client, settings, users, indicator, rounds):
    """Not every upload may be refused: a PDF named in Thai is accepted, with exactly its name."""

    @examples(6)
    @given(stem=st.text(st.sampled_from(THAI + "0123456789 -_()"), min_size=1, max_size=80).filter(
        lambda s: s.strip(" .")), style=st.sampled_from(["browser", "rfc5987", "raw"]))
    def check(stem, style):
        name = unicodedata.normalize("NFC", stem.strip()) + ".pdf"

        def run():
            client.force_login(users["owner"])
            body, ctype = multipart({"done": "on", "done_on": "2022-01-10", "round": rounds[6].pk}, [(name, PDF)],
                                    style)
            out = outcome(client, client.generic("POST", reverse("assessments:step-save",
                                                                 args=[steps_of(indicator)[1].pk]), body, ctype,
                                                 headers={"HX-Request": "true"}))
            assert out.accepted, out.message
            assert list(Evidence.objects.values_list("original_name", flat=True)) == [name]

        in_rollback(run)

    check()


def test_a_request_bigger_than_the_limit_is_refused_and_changes_nothing(client, settings, users, indicator, rounds):
    client.force_login(users["owner"])
    before = snapshot(settings)
    response = client.post(reverse("assessments:step-save", args=[steps_of(indicator)[1].pk]),
                           {"done": "on", "done_on": "2022-01-10", "note": "ก" * (3 * 1024 * 1024)},
                           headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert snapshot(settings) == before


def test_fields_of_the_wrong_kind_get_a_clear_answer(client, settings, users, indicator, rounds):
    """A JSON body, a text where a file belongs, a file where a text belongs, repeated fields."""
    url = reverse("assessments:step-save", args=[steps_of(indicator)[1].pk])
    hx = {"HX-Request": "true"}

    def run(send):
        def go():
            client.force_login(users["owner"])
            before = snapshot(settings)
            out = outcome(client, send())
            after = snapshot(settings)
            if out.accepted:
                assert len(added(before, after, "completions")) == 1
                assert not added(before, after, "evidence")
            else:
                assert_refused(out, before, after)
        in_rollback(go)

    run(lambda: client.post(url, '{"done": "on", "done_on": "2022-01-10"}', content_type="application/json",
                            headers=hx))
    run(lambda: client.post(url, {"done": "on", "done_on": "2022-01-10", "files": "not a file"}, headers=hx))
    body, ctype = multipart({"done": "on", "done_on": "2022-01-10"}, [], "browser")
    body = body.replace(b'name="done_on"', b'name="note"; filename="note.pdf"')
    run(lambda: client.generic("POST", url, body, ctype, headers=hx))
    run(lambda: client.post(url, "done=on&done_on=2022-01-10&done_on=%00&note=a&note=%FF%FE",
                            content_type="application/x-www-form-urlencoded", headers=hx))
    run(lambda: client.post(url, b"\xff\xfe\x00garbage", content_type="multipart/form-data; boundary=x", headers=hx))


# --- evidence remove -------------------------------------------------------------------------------------


@examples(12)
@given(reason=text, round_=int_text, htmx=st.booleans())
@example(reason="ก\x00ข", round_="", htmx=True)
@example(reason="ผิดไฟล์", round_="²", htmx=True)
@example(reason="ผิดไฟล์", round_="9" * 5000, htmx=False)
@example(reason="x" * 2001, round_="", htmx=True)
def test_removing_evidence_with_any_input(client, settings, users, indicator, rounds, reason, round_, htmx):
    from django.core.files.uploadedfile import SimpleUploadedFile

    step = steps_of(indicator)[1]

    def run():
        services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"],
                               files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
        evidence = Evidence.objects.get()
        client.force_login(users["coowner"])
        before = snapshot(settings)
        response = client.post(reverse("assessments:evidence-remove", args=[evidence.pk]),
                               {"reason": reason, "round": round_}, headers={"HX-Request": "true"} if htmx else {})
        out = outcome(client, response)
        after = snapshot(settings)
        form = ReasonForm({"reason": reason, "round": round_})
        r = cleaned(reason)
        if not form.is_valid() or len(r) > services.REASON_MAX:
            return assert_refused(out, before, after)
        assert out.accepted, out.message[:300]
        [(old, new)] = changed(before, after, "evidence")
        assert new["removed_at"] is not None and new["removed_by_id"] == users["coowner"].pk
        assert [(h["action"], h["comment"]) for h in added(before, after, "history")] == [("evidence_removed", r)]
        assert after["completions"] == before["completions"] and after["files"] == before["files"]

    in_rollback(run)


# --- round submit ------------------------------------------------------------------------------------------


@examples(12)
@given(note=text, extra=st.dictionaries(st.sampled_from(["reason", "round", "level", "done"]), text, max_size=2),
       htmx=st.booleans())
@example(note="ส่งแล้ว\x00", extra={}, htmx=True)
@example(note="ก" * 5001, extra={}, htmx=False)
@example(note="=cmd|' /C calc'!A0", extra={}, htmx=True)
def test_submitting_a_round_with_any_note(client, settings, users, indicator, rounds, note, extra, htmx):
    rnd = rounds[6]

    def run():
        services.step_complete(step=steps_of(indicator)[1], done_on=dt.date(2022, 1, 10), by=users["owner"])
        client.force_login(users["owner"])
        before = snapshot(settings)
        response = client.post(reverse("assessments:round-submit", args=[indicator.pk, rnd.pk]),
                               {**extra, "note": note}, headers={"HX-Request": "true"} if htmx else {})
        out = outcome(client, response)
        after = snapshot(settings)
        n = cleaned(note)
        # Level 1 is below the 6-month target (3): a blank note (the reason) is refused too.
        if not ReasonForm({**extra, "note": note}).is_valid() or len(n) > services.NOTE_MAX or not n:
            return assert_refused(out, before, after)
        assert out.accepted, out.message[:300]
        a = RoundAssessment.objects.get(indicator=indicator, round=rnd)
        assert (a.status, a.self_level, a.submit_note) == ("submitted", 1, n)
        assert [(h["action"], h["comment"]) for h in added(before, after, "history")] == [("round_submitted", n)]
        assert after["completions"] == before["completions"]

    in_rollback(run)


# --- review: verify and return ------------------------------------------------------------------------------


level_text = st.one_of(st.sampled_from(["", "0", "1", "2", "๑", "²", "-1", "1.0", " 1 ", "9" * 5000,
                                        "99999999999999999999", "1\x00"]), int_text)


@examples(12)
@given(decision=st.sampled_from(["verify", "return"]), level=level_text, reason=text, comment=text)
@example(decision="verify", level="²", reason="", comment="")
@example(decision="verify", level="9" * 5000, reason="", comment="")
@example(decision="verify", level="", reason="<script>alert(1)</script>", comment="")
@example(decision="return", level="", reason="", comment="แนบหลักฐาน\x00ด้วย")
@example(decision="return", level="", reason="", comment="\x00\x01")
def test_reviewing_with_any_input(client, settings, users, indicator, rounds, decision, level, reason, comment):
    rnd = rounds[6]

    def run():
        s = steps_of(indicator)
        for n in (1, 2):
            services.step_complete(step=s[n], done_on=dt.date(2022, 1, n), by=users["owner"])
        services.round_submit(indicator=indicator, round=rnd, by=users["owner"])
        client.force_login(users["director"])
        before = snapshot(settings)
        url = reverse(f"assessments:round-{decision}", args=[indicator.pk, rnd.pk])
        response = client.post(url, {"level": level, "reason": reason, "comment": comment})
        out = outcome(client, response)
        after = snapshot(settings)
        a = RoundAssessment.objects.get(indicator=indicator, round=rnd)
        if decision == "verify":
            raw = level.strip()
            ok_level = not raw or (raw.isdecimal() and len(raw) <= 10 and 0 <= int(raw) <= 2)
            wanted = int(raw) if ok_level and raw else 2
            r = cleaned(reason)
            ok = ok_level and len(r) <= services.REASON_MAX and (wanted == 2 or r)
            if not ok:
                assert out.status == 400
                return assert_refused(out, before, after)
            assert out.status == 302 and out.accepted, out.message[:300]
            assert (a.status, a.verified_level, a.review_comment) == ("verified", wanted, r)
            assert [(h["action"], h["comment"]) for h in added(before, after, "history")] == [("round_verified", r)]
        else:
            c = cleaned(comment)
            if not c or len(c) > services.REASON_MAX:
                assert out.status == 400
                return assert_refused(out, before, after)
            assert out.status == 302 and out.accepted, out.message[:300]
            assert (a.status, a.review_comment) == ("returned", c)
            assert [(h["action"], h["comment"]) for h in added(before, after, "history")] == [("round_returned", c)]
        assert after["completions"] == before["completions"]

    in_rollback(run)


# --- 5G policy KPI measurement (dashboard) -----------------------------------------------------------------------


decimal_text = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**11), max_value=10**11).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "1,000", "๑๒", "1e5", "1e-7", "NaN", "-Infinity", "9" * 5000, "12.345", "0.01", "1\x00",
                     "9999999999.99", "10000000000", "-9999999999.99"]),
    text,
)


@examples(12)
@given(value=decimal_text, measured_on=date_text, source=text, plan_=st.one_of(st.just("<plan>"), int_text),
       as_of=date_text)
@example(value="12.5", measured_on="2022-01-31", source="กรม\x00บังคับคดี", plan_="<plan>", as_of="")
@example(value="12.5", measured_on="2022-01-31", source="x" * 501, plan_="<plan>", as_of="")
@example(value="12.345", measured_on="2022-01-31", source="", plan_="<plan>", as_of="")
@example(value="1" * 13, measured_on="2022-01-31", source="", plan_="<plan>", as_of="")
@example(value="12", measured_on="2022-01-31", source="=HYPERLINK(\"x\")", plan_="<plan>", as_of="<script>")
def test_recording_a_policy_kpi_with_any_input(client, settings, users, plan, value, measured_on, source, plan_,
                                               as_of):
    from reports.dashboard import KPIMeasurementForm

    kpi = PolicyKPI.objects.filter(fiscal_year_id=plan.fiscal_year_id).order_by("pk").first()
    assert kpi is not None, "the plan has no 5G policy KPI"
    data = {"value": value, "measured_on": measured_on, "source": source, "as_of": as_of,
            "plan": plan.pk if plan_ == "<plan>" else plan_}

    def run():
        client.force_login(users["director"])
        before = snapshot(settings)
        response = client.post(reverse("reports:kpi-record", args=[kpi.pk]), data)
        if data["plan"] not in ("", plan.pk) and str(data["plan"]) != str(plan.pk):
            assert response.status_code == 404
            assert snapshot(settings) == before
            return
        out = outcome(client, response)
        after = snapshot(settings)
        form = KPIMeasurementForm(data)
        ok = form.is_valid()
        if ok:
            v = form.cleaned_data["value"]
            ok = abs(v) < Decimal("1e10") and FY_START <= form.cleaned_data["measured_on"] <= TODAY
        if not ok:
            assert out.status == 400
            return assert_refused(out, before, after)
        assert out.status == 302 and out.accepted, out.message[:300]
        [m] = added(before, after, "kpi")
        expected = form.cleaned_data["value"].quantize(Decimal("0.01"))
        assert (m["kpi_id"], m["value"], m["measured_on"], m["source"]) == (
            kpi.pk, expected, form.cleaned_data["measured_on"], cleaned(source))
        assert after["history"] == before["history"] and after["completions"] == before["completions"]

    in_rollback(run)


# --- GET parameters ---------------------------------------------------------------------------------------------


param_value = st.one_of(int_text, date_text, st.sampled_from(["1", "2", "3", "4", "6", "12", "Q2", "๒", "none"]))


def assert_clear_answer(response, params) -> str:
    assert response.status_code in (200, 400, 404), response.status_code
    body = response.content.decode(errors="replace") if response.get("Content-Type", "").startswith("text/") else ""
    if response.status_code == 400:
        assert THAI_RE.search(body)
    for value in params.values():
        if any(n in str(value) for n in NASTY_ECHO) and body:
            assert str(value) not in body, "a parameter echoed unescaped"
    return body


@examples(12)
@given(params=st.dictionaries(st.sampled_from(["plan", "round", "as_of", "section", "owner", "status", "sort",
                                               "group"]), param_value, max_size=4),
       who=st.sampled_from(["director", "owner", "viewer"]))
@example(params={"as_of": "<script>alert(1)</script>"}, who="director")
@example(params={"section": "²", "owner": "²"}, who="director")
@example(params={"section": "9" * 5000, "owner": "9" * 5000}, who="director")
@example(params={"plan": "99999999999999999999"}, who="viewer")
@example(params={"as_of": "99999-01-01\x00"}, who="owner")
def test_dashboard_with_any_parameters(client, users, plan, params, who):
    client.force_login(users[who])
    assert_clear_answer(client.get(reverse("reports:dashboard"), params), params)


@examples(12)
@given(params=st.dictionaries(st.sampled_from(["plan", "indicator", "quarter", "round", "as_of"]), param_value,
                              max_size=3))
@example(params={"as_of": "99999999999999999999-01-01"})
@example(params={"as_of": "2565-02-30"})
@example(params={"indicator": "99999999999999999999"})
@example(params={"indicator": "²"})
@example(params={"plan": "1\x00"})
@example(params={"quarter": "<script>"})
def test_scorecard_page_with_any_parameters(client, users, plan, params):
    client.force_login(users["director"])
    assert_clear_answer(client.get(reverse("reports:scorecard"), params), params)


@examples(4)
@given(kind=st.sampled_from(["reports:scorecard-pdf", "reports:scorecard-xlsx"]),
       params=st.dictionaries(st.sampled_from(["quarter", "round", "as_of", "indicator"]), param_value, max_size=2))
@example(kind="reports:scorecard-pdf", params={"as_of": "99999999999999999999-01-01"})
@example(kind="reports:scorecard-xlsx", params={"quarter": "5"})
def test_scorecard_downloads_with_any_parameters(client, users, plan, kind, params):
    client.force_login(users["director"])
    one = plan.indicators.get(number=1)
    params = {"indicator": one.pk, **params}  # one indicator: a quick file when the period is valid
    response = client.get(reverse(kind), params)
    assert_clear_answer(response, params)
    if response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment;")


@examples(12)
@given(params=st.dictionaries(st.sampled_from(["round", "history_page", "partial", "year", "plan"]), param_value,
                              max_size=3), page=st.sampled_from(["indicator", "my", "plan"]), htmx=st.booleans())
@example(params={"year": "²"}, page="my", htmx=False)
@example(params={"year": "9" * 5000}, page="my", htmx=False)
@example(params={"history_page": "9" * 5000, "round": "²"}, page="indicator", htmx=True)
@example(params={"plan": "1\x00"}, page="plan", htmx=False)
def test_owner_pages_with_any_parameters(client, users, indicator, params, page, htmx):
    client.force_login(users["owner"])
    url = {"indicator": reverse("assessments:indicator", args=[indicator.pk]),
           "my": reverse("assessments:my-indicators"), "plan": reverse("assessments:plan")}[page]
    assert_clear_answer(client.get(url, params, headers={"HX-Request": "true"} if htmx else {}), params)
