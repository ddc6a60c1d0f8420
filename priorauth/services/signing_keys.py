"""The physician's signing key: only the physician can use it.

The private key is sealed with the physician's own password
(``priorauth.packet.signing``). A password someone else sets (an admin reset, the
``changepassword`` command) cannot open it, so it cannot produce a signature.

- ``reauthenticate``: the password, and a current TOTP code when the user has a
  confirmed device. Signing and (re-)enrolment both start with it.
- ``physician_key_for_signing``: opens the sealed key with the password just
  checked. With no key yet, or an unencrypted key from before issue 12, it enrols
  the physician (a new key sealed with that password; the legacy certificate is
  revoked). A key the password does not open raises ``SigningKeyLocked``.
- ``physician_key_enroll``: the "Set up a new signing key" action. When the current
  key is locked (the password was reset since it was sealed), the physician must
  also show something the admin who reset it cannot: a code from a TOTP device set
  up before the key was last used or sealed, or a recovery code from the server
  operator (``manage.py signing_recovery_code``). The old certificate is revoked.
- ``physician_key_reseal``: the physician's own password change (old password
  known) seals the key again under the new one.
- ``signed_document_check``: stored hash, PAdES validation and revocation status.

Callers audit: these functions never write audit rows and never log secrets.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import django_otp
from django_otp.models import Device

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.debug import sensitive_variables

from priorauth import models as m
from priorauth.packet import signing

__all__ = [
    "DocumentCheck",
    "Enrollment",
    "KeyStatus",
    "ReauthFailed",
    "certificate_revocations",
    "physician_key_enroll",
    "physician_key_for_signing",
    "physician_key_reseal",
    "physician_key_status",
    "reauthenticate",
    "signed_document_check",
    "signer_identity",
    "signing_recovery_code",
    "user_has_totp",
]

RECOVERY_CODE_DAYS = 3  # a recovery code works on the day it is issued and two more
_RECOVERY_SALT = "priorauth.signing-key-recovery"


class ReauthFailed(PermissionDenied):
    """A password, one-time code or recovery code did not check out.

    ``reason`` is the audit code (``reauth failed``, ``otp failed``,
    ``recovery code required``); the message is for the physician.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Enrollment:
    """A new signing certificate, and the one it revoked (hex serials)."""

    serial: str
    revoked_serial: str = ""


@dataclass(frozen=True)
class RevokedRow:
    serial: str
    revoked_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class KeyStatus:
    """What the signing-key page shows (nothing here needs the password)."""

    state: signing.KeyState
    serial: str = ""
    not_after: dt.datetime | None = None
    sealed_at: dt.datetime | None = None
    revoked: tuple[RevokedRow, ...] = ()


@dataclass(frozen=True)
class DocumentCheck:
    """A stored signed PDF checked: its bytes against the stored hash, then PAdES."""

    hash_matches: bool
    signature: signing.SignatureCheck

    @property
    def ok(self) -> bool:
        return self.hash_matches and self.signature.ok

    @property
    def status(self) -> str:
        if not self.hash_matches:
            return "not valid: the stored file no longer matches its SHA-256"
        return self.signature.status


def _hex(serial: int) -> str:
    return format(serial, "x")


def signer_identity(*, user: m.User) -> signing.SignerIdentity:
    """Printed name, credentials and NPI: from the user, completed by their provider row."""
    provider = getattr(user, "provider", None)
    name = (
        user.get_full_name().strip()
        or (provider.name if provider else "")
        or user.get_username()
    )
    if provider is not None and provider.name:
        name = provider.name
    credentials = user.credentials or (provider.credentials if provider else "")
    npi = user.npi or (provider.npi if provider else "")
    practice = user.practice
    return signing.SignerIdentity(
        user_id=user.pk,
        practice_id=user.practice_id or 0,
        printed_name=name,
        credentials=credentials,
        npi=npi,
        organization=practice.name if practice else "",
    )


# --------------------------------------------------------------------------- re-authentication


