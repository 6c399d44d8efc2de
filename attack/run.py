"""`make attack`: the attack run of issue 13, kept, against the real deployment shape.

gunicorn (2 workers) in production mode (DEBUG=0, a generated SECRET_KEY, HTTPS
redirect on: the client says X-Forwarded-Proto: https as the TLS proxy would,
and carries its Secure cookies itself), behind one proxy (AXES_PROXY_COUNT=1,
X-Forwarded-For), on PostgreSQL (database kpi_attack at 127.0.0.1:5432,
recreated and dropped). Then the cases: sign-in lockout behind the proxy, CSRF,
security headers, upload types, removed evidence, the Thai 400 page, 5G KPI
dates, backup tampering, concurrent PDF downloads. Prints one line per case and
the count; exits 1 when any case fails.

    .venv/bin/python attack/run.py [--database postgres://…/kpi_attack] [--keep]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kpi_attack"
PASSWORD = "kpi-demo-2565"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
THAI = re.compile(r"[\u0e00-\u0e7f]")
PROXY = "127.0.0.1"  # gunicorn sees every request coming from the proxy


# --- setup ------------------------------------------------------------------------------------


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin_connection(url: str):
    import psycopg

    return psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), connect_timeout=5, autocommit=True)


def recreate_database(url: str) -> None:
    name = db_name(url)
    if "attack" not in name or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"refusing to (re)create database {name!r}: its name must contain 'attack' (a-z, 0-9, _)")
    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(url: str) -> None:
    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db_name(url)}" WITH (FORCE)')
    conn.close()


def clean_env(**extra) -> dict[str, str]:
    drop = {"KPI_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DATABASE_URL", "BACKUP_SIGNING_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


def free_port() -> int:
    for port in range(8130, 8140):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(url: str, var_dir: Path, evidence: Path) -> None:
    """This process: development mode on the attack database, to seed it and to look at it afterwards."""
    os.environ.update(clean_env(DATABASE_URL=url, KPI_VAR_DIR=str(var_dir), DEBUG="1", EVIDENCE_ROOT=str(evidence)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kpi_tracker.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_plan", verbosity=0, stdout=io.StringIO())
    call_command("create_demo_accounts", verbosity=0, stdout=io.StringIO())


def static_fingerprint() -> str:
    from importlib.metadata import version

    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(f"{version('django')} {version('whitenoise')}".encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda x: x[0]):
            st = os.stat(storage.path(path))
            digest.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collectstatic(env: dict[str, str], static_root: Path) -> None:
    """Production static files (hashed, compressed), redone only when a source changed (minutes on 2 cores)."""
    stamp = static_root / ".attack-fingerprint"
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint and (static_root / "staticfiles.json").exists():
        return
    print("attack: collectstatic (production mode; kept in var/attack for the next run) …", flush=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"],
                   cwd=ROOT, env=env, check=True)
    stamp.write_text(fingerprint)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


# --- HTTP: a browser behind the TLS proxy --------------------------------------------------------


class Browser:
    """Its own cookies (the Secure ones too: the proxy in front speaks HTTPS), and its own client address."""

    def __init__(self, port: int, client_ip: str):
        self.port, self.client_ip, self.cookies = port, client_ip, {}
        self.last_set_cookies: list[str] = []

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                https: bool = True, timeout: float = 60) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = {"Host": "127.0.0.1", "X-Forwarded-For": self.client_ip}
        if https:
            h["X-Forwarded-Proto"] = "https"
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        try:
            try:
                conn.request(method, path, body=body, headers=h)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered (a 400 for a body over the limit) before reading it all
            resp = conn.getresponse()
            data = resp.read()
            self.last_set_cookies = resp.headers.get_all("Set-Cookie") or []
            for header in self.last_set_cookies:
                cookie = SimpleCookie()
                cookie.load(header)
                for key, morsel in cookie.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        return self.cookies["csrftoken"]

    def post(self, path: str, fields: dict, *, files=(), csrf: bool = True, headers: dict | None = None):
        h = dict(headers or {})
        if csrf:
            h["X-CSRFToken"] = self.csrf()
        h["Referer"] = f"https://127.0.0.1{path}"
        if files:
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items()]
            for name, content in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                             f"Content-Type: application/octet-stream\r\n\r\n".encode("utf-8") + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            h["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers=h)

    def login(self, username: str, password: str = PASSWORD) -> int:
        self.csrf()
        status, _, _ = self.post("/accounts/login/", {"username": username, "password": password})
        return status


# --- test files ---------------------------------------------------------------------------------


def docx(*, content_types: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        if content_types:
            z.writestr("[Content_Types].xml", (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.wordprocessingml.document.main+xml"/></Types>'))
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def ole_file(stream_name: str, size: int = 4096) -> bytes:
    """A minimal OLE2 compound file (CFB v3) holding one stream."""
    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    sectors = -(-size // 512)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = [fatsect, end] + [3 + i for i in range(sectors - 1)] + [end]
    fat += [free] * (128 - len(fat))

    def entry(name, kind, child, start, length):
        raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
        e = raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1 if name else 0)
        return e + struct.pack("<III", nostream, nostream, child) + b"\0" * 36 + struct.pack("<IQ", start, length)

    directory = (entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, nostream, 2, size)
                 + entry("", 0, nostream, 0, 0) * 2)
    return header + struct.pack("<128I", *fat) + directory + (b"\x11" * size).ljust(sectors * 512, b"\0")


# --- the run ------------------------------------------------------------------------------------


class Run:
    def __init__(self, port: int, env: dict[str, str], tmp: Path):
        self.port, self.env, self.tmp = port, env, tmp
        self.results: list[tuple[str, bool, str]] = []
        self._ip = 0

    def browser(self) -> Browser:
        self._ip += 1
        return Browser(self.port, f"198.51.100.{self._ip}")

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, bool(ok), detail))
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}", flush=True)
        return ok

    def case(self, name: str, fn) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - a crashed case is a failed case
            self.check(name, False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def step_of(number: int, nth: int = 0) -> tuple[int, int]:
    """(step pk, round pk) of indicator `number`'s 12-month round."""
    from indicators.models import Indicator, Round

    indicator = Indicator.objects.select_related("plan__fiscal_year").get(number=number)
    rnd = Round.objects.get(fiscal_year=indicator.plan.fiscal_year, months=12)
    sets = list(indicator.criteria_sets.all())
    cs = next((c for c in sets if c.round_id == rnd.pk), None) or next(c for c in sets if c.round_id is None)
    return list(cs.steps.order_by("number").values_list("pk", flat=True))[nth], rnd.pk


