"""Load: the app under gunicorn (2 workers) on PostgreSQL, driven by 50 simulated users.

    make bench                       # runs bench/run.py, then this
    .venv/bin/python bench/load.py [--users 50] [--warmup 5] [--duration 25]

What it does, from nothing:

1. (Re)creates a dedicated PostgreSQL database, `kpi_bench` by default on
   127.0.0.1:5432 as user postgres (BENCH_DATABASE_URL to change it; the
   name must contain "bench", so the dev database `kpi_tracker` can never be
   dropped by mistake), migrates it, loads the FY 2565 plan and the demo
   accounts (`load_plan`, `create_demo_accounts`, in development mode since
   the latter refuses production mode), and runs `collectstatic` into
   var/bench/static (hashed and compressed, about two minutes on two cores;
   skipped on the next run unless a static file changed). Evidence files go
   to a temporary folder.
2. Starts `gunicorn kpi_tracker.wsgi --workers 2` (sync workers, the README's
   deployment line) on a free port of 127.0.0.1 in production mode: DEBUG=0,
   a random 64-character SECRET_KEY, ALLOWED_HOSTS=127.0.0.1. The clients send
   `X-Forwarded-Proto: https` as the TLS proxy of a real deployment does, so
   the HTTPS-only settings (SSL redirect, secure cookies, CSRF origin check)
   are all in force.
3. Starts the simulated users (threads, http.client, one new connection per
   request as gunicorn's sync workers close each one). Each logs in once with
   the demo password, through the login form and its CSRF token, then loops
   without think time over a weighted mix of requests until the time is up:

     readers (director, viewer, admin)  dashboard 45 %, indicator page 45 %, ping 10 %
     owners  (owner1, owner2, staff1)   tick/untick 50 %, own indicator page 40 %, ping 10 %

   Owners tick and untick steps of the 12-month round of their own indicators
   as the page does (htmx POST to `assessments:step-save`, X-CSRFToken,
   untick with the completion id, version and a reason read from the
   returned panel). Simulated users sharing an account get disjoint
   indicators, so no change is refused as a conflict.
4. Requests started during the warm-up are not counted; then for --duration
   seconds every request is timed twice: at the client (connect to last byte,
   so including the wait for a free worker) and in the server (gunicorn's
   access log, `%(D)s`, the worker's time on the request; each request names
   its kind in an X-Bench header). Reported per kind: count, throughput,
   errors, client p50/p95/max, server p50/p95, and the server p50/p95 as a
   multiple of `ping`'s (a bare authenticated view: session, auth, middleware,
   one database connection) measured in the same run under the same server.
   With 50 users and no think time two workers are saturated, so the client
   times are mostly queueing and alike for every kind; the server times say
   what each page costs.
5. Checks that the database agrees with what the clients saw: one history
   row per successful tick and untick, and exactly the steps the clients left
   ticked are ticked.

An error is any non-2xx/3xx answer (no 4xx is expected in this mix), any
redirect where a page was expected (a lost session goes to the login page), a
tick or untick the application refused, a connection failure or timeout.
Exit status 1 if there was any error or the database check failed.

Results are printed and written to bench/RESULTS.md (--results) with the
machine description. The database is dropped at the end (--keep to keep it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kpi_bench"
PASSWORD = "kpi-demo-2565"
READERS = ("director", "viewer", "admin")
OWNERS = ("owner1", "owner2", "staff1")
KINDS = ("ping", "dashboard", "indicator", "tick", "untick")
DASHBOARD_QUERIES = ["", "?as_of=2021-12-31", "?as_of=2022-03-31", "?as_of=2022-06-30"]
DONE_ON = "2022-03-01"  # inside FY 2565, so a tick counts for the 12-month round
# perf_counter() bounds of the measured window, set when the load starts.
WINDOW = {"measure": float("inf"), "end": float("inf")}
# Each request says what it is in a header gunicorn's access log records with the time the
# worker spent on it (%(D)s, microseconds): the server-side time, without the wait for a worker.
ACCESS_FORMAT = "%({x-bench}i)s %(s)s %(D)s"


def tag(kind: str, started: float) -> str:
    return f"{kind} {1 if WINDOW['measure'] <= started < WINDOW['end'] else 0}"


# --- the database and the server ---------------------------------------------------------------


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def recreate_database(url: str) -> None:
    import psycopg

    name = db_name(url)
    if "bench" not in name or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"refusing to (re)create database {name!r}: its name must contain 'bench' (a-z, 0-9, _)")
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    try:
        conn = psycopg.connect(admin, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as exc:
        sys.exit(f"PostgreSQL is not reachable ({admin}): {exc}".strip())
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(url: str) -> None:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    conn = psycopg.connect(admin, connect_timeout=5, autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db_name(url)}" WITH (FORCE)')
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"KPI_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(extra)
    return env


@dataclass
class Setup:
    round_pk: int
    indicator_pks: dict[int, int]  # number -> pk
    steps: dict[int, list[int]]  # indicator number -> step pks of the 12-month round
    owned: dict[str, list[int]]  # demo username -> indicator numbers it owns (none owned by an earlier account)


def prepare(url: str, var_dir: Path, evidence: Path) -> Setup:
    """Migrate and seed the bench database in this process (development mode), read what the users need."""
    os.environ.update(clean_env(DATABASE_URL=url, KPI_VAR_DIR=str(var_dir), DEBUG="1", EVIDENCE_ROOT=str(evidence)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kpi_tracker.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from indicators.models import Indicator, IndicatorOwner, Round

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_plan", verbosity=0)
    call_command("create_demo_accounts", verbosity=0, stdout=open(os.devnull, "w"))

    indicators = list(Indicator.objects.select_related("plan__fiscal_year").order_by("number"))
    fy = indicators[0].plan.fiscal_year
    rnd = Round.objects.get(fiscal_year=fy, months=12)
    steps = {}
    for indicator in indicators:
        sets = list(indicator.criteria_sets.all())
        cs = next((c for c in sets if c.round_id == rnd.pk), None) or next((c for c in sets if c.round_id is None), None)
        steps[indicator.number] = list(cs.steps.order_by("number").values_list("pk", flat=True)) if cs else []
    owned, taken = {}, set()
    for username in OWNERS:
        # An indicator two demo accounts own is ticked through the first one only.
        user = get_user_model().objects.get(username=username)
        numbers = IndicatorOwner.objects.filter(person__user=user, indicator__in=indicators).values_list(
            "indicator__number", flat=True)
        owned[username] = sorted(n for n in set(numbers) if n not in taken)
        taken.update(owned[username])
    return Setup(rnd.pk, {i.number: i.pk for i in indicators}, steps, owned)


def static_fingerprint() -> str:
    """Names, sizes and times of every file collectstatic would collect (the driver has Django set up)."""
    import hashlib
    from importlib.metadata import version

    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(f"{version('django')} {version('whitenoise')}".encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda x: x[0]):
            st = os.stat(storage.path(path))
            digest.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collectstatic(env: dict[str, str], static_root: Path) -> bool:
    """Production static files (hashed, compressed: minutes on 2 cores), redone only when a source changed."""
    stamp = static_root / ".bench-fingerprint"
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint and (static_root / "staticfiles.json").exists():
        return False
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"],
                   cwd=ROOT, env=env, check=True)
    stamp.write_text(fingerprint)
    return True


def start_server(env: dict[str, str], port: int, workers: int, log: Path, access: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kpi_tracker.wsgi", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--error-logfile", str(log),
         "--access-logfile", str(access), "--access-logformat", ACCESS_FORMAT],
        cwd=ROOT, env=env, start_new_session=True,
    )


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            status, _, _ = request(port, "GET", "/accounts/login/", {}, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- HTTP -----------------------------------------------------------------------------------


def request(port: int, method: str, path: str, cookies: dict[str, str], *, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https", "Accept-Language": "th"}
        if cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        response = conn.getresponse()
        data = response.read()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    cookies.pop(key, None)
                else:
                    cookies[key] = morsel.value
        return response.status, response.headers, data
    finally:
        conn.close()


@dataclass
class Sample:
    kind: str
    started: float
    ms: float
    ok: bool
    status: int
    detail: str = ""


@dataclass
class User:
    number: int
    username: str
    port: int
    setup: Setup
    indicators: list[int]  # numbers of the indicator pages this simulated user opens
    tickable: list[int]  # numbers of the indicators whose steps it ticks (its own share, disjoint from the others')
    rng: random.Random
    cookies: dict[str, str] = field(default_factory=dict)
    # step pk -> (completion id, version) while ticked by this user
    ticked: dict[int, tuple[int, int]] = field(default_factory=dict)
    all_posts: dict[str, int] = field(default_factory=lambda: {"tick": 0, "untick": 0})

    @property
    def is_owner(self) -> bool:
        return self.username in OWNERS

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def login(self) -> None:
        status, _, body = request(self.port, "GET", "/accounts/login/", self.cookies)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not token:
            raise RuntimeError(f"{self.username}: login page answered {status}")
        form = urlencode({"username": self.username, "password": PASSWORD,
                          "csrfmiddlewaretoken": token.group(1).decode()}).encode()
        status, headers, _ = request(self.port, "POST", "/accounts/login/", self.cookies, body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
            "Referer": f"{self.origin}/accounts/login/"})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username}: login answered {status} ({headers.get('Location')})")

    # -- one action ------------------------------------------------------------------------

    def act(self) -> Sample:
        roll = self.rng.random()
        if roll < 0.10:
            return self.get("ping", "/reports/ping/")
        if self.is_owner:
            if roll < 0.60 and self.tickable:
                return self.tick_or_untick()
        elif roll < 0.55:
            return self.get("dashboard", "/reports/dashboard/" + self.rng.choice(DASHBOARD_QUERIES))
        number = self.rng.choice(self.indicators)
        return self.get("indicator", f"/indicators/{self.setup.indicator_pks[number]}/")

    def get(self, kind: str, path: str) -> Sample:
        start = time.perf_counter()
        try:
            status, headers, _ = request(self.port, "GET", path, self.cookies, headers={"X-Bench": tag(kind, start)})
        except OSError as exc:
            return Sample(kind, start, (time.perf_counter() - start) * 1000, False, 0, repr(exc))
        ms = (time.perf_counter() - start) * 1000
        ok = status == 200
        return Sample(kind, start, ms, ok, status, "" if ok else f"{path} -> {status} {headers.get('Location', '')}")

    def tick_or_untick(self) -> Sample:
        number = self.rng.choice(self.tickable)
        step = self.rng.choice(self.setup.steps[number])
        indicator_path = f"/indicators/{self.setup.indicator_pks[number]}/"
        if step in self.ticked:
            kind = "untick"
            completion, version = self.ticked[step]
            fields = {"round": self.setup.round_pk, "completion_id": completion, "version": version,
                      "reason": "ทดสอบภาระงาน: ยกเลิก"}
        else:
            kind = "tick"
            fields = {"done": "on", "done_on": DONE_ON, "note": f"ทดสอบภาระงาน ผู้ใช้ {self.number}",
                      "round": self.setup.round_pk}
        body = urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                   "HX-Current-URL": self.origin + indicator_path, "X-CSRFToken": self.cookies.get("csrftoken", ""),
                   "Origin": self.origin, "Referer": self.origin + indicator_path}
        start = time.perf_counter()
        headers["X-Bench"] = tag(kind, start)
        try:
            status, _, data = request(self.port, "POST", f"/steps/{step}/save/", self.cookies, body=body, headers=headers)
        except OSError as exc:
            return Sample(kind, start, (time.perf_counter() - start) * 1000, False, 0, repr(exc))
        ms = (time.perf_counter() - start) * 1000
        if status != 200:
            return Sample(kind, start, ms, False, status, f"POST step {step} -> {status}")
        html = data.decode("utf-8", "replace")
        refused = re.search(r'class="alert alert-danger" role="alert">([^<]*)<', html)
        if refused:
            return Sample(kind, start, ms, False, status, f"{kind} step {step} refused: {refused.group(1).strip()}")
        row = re.search(rf'id="step-{step}".*?</li>', html, re.S)
        completion = row and _hidden_values(row.group(0), "completion_id", "version")
        if kind == "tick":
            if not completion:
                return Sample(kind, start, ms, False, status, f"tick step {step}: no completion in the panel")
            self.ticked[step] = completion
        else:
            if completion:
                return Sample(kind, start, ms, False, status, f"untick step {step}: still ticked in the panel")
            del self.ticked[step]
        self.all_posts[kind] += 1
        return Sample(kind, start, ms, True, status)


def plan_users(setup: Setup, count: int, port: int, seed: int) -> list[User]:
    """Roles in turn (director, owner1, viewer, owner2, admin, staff1, ...); owners of one account split its indicators."""
    order = [r for pair in zip(READERS, OWNERS) for r in pair]
    names = [order[i % len(order)] for i in range(count)]
    users = []
    for i, name in enumerate(names):
        rng = random.Random(seed * 1000 + i)
        if name in OWNERS:
            same = [j for j, n in enumerate(names) if n == name]
            # More simulated users than indicators: the extra ones tick nothing, they open their pages.
            # Indicators without criteria (staff1's 24-30 in the FY 2565 plan) have no steps to tick.
            with_steps = [n for n in setup.owned[name] if setup.steps[n]]
            tickable = [n for k, n in enumerate(with_steps) if k % len(same) == same.index(i)]
            indicators = tickable or setup.owned[name]
        else:
            tickable, indicators = [], sorted(setup.indicator_pks)
        users.append(User(i, name, port, setup, indicators, tickable, rng))
    return users


def run_load(users: list[User], warmup: float, duration: float) -> tuple[list[Sample], float, float]:
    samples: list[Sample] = []
    barrier = threading.Barrier(len(users) + 1)
    timing = WINDOW

    def loop(user: User):
        barrier.wait()
        while True:
            now = time.perf_counter()
            if now >= timing["end"]:
                return
            sample = user.act()
            if sample.started >= timing["measure"] and sample.started < timing["end"]:
                samples.append(sample)
            if sample.status == 0:  # no answer at all: do not spin
                time.sleep(0.1)

    threads = [threading.Thread(target=loop, args=(u,), daemon=True) for u in users]
    for t in threads:
        t.start()
    start = time.perf_counter()
    timing["measure"] = start + warmup
    timing["end"] = start + warmup + duration
    barrier.wait()
    for t in threads:
        t.join(timeout=warmup + duration + 120)
    return samples, timing["measure"], timing["end"]


# --- checking and reporting ------------------------------------------------------------------


def verify_database(users: list[User]) -> list[str]:
    from assessments.models import HistoryEntry, StepCompletion

    problems = []
    ticks = sum(u.all_posts["tick"] for u in users)
    unticks = sum(u.all_posts["untick"] for u in users)
    done = HistoryEntry.objects.filter(action=HistoryEntry.Action.STEP_DONE).count()
    undone = HistoryEntry.objects.filter(action=HistoryEntry.Action.STEP_UNDONE).count()
    if (done, undone) != (ticks, unticks):
        problems.append(f"history has {done} ticks and {undone} unticks; the clients saw {ticks} and {unticks}")
    expected = {step: c for u in users for step, c in u.ticked.items()}
    active = dict(StepCompletion.objects.active().values_list("step_id", "pk"))
    if active != {step: c[0] for step, c in expected.items()}:
        problems.append(f"{len(active)} steps ticked in the database, {len(expected)} expected by the clients")
    if StepCompletion.objects.count() != ticks:
        problems.append(f"{StepCompletion.objects.count()} completions stored for {ticks} ticks")
    return problems


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def server_times(access_log: str) -> dict[str, list[float]]:
    """Milliseconds each measured request spent in a worker, per kind, from gunicorn's access log."""
    times: dict[str, list[float]] = {}
    for line in access_log.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] == "1" and parts[3].isdigit():
            times.setdefault(parts[0], []).append(int(parts[3]) / 1000)
    return times


