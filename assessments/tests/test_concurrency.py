"""Many owners at once, against a real server on PostgreSQL.

Threads, each with its own session (logged in through /accounts/login/ with its
CSRF token, over real HTTP to pytest-django's live server), tick, edit and
untick steps of the same indicators, sometimes from a page they loaded a while
ago. Afterwards every accepted change is in the database exactly once and in
the history exactly once, every refused one changed nothing and said why in
Thai, replaying the history gives the current state, the levels are right, and
no request ended in a server error.

SQLite serialises writers and the live server shares one in-memory connection
with the test, so this proves nothing there: the module is skipped on SQLite,
unless KPI_REQUIRE_POSTGRES is set (CI's PostgreSQL run), where the root
conftest refuses to start without PostgreSQL, so these tests always run.
"""

from __future__ import annotations

import datetime as dt
import html
import http.cookiejar
import os
import random
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings

from assessments import levels
from assessments.models import Evidence, HistoryEntry, RoundAssessment, StepCompletion
from assessments.selectors import progress_for
from indicators.models import IndicatorOwner, MilestoneStep

ON_POSTGRES = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRES and not os.environ.get("KPI_REQUIRE_POSTGRES"),
        reason="concurrency needs PostgreSQL (SQLite serialises writers and the live server shares the "
        "test's in-memory connection); CI runs it with DATABASE_URL=postgres://… KPI_REQUIRE_POSTGRES=1",
    ),
]

TODAY = dt.date(2022, 2, 15)
FY_START = dt.date(2021, 10, 1)
PASSWORD = "concurrency-pass-2565"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CONFLICT = "หน้าจอแสดงข้อมูลล่าสุดแล้ว"  # every ConflictError message ends with it
THAI = re.compile(r"[\u0e00-\u0e7f]")
ALERT = re.compile(r'<div class="alert alert-(success|danger)[^"]*" role="(?:alert|status)">(.*?)</div>', re.S)


@pytest.fixture(autouse=True)
def _today(fy_today, settings, tmp_path):
    fy_today(TODAY)
    settings.MEDIA_ROOT = tmp_path / "evidence"


# --- a tiny HTTP client with a cookie jar ------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """One browser: its own cookies (session, CSRF), real HTTP to the live server."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, method: str, path: str, data=None, headers=None) -> tuple[int, str, str]:
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode(), resp.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request("GET", path)

    @property
    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, path: str, fields: dict, files=(), htmx=False) -> tuple[int, str, str]:
        headers = {"X-CSRFToken": self.csrf}
        if htmx:
            headers["HX-Request"] = "true"
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for k, v in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
            for name, content in files:
                quoted = urllib.parse.quote(name)
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"; '
                    f"filename*=utf-8''{quoted}\r\nContent-Type: application/pdf\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, headers)

    def login(self, username: str, password: str) -> None:
        status, _, _ = self.get("/accounts/login/")
        assert status == 200
        status, body, location = self.post("/accounts/login/", {"username": username, "password": password, "next": ""})
        assert status == 302, body[:500]


# --- reading the indicator page --------------------------------------------------------------


@dataclass
class StepOnPage:
    step_id: int
    done: bool
    completion_id: int | None
    version: int | None


class Inputs(HTMLParser):
    """The <input> tags of a piece of a page, by name: their attributes (a bare attribute maps to None)."""

    def __init__(self):
        super().__init__()
        self.by_name: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.by_name.setdefault(found["name"], found)


def inputs_of(chunk: str) -> dict[str, dict[str, str | None]]:
    parser = Inputs()
    parser.feed(chunk)
    parser.close()
    return parser.by_name


def parse_steps(body: str) -> dict[int, StepOnPage]:
    steps = {}
    for chunk in body.split('class="step-row')[1:]:
        step_id = int(re.search(r'id="step-(\d+)"', chunk).group(1))
        inputs = inputs_of(chunk)
        cid = inputs.get("completion_id", {}).get("value")
        ver = inputs.get("version", {}).get("value")
        steps[step_id] = StepOnPage(
            step_id,
            done="checked" in inputs.get("done", {}),
            completion_id=int(cid) if cid else None,
            version=int(ver) if ver else None,
        )
    return steps


