"""Security a department can check: sign-in lockout, production headers and cookies,
session expiry, password rules, and evidence that is never served as a page."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from .test_settings import manage

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-2565"


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk", password=PASSWORD)


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


# --- lockout -------------------------------------------------------------------

def test_repeated_wrong_passwords_lock_the_account_with_a_thai_page(client, clerk):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "clerk", "wrong-password")
        assert response.status_code == 200
        assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.content.decode()
    locked = sign_in(client, "clerk", "wrong-password")
    assert locked.status_code == 429
    assert "ระงับการเข้าสู่ระบบชั่วคราว" in locked.content.decode()
    # Even the right password is refused while locked, and no session is made.
    again = sign_in(client, "clerk", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_reach_other_users_or_outlast_the_cooloff(client, clerk, django_user_model):
    django_user_model.objects.create_user("colleague", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "clerk", "wrong-password")
    assert sign_in(client, "colleague", PASSWORD).status_code == 302
    client.logout()
    from axes.models import AccessAttempt

    # After the cool-off the pair may try again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    assert sign_in(client, "clerk", PASSWORD).status_code == 302


def test_a_correct_sign_in_clears_earlier_failures(client, clerk):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "clerk", "wrong-password")
    assert sign_in(client, "clerk", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "clerk", "wrong-password").status_code == 200


def test_the_lockout_page_follows_the_chosen_language(client, clerk):
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "clerk", "wrong-password")
    assert response.status_code == 429
    assert "15 minutes" in response.content.decode()


def test_behind_the_proxy_a_stranger_cannot_lock_a_colleague_out(client, clerk, settings):
    """AXES_PROXY_COUNT=1 (README's deployment): every request comes from the proxy's
    address; the lockout must key on the client's address the proxy appended."""
    settings.KPI_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    stranger = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    # What the stranger writes into the header himself stands left of what the proxy appends.
    spoofing = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.5"}
    colleague = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "clerk", "password": "wrong-password"}, **(stranger if i % 2 else spoofing))
    locked = client.post(LOGIN, {"username": "clerk", "password": PASSWORD}, **stranger)
    assert locked.status_code == 429  # the stranger is locked out
    from django.test import Client

    other = Client()
    assert other.post(LOGIN, {"username": "clerk", "password": PASSWORD}, **colleague).status_code == 302
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_without_a_proxy_the_header_is_ignored(client, clerk, settings):
    """AXES_PROXY_COUNT=0 (no proxy): X-Forwarded-For is whatever a client wrote; a new
    made-up address per try must not give a stranger new attempts."""
    settings.KPI_PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "clerk", "password": "wrong-password"},
                    REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    again = client.post(LOGIN, {"username": "clerk", "password": PASSWORD},
                        REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert again.status_code == 429


# --- sessions and passwords --------------------------------------------------------

def test_sessions_expire_after_the_working_day(client, clerk):
    client.force_login(clerk)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 10 * 3600
    assert client.get(reverse("assessments:plan")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("assessments:plan"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sign_out_ends_the_session(client, clerk):
    client.force_login(clerk)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("assessments:plan")).status_code == 302


@pytest.mark.parametrize("password", ["1234567890", "password123", "clerk2565", "short"])
def test_weak_passwords_are_refused(clerk, password):
    with pytest.raises(ValidationError):
        validate_password(password, clerk)


def test_a_decent_password_is_accepted(clerk):
    validate_password("ตรวจสอบตัวชี้วัด-2565", clerk)


# --- evidence never as a page ---------------------------------------------------------

def test_evidence_lives_outside_everything_served_as_static():
    from kpi_tracker import settings as configured  # the project's setting, not a test's tmp folder

    evidence = Path(configured.MEDIA_ROOT).resolve()
    for static in [Path(configured.STATIC_ROOT), *[Path(d[1] if isinstance(d, tuple) else d) for d in configured.STATICFILES_DIRS]]:
        static = static.resolve()
        assert static not in evidence.parents and evidence != static and evidence not in static.parents


def test_evidence_is_not_reachable_by_a_url(client, users, indicator, rounds, fy_today, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.models import Evidence
    from indicators.models import MilestoneStep

    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["owner"])
    step = MilestoneStep.objects.get(criteria_set__indicator=indicator, number=1)
    client.post(reverse("assessments:step-save", args=[step.pk]), {
        "done": "on", "done_on": "2022-01-10", "round": rounds[12].pk,
        "files": SimpleUploadedFile("หลักฐาน.pdf", b"%PDF-1.4\n%%EOF\n", content_type="text/html"),
    })
    evidence = Evidence.objects.get()
    for url in (f"/static/{evidence.file.name}", f"{settings.MEDIA_URL}{evidence.file.name}", f"/{evidence.file.name}"):
        assert client.get(url).status_code == 404, url
    response = client.get(reverse("assessments:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"  # what the content is, not what the browser claimed
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- production mode -------------------------------------------------------------------

PROBE = r"""
import json
from django.test import Client
c = Client()
plain = c.get("/accounts/login/")
r = c.get("/accounts/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "status": r.status_code,
    "headers": dict(r.headers),
    "cookies": {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"]), "samesite": v["samesite"]}
                for k, v in r.cookies.items()},
}))
"""


def test_production_mode_sends_the_security_headers_and_secure_cookies(tmp_path):
    key = "k" * 20 + "9f3b2c7d1e6a5f4b8c0d2e7f1a3b5c9d8e"
    env = dict(DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="testserver", KPI_VAR_DIR=str(tmp_path),
               SITE_URL="https://testserver")
    collected = manage("collectstatic", "--noinput", "-v0", **env)  # as a deployment does
    assert collected.returncode == 0, collected.stderr
    result = manage("shell", "-c", PROBE, **env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["plain"] == [301, "https://testserver/accounts/login/"]  # plain HTTP goes to HTTPS
    assert out["status"] == 200
    headers = {k.lower(): v for k, v in out["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert out["cookies"]["csrftoken"]["secure"] is True