def lockout_cases(run: Run) -> None:
    stranger = Browser(run.port, "203.0.113.66")
    for _ in range(5):
        stranger.login("director", "wrong-password-1")
    status = stranger.login("director")
    run.check("lockout: the stranger who tried 5 wrong passwords is locked out (429)", status == 429, f"HTTP {status}")
    spoofer = Browser(run.port, "198.51.100.250, 203.0.113.66")  # his own header, then what the proxy appended
    status = spoofer.login("director")
    run.check("lockout: a forged X-Forwarded-For does not get the stranger out", status == 429, f"HTTP {status}")
    director = Browser(run.port, "198.51.100.7")
    status = director.login("director")
    run.check("lockout: the director signs in from her own address behind the same proxy", status == 302,
              f"HTTP {status}")
    from axes.models import AccessAttempt

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    run.check("lockout: keyed on the client address, not the proxy's", PROXY not in addresses and
              "203.0.113.66" in addresses, str(addresses))


def csrf_cases(run: Run) -> None:
    owner = run.browser()
    owner.login("owner1")
    step, rnd = step_of(1, 0)
    status, _, body = owner.post(f"/steps/{step}/save/", {"done": "on", "done_on": "2022-01-10", "round": rnd},
                                 csrf=False)
    run.check("csrf: a write without the token is refused (403, Thai)",
              status == 403 and THAI.search(body.decode(errors="replace")) is not None, f"HTTP {status}")
    stranger = run.browser()
    status, _, _ = stranger.post("/accounts/login/", {"username": "owner1", "password": PASSWORD}, csrf=False)
    run.check("csrf: sign-in without the token is refused (403)", status == 403, f"HTTP {status}")
    evil = {"Origin": "https://evil.example", "Referer": "https://evil.example/"}
    status, _, _ = owner.post(f"/steps/{step}/save/", {"done": "on", "round": rnd}, headers=evil)
    run.check("csrf: a write from another origin is refused (403)", status == 403, f"HTTP {status}")
    from assessments.models import StepCompletion

    run.check("csrf: nothing was saved", not StepCompletion.objects.filter(step_id=step).exists())