def page_level(body: str) -> int:
    m = re.search(r'<strong id="achieved-level">[^<]*?(\d+)</strong>', body)
    assert m, "no level on the page"
    return int(m.group(1))


# --- what each thread did -----------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # tick | edit | untick
    token: str
    step_id: int
    status: int
    accepted: bool | None  # None: no clear answer (a failure)
    message: str
    with_file: bool = False


@dataclass
class Log:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def _answer(session: Session, status: int, body: str, location: str, htmx: bool) -> tuple[bool | None, str]:
    """Accepted or refused, and the message the user saw (htmx: in the panel; else after the redirect)."""
    if not htmx:
        if status != 302:
            return None, f"HTTP {status}"
        status, body, _ = session.get(location)
        if status != 200:
            return None, f"HTTP {status} after the redirect"
    elif status != 200:
        return None, f"HTTP {status}"
    alerts = ALERT.findall(body)
    if len(alerts) != 1:
        return None, f"{len(alerts)} messages on the page"
    kind, message = alerts[0]
    return kind == "success", html.unescape(message.strip())


def save(session, log, *, kind, step_id, fields, token, htmx, files=()) -> Outcome:
    status, body, location = session.post(f"/steps/{step_id}/save/", fields, files=files, htmx=htmx)
    accepted, message = _answer(session, status, body, location, htmx)
    outcome = Outcome(kind, token, step_id, status, accepted, message, with_file=bool(files))
    log.add(outcome)
    return outcome


def random_day(rng: random.Random) -> str:
    return (FY_START + dt.timedelta(days=rng.randrange((TODAY - FY_START).days + 1))).isoformat()


def act(session: Session, log: Log, rng: random.Random, tag: str, page_path: str, steps: dict[int, StepOnPage],
        step_id: int, round_pk: int) -> None:
    """One change a user could make from the page as they saw it (maybe no longer current)."""
    s = steps[step_id]
    token = f"{tag}-{uuid.uuid4().hex[:8]}"
    htmx = rng.random() < 0.7
    base = {"round": round_pk}
    if not s.done:
        files = [(f"หลักฐาน {token}.pdf", PDF)] if rng.random() < 0.3 else ()
        save(session, log, kind="tick", step_id=step_id, token=token, htmx=htmx, files=files,
             fields={**base, "done": "on", "done_on": random_day(rng), "note": f"ดำเนินการแล้ว {token}"})
    elif rng.random() < 0.5:
        save(session, log, kind="untick", step_id=step_id, token=token, htmx=htmx,
             fields={**base, "done_on": "", "reason": f"ยกเลิก {token}",
                     "completion_id": s.completion_id, "version": s.version})
    else:
        save(session, log, kind="edit", step_id=step_id, token=token, htmx=htmx,
             fields={**base, "done": "on", "done_on": random_day(rng), "note": f"แก้ไข {token}",
                     "completion_id": s.completion_id, "version": s.version})


# --- set-up ---------------------------------------------------------------------------------------


@pytest.fixture
def crowd(live_server, users, plan, rounds):
    """Four editors of indicators ๑ and ๒ (three owners and the administrator), two sessions each."""
    from indicators.models import Person

    one, two = plan.indicators.get(number=1), plan.indicators.get(number=2)
    staff = Person.objects.get(user=users["other_staff"])
    coowner = Person.objects.get(user=users["coowner"])
    IndicatorOwner.objects.create(indicator=one, person=staff, role="secondary", order=5)
    IndicatorOwner.objects.get_or_create(indicator=two, person=coowner, defaults={"role": "secondary", "order": 5})
    IndicatorOwner.objects.create(indicator=two, person=staff, role="secondary", order=6)
    editors = [users[k] for k in ("owner", "coowner", "other_staff", "admin")]
    for u in editors:
        u.set_password(PASSWORD)
        u.save()
    sessions = []
    for u in editors:
        for _ in range(2):
            s = Session(live_server.url)
            s.login(u.username, PASSWORD)
            sessions.append(s)
    indicators = [one, two]
    step_ids = {
        i.pk: list(MilestoneStep.objects.filter(criteria_set__indicator=i, criteria_set__round__isnull=True)
                   .order_by("number").values_list("pk", flat=True))
        for i in indicators
    }
    assert all(len(v) == 5 for v in step_ids.values())
    return {"sessions": sessions, "indicators": indicators, "step_ids": step_ids, "round": rounds[6]}