def summarise(samples: list[Sample], server: dict[str, list[float]], duration: float) -> list[dict]:
    rows = []
    for kind in KINDS + ("all",):
        mine = [s for s in samples if kind == "all" or s.kind == kind]
        ok_ms = [s.ms for s in mine if s.ok]
        in_worker = [t for k, ts in server.items() if kind in ("all", k) for t in ts]
        rows.append({
            "kind": kind, "count": len(mine), "rps": len(mine) / duration,
            "errors": sum(1 for s in mine if not s.ok),
            "p50": percentile(ok_ms, 50), "p95": percentile(ok_ms, 95), "max": max(ok_ms, default=float("nan")),
            "s50": percentile(in_worker, 50), "s95": percentile(in_worker, 95),
        })
    ping = rows[0]
    for row in rows:
        row["x50"] = row["s50"] / ping["s50"]
        row["x95"] = row["s95"] / ping["s95"]
    return rows


LABELS = {
    "ping": "ping (`reports:ping`, bare view)",
    "dashboard": "dashboard (`reports:dashboard`)",
    "indicator": "indicator page (`assessments:indicator`)",
    "tick": "tick (POST `assessments:step-save`)",
    "untick": "untick (POST `assessments:step-save`)",
    "all": "all requests",
}


def table(rows: list[dict]) -> str:
    lines = [
        "| request | count | req/s | errors | client p50 ms | client p95 ms | client max ms "
        "| server p50 ms | server p95 ms | server p50 × ping | server p95 × ping |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {LABELS[r['kind']]} | {r['count']} | {r['rps']:.1f} | {r['errors']} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['max']:.0f} | {r['s50']:.1f} | {r['s95']:.1f} | {r['x50']:.1f} | {r['x95']:.1f} |"
        )
    return "\n".join(lines)