def user_has_totp(*, user: m.User) -> bool:
    """True when the user has a confirmed two-factor device (signing then asks for it)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and django_otp.user_has_device(user, confirmed=True)
    )


@sensitive_variables("password", "otp_token")
def reauthenticate(
    *, user: m.User, password: str, otp_token: str = ""
) -> Device | None:
    """Check the password, then the TOTP code if the user has a device.

    Returns the device that accepted the code (None without a device). The code is
    checked only after the password, so a wrong password spends no code attempt.
    """
    if not password or not user.check_password(password):
        raise ReauthFailed("Password check failed.", reason="reauth failed")
    if not user_has_totp(user=user):
        return None
    device = django_otp.match_token(user, otp_token) if otp_token else None
    if device is None:
        raise ReauthFailed(
            "The code from your authenticator app is not valid (each code works"
            " once: if you just used it, wait for the next one).",
            reason="otp failed",
        )
    return device


# --------------------------------------------------------------------------- the key


def _require_physician(user: m.User) -> None:
    if not getattr(user, "is_physician", False) or user.practice_id is None:
        raise PermissionDenied("Only a physician has a signing key.")


def _require_identity(identity: signing.SignerIdentity) -> None:
    if not (identity.credentials and identity.npi):
        raise signing.SigningUnavailable(
            "Your user profile needs credentials and an NPI before you can sign."
        )


def _revoke(*, user: m.User, serial: int) -> str:
    """Revoke one of the user's certificates (once); returns its hex serial."""
    serial_hex = _hex(serial)
    if not m.RevokedCertificate.objects.filter(
        practice_id=user.practice_id, serial=serial_hex
    ).exists():
        m.RevokedCertificate.objects.create(
            practice_id=user.practice_id,
            user=user,
            serial=serial_hex,
            reason=m.RevokedCertificate.Reason.SUPERSEDED,
        )
    return serial_hex