def run_threads(sessions, target) -> None:
    threads = [threading.Thread(target=target, args=(n, s), daemon=True) for n, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"


# --- checks -------------------------------------------------------------------------------------------


def replay(step_id: int) -> dict | None:
    """The step's state from its history alone (oldest first); None when not done."""
    state = None
    for h in HistoryEntry.objects.filter(step_id=step_id).order_by("pk"):
        if h.action == HistoryEntry.Action.STEP_DONE:
            assert state is None, f"step {step_id} ticked twice without an untick in between"
            state = h.after
        elif h.action == HistoryEntry.Action.STEP_EDITED:
            assert state is not None and h.before == state, f"edit of step {step_id} not based on its last state"
            assert h.after["version"] == h.before["version"] + 1
            state = h.after
        elif h.action == HistoryEntry.Action.STEP_UNDONE:
            assert state is not None and h.before == state, f"untick of step {step_id} not based on its last state"
            state = None
    return state


def check_everything(log: Log, crowd) -> Counter:
    assert not log.errors, log.errors[:5]
    statuses = Counter(o.status for o in log.outcomes)
    assert all(code < 500 for code in statuses), f"server errors: {statuses}"
    unclear = [o for o in log.outcomes if o.accepted is None]
    assert not unclear, [(o.kind, o.status, o.message) for o in unclear[:5]]

    accepted = [o for o in log.outcomes if o.accepted]
    refused = [o for o in log.outcomes if not o.accepted]
    # A refusal is a conflict, said in Thai, with the current state shown.
    for o in refused:
        assert THAI.search(o.message) and CONFLICT in o.message, o.message

    A = HistoryEntry.Action
    history = list(HistoryEntry.objects.all())
    done_notes = Counter(h.after["note"] for h in history if h.action == A.STEP_DONE)
    edit_notes = Counter(h.after["note"] for h in history if h.action == A.STEP_EDITED)
    undo_reasons = Counter(h.comment for h in history if h.action == A.STEP_UNDONE)
    evidence_names = Counter(h.after["file"] for h in history if h.action == A.EVIDENCE_ADDED)
    # Every accepted change is in the history exactly once, on the step it was made to; nothing else is.
    assert done_notes == Counter(f"ดำเนินการแล้ว {o.token}" for o in accepted if o.kind == "tick")
    assert edit_notes == Counter(f"แก้ไข {o.token}" for o in accepted if o.kind == "edit")
    assert undo_reasons == Counter(f"ยกเลิก {o.token}" for o in accepted if o.kind == "untick")
    assert evidence_names == Counter(f"หลักฐาน {o.token}.pdf" for o in accepted if o.kind == "tick" and o.with_file)
    assert len(history) == len(accepted) + sum(evidence_names.values())
    by_token = {o.token: o for o in accepted}
    for h in history:
        text = (h.after or {}).get("note") or h.comment or (h.after or {}).get("file", "")
        token = text.split(" ", 1)[1].removesuffix(".pdf")
        assert by_token[token].step_id == h.step_id

    # ... and in the tables exactly once: one completion per accepted tick, revoked once per untick.
    completions = list(StepCompletion.objects.all())
    assert len(completions) == sum(1 for o in accepted if o.kind == "tick")
    assert Counter(c.revoke_reason for c in completions if c.revoked_at) == undo_reasons
    assert Counter(e.original_name for e in Evidence.objects.all()) == evidence_names
    for e in Evidence.objects.all():
        assert e.file.storage.exists(e.file.name)

    # A refused change left no trace anywhere.
    traces = " ".join(
        [c.note + " " + c.revoke_reason for c in completions]
        + [str(h.before) + str(h.after) + h.comment for h in history]
    )
    for o in refused:
        assert o.token not in traces, f"refused {o.kind} {o.token} left a trace"

    # The history replayed gives the current state of every step.
    for ids in crowd["step_ids"].values():
        for step_id in ids:
            active = StepCompletion.objects.active().filter(step_id=step_id)
            assert active.count() <= 1
            state = replay(step_id)
            current = active.first()
            assert (state is None) == (current is None), step_id
            if current is not None:
                assert state == {"done_on": current.done_on.isoformat(), "note": current.note,
                                 "version": current.version}
    check_levels(crowd)
    return Counter((o.kind, o.accepted) for o in log.outcomes)


def check_levels(crowd) -> None:
    """The levels of progress_for and of the page agree with the cumulative rule applied by hand."""
    session, rnd = crowd["sessions"][0], crowd["round"]
    rounds = list(rnd.fiscal_year.rounds.all())
    for indicator in crowd["indicators"]:
        ids = crowd["step_ids"][indicator.pk]
        done = {}
        for number, step_id in enumerate(ids, start=1):
            c = StepCompletion.objects.active().filter(step_id=step_id).first()
            if c:
                done[number] = c.done_on
        for as_of in (dt.date(2021, 11, 15), dt.date(2022, 1, 1), TODAY):
            expected = 0
            while expected < 5 and done.get(expected + 1) is not None and done[expected + 1] <= as_of:
                expected += 1
            progress = progress_for([indicator], rounds, as_of)[indicator.pk]
            assert [rp.level for rp in progress.rounds] == [expected] * len(rounds), (indicator.number, as_of)
            assert progress.rounds[0].status == levels.status_for(
                level=expected, target=progress.rounds[0].target, has_criteria=True, as_of=as_of,
                starts_on=progress.rounds[0].round.starts_on, closes_on=progress.rounds[0].round.closes_on)
        status, body, _ = session.get(f"/indicators/{indicator.pk}/?round={rnd.pk}")
        assert status == 200
        assert page_level(body) == expected
        assert {s.step_id for s in parse_steps(body).values() if s.done} == {
            ids[n - 1] for n in done
        }


# --- the tests ------------------------------------------------------------------------------------------


def test_everyone_ticks_the_same_step_at_once_and_exactly_one_wins(crowd):
    """All sessions tick step 1 at the same instant, then all untick it from the same page."""
    sessions, rnd = crowd["sessions"], crowd["round"]
    indicator = crowd["indicators"][0]
    step_id = crowd["step_ids"][indicator.pk][0]
    page = f"/indicators/{indicator.pk}/?round={rnd.pk}"
    log = Log()
    barrier = threading.Barrier(len(sessions))

    def tick(n, session):
        try:
            barrier.wait(timeout=60)
            save(session, log, kind="tick", step_id=step_id, token=f"s{n}", htmx=n % 2 == 0,
                 files=[(f"หลักฐาน s{n}.pdf", PDF)] if n % 3 == 0 else (),
                 fields={"round": rnd.pk, "done": "on", "done_on": "2022-01-10", "note": f"ดำเนินการแล้ว s{n}"})
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            log.error(repr(exc))

    run_threads(sessions, tick)
    assert sum(1 for o in log.outcomes if o.accepted) == 1
    assert all("มีผู้บันทึก" in o.message for o in log.outcomes if not o.accepted)

    status, body, _ = sessions[0].get(page)
    seen = parse_steps(body)[step_id]
    assert seen.done and seen.completion_id

    def untick(n, session):
        try:
            barrier.wait(timeout=60)
            save(session, log, kind="untick", step_id=step_id, token=f"u{n}", htmx=n % 2 == 1,
                 fields={"round": rnd.pk, "reason": f"ยกเลิก u{n}", "completion_id": seen.completion_id,
                         "version": seen.version})
        except Exception as exc:  # noqa: BLE001
            log.error(repr(exc))

    run_threads(sessions, untick)
    assert sum(1 for o in log.outcomes if o.kind == "untick" and o.accepted) == 1
    check_everything(log, crowd)
    assert StepCompletion.objects.count() == 1 and not StepCompletion.objects.active().exists()


def test_many_owners_tick_and_untick_the_same_indicators(crowd):
    """Each session, many times: load the page (or keep an old one), then tick, edit or untick a step."""
    sessions, rnd = crowd["sessions"], crowd["round"]
    log = Log()
    barrier = threading.Barrier(len(sessions))
    rounds_per_thread = 15

    def work(n, session):
        rng = random.Random(1000 + n)
        try:
            barrier.wait(timeout=60)
            pages = {}
            for i in range(rounds_per_thread):
                indicator = rng.choice(crowd["indicators"])
                path = f"/indicators/{indicator.pk}/?round={rnd.pk}"
                if path not in pages or rng.random() < 0.6:  # sometimes act on a page loaded earlier
                    status, body, _ = session.get(path)
                    if status != 200:
                        log.error(f"GET {path}: HTTP {status}")
                        continue
                    pages[path] = parse_steps(body)
                # Low step numbers more often: more collisions, and levels that move.
                step_id = crowd["step_ids"][indicator.pk][min(int(rng.expovariate(0.6)), 4)]
                act(session, log, rng, f"t{n}i{i}", path, pages[path], step_id, rnd.pk)
        except Exception as exc:  # noqa: BLE001
            log.error(repr(exc))

    run_threads(sessions, work)
    assert len(log.outcomes) == len(sessions) * rounds_per_thread
    counts = check_everything(log, crowd)
    print(dict(counts))
    assert counts[("tick", True)] > 0 and counts[("untick", True)] > 0 and counts[("edit", True)] > 0, counts
    # Stale pages were used on purpose: some changes must have been refused as conflicts.
    assert sum(v for (kind, ok), v in counts.items() if not ok) > 0, counts


def test_submitting_while_others_tick_freezes_exactly_what_was_counted(crowd, users):
    """A submit racing with ticks: the submitted level is the level of the steps that got in before it,
    and no step change of the round gets in after it (until the director returns the round)."""
    from assessments import services

    sessions, rnd = crowd["sessions"], crowd["round"]
    indicator = crowd["indicators"][1]
    ids = crowd["step_ids"][indicator.pk]
    page = f"/indicators/{indicator.pk}/?round={rnd.pk}"
    log = Log()
    submits = []
    barrier = threading.Barrier(len(sessions))

    for iteration in range(6):
        def work(n, session):
            rng = random.Random(iteration * 100 + n)
            try:
                status, body, _ = session.get(page)
                steps = parse_steps(body)
                barrier.wait(timeout=60)
                if n == iteration % len(sessions):
                    status, body, location = session.post(
                        f"/indicators/{indicator.pk}/rounds/{rnd.pk}/submit/", {"note": f"ส่ง {iteration}"}, htmx=True)
                    submits.append(_answer(session, status, body, location, True))
                else:
                    # Mostly the lowest step not yet done: the level moves with each tick.
                    todo = [sid for sid in ids if not steps[sid].done]
                    step_id = todo[0] if todo and rng.random() < 0.7 else rng.choice(ids)
                    act(session, log, rng, f"r{iteration}t{n}", page, steps, step_id, rnd.pk)
            except Exception as exc:  # noqa: BLE001
                log.error(repr(exc))

        run_threads(sessions, work)
        assert submits[-1][0] is True, submits[-1]
        a = RoundAssessment.objects.get(indicator=indicator, round=rnd)
        assert a.status == RoundAssessment.ReviewStatus.SUBMITTED
        now = progress_for([indicator], [rnd], TODAY)[indicator.pk].rounds[0].level
        assert a.self_level == now, f"iteration {iteration}: submitted level {a.self_level}, steps now give {now}"
        # Refused because the round was submitted: said so, in Thai.
        for o in log.outcomes:
            if o.accepted is False and CONFLICT not in o.message:
                assert "ส่งผลการประเมินตนเองแล้ว" in o.message, o.message
        services.round_return(indicator=indicator, round=rnd, by=users["director"], comment=f"รอบ {iteration}")
    assert not log.errors, log.errors[:5]
    assert all(o.status < 500 for o in log.outcomes)
