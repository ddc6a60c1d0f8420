"""PDF download, signing ceremony, signed-PDF download and revise views."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from django.urls import reverse

from priorauth import models as m
from priorauth.packet import signing
from tests.conftest import PASSWORD
from tests.packet_factory import make_request
from tests.signing_helpers import sign_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def ready_request(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    return make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )


def _sign(client, obj):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("pa-request-sign", args=[obj.pk]), sign_data(obj, PASSWORD)
    )


@pytest.mark.pdf
def test_draft_pdf_download(client_billing, ready_request):  # type: ignore[no-untyped-def]
    response = client_billing.get(reverse("pa-request-pdf", args=[ready_request.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert (
        disposition
        == f'attachment; filename="request-{ready_request.pk}-rev1-draft.pdf"'
    )
    assert "Synthetic" not in disposition and "1958" not in disposition
    assert "no-store" in response["Cache-Control"]
    assert (
        m.AuditEvent.objects.filter(
            action="request-pdf.draft", object_id=str(ready_request.pk)
        ).count()
        == 1
    )


def test_other_practice_gets_404_everywhere(client_outsider, ready_request):  # type: ignore[no-untyped-def]
    pk = ready_request.pk
    assert client_outsider.get(reverse("pa-request-pdf", args=[pk])).status_code == 404
    assert client_outsider.get(reverse("pa-request-sign", args=[pk])).status_code == 404
    assert (
        client_outsider.post(
            reverse("pa-request-sign", args=[pk]), {"password": PASSWORD}
        ).status_code
        == 404
    )
    assert (
        client_outsider.post(reverse("pa-request-revise", args=[pk])).status_code == 404
    )
    assert (
        client_outsider.get(reverse("pa-request-signed-pdf", args=[pk, 1])).status_code
        == 404
    )


def test_billing_cannot_sign(client_billing, ready_request):  # type: ignore[no-untyped-def]
    assert (
        client_billing.get(
            reverse("pa-request-sign", args=[ready_request.pk])
        ).status_code
        == 403
    )
    assert _sign(client_billing, ready_request).status_code == 403
    ready_request.refresh_from_db()
    assert ready_request.status == "ready" and not m.SignedDocument.objects.exists()
    assert m.AuditEvent.objects.filter(action="request-sign.denied").exists()


def test_wrong_or_missing_password_is_403(client_physician, ready_request):  # type: ignore[no-untyped-def]
    url = reverse("pa-request-sign", args=[ready_request.pk])
    assert (
        client_physician.post(url, sign_data(ready_request, "nope")).status_code
        == 403
    )
    assert client_physician.post(url, {"confirm": "on"}).status_code == 403
    assert not m.SignedDocument.objects.exists()


def test_sign_page_shows_findings_and_password_field(client_physician, ready_request):  # type: ignore[no-untyped-def]
    response = client_physician.get(reverse("pa-request-sign", args=[ready_request.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        'type="password"' in body
        and "Findings" in body
        and "medically necessary" in body
    )


def test_csrf_is_enforced_on_sign(physician_user, ready_request):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(physician_user)
    assert _sign(client, ready_request).status_code == 403


@pytest.mark.pdf
def test_sign_then_download_byte_identical_then_revise(
    client_physician, ready_request, practice
):  # type: ignore[no-untyped-def]
    response = _sign(client_physician, ready_request)
    assert response.status_code == 302
    doc = m.SignedDocument.objects.get()
    assert m.AuditEvent.objects.filter(action="request-sign").count() == 1

    url = reverse("pa-request-signed-pdf", args=[ready_request.pk, doc.pk])
    first = client_physician.get(url)
    assert first.status_code == 200
    assert (
        first["Content-Disposition"]
        == f'attachment; filename="request-{ready_request.pk}-rev1-signed.pdf"'
    )
    assert hashlib.sha256(first.content).hexdigest() == doc.sha256
    assert signing.validate_signed_pdf(
        first.content, signing.ca_certificate(practice.pk)
    ).ok

    response = client_physician.post(
        reverse("pa-request-revise", args=[ready_request.pk])
    )
    new = m.AuthRequest.objects.get(previous_revision=ready_request)
    assert response.status_code == 302 and response["Location"] == reverse(
        "pa-request-detail", args=[new.pk]
    )
    new.functional_impairment = "Edited in revision 2"
    new.save()
    new.levels.update(level="L3-L4")

    again = client_physician.get(url)
    assert again.content == first.content
    assert hashlib.sha256(again.content).hexdigest() == doc.sha256


def test_signed_pdf_of_another_request_is_404(
    client_physician,
    ready_request,
    practice,
    patient,
    provider,
    facility,
    payer_profiles,
    physician_user,
):  # type: ignore[no-untyped-def]
    doc = m.SignedDocument.objects.create(
        request=ready_request,
        revision=1,
        signer=physician_user,
        printed_name="x",
        credentials="MD",
        npi="1234567893",
        signed_at="2026-11-23T00:00:00Z",
        meaning="m",
        pdf=b"%PDF-1.7",
        sha256="0" * 64,
    )
    other = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )
    assert (
        client_physician.get(
            reverse("pa-request-signed-pdf", args=[other.pk, doc.pk])
        ).status_code
        == 404
    )


def test_pdf_routes_carry_no_phi() -> None:
    from priorauth.urls import urlpatterns

    routes = [
        str(p.pattern)
        for p in urlpatterns
        if getattr(p, "name", "") and p.name.startswith("pa-request")
    ]
    assert routes
    for route in routes:
        assert not re.search(r"name|dob|birth|mrn|member", route), route


@pytest.mark.pdf
def test_render_request_command_needs_no_database(tmp_path) -> None:
    """Runs without the db fixture: pytest-django would fail any database access."""
    from django.core.management import call_command

    out = tmp_path / "out.pdf"
    call_command(
        "render_request",
        str(ROOT / "examples" / "rfa-first-medicare-advantage.json"),
        "-o",
        str(out),
    )
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/EmbeddedFiles" not in data


def test_render_request_command_reports_bad_files(tmp_path) -> None:
    import io
    import json

    from django.core.management import call_command

    bad = tmp_path / "bad.json"
    bad.write_text('{"format_version": 1}')
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "render_request", str(bad), "-o", str(tmp_path / "x.pdf"), stdout=out
        )
    assert exc.value.code == 2
    assert json.loads(out.getvalue())["errors"] == [
        {"path": "procedure", "message": "is required (must be an object)"}
    ]
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.pdf
def test_render_request_cli(tmp_path) -> None:
    out = tmp_path / "cli.pdf"
    env = {
        "PRIORAUTH_SQLITE_PATH": str(tmp_path / "absent" / "no.sqlite3"),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "render_request",
            "examples/esi-caudal-bcbs-ma.json",
            "-o",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
