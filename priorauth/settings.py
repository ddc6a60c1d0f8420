"""One settings file, driven by environment variables that fail loudly.

Development defaults (DEBUG on, SQLite in the checkout) need no set-up; production
is `PRIORAUTH_DEBUG=0` with a real `PRIORAUTH_SECRET_KEY` and `PRIORAUTH_ALLOWED_HOSTS`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r}: expected one of 1/0, true/false, yes/no"
    )


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str, *, debug: bool) -> str:
    """Read a secret from NAME or from the file named by NAME_FILE."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r}: {exc}") from None
    if not value:
        if debug:
            return "dev-only-insecure-key-" + "x" * 40
        raise ImproperlyConfigured(
            f"{name} (or {name}_FILE) must be set when DEBUG is off"
        )
    if not debug and (len(value) < 50 or value.startswith("django-insecure-")):
        raise ImproperlyConfigured(f"{name} must be at least 50 random characters")
    return value


DEBUG = envbool("PRIORAUTH_DEBUG", True)
SECRET_KEY = envsecret("PRIORAUTH_SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = envlist(
    "PRIORAUTH_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = envlist("PRIORAUTH_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The OTP-protected, practice-scoped admin (in place of django.contrib.admin).
    "priorauth.security.admin_apps.PriorauthAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "priorauth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files answer here, before sessions, auth, audit and the no-store header:
    # they hold no PHI, and hashed names make them safe to cache for a year.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Times in the practice's zone ("2 December 2026, 9:14 AM PST"); no query.
    "priorauth.security.timezones.PracticeTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "priorauth.security.headers.SecurityHeadersMiddleware",
    "priorauth.security.auth.LoginRequiredMiddleware",  # Django's, refusals audited
    "priorauth.security.sessions.SessionLifetimeMiddleware",
    "axes.middleware.AxesMiddleware",
    "priorauth.security.auth.OTPRequiredMiddleware",
    "priorauth.security.audit.AuditMiddleware",
]

ROOT_URLCONF = "priorauth.urls"
WSGI_APPLICATION = "priorauth.wsgi.application"

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
            ],
            # {{ value|when }}: a time in words, in the active (practice) zone.
            "builtins": ["priorauth.templatetags.when"],
        },
    },
]

