"""`make run`'s SQLite under concurrent writes: no "database is locked" 500s.

A real development server (manage.py runserver, threaded, like `make run`) on
a fresh SQLite file; several owners, each in their own thread and session,
tick different steps at the same moment over HTTP. Every tick must be
accepted (no 5xx) and be in the database exactly once afterwards.

The test database of the rest of the suite is SQLite in memory, shared with
pytest-django's live server, so it cannot show this: the server here runs in
its own process on its own file, as a developer's does.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "kpi-demo-2565"  # create_demo_accounts
TABS = 3
OWNERS = ["owner1", "owner2"]  # the demo owners whose indicators have criteria


def _env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "KPI_REQUIRE_POSTGRES")}
    env.update(KPI_VAR_DIR=str(var_dir), DEBUG="1", EVIDENCE_ROOT=str(var_dir / "evidence"))
    return env


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def _free_port() -> int:
    for port in range(8130, 8140):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8130-8139")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, method: str, path: str, fields: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
        if method == "POST":
            headers["X-CSRFToken"] = next(c.value for c in self.jar if c.name == "csrftoken")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, body = self.request("POST", "/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 302, body[:300]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("sqlite-var")
    env = _env(var_dir)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_plan")
    _manage(env, "create_demo_accounts")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield base, var_dir / "kpi_tracker.sqlite3"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _my_steps(browser: Browser) -> list[int]:
    """The unticked steps on the owner's own indicators, as the pages show them."""
    status, body = browser.request("GET", "/my/")
    assert status == 200
    steps = []
    for pk in sorted(set(int(m) for m in re.findall(r'href="/indicators/(\d+)/(?:\?[^"]*)?"', body))):
        status, page = browser.request("GET", f"/indicators/{pk}/")
        assert status == 200
        steps += [int(s) for s in re.findall(r'id="step-(\d+)"', page)]
    return steps


def test_concurrent_ticks_by_different_owners_all_succeed(server):
    base, db_file = server
    browsers = {name: Browser(base) for name in OWNERS}
    for name, browser in browsers.items():
        browser.login(name)
    # Each owner ticks steps of their own indicators (the round's first steps, so
    # every tick is accepted whatever the order).
    plan = {name: _my_steps(b)[:15] for name, b in browsers.items()}
    assert all(len(steps) >= 6 for steps in plan.values())
    results: list[tuple[str, int, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(len(OWNERS) * TABS)

    def tick(name: str, steps: list[int]) -> None:
        start.wait()
        for step in steps:
            status, body = browsers[name].request(
                "POST", f"/steps/{step}/save/", {"done": "on", "done_on": "2022-01-10", "note": f"{name} {step}"})
            with lock:
                results.append((name, step, status))

    # Several threads per owner (browser tabs), each with its share of the owner's steps.
    threads = [threading.Thread(target=tick, args=(name, steps[tab::TABS]))
               for name, steps in plan.items() for tab in range(TABS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    failed = [r for r in results if r[2] != 302]
    assert not failed, f"{len(failed)} of {len(results)} ticks failed: {failed[:5]}"
    assert len(results) == sum(len(s) for s in plan.values())
    with sqlite3.connect(db_file) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute(
            "SELECT step_id, COUNT(*) FROM assessments_stepcompletion WHERE revoked_at IS NULL GROUP BY step_id"
        ).fetchall()
    ticked = {step for steps in plan.values() for step in steps}
    assert dict(rows) == {step: 1 for step in ticked}