def console_table(rows: list[dict]) -> str:
    out = [f"{'':<10} {'':>6} {'':>6} {'':>6} {'client (incl. wait)':^26} {'server (in worker)':^35}",
           f"{'request':<10} {'count':>6} {'req/s':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
           f"{'p50 ms':>8} {'p95 ms':>8} {'p50×ping':>9} {'p95×ping':>9}"]
    for r in rows:
        out.append(f"{r['kind']:<10} {r['count']:>6} {r['rps']:>6.1f} {r['errors']:>6} {r['p50']:>8.0f} "
                   f"{r['p95']:>8.0f} {r['max']:>8.0f} {r['s50']:>8.1f} {r['s95']:>8.1f} {r['x50']:>9.1f} "
                   f"{r['x95']:>9.1f}")
    return "\n".join(out)


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    mhz = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("cpu MHz")), "")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    from importlib.metadata import version

    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return {
        "CPU (/proc/cpuinfo model name)": model + (f", {float(mhz):.0f} MHz" if mhz else ""),
        "cores": str(os.cpu_count()),
        "RAM": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": pg,
        "Django": django.get_version(),
        "gunicorn": version("gunicorn"),
    }


def _load_setup(args, users: list[User], duration: float) -> list[str]:
    """The results' paragraphs on how the load ran: the server, the users and their mix."""
    counts: dict[str, int] = {}
    for u in users:
        counts[u.username] = counts.get(u.username, 0) + 1
    mix = ", ".join(f"{n}× {name}" for name, n in counts.items())
    ticking = sum(1 for u in users if u.tickable)
    return [
        f"## Load: gunicorn, {args.workers} workers, PostgreSQL, {len(users)} simulated users",
        "",
        f"Production mode: DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, static files collected "
        f"(WhiteNoise manifest), `X-Forwarded-Proto: https` on every request as from the TLS proxy, so HTTPS "
        f"redirect, secure cookies and the CSRF origin check are in force. `gunicorn kpi_tracker.wsgi "
        f"--workers {args.workers}` (sync workers, as in the README), CONN_MAX_AGE={args.conn_max_age}. Database "
        f"`{db_name(args.database)}` (recreated): the FY 2565 plan (30 indicators) and the demo accounts.",
        "",
        f"{len(users)} users ({mix}), each logged in once through the login form; no think time, each sends "
        f"its next request when the last one is answered. Readers (director, viewer, admin): dashboard 45 %, "
        f"indicator page 45 %, ping 10 %. Owners (owner1, owner2, staff1): tick/untick 50 % (htmx POST with "
        f"X-CSRFToken; {ticking} of them have steps to tick, on disjoint indicators; staff1's indicators "
        f"24-30 have no criteria, so staff1 users open pages instead), own indicator page 40 %, ping 10 %. "
        f"{args.warmup:g} s warm-up, then {duration:.1f} s measured.",
        "",
    ]


