"""PDF scorecards are bounded (issue 13): at most REPORT_PDF_PER_USER renderings per user
and REPORT_PDF_CONCURRENCY in total at once, across threads and processes; the rest get
a Thai "try again" page at once instead of holding a worker."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

BUSY = "กำลังจัดทำรายงานอยู่"


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.REDIS_URL = ""  # the file locks; the Redis slots are tested at the end
    settings.REPORT_PDF_CONCURRENCY = 1
    settings.REPORT_PDF_PER_USER = 1


def pdf_url(plan) -> str:
    return reverse("reports:scorecard-pdf") + f"?quarter=1&indicator={plan.indicators.get(number=1).pk}"


def hold_slot_in_another_process(settings, name: str):
    """A process (another gunicorn worker, say) in the middle of rendering: it holds the slot file."""
    folder = settings.VAR_DIR / "throttle"
    folder.mkdir(exist_ok=True)
    code = (f"import fcntl, os, sys, time; fd = os.open({str(folder / name)!r}, os.O_RDWR | os.O_CREAT, 0o600); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def release(proc) -> None:
    proc.stdin.close()
    proc.wait(timeout=10)


def test_a_pdf_while_another_worker_renders_one_gets_a_thai_503_then_succeeds(client, users, plan, settings):
    client.force_login(users["viewer"])
    url = pdf_url(plan)
    other_worker = hold_slot_in_another_process(settings, "pdf-all-0.lock")
    try:
        busy = client.get(url)
        assert busy.status_code == 503
        assert BUSY in busy.content.decode() and busy["Retry-After"]
        # Pages are not affected.
        assert client.get(reverse("reports:scorecard") + "?quarter=1").status_code == 200
    finally:
        release(other_worker)
    done = client.get(url)
    assert done.status_code == 200 and done["Content-Type"] == "application/pdf"


def test_a_second_pdf_by_the_same_user_gets_429_but_a_colleague_may_render(client, users, plan, settings):
    url = pdf_url(plan)
    settings.REPORT_PDF_CONCURRENCY = 2
    mine = hold_slot_in_another_process(settings, f"pdf-user-{users['viewer'].pk}-0.lock")
    try:
        client.force_login(users["viewer"])
        response = client.get(url)
        assert response.status_code == 429 and BUSY in response.content.decode()
        client.force_login(users["director"])
        assert client.get(url).status_code == 200
    finally:
        release(mine)


def test_concurrent_renderings_never_exceed_the_limits(monkeypatch):
    """Eight threads (four users, two tabs each) at once: never more than the total limit inside."""
    from reports import throttle
    from reports.throttle import bounded

    monkeypatch.setattr(throttle, "_busy", lambda request, status: HttpResponse(status=status))

    inside, peak, lock = [0], [0], threading.Lock()

    def slow_render(request):
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.3)
        with lock:
            inside[0] -= 1
        return HttpResponse(b"%PDF")

    view = bounded("pdf")(slow_render)
    statuses, start = [], threading.Barrier(8)

    def one(user_pk):
        request = RequestFactory().get("/reports/scorecard.pdf")
        request.user = SimpleNamespace(pk=user_pk, is_authenticated=True)
        start.wait()
        statuses.append(view(request).status_code)

    threads = [threading.Thread(target=one, args=(pk,)) for pk in (1, 1, 2, 2, 3, 3, 4, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1
    assert statuses.count(200) >= 1
    assert all(s in (200, 429, 503) for s in statuses), statuses


REDIS_TEST_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"


def test_with_redis_a_slot_held_on_another_machine_gives_a_503(client, users, plan, settings):
    """Many servers (issue 19): with REDIS_URL the slots are Redis locks that every machine sees."""
    import redis

    settings.REDIS_URL = REDIS_TEST_URL
    server = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_TEST_URL}: start redis-server (.ci/run does)")
    other_machine = server.lock("kpi:throttle:pdf-all-0", timeout=30)
    assert other_machine.acquire(blocking=False)
    client.force_login(users["viewer"])
    try:
        busy = client.get(pdf_url(plan))
        assert busy.status_code == 503 and BUSY in busy.content.decode()
    finally:
        other_machine.release()
    done = client.get(pdf_url(plan))
    assert done.status_code == 200 and done["Content-Type"] == "application/pdf"
    assert not server.exists("kpi:throttle:pdf-all-0"), "the slot is released after the rendering"
