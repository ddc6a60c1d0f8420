"""URL walk: anonymous users reach only login and health; practice B gets 404 on every
object of practice A (GET and POST); routes carry no PHI; CSRF guards every POST."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, UUIDConverter

from priorauth import models as m
from tests.security_data import PHI_VALUES, SHARED_PK, practice_a_world

PUBLIC = {"pa-login", "pa-health"}
OPAQUE_CONVERTERS = (IntConverter, UUIDConverter)
PHI_WORDS = re.compile(
    r"name|dob|birth|mrn|member|ssn|social|phone|address|email", re.I
)


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    converters: dict[str, Any]
    callback: Any

    @property
    def has_object(self) -> bool:
        return bool(self.converters)

    def url(self) -> str:
        kwargs = {}
        for key, conv in self.converters.items():
            if isinstance(conv, IntConverter):
                kwargs[key] = SHARED_PK
            elif isinstance(conv, UUIDConverter):
                kwargs[key] = uuid.UUID(int=SHARED_PK)
            else:
                kwargs[key] = "x"
        return reverse(self.name, kwargs=kwargs)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            routes += _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            converters = getattr(p.pattern, "converters", {})
            routes.append(
                Route(
                    f"{namespace}{p.name}" if p.name else "",
                    prefix + str(p.pattern),
                    converters,
                    p.callback,
                )
            )
    return routes


ALL_ROUTES = _walk(get_resolver().url_patterns)
ADMIN_ROUTES = [r for r in ALL_ROUTES if r.route.startswith("admin/")]
APP_ROUTES = [r for r in ALL_ROUTES if not r.route.startswith("admin/")]


def _ids(routes: list[Route]) -> list[str]:
    return [r.name or r.route for r in routes]


def test_the_walk_found_the_app_and_the_admin():
    names = {r.name for r in ALL_ROUTES}
    assert {
        "pa-login",
        "pa-health",
        "pa-worklist",
        "pa-request-detail",
        "admin:index",
    } <= names
    assert len(APP_ROUTES) >= 10


@pytest.mark.parametrize("route", APP_ROUTES, ids=_ids(APP_ROUTES))
def test_every_app_route_is_named_and_opaque(route):
    assert route.name.startswith("pa-"), route.route
    for key, conv in route.converters.items():
        assert isinstance(conv, OPAQUE_CONVERTERS), (
            f"{route.route}: <{key}> must be int or uuid"
        )
    assert not PHI_WORDS.search(route.route), route.route


# --------------------------------------------------------------------------- anonymous


@pytest.fixture
def world(practice, payer_profiles, physician_user):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    w = practice_a_world(practice, payer_profiles["medicare"], physician_user)
    w["document"] = m.SignedDocument.objects.create(
        pk=SHARED_PK,
        request=w["request"],
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
    return w


def _is_login_redirect(response, admin: bool = False) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code != 302:
        return False
    target = reverse("admin:login") if admin else reverse(settings.LOGIN_URL)
    return response["Location"].startswith(target)


@pytest.mark.parametrize("route", APP_ROUTES, ids=_ids(APP_ROUTES))
def test_anonymous_users_are_sent_to_login(client, world, route):
    url = route.url()
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if route.name in PUBLIC:
            assert response.status_code in (200, 302, 405), (method, url)
            if response.status_code == 302:
                assert not _is_login_redirect(response) or route.name == "pa-login"
        else:
            assert _is_login_redirect(response), (method, url, response.status_code)
        for value in PHI_VALUES:
            assert value.encode() not in response.content


ADMIN_SAMPLE = [
    "/admin/",
    "/admin/priorauth/",
    "/admin/priorauth/patient/",
    f"/admin/priorauth/patient/{SHARED_PK}/change/",
    "/admin/priorauth/user/",
    f"/admin/priorauth/user/{SHARED_PK}/password/",
    "/admin/priorauth/auditevent/",
]


@pytest.mark.parametrize("url", ADMIN_SAMPLE)
def test_anonymous_users_are_sent_to_admin_login(client, world, url):
    response = client.get(url)
    assert _is_login_redirect(response, admin=True) or _is_login_redirect(response), (
        url,
        response.status_code,
    )
    assert b"Synthetic" not in response.content


def test_every_admin_route_is_behind_login(client, world):
    admin_routes = [
        r for r in ADMIN_ROUTES if r.name and r.name not in ("admin:login",)
    ]
    assert admin_routes
    for route in admin_routes:
        try:
            url = route.url()
        except Exception:  # regex routes with choices (app_label): use a real value
            url = (
                reverse(route.name, kwargs=dict.fromkeys(route.converters, "priorauth"))
                if route.converters
                else None
            )
        if url is None:
            continue
        response = client.get(url)
        assert response.status_code in (302, 404), (url, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"], url


# --------------------------------------------------------------------------- practice isolation


OBJECT_ROUTES = [r for r in APP_ROUTES if r.has_object]


def _practice_a_state(world) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    req = m.AuthRequest.objects.get(pk=world["request"].pk)
    return (
        req.status,
        req.lock_version,
        req.revision,
        req.clinical_notes,
        m.AuthRequest.objects.filter(practice=world["request"].practice).count(),
        m.SignedDocument.objects.count(),
        m.Patient.objects.filter(practice=world["request"].practice).count(),
        m.RequestLevel.objects.filter(request=req).count(),
        list(m.Attachment.objects.filter(request=req).values_list("pk", "position")),
    )


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=_ids(OBJECT_ROUTES))
def test_another_practice_gets_404_on_every_object(client_outsider, world, route):
    before = _practice_a_state(world)
    url = route.url()
    get = client_outsider.get(url)
    assert get.status_code in (404, 405), (url, get.status_code)
    post = client_outsider.post(
        url,
        {
            "password": "correct-horse-battery-9",
            "confirm": "on",
            "patient": SHARED_PK,
            "override_reason": "x",
            "lock_version": "0",
        },
    )
    assert post.status_code in (403, 404, 405), (url, post.status_code)
    for response in (get, post):
        for value in PHI_VALUES:
            assert value.encode() not in response.content, (url, value)
    assert _practice_a_state(world) == before


@pytest.mark.parametrize(
    "route",
    [
        r
        for r in APP_ROUTES
        if not r.has_object and r.name not in PUBLIC | {"pa-logout"}
    ],
    ids=_ids(
        [
            r
            for r in APP_ROUTES
            if not r.has_object and r.name not in PUBLIC | {"pa-logout"}
        ]
    ),
)
def test_list_and_create_pages_show_another_practice_nothing(
    client_outsider, world, route
):
    before = _practice_a_state(world)
    url = route.url()
    for response in (
        client_outsider.get(url),
        # A partial search term: the page may echo "Synth", but a leaked row would show "Synthetic".
        client_outsider.get(url, {"patient": SHARED_PK, "q": "Synth"}),
        client_outsider.post(
            url,
            {
                "patient": SHARED_PK,
                "q": "Synth",
                "levels": "L4-L5",
                "procedure_type": "mbb",
            },
        ),
    ):
        assert response.status_code != 500, url
        for value in PHI_VALUES:
            assert value.encode() not in response.content, (url, value)
    assert _practice_a_state(world) == before


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=_ids(OBJECT_ROUTES))
def test_the_owning_practice_reaches_the_same_urls(client_physician, world, route):
    """The 404s above come from isolation, not from broken URLs."""
    response = client_physician.get(route.url())
    assert response.status_code not in (404, 500), (route.name, response.status_code)


def test_billing_staff_cannot_sign_even_with_a_forged_post(client_billing, world):
    url = reverse("pa-request-sign", args=[SHARED_PK])
    req = world["request"]
    m.AuthRequest.objects.filter(pk=req.pk).update(status="ready")
    documents = m.SignedDocument.objects.count()
    response = client_billing.post(
        url, {"password": "correct-horse-battery-9", "confirm": "on"}
    )
    assert response.status_code == 403
    assert m.SignedDocument.objects.count() == documents
    assert m.AuthRequest.objects.get(pk=req.pk).status == "ready"
    assert (
        m.AuditEvent.objects.filter(
            action__startswith="request-sign", detail__contains="role"
        ).exists()
        or m.AuditEvent.objects.filter(
            action__startswith="request-sign", detail__contains="denied"
        ).exists()
    )


# --------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("route", APP_ROUTES, ids=_ids(APP_ROUTES))
def test_csrf_is_enforced_on_every_post(physician_user, world, route):
    assert not getattr(route.callback, "csrf_exempt", False), route.name
    client = Client(enforce_csrf_checks=True)
    client.force_login(physician_user)
    response = client.post(
        route.url(), {"password": "correct-horse-battery-9", "confirm": "on"}
    )
    assert response.status_code == 403, (route.name, response.status_code)


def test_csrf_is_enforced_on_the_admin(db):
    from priorauth.models import User

    root = User.objects.create_superuser(
        "root", "root@example.org", "Sup3r-secret-password!"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(root)
    assert (
        client.post(
            f"/admin/priorauth/patient/{SHARED_PK}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_resolving_never_needs_phi():
    match = resolve(reverse("pa-request-detail", args=[SHARED_PK]))
    assert match.kwargs == {"pk": SHARED_PK}
