"""Production mode: refuses a missing or weak key; check --deploy is clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL")}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True)


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_refuses_a_weak_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY="short")
    assert result.returncode != 0 and "too weak" in result.stderr


@pytest.mark.parametrize("key", ["a" * 60, "abcdefghij" * 6, "0123456789" * 5 + "x"])
def test_production_mode_refuses_a_long_but_patterned_secret_key(key):
    result = manage("check", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="x")
    assert result.returncode != 0 and "too weak" in result.stderr


def test_production_mode_accepts_a_generated_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="x", SITE_URL="https://x")
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_in_production_mode():
    key = "k" * 20 + "9f3b2c7d1e6a5f4b8c0d2e7f1a3b5c9d8e"
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY=key,
                    ALLOWED_HOSTS="kpi.example.go.th", SITE_URL="https://kpi.example.go.th")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_demo_accounts_are_refused_in_production_mode():
    key = "k" * 20 + "9f3b2c7d1e6a5f4b8c0d2e7f1a3b5c9d8e"
    result = manage("create_demo_accounts", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="x", SITE_URL="https://x")
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_production_mode_refuses_to_start_without_site_url():
    """E-mails carry absolute links built from SITE_URL: production must say where the site is."""
    key = "k" * 20 + "9f3b2c7d1e6a5f4b8c0d2e7f1a3b5c9d8e"
    result = manage("check", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="kpi.example.go.th")
    assert result.returncode != 0 and "SITE_URL must be set" in result.stderr
    result = manage("check", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="kpi.example.go.th", SITE_URL="kpi.example.go.th")
    assert result.returncode != 0 and "http" in result.stderr
