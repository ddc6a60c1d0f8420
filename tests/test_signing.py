"""Physician signing: who may sign, what is stored, PAdES validation and tamper, revisions."""

from __future__ import annotations

import io
import os
import re
import stat

import pytest
from pypdf import PdfReader

from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from priorauth import models as m
from priorauth import services
from priorauth.packet import signing
from priorauth.services.workflow import WorkflowError
from tests.conftest import PASSWORD
from tests.packet_factory import make_request
from tests.signing_helpers import review_of


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Every test gets its own key directory: no pre-created keys are needed."""
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    return settings.PRIORAUTH_KEY_DIR


@pytest.fixture
def ready_request(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    return make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )


@pytest.fixture
def ca(practice):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    return signing.ca_certificate(practice.pk)


def _text(data: bytes) -> str:
    return re.sub(
        r"\s+",
        " ",
        " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages),
    )


# --------------------------------------------------------------------------- keys


def test_create_ca_command_is_idempotent(practice, _keys):  # type: ignore[no-untyped-def]
    call_command("create_practice_ca", practice=practice.pk, verbosity=0)
    ca_cert, ca_key = signing.ca_paths(practice.pk)
    first = ca_cert.read_bytes()
    call_command("create_practice_ca", verbosity=0)
    assert ca_cert.read_bytes() == first
    assert stat.S_IMODE(os.stat(ca_key).st_mode) == 0o600
    assert str(_keys) in str(ca_cert)  # under PRIORAUTH_KEY_DIR, not the repository


@pytest.mark.pdf
def test_the_first_signing_makes_a_private_key_file(
    ready_request, physician_user, ca, _keys
):  # type: ignore[no-untyped-def]
    """No command makes a physician's key (it needs their password): the first
    signing does, mode 600, under PRIORAUTH_KEY_DIR."""
    path = signing.sealed_key_path(ready_request.practice_id, physician_user.pk)
    assert not path.exists()
    services.auth_request_sign(
        request=ready_request,
        user=physician_user,
        password=PASSWORD,
        reviewed=review_of(ready_request),
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert str(_keys) in str(path)


# --------------------------------------------------------------------------- who may sign


@pytest.mark.django_db
def test_only_a_physician_can_sign(ready_request, billing_user, admin_user, ca):  # type: ignore[no-untyped-def]
    for user in (billing_user, admin_user):
        with pytest.raises(PermissionDenied):
            services.auth_request_sign(
                request=ready_request,
                user=user,
                password=PASSWORD,
                reviewed=review_of(ready_request),
            )
    assert not m.SignedDocument.objects.exists()


def test_wrong_or_missing_password_is_refused(ready_request, physician_user, ca):  # type: ignore[no-untyped-def]
    for password in ("wrong-password", ""):
        with pytest.raises(PermissionDenied):
            services.auth_request_sign(
                request=ready_request,
                user=physician_user,
                password=password,
                reviewed=review_of(ready_request),
            )
    ready_request.refresh_from_db()
    assert ready_request.status == "ready" and not m.SignedDocument.objects.exists()


def test_other_practice_physician_cannot_sign(ready_request, other_practice, ca):  # type: ignore[no-untyped-def]
    from tests.conftest import _make_user

    stranger = _make_user(
        other_practice, "drother", "physician", credentials="DO", npi="1234567893"
    )
    with pytest.raises(PermissionDenied):
        services.auth_request_sign(
            request=ready_request,
            user=stranger,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        )


def test_only_ready_requests_can_be_signed(ready_request, physician_user, ca):  # type: ignore[no-untyped-def]
    ready_request.status = "draft"
    ready_request.save()
    with pytest.raises(WorkflowError):
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        )


# --------------------------------------------------------------------------- the signature


@pytest.mark.pdf
def test_signing_stores_a_valid_pades_pdf_and_locks(ready_request, physician_user, ca):  # type: ignore[no-untyped-def]
    doc = services.auth_request_sign(
        request=ready_request,
        user=physician_user,
        password=PASSWORD,
        reviewed=review_of(ready_request),
    )
    ready_request.refresh_from_db()
    assert ready_request.status == "signed" and ready_request.is_locked
    data = bytes(doc.pdf)
    assert doc.sha256 == signing.sha256_hex(data)
    assert len(doc.snapshot_sha256) == 64
    assert (doc.printed_name, doc.credentials, doc.npi) == (
        "Dana Phys",
        "MD",
        "1234567893",
    )
    assert doc.signed_at.tzinfo is not None and doc.revision == ready_request.revision
    assert "medically necessary" in doc.meaning

    text = _text(data)
    from priorauth.packet.words import time_words

    # The signing time in words, in the practice's zone (UTC for the test practice).
    words = time_words(doc.signed_at, ready_request.practice.time_zone)
    assert (
        f"Electronically signed by Dana Phys, MD, NPI 1234567893, {words}, meaning:"
        in text
    )
    assert doc.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ") not in text
    assert "DRAFT" not in text

    check = signing.validate_signed_pdf(data, ca)
    assert check.ok and check.intact and check.trusted and check.entire_file, (
        check.summary
    )

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    assert sig.field_name == "PhysicianSignature"
    assert "/ETSI.CAdES.detached" in str(sig.sig_object["/SubFilter"])
    status = validate_pdf_signature(
        sig, ValidationContext(trust_roots=[ca], allow_fetching=False)
    )
    assert status.bottom_line is True


@pytest.mark.pdf
def test_one_changed_byte_or_appended_bytes_fail_validation(
    ready_request, physician_user, ca
):  # type: ignore[no-untyped-def]
    data = bytes(
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        ).pdf
    )
    # A byte inside the signed page content (not the signature container itself).
    index = data.index(b"stream") + 40
    tampered = bytearray(data)
    tampered[index] ^= 0x01
    assert not signing.validate_signed_pdf(bytes(tampered), ca).ok
    assert not signing.validate_signed_pdf(data + b"%extra\n", ca).ok


@pytest.mark.pdf
def test_other_practice_ca_does_not_trust_it(
    ready_request, physician_user, ca, other_practice
):  # type: ignore[no-untyped-def]
    data = bytes(
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        ).pdf
    )
    signing.create_practice_ca(
        practice_id=other_practice.pk, practice_name=other_practice.name
    )
    check = signing.validate_signed_pdf(data, signing.ca_certificate(other_practice.pk))
    assert not check.ok and not check.trusted


def test_sign_without_a_ca_fails_cleanly(ready_request, physician_user):  # type: ignore[no-untyped-def]
    with pytest.raises(signing.SigningUnavailable):
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        )
    ready_request.refresh_from_db()
    assert ready_request.status == "ready" and not m.SignedDocument.objects.exists()


@pytest.mark.pdf
def test_a_crash_while_storing_leaves_nothing_half_signed(
    ready_request, physician_user, ca, monkeypatch
):  # type: ignore[no-untyped-def]
    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(m.SignedDocument.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        )
    ready_request.refresh_from_db()
    assert ready_request.status == "ready" and not m.SignedDocument.objects.exists()


@pytest.mark.pdf
def test_a_request_edited_during_signing_is_not_signed(
    ready_request, physician_user, ca, monkeypatch
):  # type: ignore[no-untyped-def]
    real_sign = signing.sign_pdf

    def sign_then_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real_sign(*args, **kwargs)
        m.AuthRequest.objects.filter(pk=ready_request.pk).update(lock_version=99)
        return out

    monkeypatch.setattr(signing, "sign_pdf", sign_then_edit)
    with pytest.raises(WorkflowError):
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        )
    assert not m.SignedDocument.objects.exists()


# --------------------------------------------------------------------------- revisions


@pytest.mark.pdf
def test_new_revision_copies_rows_and_leaves_the_signed_pdf_alone(
    ready_request, physician_user, billing_user, ca
):  # type: ignore[no-untyped-def]
    doc = services.auth_request_sign(
        request=ready_request,
        user=physician_user,
        password=PASSWORD,
        reviewed=review_of(ready_request),
    )
    before = signing.sha256_hex(bytes(doc.pdf))
    new = services.auth_request_new_revision(request=ready_request, user=billing_user)
    assert (new.status, new.revision, new.previous_revision_id) == (
        "draft",
        2,
        ready_request.pk,
    )
    assert [lv.level for lv in new.levels.all()] == ["L4-L5"]
    assert new.diagnoses.count() == 1
    # The injections it builds on are the same history rows (linked, not copied).
    assert list(new.builds_on.all()) == list(ready_request.builds_on.all())
    assert new.builds_on.count() == 1
    assert new.imaging.count() == 1 and new.conservative_care.count() == 1
    assert not new.signed_documents.exists()
    # Edit the new revision thoroughly.
    new.functional_impairment = "Changed after signing."
    new.save()
    new.levels.update(level="L5-S1")
    new.diagnoses.update(code="M47.817")
    assert (
        services.auth_request_new_revision(request=ready_request, user=billing_user).pk
        == new.pk
    )

    stored = m.SignedDocument.objects.get(pk=doc.pk)
    assert signing.sha256_hex(bytes(stored.pdf)) == before == stored.sha256
    ready_request.refresh_from_db()
    assert (
        ready_request.status == "signed" and ready_request.levels.get().level == "L4-L5"
    )
    with pytest.raises(PermissionError):
        stored.save()
    with pytest.raises(PermissionError):
        stored.delete()


def test_unsigned_requests_need_no_revision(ready_request, billing_user):  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowError):
        services.auth_request_new_revision(request=ready_request, user=billing_user)


def test_revision_is_practice_scoped(ready_request, outsider_user):  # type: ignore[no-untyped-def]
    ready_request.status = "signed"
    ready_request.save()
    with pytest.raises(PermissionDenied):
        services.auth_request_new_revision(request=ready_request, user=outsider_user)
