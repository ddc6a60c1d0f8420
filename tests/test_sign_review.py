"""Sign what was reviewed: read-only while waiting for signature, send back to billing,
the draft in the sign page, the review token, wrong passwords on the page itself."""

from __future__ import annotations

import re
from datetime import date

import pytest

from django.test import Client
from django.urls import reverse

from priorauth import models as m
from priorauth import services
from priorauth.packet import signing
from tests.conftest import PASSWORD
from tests.packet_factory import make_request
from tests.signing_helpers import answer_open_criteria, sign_data


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def ready(practice, patient, provider, facility, payer_profiles, physician_user):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    req = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )
    answer_open_criteria(req, physician_user)
    return req


@pytest.fixture
def doctor(physician_user):  # type: ignore[no-untyped-def]
    """The physician's own browser (the shared ``client`` fixture is one session)."""
    c = Client()
    c.force_login(physician_user)
    return c


@pytest.fixture
def clerk(billing_user):  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(billing_user)
    return c


def _token(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'name="(reviewed_revision|reviewed_sha256)" value="([^"]*)"', html)
    )


def test_what_changed_after_review_is_not_signed(
    doctor, clerk, ready, patient, physician_user
):
    """Today's race: the physician opens the sign page, the packet changes, the
    physician submits. Before the fix the signed PDF held the later change."""
    page = doctor.get(reverse("pa-request-sign", args=[ready.pk]))
    token = _token(page.content.decode())
    assert token["reviewed_revision"] == str(ready.revision)
    assert len(token["reviewed_sha256"]) == 64
    # Billing cannot edit a request that waits for signature ...
    edit = clerk.get(reverse("pa-request-edit", args=[ready.pk]))
    assert edit.status_code == 302
    ready.refresh_from_db()
    assert [lv.level for lv in ready.levels.all()] == ["L4-L5"]
    # ... but the packet can still change (here: the patient's history, which other
    # requests share). The reviewed token no longer matches: nothing is signed.
    m.PriorProcedure.objects.create(
        patient=patient, date=date(2026, 11, 2), procedure="mbb", levels="L4-L5"
    )
    response = doctor.post(
        reverse("pa-request-sign", args=[ready.pk]),
        {"password": PASSWORD, "confirm": "on", "action": "sign", **token},
    )
    assert response.status_code == 302
    assert not m.SignedDocument.objects.filter(request=ready).exists()
    ready.refresh_from_db()
    assert ready.status == "ready"
    assert m.AuditEvent.objects.filter(
        action="request-sign.denied", detail="stale review"
    ).exists()
    message = doctor.get(response["Location"]).content.decode()
    assert "The packet changed after you opened it" in message
    # The third block now on file opens a criterion: answered, then the physician
    # signs what the page shows now, with its current token.
    answer_open_criteria(ready, physician_user)
    fresh = _token(
        doctor.get(reverse("pa-request-sign", args=[ready.pk])).content.decode()
    )
    assert fresh["reviewed_sha256"] != token["reviewed_sha256"]
    response = doctor.post(
        reverse("pa-request-sign", args=[ready.pk]),
        {"password": PASSWORD, "confirm": "on", "action": "sign", **fresh},
    )
    assert response.status_code == 302
    assert m.SignedDocument.objects.filter(request=ready).count() == 1


def test_a_request_waiting_for_signature_is_read_only(clerk, ready, billing_user):
    from tests.intake_data import page_data

    response = clerk.post(
        reverse("pa-request-edit", args=[ready.pk]),
        page_data(
            patient=ready.patient,
            provider=ready.rendering_provider,
            lock_version=ready.lock_version,
        ),
    )
    assert response.status_code == 302
    assert "read-only" in clerk.get(response["Location"]).content.decode()
    with pytest.raises(services.WorkflowError, match="read-only"):
        services.auth_request_save(request=ready, formsets=(), user=billing_user)
    detail = clerk.get(reverse("pa-request-detail", args=[ready.pk])).content.decode()
    assert "Edit request" not in detail


def test_the_physician_sends_it_back_with_a_comment(doctor, clerk, ready):
    url = reverse("pa-request-send-back", args=[ready.pk])
    empty = doctor.post(url, {"comment": "  "})
    assert empty.status_code == 400
    assert "Say what billing should change" in empty.content.decode()
    ready.refresh_from_db()
    assert ready.status == "ready"
    assert clerk.post(url, {"comment": "Fix it"}).status_code == 403
    response = doctor.post(url, {"comment": "Add the MRI report of 04/02."})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert (ready.status, ready.returned_comment) == (
        "draft",
        "Add the MRI report of 04/02.",
    )
    assert m.AuditEvent.objects.filter(action="request-send-back").count() == 1
    detail = clerk.get(reverse("pa-request-detail", args=[ready.pk])).content.decode()
    assert "Add the MRI report of 04/02." in detail and "Edit request" in detail
    # Sending it for signature again clears the comment.
    services.auth_request_send_for_signature(request=ready, override_reason="ok")
    ready.refresh_from_db()
    assert ready.returned_comment == ""


def test_the_sign_page_shows_the_draft_inline_from_this_site_only(doctor, ready):
    page = doctor.get(reverse("pa-request-sign", args=[ready.pk])).content.decode()
    src = reverse("pa-request-pdf", args=[ready.pk]) + "?inline=1"
    assert f'src="{src}"' in page and "<iframe" in page
    inline = doctor.get(src)
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    assert "no-store" in inline["Cache-Control"]
    download = doctor.get(reverse("pa-request-pdf", args=[ready.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Frame-Options"] == "DENY"
    # The same state renders the same bytes: the token identifies the draft.
    assert inline.content == download.content


def test_a_wrong_password_stays_on_the_sign_page_and_is_rate_limited(doctor, ready):
    url = reverse("pa-request-sign", args=[ready.pk])
    response = doctor.post(url, sign_data(ready, "not-my-password"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "That password is not right. Nothing was signed" in html
    assert (
        'name="password"' in html and "Review and sign" in html
    )  # the page, not a bare 403
    for _ in range(4):
        doctor.post(url, sign_data(ready, "not-my-password"))
    assert m.AuditEvent.objects.filter(detail__startswith="reauth failed").count() == 5
    blocked = doctor.post(url, sign_data(ready, PASSWORD))
    assert blocked.status_code == 429
    assert "Too many wrong passwords" in blocked.content.decode()
    assert not m.SignedDocument.objects.exists()


def test_the_sign_button_shows_progress(doctor, ready):
    page = doctor.get(reverse("pa-request-sign", args=[ready.pk])).content.decode()
    assert 'data-busy-label="Signing' in page and "priorauth/sign.js" in page
    from django.contrib.staticfiles import finders

    script = open(finders.find("priorauth/sign.js")).read()
    assert "aria-busy" in script and "disabled = true" in script
