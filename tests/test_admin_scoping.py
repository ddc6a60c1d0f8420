"""The admin shows a practice admin nothing of another practice.

Practice B's practice, patient, provider, facility, users, request, signed document
and audit rows carry distinctive names. Practice A's admin (staff, verified TOTP)
opens every admin page: index and app lists, every changelist (plain, as a raw-id
popup, searched for B's names, and with every filter link it offers and forged
filters naming B's ids), every add page, change/history/delete/password pages for
A's objects and for B's, and the autocomplete endpoint for every relation field.
None of B's names appears in any answer.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from priorauth import models as m
from priorauth.security.audit import audit_log
from tests.security_data import make_request

B_MARKERS = (
    "zephyrine",
    "quillon",
    "marchetti",
    "zpi-77001",
    "brumblewood",
    "zeph_",
    "ignatius",
    "fennimore",
)


A_NAMES = ("alder creek spine", "thistlewood", "okafor", "alder_doc")


def _practice_world(practice: Any, payer: Any, names: dict[str, str]) -> dict[str, Any]:
    user = m.User.objects.create_user(
        names["username"],
        practice=practice,
        role="physician",
        first_name=names["first"],
        last_name=names["last"],
        password="x-long-password-1",
    )
    admin_user = m.User.objects.create_user(
        names["username"] + "admin",
        practice=practice,
        role="admin",
        is_staff=True,
        password="x-long-password-2",
    )
    patient = m.Patient.objects.create(
        practice=practice,
        first_name=names["patient_first"],
        last_name=names["patient_last"],
        dob=date(1961, 5, 6),
        sex="M",
        member_id=names["member_id"],
        payer_profile=payer,
    )
    m.PriorProcedure.objects.create(
        patient=patient, date=date(2026, 2, 2), procedure="mbb", levels="L4-L5"
    )
    provider = m.Provider.objects.create(
        practice=practice, name=names["provider"], npi="1234567893", user=user
    )
    facility = m.Facility.objects.create(
        practice=practice,
        name=names["facility"],
        npi="1245319599",
        place_of_service="24",
    )
    request = make_request(
        practice, patient, ordering_provider=provider, facility=facility
    )
    document = m.SignedDocument.objects.create(
        request=request,
        revision=1,
        signer=user,
        printed_name=names["provider"],
        credentials="MD",
        npi="1234567893",
        signed_at=timezone.now(),
        meaning="author",
        pdf=b"%PDF-1.7\n%%EOF",
        sha256="0" * 64,
    )
    event = audit_log(user=user, action="request-detail.view", obj=request)
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    return {
        "practice": practice,
        "user": user,
        "admin": admin_user,
        "patient": patient,
        "priorprocedure": patient.history.get(),
        "provider": provider,
        "facility": facility,
        "authrequest": request,
        "signeddocument": document,
        "auditevent": event,
        "totpdevice": device,
    }


@pytest.fixture
def two_practices(payer_profiles) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    payer = payer_profiles["medicare"]
    a = _practice_world(
        m.Practice.objects.create(name="Alder Creek Spine"),
        payer,
        {
            "username": "alder_doc",
            "first": "Mira",
            "last": "Okafor",
            "patient_first": "Rowan",
            "patient_last": "Thistlewood",
            "member_id": "ACS-10001",
            "provider": "Mira Okafor",
            "facility": "Alder Creek Surgery Center",
        },
    )
    b = _practice_world(
        m.Practice.objects.create(name="Zephyrine Pain Institute"),
        payer,
        {
            "username": "zeph_doc",
            "first": "Ignatius",
            "last": "Fennimore",
            "patient_first": "Quillon",
            "patient_last": "Marchetti-Vasquez",
            "member_id": "ZPI-77001",
            "provider": "Octavia Brumblewood",
            "facility": "Brumblewood Surgery Pavilion",
        },
    )
    # B's users fail logins and get refused too: rows in B's audit trail.
    audit_log(action="login-failed", username="zeph_doc", practice_id=b["practice"].pk)
    return a, b


@pytest.fixture
def admin_a(client, two_practices):  # type: ignore[no-untyped-def]
    a, _b = two_practices
    client.force_login(a["admin"])
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = a["totpdevice"].persistent_id
    session.save()
    return client


def _assert_nothing_of_b(response: Any, url: str) -> str:
    assert response.status_code != 500, url
    text = unescape(response.content.decode()).lower()
    for marker in B_MARKERS:
        assert marker not in text, (url, marker)
    return text


def _object_urls(model: Any, pk: Any) -> list[str]:
    info = (model._meta.app_label, model._meta.model_name)
    urls = []
    for view in ("change", "history", "delete", "password"):
        try:
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[pk]))
        except NoReverseMatch:
            pass
    return urls


def _filter_links(html: str) -> list[str]:
    """The changelist's own filter, sort and date links (``href="?..."``)."""
    return sorted({unescape(h) for h in re.findall(r'href="(\?[^"]*)"', html)})


