"""Error pages: the app's layout, plain words and a way on, and nothing internal.

With DEBUG off (as in production), a view that raises gets the app's 500 page, never
Django's debug page; 400, 403, 404, the CSRF failure page and the lockout (429) page
are the app's too. None shows the exception, the path or PHI.
"""

from __future__ import annotations

from typing import Any

import pytest

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.security_data import PHI_VALUES
from tests.urls_errors import SECRET

# Strings only Django's debug pages (technical 500/404, CSRF debug) contain.
DEBUG_MARKERS = (
    "Traceback",
    "Request Method:",
    "Exception Value",
    "DEBUG = True",
    "Django tried these URL patterns",
    "Help\n\nReason given for failure",
    "CSRF verification failed",
    "settings.py",
)


@pytest.fixture
def production(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.urls_errors"
    return settings


def _assert_app_page(response: Any, status: int, *phrases: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Skip to content" in html and 'class="navbar' in html  # templates/base.html
    assert "priorauth/app.css" in html
    for phrase in phrases:
        assert phrase in html, phrase
    for marker in (*DEBUG_MARKERS, SECRET, "RuntimeError", "PermissionDenied"):
        assert marker not in html, marker
    for value in PHI_VALUES:
        assert value not in html, value
    assert "no-store" in response["Cache-Control"]
    return html


def _quiet(client: Client) -> Client:
    client.raise_request_exception = False  # see the page a browser would get
    return client


def test_a_view_that_raises_gets_the_500_page_not_the_debug_page(
    production, client_billing
):
    response = _quiet(client_billing).get("/test-errors/boom/")
    html = _assert_app_page(
        response, 500, "Something went wrong", "tell your practice admin"
    )
    assert f'href="{reverse("pa-worklist")}"' in html


def test_an_anonymous_500_is_the_same_page(production, client):
    _assert_app_page(
        _quiet(client).get("/test-errors/public-boom/"), 500, "Something went wrong"
    )


def test_the_500_page_renders_without_a_request():
    """Django renders 500.html with no request context: no user, session or DB."""
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html and "Skip to content" in html


def test_permission_denied_gets_the_403_page(production, client_billing):
    html = _assert_app_page(
        _quiet(client_billing).get("/test-errors/forbidden/"),
        403,
        "You can't open this page",
        "ask your practice admin",
    )
    assert f'href="{reverse("pa-worklist")}"' in html


def test_a_role_refusal_in_the_app_gets_the_403_page(production, client_billing):
    _assert_app_page(client_billing.get(reverse("pa-audit")), 403, "only a practice")


@pytest.mark.parametrize(
    "url", ["/test-errors/missing/", "/no/such/page/", "/requests/999999/"]
)
def test_not_found_gets_the_404_page(production, client_billing, url):
    _assert_app_page(
        _quiet(client_billing).get(url),
        404,
        "Page not found",
        "from the worklist",
    )


def test_another_practices_request_is_the_same_404_page(
    production, client_outsider, patient, practice
):
    from tests.security_data import make_request

    obj = make_request(practice, patient)
    _assert_app_page(
        client_outsider.get(reverse("pa-request-detail", args=[obj.pk])),
        404,
        "Page not found",
    )


def test_a_suspicious_request_gets_the_400_page(production, client_billing):
    _assert_app_page(
        _quiet(client_billing).get("/test-errors/suspicious/"),
        400,
        "Request not accepted",
        "nothing was saved",
    )


def test_a_stale_form_gets_the_csrf_page_signed_in(production, billing_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(billing_user)
    html = _assert_app_page(
        client.post(reverse("pa-request-create"), {}),
        403,
        "This form had expired",
        "nothing was saved",
        "reload the page",
    )
    assert f'href="{reverse("pa-worklist")}"' in html


def test_a_stale_login_form_gets_the_csrf_page_with_a_sign_in_link(production, db):
    client = Client(enforce_csrf_checks=True)
    html = _assert_app_page(
        client.post(reverse("pa-login"), {"username": "x", "password": "y"}),
        403,
        "This form had expired",
        "sign in first",
    )
    assert f'href="{reverse("pa-login")}"' in html


def test_the_lockout_page_is_the_apps(production, client, billing_user):
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    for _ in range(5):
        response = client.post(
            reverse("pa-login"), {"username": "billie", "password": "wrong-one-123"}
        )
    html = _assert_app_page(
        response, 429, "Too many failed sign-ins", "15 minutes", "practice admin"
    )
    assert f'href="{reverse("pa-login")}"' in html
    assert "billie" not in html  # the username tried is not echoed
    # Still locked with the right password: the same page.
    response = client.post(
        reverse("pa-login"), {"username": "billie", "password": PASSWORD}
    )
    _assert_app_page(response, 429, "Too many failed sign-ins")