def write_results(path: Path, *, rows, args, info, problems, errors_seen, inprocess: str | None,
                  users: list[User], started: dt.datetime, duration: float, phases: dict[str, float],
                  extra: list[str] = ()) -> None:
    lines = [
        "# Bench results",
        "",
        f"Written by `bench/load.py` at {started:%Y-%m-%d %H:%M} UTC. Command: `{args.command}` "
        "(see bench/README.md).",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "The load generator (Python threads) runs on the same machine as gunicorn and PostgreSQL and takes",
        "CPU from them. A load average above the number of cores before the run means other work was",
        "running too (on this machine: other engineers' test suites), so the figures are lower than the",
        "machine alone would give.",
        "",
        *extra,
        *_load_setup(args, users, duration),
        "*client* = at the simulated user, connect to last byte, including the wait for a free worker; "
        "*server* = time in the gunicorn worker (access log `%(D)s`), the cost of the request itself. "
        "× ping = ratio to the bare view's server time in the same run.",
        "",
        table(rows),
        "",
        "Errors: " + (", ".join(f"{k}: {v}" for k, v in errors_seen.items()) if errors_seen else "none") + ".",
        "Database check after the run (one history row per tick and untick the clients saw succeed, and "
        "exactly the steps they left ticked are ticked): " + ("; ".join(problems) if problems else "consistent")
        + ".",
        "",
        "Set-up time: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()) + ".",
    ]
    if inprocess:
        lines += [
            "",
            "## In-process: `bench/run.py` (same `make bench`; Django test Client, no HTTP server, SQLite "
            "unless DATABASE_URL is set)",
            "",
            "```",
            inprocess.rstrip(),
            "```",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- issue 19: throughput next to the bare view (wrk), and the workers' memory ------------------

WRK_PAGES = [  # (name, path template): the bare view first, every page in the same run
    ("ping", "/reports/ping/"),
    ("dashboard-30", "/reports/dashboard/"),
    ("indicator", "/indicators/{indicator}/"),
]


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group())
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[re.search(r"(us|ms|s)$", text).group(1)]


