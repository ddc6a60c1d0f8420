"""Production settings, response headers and log hygiene."""

from __future__ import annotations

import json
import logging
import os
import secrets
import string
import subprocess
import sys

import pytest

from django.http import HttpResponse
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse

from tests.conftest import ROOT
from tests.security_data import make_request

PRODUCTION_ENV = {
    "PRIORAUTH_DEBUG": "0",
    "PRIORAUTH_SECRET_KEY": "".join(
        secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)")
        for _ in range(60)
    ),
    "PRIORAUTH_ALLOWED_HOSTS": "example.org",
}


def _run(args: list[str], **extra_env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE belongs to the test runner, not to
    # the production environment this check stands for.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PRIORAUTH_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="priorauth.settings", **extra_env)
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_env():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_missing_or_weak_secret_key():
    for key in ("", "short", "django-insecure-" + "x" * 60):
        result = _run([sys.executable, "manage.py", "check"], PRIORAUTH_SECRET_KEY=key)
        assert result.returncode != 0
        assert "PRIORAUTH_SECRET_KEY" in result.stderr


def test_session_refresh_period_must_be_shorter_than_half_the_idle_timeout():
    for value in ("0", "451", "-5"):
        result = _run(
            [sys.executable, "manage.py", "check"],
            PRIORAUTH_SESSION_REFRESH_SECONDS=value,
        )
        assert result.returncode != 0, value
        assert "PRIORAUTH_SESSION_REFRESH_SECONDS" in result.stderr
    ok = _run(
        [sys.executable, "manage.py", "check"], PRIORAUTH_SESSION_REFRESH_SECONDS="450"
    )
    assert ok.returncode == 0, ok.stderr


@pytest.fixture(scope="module")
def production_settings() -> dict[str, object]:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'DEBUG','SECRET_KEY','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
        "'SECURE_HSTS_SECONDS','X_FRAME_OPTIONS','PASSWORD_HASHERS','INSTALLED_APPS','MIDDLEWARE',"
        "'SECURE_SSL_REDIRECT','SESSION_COOKIE_AGE','SESSION_EXPIRE_AT_BROWSER_CLOSE','SESSION_ABSOLUTE_SECONDS',"
        "'AXES_LOCKOUT_PARAMETERS','AXES_FAILURE_LIMIT','AUTH_PASSWORD_VALIDATORS','SECURE_CONTENT_TYPE_NOSNIFF')}))"
    )
    result = _run([sys.executable, "-c", script])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_are_hardened(production_settings):
    s = production_settings
    assert s["DEBUG"] is False
    assert (
        not str(s["SECRET_KEY"]).startswith("django-insecure-")
        and len(str(s["SECRET_KEY"])) >= 50
    )
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SESSION_COOKIE_AGE"] == 15 * 60
    assert s["SESSION_ABSOLUTE_SECONDS"] == 8 * 60 * 60
    assert s["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]


def test_production_hashes_passwords_with_argon2(production_settings):
    hashers = production_settings["PASSWORD_HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_hashes_start_with_argon2(settings):
    from django.contrib.auth.hashers import make_password

    from priorauth import settings as production_module

    settings.PASSWORD_HASHERS = (
        production_module.PASSWORD_HASHERS
    )  # conftest swaps in MD5 for speed
    assert make_password("correct-horse-battery-9", hasher="argon2").startswith(
        "argon2$argon2id$"
    )


def test_no_debug_toolbar_in_production(production_settings):
    assert not any(
        "debug_toolbar" in app for app in production_settings["INSTALLED_APPS"]
    )
    assert not any("debug_toolbar" in mw for mw in production_settings["MIDDLEWARE"])


def test_debug_toolbar_url_is_404(client_billing):
    assert client_billing.get("/__debug__/").status_code == 404


def test_security_middleware_is_installed(production_settings):
    mw = production_settings["MIDDLEWARE"]
    for name in (
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "priorauth.security.auth.LoginRequiredMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "priorauth.security.auth.OTPRequiredMiddleware",
        "priorauth.security.audit.AuditMiddleware",
        "axes.middleware.AxesMiddleware",
    ):
        assert name in mw
    from django.contrib.auth.middleware import LoginRequiredMiddleware

    from priorauth.security.auth import LoginRequiredMiddleware as Audited

    assert issubclass(Audited, LoginRequiredMiddleware)  # Django's check, audited


# --------------------------------------------------------------------------- headers


def _assert_phi_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in (
        "same-origin",
        "no-referrer",
        "strict-origin",
    )
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=False)
def test_phi_page_headers(client_billing, practice, patient):
    obj = make_request(practice, patient)
    response = client_billing.get(
        reverse("pa-request-detail", args=[obj.pk]), secure=True
    )
    assert response.status_code == 200
    _assert_phi_headers(response)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def _pdf_view(request):  # type: ignore[no-untyped-def]
    response = HttpResponse(b"%PDF-1.7\n%%EOF", content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="request-1.pdf"'
    return response


urlpatterns = [path("pdf-probe/", _pdf_view, name="pdf-probe")]


@override_settings(ROOT_URLCONF=__name__, SECURE_HSTS_SECONDS=31536000)
def test_pdf_responses_get_the_same_headers_from_middleware(client_billing):
    response = client_billing.get("/pdf-probe/", secure=True)
    assert response["Content-Type"] == "application/pdf"
    _assert_phi_headers(response)
    assert "Strict-Transport-Security" in response


def test_real_pdf_endpoint_headers(
    client_physician, practice, patient, provider, facility
):
    obj = make_request(
        practice,
        patient,
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
    )
    for name in ("pa-request-pdf", "pa-request-packet", "pa-request-draft-pdf"):
        try:
            url = reverse(name, args=[obj.pk])
        except NoReverseMatch:
            continue
        response = client_physician.get(url)
        if response.status_code != 200:
            continue
        assert response["Content-Type"] == "application/pdf"
        _assert_phi_headers(response)
        disposition = response.get("Content-Disposition", "")
        for value in ("Synthetic", "Sam", "1958", "ZZT"):
            assert value not in disposition
        return
    pytest.skip("no PDF endpoint is routed yet")


# --------------------------------------------------------------------------- logs


def test_console_log_handler_escapes_newlines():
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(type(f).__name__ == "EscapeControlChars" for f in h.filters)
    ]
    assert handlers, "the configured console handler must carry the escaping filter"
    record = logging.LogRecord(
        "axes",
        logging.WARNING,
        __file__,
        1,
        "login failed for %s",
        ("bob\nFAKE ENTRY",),
        None,
    )
    handler = handlers[0]
    assert handler.filter(record)
    line = handler.format(record)
    assert "\n" not in line and "bob\\x0aFAKE ENTRY" in line


def test_failed_login_logs_no_newline_injection(client, db):
    """Axes logs the attempted username; the handler filter escapes it."""
    from priorauth.security.logfilters import EscapeControlChars

    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    capture = Capture()
    capture.addFilter(EscapeControlChars())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        client.post(
            reverse("pa-login"),
            {"username": "eve\nINFO forged line", "password": "whatever-123"},
        )
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
    assert records, "expected axes to log the failed attempt"
    for record in records:
        assert "\n" not in capture.format(record)