def _admin_urls(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        urls.append(reverse("admin:app_list", args=[app_label]))
    forged_filters = {
        "practice": b["practice"],
        "user": b["user"],
        "signer": b["user"],
        "patient": b["patient"],
        "request": b["authrequest"],
    }
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse(f"admin:{info[0]}_{info[1]}_changelist")
        add = reverse(f"admin:{info[0]}_{info[1]}_add")
        urls += [changelist, changelist + "?_popup=1&_to_field=id"]
        # Partial terms: the page echoes the search, a match would show the full name.
        urls += [f"{changelist}?q={term}" for term in ("Zephyr", "Marchett")]
        urls += [f"{changelist}?q={term}" for term in ("Brumblew", "zeph", "Ignati")]
        urls += [add, add + "?_popup=1&_to_field=id"]
        for field, obj in forged_filters.items():
            for lookup in ("__id__exact", "__exact", ""):
                urls.append(f"{changelist}?{field}{lookup}={obj.pk}")
        if info[1] in a:
            urls += _object_urls(model, a[info[1]].pk)
    return urls


def test_a_practice_admin_sees_nothing_of_another_practice_anywhere_in_the_admin(
    admin_a, two_practices
):
    a, b = two_practices
    seen: set[str] = set()
    followed = 0
    for url in _admin_urls(a, b):
        response = admin_a.get(url)
        text = _assert_nothing_of_b(response, url)
        seen.update(name for name in A_NAMES if name in text)
        if response.status_code == 200 and "?" not in url:
            for link in _filter_links(text):  # every filter choice the page offers
                base = url.split("?", 1)[0]
                _assert_nothing_of_b(admin_a.get(base + link), base + link)
                followed += 1
    # The pages were real pages about practice A, filters included.
    assert seen == set(A_NAMES)
    assert followed > 20


def test_the_practice_filter_offers_only_the_admins_practice(
    admin_a, two_practices, django_user_model
):
    for name in ("patient", "user"):
        url = reverse(f"admin:priorauth_{name}_changelist")
        assert "Zephyrine" not in admin_a.get(url).content.decode()
    # What the filter offers a superuser, who does see every practice.
    root = django_user_model.objects.create_superuser(
        "root", "root@example.invalid", "x-long-password-3"
    )
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    client = Client()
    client.force_login(root)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    html = client.get(reverse("admin:priorauth_patient_changelist")).content.decode()
    assert "By practice" in html
    assert "Alder Creek Spine" in html and "Zephyrine Pain Institute" in html


def test_another_practices_objects_are_404_in_the_admin(admin_a, two_practices):
    _, b = two_practices
    from priorauth.models import AuditEvent

    for key in (
        "patient",
        "provider",
        "facility",
        "user",
        "practice",
        "signeddocument",
    ):
        model = type(b[key])
        for url in _object_urls(model, b[key].pk):
            before = AuditEvent.objects.count()
            response = admin_a.get(url)
            assert response.status_code in (403, 404), (url, response.status_code)
            _assert_nothing_of_b(response, url)
            row = AuditEvent.objects.order_by("-id").first()
            assert AuditEvent.objects.count() == before + 1
            assert "denied reason=" in row.detail, (url, row.detail)
    # The audit trail's rows of practice B.
    for url in _object_urls(AuditEvent, b["auditevent"].pk):
        assert admin_a.get(url).status_code in (403, 404), url


def _relation_fields() -> list[tuple[str, str, str]]:
    fields = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete:
                fields.append(
                    (model._meta.app_label, model._meta.model_name, field.name)
                )
    return fields


def test_autocomplete_offers_only_the_admins_practice(admin_a, two_practices):
    answered = 0
    for app_label, model_name, field_name in _relation_fields():
        for term in ("", "Zeph", "Quill", "Marchett", "Brumble", "Ignati", "a"):
            url = (
                f"{reverse('admin:autocomplete')}?app_label={app_label}"
                f"&model_name={model_name}&field_name={field_name}&term={term}"
            )
            response = admin_a.get(url)
            text = _assert_nothing_of_b(response, url)
            if response.status_code == 200 and '"id"' in text:
                answered += 1
    assert answered, "no autocomplete answered with results: the walk is vacuous"


def test_forms_posted_with_another_practices_ids_show_and_save_nothing_of_it(
    admin_a, two_practices
):
    a, b = two_practices
    url = reverse("admin:priorauth_patient_change", args=[a["patient"].pk])
    response = admin_a.post(
        url,
        {
            "practice": b["practice"].pk,
            "payer_profile": "",
            "first_name": "Rowan",
            "last_name": "",  # invalid: the form comes back
            "dob": "1961-05-06",
            "sex": "M",
            "member_id": "ACS-10001",
            "history-TOTAL_FORMS": "1",
            "history-INITIAL_FORMS": "0",
            "history-0-id": b["priorprocedure"].pk,
            "history-0-date": "2026-01-01",
            "history-0-procedure": "mbb",
            "history-0-levels": "L4-L5",
        },
    )
    _assert_nothing_of_b(response, url)
    a["patient"].refresh_from_db()
    assert a["patient"].practice_id == a["practice"].pk
    b["priorprocedure"].refresh_from_db()
    assert b["priorprocedure"].patient_id == b["patient"].pk