def _hidden_values(html: str, *names: str) -> tuple[int, ...] | None:
    """The integer values of the named hidden inputs in `html` (any attribute order), or None if one is missing."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="(\d+)"', tag)
        if name and value:
            found[name.group(1)] = int(value.group(1))
    return tuple(found[n] for n in names) if all(n in found for n in names) else None


def _wrk(name: str, port: int, path: str, user: "User", *, seconds: int, connections: int,
         script: Path | None = None, script_args: list[str] = ()) -> tuple[dict, str]:
    """One wrk run with the user's session cookie: its row of the table, and wrk's output.

    wrk keeps its connections open, but gunicorn's sync workers close each one after its
    answer, so every request makes a new connection, as a browser behind a proxy would.
    """
    if shutil.which("wrk") is None:
        raise SystemExit("load: wrk is missing: apt-get install -y wrk")
    cookie = "; ".join(f"{k}={v}" for k, v in user.cookies.items())
    text = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Cookie: {cookie}", "-H", "X-Forwarded-Proto: https", "-H", "Accept-Language: th",
         *(["-s", str(script)] if script else []), f"http://127.0.0.1:{port}{path}", *script_args],
        capture_output=True, text=True, check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    row = {"name": name, "path": path, "rps": rate, "p50": _ms(lat["50"]), "p99": _ms(lat["99"]),
           "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else ""}
    print(f"load: wrk {name:<13} {rate:8.1f} req/s  p50 {_ms(lat['50']):7.1f} ms  p99 {_ms(lat['99']):7.1f} ms",
          flush=True)
    return row, text


def _rounds(runs: list[list[dict]]) -> list[dict]:
    """Rounds of wrk runs, the bare view first in each, folded into one row per page: the median of its
    req/s, p50 and p99 over the rounds, and `share`, the median of its ratio to the bare view measured in
    the same round (this shared machine's speed drifts between rounds; a round compares like with like)."""
    rows = []
    for k, first in enumerate(runs[0]):
        mine = [run[k] for run in runs]
        rows.append({**first, "rps": statistics.median(r["rps"] for r in mine),
                     "p50": statistics.median(r["p50"] for r in mine), "p99": statistics.median(r["p99"] for r in mine),
                     "non2xx": sum(r["non2xx"] for r in mine),
                     "share": statistics.median(r["rps"] / run[0]["rps"] for r, run in zip(mine, runs)),
                     "rounds": len(runs)})
    return rows


def wrk_phase(port: int, user: "User", indicator_pk: int, *, seconds: int, connections: int,
              rounds: int) -> list[dict]:
    """`wrk` with `connections` connections and the user's session cookie on each page in turn, `rounds`
    times (_rounds)."""
    return _rounds([[_wrk(name, port, template.format(indicator=indicator_pk), user, seconds=seconds,
                          connections=connections)[0] for name, template in WRK_PAGES] for _ in range(rounds)])


def wrk_tick_phase(port: int, owner: "User", setup: Setup, *, seconds: int, connections: int,
                   rounds: int) -> tuple[dict, list[str]]:
    """Ticks and unticks by one owner under wrk (bench/tick.lua), on the steps of the 12-month round of the
    indicators it owns, from the state the mixed load left them in. Run after the mixed load's database
    check; afterwards the history must hold exactly the ticks and unticks wrk saw answered."""
    from assessments.models import HistoryEntry, StepCompletion

    numbers = setup.owned[owner.username]
    before = {a: HistoryEntry.objects.filter(action=a).count()
              for a in (HistoryEntry.Action.STEP_DONE, HistoryEntry.Action.STEP_UNDONE)}
    runs, totals, problems = [], [0, 0, 0, 0, 0], []
    for _ in range(rounds):  # the bare view, then the ticks, each round (_rounds)
        ping = _wrk("ping", port, "/reports/ping/", owner, seconds=seconds, connections=connections)[0]
        row, text = _wrk("tick", port, "/steps/", owner, seconds=seconds, connections=connections,
                         script=ROOT / "bench" / "tick.lua",
                         script_args=[str(setup.round_pk), owner.origin, owner.cookies["csrftoken"], "2",
                                      *_steps_now(setup, numbers)])
        runs.append([ping, row])
        seen = re.search(r"ticks: (\d+) unticks: (\d+) refused: (\d+) unreadable: (\d+) idle: (\d+)", text)
        if not seen:
            problems.append("wrk tick: the script printed no totals")
            continue
        totals = [a + int(b) for a, b in zip(totals, seen.groups())]
    row = _rounds(runs)[1]
    if not problems:
        ticks, unticks, refused, unreadable, idle = totals
        if idle > (ticks + unticks) / 100:
            problems.append(f"wrk tick: {idle} requests found every step being written (more steps needed)")
        after = {a: HistoryEntry.objects.filter(action=a).count() - n for a, n in before.items()}
        # wrk stops with up to one request per connection sent and not read: saved, never counted by it.
        unseen = after[HistoryEntry.Action.STEP_DONE] - ticks + after[HistoryEntry.Action.STEP_UNDONE] - unticks
        if not (after[HistoryEntry.Action.STEP_DONE] >= ticks and after[HistoryEntry.Action.STEP_UNDONE] >= unticks
                and unseen <= connections * rounds):
            problems.append(f"wrk tick: history gained {after[HistoryEntry.Action.STEP_DONE]} ticks and "
                            f"{after[HistoryEntry.Action.STEP_UNDONE]} unticks; wrk saw {ticks} and {unticks} answered")
        if refused or unreadable:
            problems.append(f"wrk tick: {refused} writes refused, {unreadable} answers without the step's row")
    return row, problems


def _steps_now(setup: Setup, numbers: list[int]) -> list[str]:
    """bench/tick.lua's steps as the database holds them now: "step:indicator[:completion:version]"."""
    from assessments.models import StepCompletion

    active = {c.step_id: c for c in StepCompletion.objects.active().filter(
        step_id__in=[pk for n in numbers for pk in setup.steps[n]])}
    return [f"{pk}:{setup.indicator_pks[n]}" + (f":{active[pk].pk}:{active[pk].version}" if pk in active else "")
            for n in numbers for pk in setup.steps[n]]


def worker_memory(server: subprocess.Popen) -> list[tuple[int, float]]:
    """(pid, resident MB) of each gunicorn worker (the children of the master)."""
    text = subprocess.run(["ps", "-o", "pid=,rss=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
    return [(int(pid), int(rss) / 1024) for pid, rss in (line.split() for line in text.splitlines() if line.strip())]


def wrk_table(results: list[dict], memory: list[tuple[int, float]], *, seconds: int, connections: int,
              tick_ratio: str, rounds: int) -> list[str]:
    base = results[0]["rps"]
    targets = {"dashboard-30": ("≥ 15 %, p99 < 300 ms", 0.15), "indicator": ("≥ 25 %", 0.25),
               "tick": ("≥ 20 %", 0.20)}
    lines = [
        f"## Throughput next to the bare view: `wrk -t2 -c{connections} -d{seconds}s`, {rounds} rounds (issue 19)", "",
        "Same gunicorn as below (2 sync workers, production mode, PostgreSQL, CONN_MAX_AGE as shown below, "
        "REDIS_URL set: the cache is Redis, shared by both workers), a director's session cookie, "
        "one page at a time, in rounds that each measure the bare view `reports:ping` first; every figure is "
        f"the median over the {rounds} rounds, and *% of ping* the median of each round's ratio to that "
        "round's bare view (this machine is shared: its speed drifts between rounds, not within one). "
        "Measured before the mixed load below, except the tick: after it and its database check, an owner's "
        "session ticks and unticks the 12-month round's steps of the indicators it owns (`bench/tick.lua`: "
        "htmx POSTs to `assessments:step-save` as the page's form sends them, each from the state the last "
        "answer showed, never two at once on one step), its rounds with their own bare view (the ping row "
        "is the first phase's); afterwards the history must hold the ticks and unticks wrk saw answered "
        "(and at most one more per connection: sent when wrk stopped, saved, never read).", "",
        "| page | req/s | % of ping | p50 ms | p99 ms | non-2xx | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        share = r.get("share", r["rps"] / base if base else 0)
        target, need = targets.get(r["name"], ("(baseline)", None))
        met = "" if need is None else ("yes" if share >= need and (r["name"] != "dashboard-30" or r["p99"] < 300) else "**no**")
        lines.append(f"| {r['name']} (`{r['path']}`) | {r['rps']:.1f} | {share * 100:.0f} % | {r['p50']:.1f} | "
                     f"{r['p99']:.1f} | {r['non2xx']} | {target} | {met} |")
    lines += ["", f"In the mixed load below, the same POST: {tick_ratio}.", "",
              "Resident memory of each gunicorn worker after the load (ps, RSS; target < 250 MB): "
              + ", ".join(f"pid {pid}: {mb:.0f} MB" for pid, mb in memory) + ".", ""]
    return lines


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load not counted (default 5)")
    parser.add_argument("--duration", type=float, default=25.0, help="seconds of measured load (default 25)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--conn-max-age", type=int, default=int(os.environ.get("CONN_MAX_AGE", "60")),
                        help="CONN_MAX_AGE of the server (default: the environment's, else 60 as in production)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
                        help="REDIS_URL of the server (flushed first; default redis://127.0.0.1:6379/13)")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="seconds of each wrk run (default 5)")
    parser.add_argument("--wrk-rounds", type=int, default=3,
                        help="rounds of wrk runs, the bare view first in each; medians reported (default 3)")
    parser.add_argument("--wrk-connections", type=int, default=20)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB),
                        help=f"PostgreSQL URL; its database is dropped and recreated (default {DEFAULT_DB})")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--inprocess", type=Path, help="bench/run.py output to include in the results")
    parser.add_argument("--seed", type=int, default=2565)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    args.command = "make bench" if os.environ.get("MAKELEVEL") else " ".join(
        [".venv/bin/python", "bench/load.py", *sys.argv[1:]])
    return args


class Phases(dict):
    """Seconds each set-up phase took, in order: phases.done(name) closes the phase running since the last."""

    def __init__(self):
        super().__init__()
        self._clock = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self[name] = now - self._clock
        self._clock = now


def log_in(users: list[User]) -> None:
    """Every simulated user through the login form, at once."""
    failures: list[Exception] = []

    def login(u: User):
        try:
            u.login()
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=login, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"{len(failures)} logins failed, first: {failures[0]}")


