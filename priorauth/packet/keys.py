"""Physicians' signing keys: enrolled, opened for one signing, sealed again.

A physician's private key is sealed with their own password: AES-256-GCM under a
key derived with Argon2id (at least the cost of the login password hash) from the
password and a per-key salt. Neither the password nor the derived key is stored.
A password set by someone else (an admin reset) cannot open it:
``unlock_physician_key`` then raises ``SigningKeyLocked``. The certificate sits
beside the ciphertext in the same file, so a key and its certificate are always
replaced together (one ``os.replace``).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from priorauth.packet.certificates import (
    SignerIdentity,
    SigningKeyLocked,
    SigningUnavailable,
    certificate_current,
    issue_certificate,
    now_utc,
    physician_paths,
    replace_private,
    sealed_key_path,
)


@dataclass(frozen=True)
class KdfCost:
    """Argon2id cost of the key that seals a physician's private key.

    The default equals Django's ``Argon2PasswordHasher``: whoever steals the key
    directory pays per password guess at least what the database's hash costs.
    """

    iterations: int = 2
    memory_kib: int = 102_400
    lanes: int = 8


KEY_KDF = KdfCost()
KEY_FORMAT = "priorauth-sealed-signing-key"


class KeyState(enum.StrEnum):
    NONE = "none"  # never enrolled
    LEGACY = "legacy"  # an unencrypted key from before issue 12
    SEALED = "sealed"  # sealed with the physician's password


@dataclass(frozen=True)
class StoredKey:
    """What can be known about a physician's key without their password."""

    state: KeyState
    certificate: x509.Certificate | None = None
    sealed_at: dt.datetime | None = None


@dataclass(frozen=True)
class UnlockedKey:
    """A physician's private key, opened for one signing; never stored or logged."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _kdf(password: str, salt: bytes, cost: KdfCost) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=cost.iterations,
        lanes=cost.lanes,
        memory_cost=cost.memory_kib,
    ).derive(password.encode("utf-8"))


def _associated_data(
    header: Mapping[str, object], practice_id: int, user_id: int
) -> bytes:
    """Everything in the file but the ciphertext, plus whose key it is: a changed
    certificate, cost, salt or owner makes the seal fail to open."""
    bound = {**header, "practice": int(practice_id), "user": int(user_id)}
    return json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()


def _seal(
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    *,
    password: str,
    practice_id: int,
    user_id: int,
) -> bytes:
    cost = KEY_KDF
    salt, nonce = os.urandom(16), os.urandom(12)
    header: dict[str, object] = {
        "format": KEY_FORMAT,
        "version": 1,
        "sealed_at": now_utc().isoformat(timespec="seconds"),
        "certificate": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        "kdf": {
            "name": "argon2id",
            "iterations": cost.iterations,
            "memory_kib": cost.memory_kib,
            "lanes": cost.lanes,
            "salt": _b64(salt),
        },
        "cipher": {"name": "aes-256-gcm", "nonce": _b64(nonce)},
    }
    plaintext = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ciphertext = AESGCM(_kdf(password, salt, cost)).encrypt(
        nonce, plaintext, _associated_data(header, practice_id, user_id)
    )
    return json.dumps({**header, "ciphertext": _b64(ciphertext)}, indent=1).encode()


def _read_sealed(practice_id: int, user_id: int) -> dict[str, Any] | None:
    path = sealed_key_path(practice_id, user_id)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_bytes())
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
        raise SigningUnavailable("The stored signing key is damaged or unknown.")
    return data


def stored_key(practice_id: int, user_id: int) -> StoredKey:
    """The physician's key state and certificate, read without their password."""
    sealed = _read_sealed(practice_id, user_id)
    if sealed is not None:
        return StoredKey(
            KeyState.SEALED,
            x509.load_pem_x509_certificate(str(sealed["certificate"]).encode()),
            dt.datetime.fromisoformat(str(sealed["sealed_at"])),
        )
    # A legacy certificate counts even when its unencrypted key was already deleted
    # by hand: the next enrolment must still revoke it.
    cert_path, _key_path = physician_paths(practice_id, user_id)
    if cert_path.exists():
        return StoredKey(
            KeyState.LEGACY, x509.load_pem_x509_certificate(cert_path.read_bytes())
        )
    return StoredKey(KeyState.NONE)