# SQLite by default (zero set-up); PostgreSQL when DATABASE_URL points at one.
_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except Exception as exc:  # dj-database-url raises several types
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL: {exc}"
        ) from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get(
                "PRIORAUTH_SQLITE_PATH", str(BASE_DIR / "db.sqlite3")
            ),
            "OPTIONS": {
                # WAL lets readers run during a write; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue instead of failing with "locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 5,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PostgreSQL: the role the app logs in as when it is not the owner that runs
# migrate. Set it where migrate runs: migrate then grants this role what the app
# needs and nothing that rewrites the audit trail (priorauth/security/db_roles.py).
PRIORAUTH_DB_APP_ROLE = os.environ.get("PRIORAUTH_DB_APP_ROLE", "").strip()
if PRIORAUTH_DB_APP_ROLE and not re.fullmatch(
    r"[a-z_][a-z0-9_]{0,62}", PRIORAUTH_DB_APP_ROLE
):
    raise ImproperlyConfigured(
        f"PRIORAUTH_DB_APP_ROLE={PRIORAUTH_DB_APP_ROLE!r}: expected a lower-case "
        "PostgreSQL role name (letters, digits, underscores)"
    )

AUTH_USER_MODEL = "priorauth.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "priorauth.security.PracticeModelBackend",  # ModelBackend + the user's practice
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "pa-login"
LOGIN_REDIRECT_URL = "pa-worklist"
LOGOUT_REDIRECT_URL = "pa-login"

# Login throttling: lock a username+IP pair, so one office behind one IP is not
# locked out by a single user's typos.
AXES_FAILURE_LIMIT = envint("PRIORAUTH_AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "priorauth.web.errors.lockout"  # the app's 429 page

# Sessions: 15 minutes idle, 8 hours absolute (enforced in middleware).
# The idle window slides on activity, but the session row is rewritten at most once
# per SESSION_REFRESH_SECONDS (security.sessions.SessionLifetimeMiddleware), not on
# every page view: a session then ends between 14 and 15 minutes after the last
# request, never later, and a GET does not have to take SQLite's write lock for it.
SESSION_COOKIE_AGE = envint("PRIORAUTH_SESSION_IDLE_SECONDS", 15 * 60)
SESSION_REFRESH_SECONDS = envint("PRIORAUTH_SESSION_REFRESH_SECONDS", 60)
SESSION_SAVE_EVERY_REQUEST = False
if not 0 < SESSION_REFRESH_SECONDS <= SESSION_COOKIE_AGE // 2:
    raise ImproperlyConfigured(
        "PRIORAUTH_SESSION_REFRESH_SECONDS must be above 0 and at most half of "
        "PRIORAUTH_SESSION_IDLE_SECONDS"
    )
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = envint("PRIORAUTH_SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `manage.py collectstatic` (run by `make serve`) writes here; gitignored.
STATIC_ROOT = Path(
    os.environ.get("PRIORAUTH_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed names (cacheable forever) with .gz and .br variants
    # from STATIC_ROOT through WhiteNoise; development reads the app folders as is.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Supporting documents (cleaned PDFs), one folder per practice, never under the web
# root and never served by URL: only the access-checked, audited attachment view
# reads them. A local folder by default; an S3-compatible bucket (django-storages,
# installed by the deployment: `pip install django-storages[s3]`) when
# PRIORAUTH_ATTACHMENTS_S3_BUCKET is set. Credentials come from boto3's usual
# environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the instance role.
PRIORAUTH_ATTACHMENTS_DIR = Path(
    os.environ.get("PRIORAUTH_ATTACHMENTS_DIR", str(BASE_DIR / "var" / "attachments"))
)
_attachments_bucket = os.environ.get("PRIORAUTH_ATTACHMENTS_S3_BUCKET", "").strip()
if _attachments_bucket:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _attachments_bucket,
            "endpoint_url": os.environ.get("PRIORAUTH_ATTACHMENTS_S3_ENDPOINT")
            or None,
            "region_name": os.environ.get("PRIORAUTH_ATTACHMENTS_S3_REGION") or None,
            "location": os.environ.get(
                "PRIORAUTH_ATTACHMENTS_S3_PREFIX", "attachments"
            ),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(PRIORAUTH_ATTACHMENTS_DIR),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }

# Draft PDFs rendered ahead (services.renditions), one folder per practice: outside
# the web root and never served as files (the draft view reads them back).
PRIORAUTH_RENDITION_DIR = Path(
    os.environ.get("PRIORAUTH_RENDITION_DIR", str(BASE_DIR / "var" / "renditions"))
)
STORAGES["renditions"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": str(PRIORAUTH_RENDITION_DIR),
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
# A click waits at most this long for a render someone else is doing before it
# renders itself; a claim older than PRIORAUTH_RENDER_STALE_SECONDS is a dead worker's.
PRIORAUTH_RENDER_WAIT_SECONDS = envint("PRIORAUTH_RENDER_WAIT_SECONDS", 8)
PRIORAUTH_RENDER_STALE_SECONDS = envint("PRIORAUTH_RENDER_STALE_SECONDS", 8)
# Renders off the request path: with a task worker beside the server (ops/worker.py
# sets PRIORAUTH_RENDER_ON_WORKER for the server it starts), a click that finds no
# stored draft hands the render to the worker at click priority and waits; when no
# worker has taken it after PRIORAUTH_RENDER_HANDOFF_MS, the click renders itself.
PRIORAUTH_RENDER_ON_WORKER = envbool("PRIORAUTH_RENDER_ON_WORKER", False)
PRIORAUTH_RENDER_HANDOFF_MS = envint("PRIORAUTH_RENDER_HANDOFF_MS", 2000)
# At most this many renders ahead wait in the queue: when more do, the oldest are
# dropped (the queue is oldest first; services.tasks._keep_newest_renders_ahead).
PRIORAUTH_RENDER_AHEAD_QUEUE = envint("PRIORAUTH_RENDER_AHEAD_QUEUE", 6)
# A render ahead older than this when the worker reaches it is dropped (services.tasks).
PRIORAUTH_RENDER_AHEAD_MAX_AGE_SECONDS = envint(
    "PRIORAUTH_RENDER_AHEAD_MAX_AGE_SECONDS", 120
)

# Background tasks (django-tasks): the database backend, run by `manage.py db_worker`
# beside the server (`make run`, `make serve`: priorauth/ops/worker.py). Another
# backend (Celery, RQ) runs the same task code: docs/performance.md.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "PRIORAUTH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Widgets (the inputs, selects and their options) rendered by Django's own Jinja2
# widget templates: the same HTML as the default renderer's, ~20 % off the request
# form page (~140 widgets; docs/performance.md). The pages and crispy's field
# templates stay Django templates.
FORM_RENDERER = "priorauth.web.form_renderer.WidgetsFirstRenderer"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Where signing keys and the practice CA live: never inside the repository.
PRIORAUTH_KEY_DIR = Path(
    os.environ.get("PRIORAUTH_KEY_DIR", str(BASE_DIR / "var" / "keys"))
)

# RFC 3161 timestamps on signatures (PAdES B-T) when a TSA URL is set; validation
# trusts the TSA roots in PRIORAUTH_TSA_ROOTS (a PEM file). Off by default.
PRIORAUTH_TSA_URL = os.environ.get("PRIORAUTH_TSA_URL", "").strip()
if PRIORAUTH_TSA_URL and not PRIORAUTH_TSA_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"PRIORAUTH_TSA_URL={PRIORAUTH_TSA_URL!r}: expected an http(s):// URL"
    )
PRIORAUTH_TSA_ROOTS = os.environ.get("PRIORAUTH_TSA_ROOTS", "").strip()
PRIORAUTH_TSA_TIMEOUT = envint("PRIORAUTH_TSA_TIMEOUT", 10)

# Bodies over 1 MB (forms, JSON import) are refused with a 400 before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("PRIORAUTH_MAX_BODY_BYTES", 1024 * 1024)
OTP_TOTP_ISSUER = "priorauth"

# A refused CSRF check is audited and gets the app's page (never Django's debug one).
CSRF_FAILURE_VIEW = "priorauth.web.errors.csrf_failure"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("PRIORAUTH_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy (nginx, Caddy) that overwrites this header;
    # gunicorn then listens on loopback only (README, "Production server").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health probes (load balancer, `make serve`) may use plain HTTP; the page holds no PHI.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# Write transactions at least this long are logged as warnings (quality.md P11).
PRIORAUTH_SLOW_TRANSACTION_MS = envint("PRIORAUTH_SLOW_TRANSACTION_MS", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "escape_control_chars": {
            "()": "priorauth.security.logfilters.EscapeControlChars"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["escape_control_chars"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
