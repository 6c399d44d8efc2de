"""Settings for the KPI tracker, read from the environment.

Development needs nothing set: an SQLite file in var/, DEBUG on, a throwaway
secret key. Production is DEBUG=0 and then refuses to start without a real
SECRET_KEY; `manage.py check --deploy` is clean in that mode.
"""

import datetime as dt
import os
import sys
from pathlib import Path

import bootstrap as _bootstrap_pkg
import dj_database_url
import fontpkg_sarabun
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KPI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules or env_bool("KPI_TESTING", False)

_DEV_SECRET = "django-insecure-dev-only-kpi-tracker-never-use-in-production"


def weak_secret_key(key: str) -> bool:
    """A key someone typed or patterned rather than generated.

    At least 50 characters, at least 10 different ones, and no repetition that
    compresses it below 40 bytes (60 x "a" or "abcdefghij" x 6 do; 50 random
    hex digits or `python -c "import secrets; print(secrets.token_urlsafe(50))"` don't).
    """
    import zlib

    return (
        key == _DEV_SECRET
        or key.startswith("django-insecure")
        or len(key) < 50
        or len(set(key)) < 10
        or len(zlib.compress(key.encode(), 9)) < 40
    )


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production mode)."
        )
    SECRET_KEY = _DEV_SECRET
elif not DEBUG and weak_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

# Backups (manage.py backup) carry an HMAC-SHA256 of their manifest; restore and
# restore --verify refuse an archive whose signature does not match. The key is
# BACKUP_SIGNING_KEY, or, when that is unset, one derived from SECRET_KEY (so a
# new SECRET_KEY makes older backups unverifiable: set BACKUP_SIGNING_KEY to
# keep them independent of SECRET_KEY rotation).
BACKUP_SIGNING_KEY = os.environ.get("BACKUP_SIGNING_KEY", "")
if BACKUP_SIGNING_KEY and not DEBUG and len(BACKUP_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("BACKUP_SIGNING_KEY is too short: use at least 32 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "kpi_tracker",  # before staticfiles: its collectstatic skips unused Bootstrap builds
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "axes",
    "core",  # the base: Thai filters, inline_static (core/templatetags)
    "indicators",
    "assessments",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.PageContentMiddleware",  # below CommonMiddleware: the page's length counts its content
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# user name from one address, that pair is refused for AXES_COOLOFF_MINUTES,
# with a Thai page (429). Keying on the pair, not the name alone, keeps a
# stranger from locking a colleague out; a correct sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind reverse proxies (the deployment in README.md: one TLS proxy) the
# client's address is the one the nearest proxy appended to X-Forwarded-For,
# not REMOTE_ADDR (the proxy itself): core/client_ip.py reads it.
# django-axes' own AXES_IPWARE_PROXY_COUNT does nothing without django-ipware
# installed and AXES_IPWARE_META_PRECEDENCE_ORDER set, which is how one stranger
# could lock everybody out from behind the proxy.
KPI_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

ROOT_URLCONF = "kpi_tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kpi_tracker.context_processors.scope",
            ],
            "builtins": ["core.templatetags.thai"],
        },
    },
]

WSGI_APPLICATION = "kpi_tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kpi_tracker.sqlite3'}",
        # Persistent connections (issue 19): a new PostgreSQL connection per request cost more
        # than the bare view itself (about 150 against 600 req/s). A connection is kept for
        # CONN_MAX_AGE seconds (default 60; 0 = one per request) and checked before reuse
        # after an error or a restart of the database (conn_health_checks).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (runserver and gunicorn serve several requests at once)
    # wait for each other instead of failing with "database is locked": WAL lets
    # readers go on while one writes; BEGIN IMMEDIATE takes the write lock at the
    # start of every transaction, so a transaction that read first never has to
    # upgrade its lock (which SQLite refuses at once, whatever the timeout);
    # timeout (seconds) is how long a writer waits for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })
else:
    # Prepared statements (issue 19): on a kept connection, psycopg prepares a query the fifth time it
    # runs, and PostgreSQL may then skip planning it. Planning the ORM's joins cost more than running
    # them (0.1-2 ms against 0.02-0.1 ms per query, bench/README.md); a tick is about 25 % quicker.
    # Server-side binding is what lets psycopg prepare. A connection pooler in transaction mode
    # (PgBouncer before 1.21) cannot keep prepared statements: set PG_PREPARE_THRESHOLD=0 behind one.
    threshold = int(os.environ.get("PG_PREPARE_THRESHOLD", "5"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": threshold or None})
    # test_<name of the database in DATABASE_URL>, so runs against different
    # databases on one server never share (and drop) each other's test database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", f"test_{DATABASES['default']['NAME']}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache (issue 19): what is read often (reports.rows), keyed by plan versions
# (indicators/versions.py), and the PDF throttle's slots (reports/throttle.py). With
# REDIS_URL (redis://host:6379/0) it is Redis, shared by every process and machine:
# required when more than one process serves the site. Without it, local memory, so
# `make run` needs nothing.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL,  # core/cache.py
                          "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "kpi"), "TIMEOUT": 3600}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kpi",
                          "TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 5000}}}  # one per indicator's criteria

# Background jobs (issue 19: the quarter-end batch, reports/batch.py) with Celery
# (kpi_tracker/celery.py). CELERY_BROKER_URL names the broker: Redis
# (redis://127.0.0.1:6379/2) or RabbitMQ (amqp://guest:guest@127.0.0.1:5672//); start a
# worker with `.venv/bin/celery -A kpi_tracker worker -l info`. Without it, a job runs
# in-process, eagerly, inside the request that starts it (CELERY_TASK_ALWAYS_EAGER): the
# embedded default is one process for a handful of people, and a job there must not
# depend on anything else running. Eager rather than a thread: a thread dies silently
# with the process (runserver's reload, a gunicorn worker recycled) and would leave its
# job "running" for ever; eager finishes, or fails with its reason, before the page
# answers. The job's state, progress and file live in reports.models.BatchJob, so no
# result backend is needed.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"  # never contacted: eager tasks are not sent anywhere
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One long job at a time per worker process: a second one waits in the broker, not behind it.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not hold the page for long: three quick tries, then the job is
# marked failed with the reason (reports/batch.py batch_enqueue).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10}
# A batch that runs longer than this is stopped and recorded as failed (reports/batch.py).
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("BATCH_TIME_LIMIT_SECONDS", "3600"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_TIMEZONE = "Asia/Bangkok"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "th"
# Thai is the language of every page, whatever the browser prefers; English is
# a choice the user makes with the switch in the navigation bar (a cookie,
# core.middleware.ChosenLanguageMiddleware). Scorecards (PDF, Excel)
# are official documents and stay Thai in both.
LANGUAGES = [("th", _("ไทย")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Third-party assets come from installed packages, never copied into the repo.
    ("bootstrap", Path(list(_bootstrap_pkg.__path__)[0])),
    ("fonts/sarabun", fontpkg_sarabun.ROOT / "files"),
]
# Source maps are for browser developer tools only: not worth compressing.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "woff", "woff2", "map",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Evidence files live outside the static tree and are only served through a
# permission-checked view (never by URL under MEDIA_URL).
MEDIA_ROOT = Path(os.environ.get("EVIDENCE_ROOT", VAR_DIR / "evidence"))
MEDIA_URL = "/evidence-not-served/"
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Evidence (and backups, kpi_tracker/backup.py) readable by the server's account only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it through the page's meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kpi-tracker@localhost")

# SITE_URL: the address people open the site at, for the absolute links in e-mails
# (notices, reminders). Production refuses to start without it: a mail with a
# link to 127.0.0.1 helps nobody.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off, e.g. https://kpi.led.go.th")
    SITE_URL = "http://127.0.0.1:8000"
elif not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SITE_URL must start with http:// or https://")

# Reports print Thai digits (the document style of Thai government reports);
# set REPORT_THAI_DIGITS=0 for Arabic digits.
REPORT_THAI_DIGITS = env_bool("REPORT_THAI_DIGITS", True)
# PDF scorecards rendered at once (reports/throttle.py), across all workers of the
# machine and per user; keep the total below the number of gunicorn workers so
# pages stay served while PDFs render.
REPORT_PDF_CONCURRENCY = int(os.environ.get("REPORT_PDF_CONCURRENCY", "1"))
REPORT_PDF_PER_USER = int(os.environ.get("REPORT_PDF_PER_USER", "1"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
CSRF_FAILURE_VIEW = "kpi_tracker.views.csrf_failure"

# The read-only JSON API (api app, /api/v1/): the browser session for people, API tokens
# for other systems (api.models.ApiToken), the same permissions as the pages, JSON only
# (UTF-8 Thai, not \u escapes), 120 requests a minute per token (Django's cache).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",  # first: a request without credentials gets a 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": os.environ.get("API_TOKEN_RATE", "120/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KPI tracker API (กลุ่มพัฒนาระบบบริหาร กรมบังคับคดี)",
    "DESCRIPTION": "อ่านอย่างเดียว: แผน ตัวชี้วัด ความก้าวหน้า ประวัติ และตัวชี้วัดนโยบาย ๕ G "
                   "เท่าที่ผู้ใช้ของโทเคนเห็นในหน้าเว็บ",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",  # from the installed package, served as static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProgressStatusEnum": "api.serializers.STATUS_CHOICES",
        "PlanStatusEnum": "indicators.models.ActionPlan.PublicationStatus",
    },
}