def header_cases(run: Run) -> None:
    b = run.browser()
    status, headers, _ = b.get("/accounts/login/", https=False)
    run.check("headers: plain HTTP is redirected to HTTPS", status == 301 and
              headers.get("location", "").startswith("https://"), f"HTTP {status} {headers.get('location')}")
    status, headers, _ = b.get("/accounts/login/")
    expect = {
        "strict-transport-security": "max-age=31536000",
        "content-security-policy": "script-src 'self'",
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
    }
    for name, value in expect.items():
        run.check(f"headers: {name}", value in headers.get(name, ""), headers.get(name, "(missing)"))
    csrf_cookie = " ".join(c for c in b.last_set_cookies if c.startswith("csrftoken="))
    run.check("headers: the CSRF cookie is Secure", "Secure" in csrf_cookie, csrf_cookie or "(not set)")
    b.login("viewer")
    session = " ".join(c for c in b.last_set_cookies if c.startswith("sessionid="))
    run.check("headers: the session cookie is Secure and HttpOnly", "Secure" in session and "HttpOnly" in session,
              session or "(not set)")
    run.check("headers: the admin is behind sign-in", run_admin_redirect(run))


def run_admin_redirect(run: Run) -> bool:
    status, headers, _ = run.browser().get("/admin/")
    return status == 302 and "/admin/login/" in headers.get("location", "")


def upload_cases(run: Run) -> None:
    from assessments.models import Evidence

    owner = run.browser()
    owner.login("owner1")
    cases = [
        ("upload: a program renamed .pdf is refused", "setup.pdf", b"MZ\x90\x00" + b"\0" * 200, False),
        ("upload: an HTML page renamed .pdf is refused", "page.pdf", b"<html><script>alert(1)</script></html>", False),
        ("upload: a ZIP with a word/ entry is not a .docx", "fake.docx", docx(content_types=False), False),
        ("upload: an OLE file without a WordDocument stream is not a .doc", "fake.doc", ole_file("Other"), False),
        ("upload: a Word file named .xls is refused", "word.xls", ole_file("WordDocument"), False),
        ("upload: a real .docx is accepted", "รายงาน.docx", docx(), True),
        ("upload: a real .doc is accepted", "บันทึก.doc", ole_file("WordDocument"), True),
        ("upload: a PDF is accepted", "หลักฐาน.pdf", PDF, True),
    ]
    for i, (name, filename, content, accept) in enumerate(cases):
        step, rnd = step_of(2, i % 5) if i < 5 else step_of(3, i - 5)
        before = Evidence.objects.count()
        status, headers, body = owner.post(f"/steps/{step}/save/",
                                           {"done": "on", "done_on": "2022-01-10", "round": rnd},
                                           files=[(filename, content)], headers={"HX-Request": "true"})
        added = Evidence.objects.count() - before
        text = body.decode(errors="replace")
        if accept:
            run.check(name, status == 200 and added == 1, f"HTTP {status}, {added} added")
        else:
            run.check(name, status in (200, 400) and added == 0 and "ไม่" in text, f"HTTP {status}, {added} added")
    files = [p for p in (run.tmp / "evidence").rglob("*") if p.is_file()]
    run.check("upload: stored evidence files are readable by the server's account only (600)",
              files and all(p.stat().st_mode & 0o777 == 0o600 for p in files),
              ", ".join(oct(p.stat().st_mode & 0o777) for p in files))
    run.check("upload: every stored file has its row, no orphans",
              len(files) == Evidence.objects.count(), f"{len(files)} files, {Evidence.objects.count()} rows")