@dataclass
class Measured:
    """What the run measured while the server was up."""

    wrk: list[dict]
    wrk_load: tuple[float, float]  # 1-minute load average before / after wrk
    samples: list[Sample]
    duration: float
    memory: list[tuple[int, float]]
    problems: list[str]
    info: dict[str, str]


def measure(args, port: int, server: subprocess.Popen, users: list[User], setup: Setup, phases: Phases) -> Measured:
    """wrk next to the bare view, then the mixed load, then the database check."""
    reader = next(u for u in users if u.username == "director")
    wrk_load_before = os.getloadavg()
    wrk_results = wrk_phase(port, reader, setup.indicator_pks[1], seconds=args.wrk_seconds,
                            connections=args.wrk_connections, rounds=args.wrk_rounds)
    wrk_load_after = os.getloadavg()
    phases.done("wrk")
    load_before = os.getloadavg()
    print(f"load: {args.warmup:g} s warm-up, then {args.duration:g} s measured …", flush=True)
    samples, measure_start, measure_end = run_load(users, args.warmup, args.duration)
    load_after = os.getloadavg()
    problems = verify_database(users)
    owner = next(u for u in users if u.username == OWNERS[0])
    tick_row, tick_problems = wrk_tick_phase(port, owner, setup, seconds=args.wrk_seconds,
                                             connections=args.wrk_connections, rounds=args.wrk_rounds)
    wrk_results.append(tick_row)
    problems += tick_problems
    memory = worker_memory(server)
    info = machine()
    info["load average (1 min) before / after the load"] = f"{load_before[0]:.2f} / {load_after[0]:.2f}"
    return Measured(wrk_results, (wrk_load_before[0], wrk_load_after[0]), samples, measure_end - measure_start,
                    memory, problems, info)


