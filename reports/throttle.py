"""A bound on PDF rendering, so scorecard downloads cannot take every worker.

A whole-plan PDF takes seconds of CPU (WeasyPrint). Four at once on a 2-worker
gunicorn left no worker for page requests for up to 10 s. The decorator here
lets at most REPORT_PDF_PER_USER renderings per user and REPORT_PDF_CONCURRENCY
in total run at once, across threads and processes (every gunicorn worker of
the machine): each slot is a file under VAR_DIR/throttle held with flock. A
request that finds no free slot is answered at once (429 for the user's own
limit, 503 for the total) with a Thai page and Retry-After, instead of waiting
in a worker. The kernel releases a slot when its holder ends, even when a
worker is killed mid-render, so nothing has to expire. With REDIS_URL set the slots are
Redis locks instead, shared by every machine (see _shared_slot).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.shortcuts import render

RETRY_AFTER_SECONDS = 10


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "throttle"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


# Many servers (issue 19): file locks bound one machine only. With REDIS_URL set, the slots are
# Redis locks (redis-py's Lock: SET NX with a random token, released only by its holder), shared
# by every worker of every machine. A worker killed mid-render cannot release its lock, so each
# lock expires after SLOT_SECONDS (longer than any rendering: gunicorn kills a worker after 30 s).
SLOT_SECONDS = 120


def _redis():
    import redis

    global _client
    if _client is None or _client[0] != settings.REDIS_URL:
        _client = (settings.REDIS_URL, redis.Redis.from_url(settings.REDIS_URL))
    return _client[1]


_client = None


@contextlib.contextmanager
def _shared_slot(prefix: str, slots: int):
    held = None
    for n in range(max(1, slots)):
        lock = _redis().lock(f"kpi:throttle:{prefix}-{n}", timeout=SLOT_SECONDS)
        if lock.acquire(blocking=False):
            held = lock
            break
    try:
        yield held is not None
    finally:
        if held is not None:
            with contextlib.suppress(Exception):  # expired meanwhile: nothing to release
                held.release()


@contextlib.contextmanager
def _slot(prefix: str, slots: int):
    """Yields True while holding one of `slots` slots named prefix-N, False when all are taken."""
    if getattr(settings, "REDIS_URL", ""):
        with _shared_slot(prefix, slots) as held:
            yield held
        return
    held = None
    for n in range(max(1, slots)):
        fd = os.open(_folder() / f"{prefix}-{n}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        held = fd
        break
    try:
        yield held is not None
    finally:
        if held is not None:
            os.close(held)  # closing the file releases the lock


def _busy(request, status: int):
    response = render(request, "reports/busy.html", {"status": status, "retry": RETRY_AFTER_SECONDS}, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bounded(kind: str):
    """Decorate a download view: at most N renderings of `kind` per user and in total at once."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            per_user = int(getattr(settings, "REPORT_PDF_PER_USER", 1))
            total = int(getattr(settings, "REPORT_PDF_CONCURRENCY", 1))
            with _slot(f"{kind}-user-{request.user.pk}", per_user) as mine:
                if not mine:
                    return _busy(request, 429)
                with _slot(f"{kind}-all", total) as ours:
                    if not ours:
                        return _busy(request, 503)
                    return view(request, *args, **kwargs)

        return wrapped

    return decorator