def _open(
    sealed: Mapping[str, Any], *, password: str, practice_id: int, user_id: int
) -> UnlockedKey:
    kdf, cipher = sealed["kdf"], sealed["cipher"]
    cost = KdfCost(
        iterations=int(kdf["iterations"]),
        memory_kib=int(kdf["memory_kib"]),
        lanes=int(kdf["lanes"]),
    )
    header = {k: v for k, v in sealed.items() if k != "ciphertext"}
    try:
        der = AESGCM(_kdf(password, base64.b64decode(kdf["salt"]), cost)).decrypt(
            base64.b64decode(cipher["nonce"]),
            base64.b64decode(sealed["ciphertext"]),
            _associated_data(header, practice_id, user_id),
        )
    except InvalidTag:
        raise SigningKeyLocked() from None
    key = serialization.load_der_private_key(der, password=None)
    cert = x509.load_pem_x509_certificate(str(sealed["certificate"]).encode())
    return UnlockedKey(certificate=cert, private_key=key)  # type: ignore[arg-type]


def _remove_legacy(practice_id: int, user_id: int) -> None:
    for path in physician_paths(practice_id, user_id):
        path.unlink(missing_ok=True)


def enroll_physician_key(identity: SignerIdentity, *, password: str) -> UnlockedKey:
    """A new key and certificate, sealed with ``password``, ready to sign with.

    Replaces whatever key the physician had (the caller revokes its certificate)
    and removes a legacy unencrypted key.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_certificate(identity, key.public_key())
    replace_private(
        sealed_key_path(identity.practice_id, identity.user_id),
        _seal(
            key,
            cert,
            password=password,
            practice_id=identity.practice_id,
            user_id=identity.user_id,
        ),
    )
    _remove_legacy(identity.practice_id, identity.user_id)
    return UnlockedKey(certificate=cert, private_key=key)


def physician_key_opens(practice_id: int, user_id: int, *, password: str) -> bool:
    """True when the physician's sealed key opens with ``password``."""
    sealed = _read_sealed(practice_id, user_id)
    if sealed is None:
        return False
    try:
        _open(sealed, password=password, practice_id=practice_id, user_id=user_id)
    except SigningKeyLocked:
        return False
    return True


def unlock_physician_key(identity: SignerIdentity, *, password: str) -> UnlockedKey:
    """Open the sealed key with ``password`` (``SigningKeyLocked`` if it does not open).

    A certificate that expires within a week or no longer names the physician
    (name, credentials, NPI) is renewed for the same key and sealed again.
    """
    sealed = _read_sealed(identity.practice_id, identity.user_id)
    if sealed is None:
        raise SigningUnavailable("No signing key yet: set one up first.")
    unlocked = _open(
        sealed,
        password=password,
        practice_id=identity.practice_id,
        user_id=identity.user_id,
    )
    if certificate_current(unlocked.certificate, identity):
        return unlocked
    cert = issue_certificate(identity, unlocked.private_key.public_key())
    replace_private(
        sealed_key_path(identity.practice_id, identity.user_id),
        _seal(
            unlocked.private_key,
            cert,
            password=password,
            practice_id=identity.practice_id,
            user_id=identity.user_id,
        ),
    )
    return UnlockedKey(certificate=cert, private_key=unlocked.private_key)


def reseal_physician_key(
    practice_id: int, user_id: int, *, old_password: str, new_password: str
) -> bool:
    """Seal the key again under ``new_password``; False when there is no sealed key or
    ``old_password`` does not open it (a key locked by a reset stays locked)."""
    sealed = _read_sealed(practice_id, user_id)
    if sealed is None:
        return False
    try:
        unlocked = _open(
            sealed, password=old_password, practice_id=practice_id, user_id=user_id
        )
    except SigningKeyLocked:
        return False
    replace_private(
        sealed_key_path(practice_id, user_id),
        _seal(
            unlocked.private_key,
            unlocked.certificate,
            password=new_password,
            practice_id=practice_id,
            user_id=user_id,
        ),
    )
    return True