def removed_evidence_cases(run: Run) -> None:
    from assessments.models import Evidence

    owner = run.browser()
    owner.login("owner1")
    evidence = Evidence.objects.filter(removed_at__isnull=True, completion__step__criteria_set__indicator__number=3)\
        .order_by("pk").first()
    step, rnd = step_of(3, 0)
    status, _, _ = owner.post(f"/evidence/{evidence.pk}/remove/", {"round": rnd, "reason": "แนบผิดไฟล์"})
    run.check("removed evidence: the owner removes a file", status in (200, 302), f"HTTP {status}")
    viewer = run.browser()
    viewer.login("viewer")
    status, _, _ = viewer.get(f"/evidence/{evidence.pk}/")
    run.check("removed evidence: no longer downloads for a viewer (404)", status == 404, f"HTTP {status}")
    status, _, _ = owner.get(f"/evidence/{evidence.pk}/")
    run.check("removed evidence: nor for its owner (404)", status == 404, f"HTTP {status}")


def bad_request_cases(run: Run) -> None:
    owner = run.browser()
    owner.login("owner1")
    step, rnd = step_of(4, 0)
    fields = {f"f{i}": "x" for i in range(1001)}
    status, _, body = owner.post(f"/steps/{step}/save/", fields)
    run.check("400: too many fields get the Thai 400 page", status == 400 and "(400)" in body.decode() and
              THAI.search(body.decode()) is not None, f"HTTP {status}: {body[:80]!r}")
    status, _, body = owner.post(f"/steps/{step}/save/", {"done": "on"}, files=[(f"{i}.pdf", PDF) for i in range(101)])
    run.check("400: too many files get the Thai 400 page", status == 400 and "แนบไฟล์มากเกินไป" in body.decode(),
              f"HTTP {status}: {body[:80]!r}")
    status, _, body = owner.post(f"/steps/{step}/save/", {"done": "on", "note": "x" * (6 * 1024 * 1024)})
    run.check("400: a body over 5 MB gets the Thai 400 page", status == 400 and "5 MB" in body.decode(),
              f"HTTP {status}: {body[:80]!r}")
    status, _, body = owner.post(f"/steps/{step}/save/", {"done": "on", "done_on": "2022-01-10", "round": rnd},
                                 files=[("ก" * 5000 + ".pdf", PDF)])
    text = body.decode(errors="replace")
    run.check("400: a 5,000-character file name gets a Thai answer", status in (200, 302, 400) and
              "Bad Request" not in text and THAI.search(text) is not None, f"HTTP {status}: {text[:80]!r}")


def kpi_date_cases(run: Run) -> None:
    from indicators.models import ActionPlan, PolicyKPI

    director = run.browser()
    director.login("director")
    plan = ActionPlan.objects.order_by("pk").first()
    kpi = PolicyKPI.objects.filter(fiscal_year=plan.fiscal_year).order_by("pk").first()
    for day in ("2019-06-30", "0001-01-01"):
        status, _, body = director.post(f"/reports/dashboard/kpi/{kpi.pk}/record/",
                                        {"plan": plan.pk, "value": "90", "measured_on": day, "source": ""})
        run.check(f"5G KPI: a value dated {day} is refused in Thai", status == 400 and
                  "ปีงบประมาณ" in body.decode(errors="replace"), f"HTTP {status}")
    run.check("5G KPI: nothing was saved", not kpi.measurements.exists())