def main() -> int:
    args = _arguments()
    started = dt.datetime.now(dt.timezone.utc)
    phases = Phases()
    # var/bench keeps the collected static files between runs; the rest is thrown away.
    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    evidence = tmp / "evidence"
    server = None
    log, access = tmp / "gunicorn.log", tmp / "access.log"
    try:
        print(f"load: (re)creating database {db_name(args.database)}, migrate, load_plan, create_demo_accounts …",
              flush=True)
        recreate_database(args.database)
        setup = prepare(args.database, var_dir, evidence)
        phases.done("database")
        env = clean_env(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(48), ALLOWED_HOSTS="127.0.0.1", SITE_URL="http://127.0.0.1",
                        DATABASE_URL=args.database, KPI_VAR_DIR=str(var_dir), EVIDENCE_ROOT=str(evidence),
                        CONN_MAX_AGE=str(args.conn_max_age), REDIS_URL=args.redis)
        import redis as redis_client

        redis_client.Redis.from_url(args.redis).flushdb()
        print("load: collectstatic (production mode; skipped when var/bench/static is up to date) …", flush=True)
        phases.done("collectstatic" if collectstatic(env, var_dir / "static") else "static files up to date")
        port = free_port()
        server = start_server(env, port, args.workers, log, access)
        wait_ready(port, server)
        users = plan_users(setup, args.users, port, args.seed)
        print(f"load: gunicorn ({args.workers} workers) on 127.0.0.1:{port}; {len(users)} users logging in …",
              flush=True)
        log_in(users)
        phases.done("gunicorn start and logins")
        measured = measure(args, port, server, users, setup, phases)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        log_text = log.read_text(errors="replace") if log.exists() else ""
        access_text = access.read_text(errors="replace") if access.exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        if not args.keep:
            try:
                drop_database(args.database)
            except Exception as exc:  # noqa: BLE001 - reported, not fatal
                print(f"load: could not drop {db_name(args.database)}: {exc}", file=sys.stderr)
    return report(args, measured, users=users, started=started, phases=phases, access_text=access_text,
                  log_text=log_text)


