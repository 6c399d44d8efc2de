"""Many servers (issue 19): two gunicorn instances, one database, one Redis.

Nothing may assume one process: sessions live in the database, the row cache and its plan
versions in Redis, evidence in the storage both instances are configured with. Two
gunicorn instances (ports 8190 and 8191) serve one database (PostgreSQL when DATABASE_URL
points at it, else one SQLite file in WAL mode) and one Redis database; the test logs in
through A, reads the director's dashboard through B (so B's cache is warm), ticks a step
through A and sees it on B's dashboard at once, then uploads evidence through A and
downloads the same bytes through B. It needs Redis at 127.0.0.1:6379 and fails, never
skips, without it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTS = (8190, 8191)
REDIS = "redis://127.0.0.1:6379/12"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shared_database(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = f"kpi_two_servers_{uuid.uuid4().hex[:8]}"
        admin = urlsplit(url)._replace(path="/postgres").geturl()
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)
    else:
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"  # settings put SQLite in WAL mode


def test_a_tick_and_a_file_through_one_server_show_on_the_other(shared_database, tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS).flushdb()
    except redis.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379: start redis-server (.ci/run does)")
    load = _bench()
    env = {k: v for k, v in os.environ.items() if k not in {"KPI_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(DATABASE_URL=shared_database, REDIS_URL=REDIS, DEBUG="1", KPI_VAR_DIR=str(tmp_path / "var"),
               EVIDENCE_ROOT=str(tmp_path / "evidence"), ALLOWED_HOSTS="127.0.0.1")
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v", "0"], ["load_plan"], ["create_demo_accounts"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True)
    found = subprocess.run(manage + ["shell", "-c", (
        "import json; from indicators.models import MilestoneStep; "
        "s = MilestoneStep.objects.filter(criteria_set__indicator__owners__person__user__username='owner1', "
        "criteria_set__round__isnull=True).order_by('criteria_set__indicator__number', 'number').first() or "
        "MilestoneStep.objects.filter(criteria_set__indicator__owners__person__user__username='owner1')"
        ".order_by('criteria_set__indicator__number', 'number').first(); "
        "i = s.criteria_set.indicator; print(json.dumps([s.pk, i.pk, i.number]))")],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    step, indicator_pk, number = json.loads(found.strip().splitlines()[-1])

    servers = []
    try:
        for port in PORTS:
            log = open(tmp_path / f"gunicorn-{port}.log", "w")
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "kpi_tracker.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log))
        for port, proc in zip(PORTS, servers):
            load.wait_ready(port, proc)
        a, b = PORTS

        def login(username: str, port: int) -> dict:
            cookies: dict[str, str] = {}
            _, _, body = load.request(port, "GET", "/accounts/login/", cookies)
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
            form = urlencode({"username": username, "password": load.PASSWORD, "csrfmiddlewaretoken": token}).encode()
            status, _, _ = load.request(port, "POST", "/accounts/login/", cookies, body=form, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://127.0.0.1:{port}",
                "Referer": f"https://127.0.0.1:{port}/accounts/login/"})
            assert status == 302 and "sessionid" in cookies, f"{username} could not log in through :{port}"
            return cookies

        def self_level(port: int, cookies: dict) -> str:
            status, _, body = load.request(port, "GET", "/reports/dashboard/", cookies)
            assert status == 200
            row = re.search(rf'data-indicator="{number}".*?data-cell="self">([^<]*)<', body.decode(), re.S)
            return row.group(1)

        director = login("director", a)  # the session made through A works on B: sessions are shared
        owner = login("owner1", a)
        before = self_level(b, director)
        assert self_level(b, director) == before  # B's cache is warm

        def post_step(port: int, fields: dict, files: list[tuple[str, bytes]] = ()) -> str:
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items()]
            for name, content in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                             f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            origin = f"https://127.0.0.1:{port}"
            status, _, data = load.request(port, "POST", f"/steps/{step}/save/", owner, body=body, headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": owner.get("csrftoken", ""),
                "Origin": origin, "Referer": f"{origin}/indicators/{indicator_pk}/"})
            assert status in (200, 302), f"step save through :{port} answered {status}"
            return data.decode()

        # Load the indicator page once through A for the CSRF cookie.
        load.request(a, "GET", f"/indicators/{indicator_pk}/", owner)
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + uuid.uuid4().hex.encode()
        post_step(a, {"done": "on", "done_on": load.DONE_ON, "note": "ผ่านเครื่อง A"}, [("หลักฐาน.pdf", pdf)])
        after = self_level(b, director)
        assert after != before and int(after) == int(before) + 1, f"B still shows level {after} after a tick through A"

        _, _, page = load.request(a, "GET", f"/indicators/{indicator_pk}/", owner)
        evidence = re.search(rb'href="(/evidence/\d+/)"', page)
        assert evidence, "the uploaded evidence is listed on the indicator page"
        status, _, downloaded = load.request(b, "GET", evidence.group(1).decode(), director)
        assert status == 200 and downloaded == pdf, "the file uploaded through A downloads through B"
    finally:
        for proc in servers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
