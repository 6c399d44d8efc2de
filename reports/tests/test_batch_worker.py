"""The quarter-end batch through a real Celery worker on Redis (issue 19: heavy work off the request).

A `celery -A kpi_tracker worker` process and a `manage.py shell` process share one database
(PostgreSQL when DATABASE_URL points at it, else an SQLite file), one evidence folder and one
Redis database as the broker. The shell starts a batch the way the page does (batch_start with
reports.tasks.batch_enqueue, a broker configured, so nothing runs eagerly) and waits; the worker
takes the job and makes the ZIP. A small plan (two units of two indicators) keeps it near 20 s.
It needs Redis at 127.0.0.1:6379 and fails, never skips, without it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reports.tests.test_two_servers import shared_database  # noqa: F401 - the fixture of one shared database

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/13"  # the two-server test uses 12, CI's Redis cache pass 11

SCRIPT = """
import json, time, zipfile
from django.core.files.storage import default_storage
from django.contrib.auth import get_user_model
from indicators.models import Appointment, OrgUnit
from reports import batch, tasks
from reports.models import BatchJob
from sampledata.plans import make_plan

department = OrgUnit.objects.create(name="กรมบังคับคดี", kind=OrgUnit.Kind.DEPARTMENT)
for name in ("กลุ่มงานหนึ่ง", "กลุ่มงานสอง"):
    make_plan(name=name, indicators=2, department=department, sections=1, people=2)
user = get_user_model().objects.create_user("batch-viewer", password="not-used-here-123")
Appointment.objects.create(user=user, org_unit=department, role=Appointment.Role.VIEWER)
job, created = batch.batch_start(user=user, fiscal_year=2565, quarter=1, enqueue=tasks.batch_enqueue)
assert created
seen = set()
deadline = time.monotonic() + 45
while time.monotonic() < deadline:
    job.refresh_from_db()
    seen.add(job.state)
    if job.state in ("done", "failed"):
        break
    time.sleep(0.2)
names = []
if job.file:
    with default_storage.open(job.file.name, "rb") as handle:
        archive = zipfile.ZipFile(handle)
        names = [(n, archive.read(n)[:4].decode("latin-1")) for n in archive.namelist()]
print("RESULT " + json.dumps({"state": job.state, "error": job.error, "done": job.done, "total": job.total,
                              "seen": sorted(seen), "names": names}, ensure_ascii=False))
"""


def test_a_celery_worker_makes_the_batch(shared_database, tmp_path):  # noqa: F811
    import redis

    try:
        redis.Redis.from_url(BROKER).flushdb()
    except redis.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379: start redis-server (.ci/run does)")
    env = {k: v for k, v in os.environ.items()
           if k not in {"KPI_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG", "REDIS_URL"}}
    env.update(DATABASE_URL=shared_database, CELERY_BROKER_URL=BROKER, DEBUG="1", KPI_VAR_DIR=str(tmp_path / "var"),
               EVIDENCE_ROOT=str(tmp_path / "evidence"))
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, capture_output=True)
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kpi_tracker", "worker", "-l", "info", "-P", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "batch-test@%h"],
            cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    try:
        shell = subprocess.run(manage + ["shell", "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=90)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    worker_log = log_path.read_text(errors="replace")[-3000:]
    lines = [line for line in shell.stdout.splitlines() if line.startswith("RESULT ")]
    assert shell.returncode == 0 and lines, f"shell failed:\n{shell.stderr[-3000:]}\nworker:\n{worker_log}"
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["state"] == "done", f"{result}\nworker:\n{worker_log}"
    assert "queued" in result["seen"] or "running" in result["seen"]  # it was not made inside the request
    assert result["done"] == result["total"] == 8
    units = {name.split("/")[1] for name, _ in result["names"]}
    assert units == {"กลุ่มงานหนึ่ง", "กลุ่มงานสอง"} and len(result["names"]) == 8
    for name, head in result["names"]:
        assert head == ("%PDF" if name.endswith(".pdf") else "PK\x03\x04"), name
    assert "reports.batch_run" in worker_log and "succeeded" in worker_log