def backup_cases(run: Run) -> None:
    archive = run.tmp / "backup.tar.gz"
    result = manage(run.env, "backup", "-o", str(archive))
    run.check("backup: written in production mode", result.returncode == 0, result.stderr[-300:])
    run.check("backup: the archive is mode 600", archive.stat().st_mode & 0o777 == 0o600,
              oct(archive.stat().st_mode & 0o777))
    result = manage(run.env, "restore", "--verify", str(archive))
    run.check("backup: restore --verify accepts the untouched archive", result.returncode == 0, result.stderr[-300:])

    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]

    def rebuild(path: Path, change) -> Path:
        with tarfile.open(path, "w:gz") as out:
            for member, data in members:
                data = change(member.name, data)
                if data is None:
                    continue
                member.size = len(data)
                out.addfile(member, io.BytesIO(data))
        return path

    manifest = json.loads(dict((m.name, d) for m, d in members)["manifest.json"])
    data = dict((m.name, d) for m, d in members)["data.json"].replace("director".encode(), "intruder".encode())
    manifest["data"].update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    forged = rebuild(run.tmp / "forged.tar.gz", lambda name, d: (
        data if name == "data.json" else json.dumps(manifest).encode() if name == "manifest.json" else d))
    result = manage(run.env, "restore", "--verify", str(forged))
    run.check("backup: data and checksum edited together are refused (signature)",
              result.returncode != 0 and "ลายมือชื่อ" in result.stderr, result.stderr[-200:])
    unsigned = rebuild(run.tmp / "unsigned.tar.gz", lambda name, d: None if name == "manifest.sig" else d)
    result = manage(run.env, "restore", "--verify", str(unsigned))
    run.check("backup: an unsigned archive is refused", result.returncode != 0 and "ลายมือชื่อ" in result.stderr,
              result.stderr[-200:])
    nodata = dict(manifest)
    nodata.pop("data")
    malformed = rebuild(run.tmp / "malformed.tar.gz", lambda name, d: json.dumps(nodata).encode()
                        if name == "manifest.json" else d)
    result = manage(run.env, "restore", "--verify", str(malformed))
    run.check("backup: a manifest without its data key gets a message, not a traceback",
              result.returncode != 0 and "Traceback" not in result.stderr and THAI.search(result.stderr),
              result.stderr[-200:])
    raw = archive.read_bytes()
    trailer = bytearray(raw)
    trailer[-6] ^= 0x01  # the gzip CRC-32
    damaged = run.tmp / "trailer.tar.gz"
    damaged.write_bytes(bytes(trailer))
    gzip_t = subprocess.run(["gzip", "-t", str(damaged)], capture_output=True).returncode
    result = manage(run.env, "restore", "--verify", str(damaged))
    run.check("backup: a corrupted gzip trailer is refused (as gzip -t does)",
              gzip_t != 0 and result.returncode != 0, f"gzip -t {gzip_t}, verify {result.returncode}")
    try:
        gzip.decompress(raw)
        intact = True
    except OSError:
        intact = False
    run.check("backup: the archive itself is an intact gzip stream", intact)


