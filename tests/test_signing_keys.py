"""A signing key only the physician can use (issue 12, item 2).

The key is sealed with the physician's password; an admin reset cannot open it
(signing is refused and audited); the physician's own password change keeps it;
re-enrolment revokes the old certificate and validation reports the revocation;
a TOTP device is asked for at signing; nobody re-enrols someone else's key.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.packet import certificates, keys, signing
from tests.conftest import PASSWORD, _make_user
from tests.packet_factory import make_request
from tests.signing_helpers import review_of, sign_data

RESET_PASSWORD = "admin-chose-this-9"
NEW_PASSWORD = "physician-chose-this-7"
SECRETS = (PASSWORD, RESET_PASSWORD, NEW_PASSWORD)


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code, then the right one at once


@pytest.fixture
def ca(practice):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    return signing.ca_certificate(practice.pk)


@pytest.fixture
def new_request(practice, patient, provider, facility, payer_profiles, ca):  # type: ignore[no-untyped-def]
    """Makes a request ready for signature (each call a new one)."""

    def make():  # type: ignore[no-untyped-def]
        return make_request(
            practice=practice,
            patient=patient,
            provider=provider,
            facility=facility,
            payer_profile=payer_profiles["medicare"],
        )

    return make


@pytest.fixture
def staff_admin(admin_user):  # type: ignore[no-untyped-def]
    """The practice admin, signed in to the Django admin with a verified device."""
    admin_user.is_staff = True
    admin_user.save()
    return _verified(Client(), admin_user)


def _verified(client: Client, user, **device):  # type: ignore[no-untyped-def]
    device = TOTPDevice.objects.create(
        user=user, name="phone", confirmed=True, **device
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def _admin_reset(staff_admin: Client, user: m.User) -> None:
    """What a practice admin does for a physician who "forgot" their password."""
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = staff_admin.post(
        url,
        {
            "password1": RESET_PASSWORD,
            "password2": RESET_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert user.check_password(RESET_PASSWORD)


def _sign(client: Client, req: m.AuthRequest, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("pa-request-sign", args=[req.pk]), sign_data(req, password, **extra)
    )


def _sign_service(req: m.AuthRequest, user: m.User) -> m.SignedDocument:
    return services.auth_request_sign(
        request=req, user=user, password=PASSWORD, reviewed=review_of(req)
    )


def _audit_holds_no_secret() -> None:
    for row in m.AuditEvent.objects.all():
        text = " ".join((row.action, row.detail, row.object_id, row.username))
        for secret in SECRETS:
            assert secret not in text, (row.action, row.detail)


def _sealed(user: m.User) -> bytes:
    return signing.sealed_key_path(user.practice_id, user.pk).read_bytes()


# --------------------------------------------------------------------------- the sealed key


@pytest.mark.pdf
def test_the_key_file_is_sealed_and_the_password_is_not_in_it(
    new_request, physician_user
):  # type: ignore[no-untyped-def]
    _sign_service(new_request(), physician_user)
    raw = _sealed(physician_user)
    assert PASSWORD.encode() not in raw
    assert b"PRIVATE KEY" not in raw
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(raw, password=None)
    sealed = json.loads(raw)
    assert sealed["kdf"]["name"] == "argon2id" and len(sealed["kdf"]["salt"]) >= 20
    assert sealed["cipher"]["name"] == "aes-256-gcm"

    identity = services.signer_identity(user=physician_user)
    with pytest.raises(signing.SigningKeyLocked):
        signing.unlock_physician_key(identity, password="not-the-password-1")
    key = signing.unlock_physician_key(identity, password=PASSWORD)
    # The private value itself is nowhere in the file, in any encoding.
    scalar = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    der = key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert scalar not in raw and der not in raw and scalar.hex().encode() not in raw
    assert key.certificate.public_key() == key.private_key.public_key()
    assert "EllipticCurvePrivateKey" not in repr(key)  # never in a log or error page


def test_the_seal_costs_at_least_what_the_login_hash_costs(
    practice, physician_user, ca, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(keys, "KEY_KDF", keys.KdfCost())  # the real cost
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    kdf = json.loads(_sealed(physician_user))["kdf"]
    assert kdf["iterations"] >= Argon2PasswordHasher.time_cost
    assert kdf["memory_kib"] >= Argon2PasswordHasher.memory_cost
    assert kdf["lanes"] >= Argon2PasswordHasher.parallelism
    assert signing.physician_key_opens(
        practice.pk, physician_user.pk, password=PASSWORD
    )


def test_a_changed_header_does_not_open(practice, physician_user, ca):  # type: ignore[no-untyped-def]
    """The certificate, cost and salt are bound to the ciphertext."""
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    path = signing.sealed_key_path(practice.pk, physician_user.pk)
    sealed = json.loads(path.read_bytes())
    sealed["sealed_at"] = "2020-01-01T00:00:00+00:00"
    path.write_text(json.dumps(sealed))
    assert not signing.physician_key_opens(
        practice.pk, physician_user.pk, password=PASSWORD
    )


# --------------------------------------------------------------------------- an admin reset


@pytest.mark.pdf
def test_after_an_admin_reset_signing_is_refused_and_audited(
    new_request, physician_user, staff_admin
):  # type: ignore[no-untyped-def]
    physician = Client()
    physician.force_login(physician_user)
    first, second = new_request(), new_request()
    assert _sign(physician, first, PASSWORD).status_code == 302
    before = _sealed(physician_user)

    _admin_reset(staff_admin, physician_user)
    # The admin now knows the password and logs in as the physician.
    impostor = Client()
    login = impostor.post(
        reverse("pa-login"),
        {"username": physician_user.username, "password": RESET_PASSWORD},
    )
    assert login.status_code == 302
    response = _sign(impostor, second, RESET_PASSWORD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("pa-signing-key"))
    page = impostor.get(response["Location"])
    assert b"Your password was reset after your signing key was made." in page.content
    second.refresh_from_db()
    assert second.status == "ready"
    assert m.SignedDocument.objects.filter(request=second).count() == 0
    assert (
        m.AuditEvent.objects.filter(
            action="request-sign.denied", detail="key locked", object_id=str(second.pk)
        ).count()
        == 1
    )
    assert _sealed(physician_user) == before  # untouched, still locked
    assert not m.RevokedCertificate.objects.exists()
    _audit_holds_no_secret()


def test_a_password_set_without_the_old_one_locks_the_key(practice, physician_user, ca):  # type: ignore[no-untyped-def]
    """The changepassword command and any set_password() without the old password
    behave like an admin reset."""
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    physician_user.set_password(RESET_PASSWORD)
    physician_user.save()
    with pytest.raises(signing.SigningKeyLocked):
        services.physician_key_for_signing(
            user=physician_user, identity=identity, password=RESET_PASSWORD
        )


# --------------------------------------------------------------------------- own password change


@pytest.mark.pdf
def test_the_physicians_own_password_change_keeps_signing_working(
    new_request, physician_user
):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(physician_user)
    assert _sign(client, new_request(), PASSWORD).status_code == 302
    serial = signing.stored_key(
        physician_user.practice_id, physician_user.pk
    ).certificate.serial_number  # type: ignore[union-attr]

    response = client.post(
        reverse("pa-password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    physician_user.refresh_from_db()
    assert physician_user.check_password(NEW_PASSWORD)
    assert m.AuditEvent.objects.filter(
        action="password-change", detail="signing-key=resealed"
    ).exists()

    # Same key and certificate, now opened by the new password only.
    stored = signing.stored_key(physician_user.practice_id, physician_user.pk)
    assert stored.certificate.serial_number == serial  # type: ignore[union-attr]
    assert not signing.physician_key_opens(
        physician_user.practice_id, physician_user.pk, password=PASSWORD
    )
    second = new_request()
    assert _sign(client, second, NEW_PASSWORD).status_code == 302  # session kept
    second.refresh_from_db()
    assert second.status == "signed"
    assert not m.RevokedCertificate.objects.exists()
    _audit_holds_no_secret()


def test_a_wrong_old_password_changes_nothing(practice, physician_user, ca):  # type: ignore[no-untyped-def]
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    before = _sealed(physician_user)
    client = Client()
    client.force_login(physician_user)
    response = client.post(
        reverse("pa-password-change"),
        {
            "old_password": "not-my-password-1",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 403
    physician_user.refresh_from_db()
    assert physician_user.check_password(PASSWORD)
    assert _sealed(physician_user) == before
    assert m.AuditEvent.objects.filter(
        action="password-change.denied", detail="reauth failed"
    ).exists()


def test_wrong_passwords_on_any_page_share_one_limit(practice, physician_user, ca):  # type: ignore[no-untyped-def]
    """The sign, signing-key and password pages all check the password that opens
    the key: a borrowed session gets five guesses in all, then a pause."""
    client = Client()
    client.force_login(physician_user)
    for _ in range(3):
        assert _reenroll(client, "guess-number-one").status_code == 403
    for _ in range(2):
        wrong = {"old_password": "guess-two", "new_password1": NEW_PASSWORD}
        wrong["new_password2"] = NEW_PASSWORD
        assert client.post(reverse("pa-password-change"), wrong).status_code == 403
    # The right password is refused now, on both pages, and nothing changes.
    assert _reenroll(client, PASSWORD).status_code == 429
    right = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD}
    right["new_password2"] = NEW_PASSWORD
    assert client.post(reverse("pa-password-change"), right).status_code == 429
    assert signing.stored_key(practice.pk, physician_user.pk).state == "none"
    physician_user.refresh_from_db()
    assert physician_user.check_password(PASSWORD)
    assert m.AuditEvent.objects.filter(detail="rate limited").count() == 2


def test_a_staff_physicians_password_change_in_the_admin_reseals_too(
    practice, physician_user, ca
):  # type: ignore[no-untyped-def]
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    physician_user.is_staff = True
    physician_user.save()
    client = _verified(Client(), physician_user)
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signing.physician_key_opens(
        practice.pk, physician_user.pk, password=NEW_PASSWORD
    )


# --------------------------------------------------------------------------- re-enrolment


def _reenroll(client: Client, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("pa-signing-key"), {"password": password, **extra})


@pytest.mark.pdf
def test_reenrolment_after_a_reset_revokes_the_old_certificate_and_validation_says_so(
    new_request, physician_user, staff_admin
):  # type: ignore[no-untyped-def]
    physician = Client()
    physician.force_login(physician_user)
    first = new_request()
    assert _sign(physician, first, PASSWORD).status_code == 302
    old_serial = signing.stored_key(
        physician_user.practice_id, physician_user.pk
    ).certificate.serial_number  # type: ignore[union-attr]
    document = m.SignedDocument.objects.get(request=first)
    assert services.signed_document_check(document=document).status == "valid"

    page = physician.get(reverse("pa-signing-key")).content.decode()
    assert f"{old_serial:x}" in page and 'name="recovery_code"' in page

    _admin_reset(staff_admin, physician_user)
    physician.force_login(physician_user)  # the reset ended the session
    code = services.signing_recovery_code(user=physician_user)
    response = _reenroll(physician, RESET_PASSWORD, recovery_code=code)
    assert response.status_code == 302, response.content[:3000]
    page = physician.get(reverse("pa-signing-key")).content.decode()
    assert f"{old_serial:x}</span>: revoked" in page  # listed as revoked

    new_serial = signing.stored_key(
        physician_user.practice_id, physician_user.pk
    ).certificate.serial_number  # type: ignore[union-attr]
    assert new_serial != old_serial
    revoked = m.RevokedCertificate.objects.get()
    assert (revoked.serial, revoked.user, revoked.reason) == (
        format(old_serial, "x"),
        physician_user,
        "superseded",
    )
    assert m.AuditEvent.objects.filter(
        action="signing-key.enroll",
        detail=f"serial={new_serial:x} revoked={old_serial:x}",
    ).exists()

    # The earlier signature is intact and valid, and says its certificate was revoked.
    check = services.signed_document_check(document=document)
    day = f"{revoked.revoked_at:%Y-%m-%d}"
    assert check.ok and check.signature.intact and check.signature.trusted
    assert check.signature.revocation is not None
    assert check.status == (
        f"valid, signed with a certificate revoked on {day}"
        " (superseded by a new signing key)"
    )
    page = physician.get(
        reverse("pa-request-signed-check", args=[first.pk, document.pk])
    )
    assert f"signed with a certificate revoked on {day}".encode() in page.content
    detail = physician.get(reverse("pa-request-detail", args=[first.pk]))
    assert reverse(
        "pa-request-signed-check", args=[first.pk, document.pk]
    ).encode() in (detail.content)

    # The new key signs, and that signature has no revocation.
    second = new_request()
    assert _sign(physician, second, RESET_PASSWORD).status_code == 302
    fresh = services.signed_document_check(
        document=m.SignedDocument.objects.get(request=second)
    )
    assert fresh.ok and fresh.signature.revocation is None
    _audit_holds_no_secret()


@pytest.mark.pdf
def test_a_signature_made_after_its_certificate_was_revoked_is_not_valid(
    new_request, physician_user, ca
):  # type: ignore[no-untyped-def]
    """A stolen or kept copy of an old key cannot make a signature that passes."""
    document = _sign_service(new_request(), physician_user)
    data = bytes(document.pdf)
    serial = signing.validate_signed_pdf(data, ca).serial
    assert serial is not None
    earlier = signing.Revocation(
        document.signed_at - dt.timedelta(hours=1), "superseded by a new signing key"
    )
    check = signing.validate_signed_pdf(data, ca, revoked={serial: earlier})
    assert check.intact and check.trusted and not check.ok
    assert check.status.startswith(
        "not valid: signed with a certificate revoked on"
    ) and check.status.endswith("before this signature was made")
    later = signing.Revocation(document.signed_at + dt.timedelta(hours=1), "superseded")
    assert signing.validate_signed_pdf(data, ca, revoked={serial: later}).ok


def test_reenrolment_after_a_reset_needs_more_than_the_reset_password(
    practice, physician_user, ca, staff_admin
):  # type: ignore[no-untyped-def]
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    before = _sealed(physician_user)
    _admin_reset(staff_admin, physician_user)
    impostor = Client()
    impostor.force_login(physician_user)

    for extra in ({}, {"recovery_code": "AAAA-BBBB-CCCC"}):
        response = _reenroll(impostor, RESET_PASSWORD, **extra)
        assert response.status_code == 403
        assert b"recovery code" in response.content
    # A TOTP device the impostor sets up now (and is verified with) does not count.
    device = TOTPDevice.objects.create(user=physician_user, name="new", confirmed=True)
    session = impostor.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = _reenroll(impostor, RESET_PASSWORD, otp_token=_code(device))
    assert response.status_code == 403
    assert _sealed(physician_user) == before
    assert not m.RevokedCertificate.objects.exists()
    assert (
        m.AuditEvent.objects.filter(
            action="signing-key.denied", detail="recovery code required"
        ).count()
        == 3
    )
    _audit_holds_no_secret()


def test_a_totp_device_from_before_the_reset_lets_the_physician_reenrol(
    practice, physician_user, ca, staff_admin
):  # type: ignore[no-untyped-def]
    device = TOTPDevice.objects.create(
        user=physician_user, name="phone", confirmed=True
    )
    TOTPDevice.objects.filter(pk=device.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    _admin_reset(staff_admin, physician_user)
    physician = Client()
    physician.force_login(physician_user)
    session = physician.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert _reenroll(physician, RESET_PASSWORD).status_code == 200  # code required
    response = _reenroll(physician, RESET_PASSWORD, otp_token=_code(device))
    assert response.status_code == 302
    assert m.RevokedCertificate.objects.filter(user=physician_user).count() == 1
    assert signing.physician_key_opens(
        practice.pk, physician_user.pk, password=RESET_PASSWORD
    )


def test_a_recovery_code_is_for_one_physician_and_one_locked_key(
    practice, physician_user, ca, other_practice
):  # type: ignore[no-untyped-def]
    identity = services.signer_identity(user=physician_user)
    signing.enroll_physician_key(identity, password=PASSWORD)
    code = services.signing_recovery_code(user=physician_user)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", code)
    physician_user.set_password(RESET_PASSWORD)
    physician_user.save()
    other = _make_user(
        practice, "drtwo", "physician", credentials="DO", npi="1234567893"
    )
    signing.enroll_physician_key(
        services.signer_identity(user=other), password=PASSWORD
    )
    other.set_password(RESET_PASSWORD)
    other.save()
    with pytest.raises(services.ReauthFailed):
        services.physician_key_enroll(
            user=other, password=RESET_PASSWORD, recovery_code=code
        )
    services.physician_key_enroll(
        user=physician_user, password=RESET_PASSWORD, recovery_code=code.lower()
    )
    # Spent: it named the certificate that is now revoked.
    physician_user.set_password(NEW_PASSWORD)
    physician_user.save()
    with pytest.raises(services.ReauthFailed):
        services.physician_key_enroll(
            user=physician_user, password=NEW_PASSWORD, recovery_code=code
        )


def test_the_recovery_code_command_audits_without_the_code(
    practice, physician_user, billing_user, ca, capsys
):  # type: ignore[no-untyped-def]
    signing.enroll_physician_key(
        services.signer_identity(user=physician_user), password=PASSWORD
    )
    call_command("signing_recovery_code", physician_user.username)
    code = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    assert code == services.signing_recovery_code(user=physician_user)
    row = m.AuditEvent.objects.get(action="signing-key.recovery-code")
    assert (row.object_id, row.practice_id) == (str(physician_user.pk), practice.pk)
    assert code not in row.detail
    with pytest.raises(CommandError):
        call_command("signing_recovery_code", billing_user.username)


# --------------------------------------------------------------------------- TOTP at signing


@pytest.mark.pdf
def test_signing_asks_for_the_totp_code_of_a_physician_with_a_device(
    new_request, physician_user
):  # type: ignore[no-untyped-def]
    client = _verified(Client(), physician_user)
    device = TOTPDevice.objects.get(user=physician_user)
    req = new_request()
    page = client.get(reverse("pa-request-sign", args=[req.pk]))
    assert b'name="otp_token"' in page.content

    assert _sign(client, req, PASSWORD).status_code == 403  # no code
    wrong = _sign(client, req, PASSWORD, otp_token=_wrong(_code(device)))
    assert wrong.status_code == 403
    req.refresh_from_db()
    assert req.status == "ready" and not m.SignedDocument.objects.exists()
    assert (
        m.AuditEvent.objects.filter(
            action="request-sign.denied", detail="otp failed"
        ).count()
        == 1
    )

    assert _sign(client, req, PASSWORD, otp_token=_code(device)).status_code == 302
    req.refresh_from_db()
    assert req.status == "signed"
    _audit_holds_no_secret()


def test_without_a_device_the_sign_page_asks_for_no_code(new_request, client_physician):  # type: ignore[no-untyped-def]
    page = client_physician.get(reverse("pa-request-sign", args=[new_request().pk]))
    assert page.status_code == 200
    assert (
        b'name="password"' in page.content and b'name="otp_token"' not in page.content
    )


def test_reenrolment_asks_for_the_totp_code_too(practice, physician_user, ca):  # type: ignore[no-untyped-def]
    client = _verified(Client(), physician_user)
    device = TOTPDevice.objects.get(user=physician_user)
    assert (
        _reenroll(client, PASSWORD, otp_token=_wrong(_code(device))).status_code == 403
    )
    assert m.AuditEvent.objects.filter(
        action="signing-key.denied", detail="otp failed"
    ).exists()
    assert signing.stored_key(practice.pk, physician_user.pk).state == "none"
    assert _reenroll(client, PASSWORD, otp_token=_code(device)).status_code == 302
    assert signing.stored_key(practice.pk, physician_user.pk).state == "sealed"


# --------------------------------------------------------------------------- whose key


def test_nobody_reenrols_someone_elses_key(
    practice, other_practice, physician_user, admin_user, billing_user, ca
):  # type: ignore[no-untyped-def]
    signing.enroll_physician_key(
        services.signer_identity(user=physician_user), password=PASSWORD
    )
    before = _sealed(physician_user)
    signing.create_practice_ca(
        practice_id=other_practice.pk, practice_name=other_practice.name
    )
    stranger = _make_user(
        other_practice, "drother", "physician", credentials="DO", npi="1234567893"
    )
    client = Client()
    client.force_login(stranger)
    # The page acts on the signed-in physician only: a user id in the form is ignored.
    response = _reenroll(client, PASSWORD, user=str(physician_user.pk))
    assert response.status_code == 302
    assert _sealed(physician_user) == before
    assert signing.stored_key(other_practice.pk, stranger.pk).state == "sealed"
    assert not m.RevokedCertificate.objects.exists()

    for user in (admin_user, billing_user):  # the practice's own non-physicians
        client.force_login(user)
        assert _reenroll(client, PASSWORD).status_code == 403
        assert client.get(reverse("pa-signing-key")).status_code == 403
    assert _sealed(physician_user) == before
    assert (
        m.AuditEvent.objects.filter(action="signing-key.denied", detail="role").count()
        == 4
    )


def test_another_practice_cannot_check_a_signature(
    new_request, physician_user, client_outsider
):  # type: ignore[no-untyped-def]
    req = new_request()
    document = m.SignedDocument.objects.create(
        request=req,
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
    url = reverse("pa-request-signed-check", args=[req.pk, document.pk])
    assert client_outsider.get(url).status_code == 404


# --------------------------------------------------------------------------- keys from before


def _legacy_key(identity: signing.SignerIdentity):  # type: ignore[no-untyped-def]
    """An unencrypted key and certificate as the app wrote them before issue 12."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificates.issue_certificate(identity, key.public_key())
    cert_path, key_path = signing.physician_paths(
        identity.practice_id, identity.user_id
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, cert_path, key_path


@pytest.mark.pdf
@pytest.mark.parametrize("deleted_by_hand", [False, True])
def test_an_unencrypted_key_from_before_is_replaced_and_revoked_at_the_next_signing(
    new_request, physician_user, deleted_by_hand
):  # type: ignore[no-untyped-def]
    """The operator may delete the unencrypted key files at once after upgrading;
    the certificate left behind is still revoked at the next signing."""
    identity = services.signer_identity(user=physician_user)
    cert, cert_path, key_path = _legacy_key(identity)
    if deleted_by_hand:
        key_path.unlink()
    assert signing.stored_key(identity.practice_id, identity.user_id).state == "legacy"

    document = _sign_service(new_request(), physician_user)
    assert not key_path.exists() and not cert_path.exists()
    stored = signing.stored_key(identity.practice_id, identity.user_id)
    assert stored.state == "sealed"
    assert stored.certificate.serial_number != cert.serial_number  # type: ignore[union-attr]
    assert m.RevokedCertificate.objects.get().serial == format(cert.serial_number, "x")
    assert document.key_enrollment.revoked_serial == format(cert.serial_number, "x")  # type: ignore[attr-defined]
    assert services.signed_document_check(document=document).status == "valid"