def _tick_ratio(rows: list[dict]) -> str:
    by_kind = {r["kind"]: r for r in rows}
    if not by_kind.get("tick", {}).get("count"):
        return "not measured"
    ping_s, tick_s = by_kind["ping"]["s50"], by_kind["tick"]["s50"]
    return (f"server p50 {tick_s:.1f} ms against ping's {ping_s:.1f} ms in the same load "
            f"({ping_s / tick_s * 100:.0f} % of the bare view's rate in the worker alone)")


def report(args, m: Measured, *, users: list[User], started: dt.datetime, phases: Phases, access_text: str,
           log_text: str) -> int:
    """The results written to --results and printed; 1 when anything failed."""
    rows = summarise(m.samples, server_times(access_text), m.duration)
    errors_seen: dict[str, int] = {}
    for s in m.samples:
        if not s.ok:
            key = f"{s.kind} {s.status or 'no answer'}"
            errors_seen[key] = errors_seen.get(key, 0) + 1
    inprocess = args.inprocess.read_text(encoding="utf-8") if args.inprocess and args.inprocess.exists() else None
    extra = wrk_table(m.wrk, m.memory, seconds=args.wrk_seconds, connections=args.wrk_connections,
                      tick_ratio=_tick_ratio(rows), rounds=args.wrk_rounds)
    extra.insert(2, f"Load average (1 min) before / after wrk: {m.wrk_load[0]:.2f} / {m.wrk_load[1]:.2f}.")
    extra.insert(3, "")
    write_results(args.results, rows=rows, args=args, info=m.info, problems=m.problems, errors_seen=errors_seen,
                  inprocess=inprocess, users=users, started=started, duration=m.duration, phases=phases, extra=extra)
    info = m.info
    print(f"\nload: gunicorn --workers {args.workers} on PostgreSQL {info['PostgreSQL']}, {len(users)} users, "
          f"{m.duration:.1f} s measured after {args.warmup:g} s warm-up; {info['cores']} cores "
          f"({info['CPU (/proc/cpuinfo model name)']}), load average {info['load average (1 min) before / after the load']}")
    print(console_table(rows))
    for s in [s for s in m.samples if not s.ok][:10]:
        print(f"  error: {s.kind} {s.status} {s.detail}")
    server_errors = [line for line in log_text.splitlines() if "Traceback" in line or "[ERROR]" in line]
    if server_errors:
        print(f"  gunicorn log: {len(server_errors)} error lines, first: {server_errors[0]}")
    print("database check: " + ("; ".join(m.problems) if m.problems else "consistent"))
    shown = args.results.relative_to(ROOT) if args.results.is_relative_to(ROOT) else args.results
    print(f"results written to {shown}")
    return 1 if m.problems or errors_seen or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