def pdf_cases(run: Run) -> None:
    from indicators.models import ActionPlan

    plan = ActionPlan.objects.order_by("pk").first()
    viewer = run.browser()
    viewer.login("viewer")
    director = run.browser()
    director.login("director")
    results, page_times, lock = [], [], threading.Lock()
    start = threading.Barrier(5)

    def download():
        start.wait()
        status, headers, body = viewer.get(f"/reports/scorecard.pdf?plan={plan.pk}&round=12", timeout=120)
        with lock:
            results.append((status, headers.get("content-type", ""), body[:5], "กำลังจัดทำรายงานอยู่" in body.decode(
                errors="replace")))

    def pages():
        start.wait()
        time.sleep(0.5)  # the PDFs have started
        for _ in range(5):
            t = time.perf_counter()
            status, _, _ = director.get(f"/plan/?plan={plan.pk}")
            with lock:
                page_times.append((status, time.perf_counter() - t))

    threads = [threading.Thread(target=download) for _ in range(4)] + [threading.Thread(target=pages)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    pdfs = [r for r in results if r[0] == 200 and r[2] == b"%PDF-"]
    busy = [r for r in results if r[0] in (429, 503) and r[3]]
    run.check("PDF: four at once by one viewer: one rendered, the others told in Thai to retry",
              len(pdfs) == 1 and len(busy) == 3, str([(r[0], r[1]) for r in results]))
    slowest = max((t for _, t in page_times), default=99)
    run.check("PDF: pages stay served meanwhile (every page under 3 s)",
              all(s == 200 for s, _ in page_times) and slowest < 3, f"{page_times}")
    status, headers, body = viewer.get(f"/reports/scorecard.pdf?plan={plan.pk}&round=12", timeout=120)
    run.check("PDF: afterwards the viewer downloads it", status == 200 and body[:5] == b"%PDF-", f"HTTP {status}")


CASES = [("lockout", lockout_cases), ("csrf", csrf_cases), ("headers", header_cases),
         ("upload", upload_cases), ("removed evidence", removed_evidence_cases),
         ("400", bad_request_cases), ("5G KPI", kpi_date_cases), ("backup", backup_cases),
         ("PDF", pdf_cases)]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """gunicorn, 2 workers, in production mode; returns once it answers the login page."""
    log_file = open(log, "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kpi_tracker.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "--error-logfile", str(log)],
        cwd=ROOT, env=env, start_new_session=True, stdout=log_file, stderr=log_file)
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start: {log.read_text(errors='replace')[-2000:]}")
        try:
            if Browser(port, "198.51.100.1").get("/accounts/login/", timeout=5)[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)


def attack(run: Run, log: Path) -> None:
    """Every case in turn, then gunicorn's log read for a server error."""
    for name, fn in CASES:
        print(f"attack: {name}", flush=True)
        run.case(name, lambda fn=fn: fn(run))
    errors = [line for line in log.read_text(errors="replace").splitlines() if "Internal Server Error" in line]
    run.check("server: no server error (500) in gunicorn's log", not errors, "; ".join(errors[:5]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    started = time.perf_counter()
    var_dir = ROOT / "var" / "attack"  # keeps the collected static files between runs
    var_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kpi-attack-"))
    evidence = tmp / "evidence"
    server, log = None, tmp / "gunicorn.log"
    try:
        print(f"attack: (re)creating database {db_name(args.database)}, migrate, load_plan, demo accounts …",
              flush=True)
        recreate_database(args.database)
        setup_django(args.database, var_dir, evidence)
        env = clean_env(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1",
                        DATABASE_URL=args.database, KPI_VAR_DIR=str(var_dir), EVIDENCE_ROOT=str(evidence),
                        AXES_PROXY_COUNT="1", SITE_URL="https://kpi.example.go.th")
        collectstatic(env, var_dir / "static")
        port = free_port()
        server = start_server(env, port, log)
        print(f"attack: gunicorn (2 workers, production mode, behind one proxy) on 127.0.0.1:{port}", flush=True)
        run = Run(port, env, tmp)
        attack(run, log)
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
        shutil.rmtree(tmp, ignore_errors=True)
        if not args.keep:
            try:
                drop_database(args.database)
            except Exception as exc:  # noqa: BLE001 - reported, not fatal
                print(f"attack: could not drop {db_name(args.database)}: {exc}", file=sys.stderr)
    failed = [r for r in run.results if not r[1]]
    print(f"attack: {len(run.results)} cases, {len(run.results) - len(failed)} passed, {len(failed)} failed "
          f"({time.perf_counter() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
