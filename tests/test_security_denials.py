"""Every refusal is audited: the URL walk, as every role, with and without CSRF tokens.

For each URL pattern (the app's and the admin's) and each role (anonymous, billing,
physician, practice admin, another practice's user, a user who has not entered their
two-factor code yet, superuser), GET, POST, and POST without a CSRF token. Whenever
the answer is a refusal (403, 404, 429, or a redirect to a login or two-factor page),
exactly one new audit row records it, marked denied and with a reason; a signed-in
user's request that is not refused is one row as well. No row holds PHI.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth.security.audit import SKIPPED_URL_NAMES
from tests.security_data import PHI_VALUES, SHARED_PK, practice_a_world
from tests.test_security_urls import ALL_ROUTES, Route

# Logging out ends the walker's session; logout is audited by its own signal.
WALKED = [r for r in ALL_ROUTES if r.name not in ("pa-logout", "admin:logout")]
ROLES = (
    "anonymous",
    "billing",
    "physician",
    "practice_admin",
    "outsider",
    "otp_pending",
    "superuser",
)
REFUSAL_TARGETS = ("pa-login", "admin:login", "pa-otp-verify")
REASON = re.compile(r"^status=\d{3} denied reason=[a-z0-9-]+$")


def _url(route: Route) -> str:
    """The route with SHARED_PK in every id (practice A's objects all have it)."""
    kwargs: dict[str, Any] = {}
    for key in route.converters:
        kwargs[key] = SHARED_PK
    if not route.converters and "(?P<app_label>" in route.route:
        kwargs["app_label"] = "priorauth"
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    return "/" + re.sub(r"<[^>]+>", str(SHARED_PK), route.route)  # unnamed redirects


def _verified(client: Client, user: Any, **device: Any) -> Client:
    """Signed in, with a confirmed TOTP device verified in this session."""
    device = TOTPDevice.objects.create(
        user=user, name="phone", confirmed=True, **device
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def clients(
    practice,
    payer_profiles,
    billing_user,
    physician_user,
    admin_user,
    outsider_user,
    django_user_model,
) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    world = practice_a_world(practice, payer_profiles["medicare"], physician_user)
    m.SignedDocument.objects.create(
        pk=SHARED_PK,
        request=world["request"],
        revision=1,
        signer=physician_user,
        printed_name="Dana Phys",
        credentials="MD",
        npi="1234567893",
        signed_at=timezone.now(),
        meaning="author",
        pdf=b"%PDF-1.7\n%%EOF",
        sha256="0" * 64,
    )
    admin_user.is_staff = True
    admin_user.save()
    pending = django_user_model.objects.create_user(
        "pending", practice=practice, role="billing", password="x-long-password-1"
    )
    TOTPDevice.objects.create(user=pending, name="phone", confirmed=True)
    root = django_user_model.objects.create_superuser(
        "root", "root@example.invalid", "x-long-password-2"
    )
    clients = {role: Client() for role in ROLES}
    clients["billing"].force_login(billing_user)
    clients["physician"].force_login(physician_user)
    clients["outsider"].force_login(outsider_user)
    clients["otp_pending"].force_login(pending)
    # django-otp's device config/QR admin pages answer a missing id with a 500:
    # walk them with a device that exists.
    _verified(clients["practice_admin"], admin_user, pk=SHARED_PK)
    _verified(clients["superuser"], root)
    return clients


def _is_refusal(response: Any) -> bool:
    if response.status_code in (401, 403, 404, 429):
        return True
    if response.status_code in (301, 302, 303, 307, 308):
        target = response["Location"].split("?", 1)[0]
        return target in {reverse(name) for name in REFUSAL_TARGETS}
    return False


def _reason(row: m.AuditEvent) -> str:
    """The refusal's reason: ``reason=<code>`` in the middleware's and the guards'
    rows; the sign view writes ``<action>.denied`` with the reason as the detail."""
    if REASON.match(row.detail):
        return row.detail.rsplit("reason=", 1)[1]
    if row.action.endswith(".denied"):
        return row.detail
    return ""


def _check(role: str, route: Route, how: str, response: Any, rows: list[Any]) -> None:
    where = (role, route.name, how, response.status_code)
    for row in rows:
        text = " ".join(str(v) for v in (row.username, row.object_id, row.detail))
        for value in PHI_VALUES:
            assert value not in text, (where, row.detail)
    if _is_refusal(response):
        assert len(rows) == 1, (where, [(r.action, r.detail) for r in rows])
        assert _reason(rows[0]), (where, rows[0].action, rows[0].detail)
    elif role != "anonymous" and route.name not in SKIPPED_URL_NAMES:
        assert len(rows) == 1, (where, [(r.action, r.detail) for r in rows])
        assert "denied" not in rows[0].detail, where
    else:
        assert rows == [], (where, [(r.action, r.detail) for r in rows])


def _walk_one(client: Client, url: str, how: str) -> tuple[Any, list[Any]]:
    last = m.AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if how == "get":
        response = client.get(url)
    elif how == "post":
        response = client.post(url, {})
    else:  # a POST without a CSRF token, from the same session
        forged = Client(enforce_csrf_checks=True)
        forged.cookies = client.cookies
        response = forged.post(url, {})
    rows = list(m.AuditEvent.objects.filter(id__gt=last or 0).order_by("id"))
    return response, rows


@pytest.mark.parametrize("route", WALKED, ids=[r.name or r.route for r in WALKED])
def test_every_refusal_of_every_route_is_one_audit_row_with_a_reason(clients, route):
    url = _url(route)
    refusals = 0
    for role in ROLES:
        for how in ("get", "post", "post-without-csrf"):
            response, rows = _walk_one(clients[role], url, how)
            _check(role, route, how, response, rows)
            refusals += _is_refusal(response)
            if how == "post-without-csrf":
                assert response.status_code == 403, (role, route.name)
                assert _reason(rows[0]).startswith("csrf-"), (role, rows[0].detail)
    assert refusals >= 3, route.name  # the walk really met refusals on this route


def test_the_reasons_say_what_stopped_the_request(clients):
    """One refusal of each kind, with the reason the guard gave."""
    url = reverse("pa-request-detail", args=[SHARED_PK])
    admin_url = reverse("admin:index")
    cases = [
        ("anonymous", url, "get", "login-required", None),
        ("otp_pending", url, "get", "otp-required", "pending"),
        ("outsider", url, "get", "not-found", "outsider"),
        ("billing", reverse("pa-audit"), "get", "forbidden", "billie"),
        ("billing", admin_url, "get", "admin-not-staff", "billie"),
        ("physician", url, "post-without-csrf", "csrf-no-cookie", "drphys"),
    ]
    for role, target, how, reason, username in cases:
        response, rows = _walk_one(clients[role], target, how)
        assert len(rows) == 1, (role, target)
        assert rows[0].detail.endswith(f"denied reason={reason}"), rows[0].detail
        assert rows[0].username == (username or ""), (role, rows[0].username)


def test_an_unverified_staff_user_is_refused_by_the_admin_with_a_reason(
    client, admin_user
):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(
        admin_user
    )  # no TOTP device: the app lets them in, the admin not
    response, rows = _walk_one(client, reverse("admin:index"), "get")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert [(r.action, r.detail) for r in rows] == [
        ("admin:index.view", "status=302 denied reason=admin-otp-required")
    ]
    assert rows[0].user == admin_user and rows[0].practice_id == admin_user.practice_id