@sensitive_variables("password")
def _enroll(
    *, user: m.User, identity: signing.SignerIdentity, password: str
) -> tuple[signing.UnlockedKey, Enrollment]:
    """A new sealed key and certificate; the previous certificate is revoked in the
    same transaction, and the key file is replaced last (a failure rolls back)."""
    with transaction.atomic():
        # One enrolment at a time per physician (a no-op lock on SQLite, whose
        # write transactions are serial anyway).
        list(m.User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        previous = signing.stored_key(identity.practice_id, identity.user_id)
        revoked = ""
        if previous.certificate is not None:
            revoked = _revoke(user=user, serial=previous.certificate.serial_number)
        unlocked = signing.enroll_physician_key(identity, password=password)
    return unlocked, Enrollment(_hex(unlocked.certificate.serial_number), revoked)


@sensitive_variables("password")
def physician_key_for_signing(
    *, user: m.User, identity: signing.SignerIdentity, password: str
) -> tuple[signing.UnlockedKey, Enrollment | None]:
    """The physician's key, opened with the password ``reauthenticate`` just checked.

    Enrols on first use, and replaces a legacy unencrypted key (which was never
    protected by the physician's secret) the same way. Raises ``SigningKeyLocked``
    when the sealed key does not open: the password was reset since.
    """
    state = signing.stored_key(identity.practice_id, identity.user_id).state
    if state is signing.KeyState.SEALED:
        return signing.unlock_physician_key(identity, password=password), None
    return _enroll(user=user, identity=identity, password=password)


def _last_proof(user: m.User, stored: signing.StoredKey) -> dt.datetime | None:
    """The last time the locked key is known to have opened with the physician's
    password: when it was sealed, or their last signature. A password reset came
    after it (before it, the key still opened)."""
    last_signed = m.SignedDocument.objects.filter(signer=user).aggregate(
        at=Max("signed_at")
    )["at"]
    times = [t for t in (stored.sealed_at, last_signed) if t is not None]
    return max(times) if times else None


def _recovery_code(user: m.User, serial: int, day: dt.date) -> str:
    digest = salted_hmac(
        _RECOVERY_SALT,
        f"{user.pk}:{_hex(serial)}:{day.isoformat()}",
        algorithm="sha256",
    ).digest()
    code = base64.b32encode(digest).decode("ascii")[:12]
    return "-".join(code[i : i + 4] for i in range(0, 12, 4))


def _recovery_code_valid(user: m.User, serial: int, code: str) -> bool:
    given = code.strip().upper().replace(" ", "")
    today = timezone.now().date()
    return bool(given) and any(
        constant_time_compare(
            given, _recovery_code(user, serial, today - dt.timedelta(days=back))
        )
        for back in range(RECOVERY_CODE_DAYS)
    )


def signing_recovery_code(*, user: m.User) -> str:
    """A code that lets ``user`` replace their locked key without a TOTP device.

    For the server operator (``manage.py signing_recovery_code``), who hands it to
    the physician after checking who they are, never to a practice admin. It works
    for ``RECOVERY_CODE_DAYS`` days and only against the current certificate, so
    it is spent once the physician enrols a new key.
    """
    _require_physician(user)
    stored = signing.stored_key(user.practice_id, user.pk)  # type: ignore[arg-type]
    if stored.state is not signing.KeyState.SEALED or stored.certificate is None:
        raise signing.SigningUnavailable(
            "This physician has no sealed signing key: no recovery code is needed."
        )
    return _recovery_code(user, stored.certificate.serial_number, timezone.now().date())


@sensitive_variables("password", "otp_token", "recovery_code")
def physician_key_enroll(
    *, user: m.User, password: str, otp_token: str = "", recovery_code: str = ""
) -> Enrollment:
    """Set up a new signing key for ``user`` (themselves) and revoke the old certificate.

    Needs the password and, with a device, a TOTP code. A key the password does not
    open (reset by someone else) needs more: the TOTP code from a device set up
    before that reset, or an operator's recovery code. Raises ``ReauthFailed``.
    """
    _require_physician(user)
    device = reauthenticate(user=user, password=password, otp_token=otp_token)
    identity = signer_identity(user=user)
    _require_identity(identity)
    stored = signing.stored_key(identity.practice_id, identity.user_id)
    cert = stored.certificate
    if (
        stored.state is signing.KeyState.SEALED
        and cert is not None
        and not signing.physician_key_opens(
            identity.practice_id, identity.user_id, password=password
        )
    ):
        last_proof = _last_proof(user, stored)
        device_created = getattr(device, "created_at", None)
        device_predates = bool(
            device_created is not None
            and last_proof is not None
            and device_created < last_proof
        )
        if not device_predates and not _recovery_code_valid(
            user, cert.serial_number, recovery_code
        ):
            raise ReauthFailed(
                "Your signing key was locked by a password reset. To replace it,"
                " enter the recovery code from your server operator (or the code of"
                " an authenticator app you set up before the reset).",
                reason="recovery code required",
            )
    return _enroll(user=user, identity=identity, password=password)[1]


@sensitive_variables("old_password", "new_password")
def physician_key_reseal(*, user: m.User, old_password: str, new_password: str) -> str:
    """After the user's own password change: seal their key under the new password.

    Returns ``resealed``, ``locked`` (the old password did not open it: it was
    already locked by a reset and stays so) or ``none`` (no sealed key).
    """
    if not getattr(user, "is_physician", False) or user.practice_id is None:
        return "none"
    stored = signing.stored_key(user.practice_id, user.pk)
    if stored.state is not signing.KeyState.SEALED:
        return "none"
    resealed = signing.reseal_physician_key(
        user.practice_id, user.pk, old_password=old_password, new_password=new_password
    )
    return "resealed" if resealed else "locked"


def physician_key_status(*, user: m.User) -> KeyStatus:
    _require_physician(user)
    stored = signing.stored_key(user.practice_id, user.pk)  # type: ignore[arg-type]
    revoked = tuple(
        RevokedRow(r.serial, r.revoked_at, r.get_reason_display())
        for r in m.RevokedCertificate.objects.filter(user=user)
    )
    cert = stored.certificate
    return KeyStatus(
        state=stored.state,
        serial=_hex(cert.serial_number) if cert is not None else "",
        not_after=cert.not_valid_after_utc if cert is not None else None,
        sealed_at=stored.sealed_at,
        revoked=revoked,
    )


# --------------------------------------------------------------------------- validation


def certificate_revocations(*, practice_id: int) -> dict[int, signing.Revocation]:
    """Serial number -> revocation, for every certificate the practice revoked."""
    return {
        int(r.serial, 16): signing.Revocation(r.revoked_at, r.get_reason_display())
        for r in m.RevokedCertificate.objects.filter(practice_id=practice_id)
    }


def signed_document_check(*, document: m.SignedDocument) -> DocumentCheck:
    """Check a stored signed PDF (``SigningUnavailable`` without a practice CA)."""
    practice_id = document.request.practice_id
    data = bytes(document.pdf)
    return DocumentCheck(
        hash_matches=signing.sha256_hex(data) == document.sha256,
        signature=signing.validate_signed_pdf(
            data,
            signing.ca_certificate(practice_id),
            revoked=certificate_revocations(practice_id=practice_id),
        ),
    )
