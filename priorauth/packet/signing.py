"""The practice's certificate authority and PAdES signing with pyHanko.

Layout under ``settings.PRIORAUTH_KEY_DIR`` (default ``var/keys``, gitignored;
never inside the repository's tracked files)::

    practice-<id>/ca-cert.pem                 practice root CA certificate
    practice-<id>/ca-key.pem                  its private key (mode 600; encrypted
                                              when PRIORAUTH_CA_PASSPHRASE is set)
    practice-<id>/physicians/user-<id>-key.json   the physician's sealed key and
                                              certificate (mode 600)
    practice-<id>/physicians/user-<id>-key.pem    before issue 12: an unencrypted key
    practice-<id>/physicians/user-<id>-cert.pem   and its certificate ("legacy"): the
                                              next enrolment revokes and removes them

File names carry only database ids (no names). Keys are EC P-256. The CA is a
self-signed root (10 years); each physician gets a signing certificate (2
years, digitalSignature + nonRepudiation) naming them, their credentials and
NPI. Signing makes a PAdES baseline signature (``/ETSI.CAdES.detached``) in an
invisible field ``PhysicianSignature``; validation uses the practice CA as the
only trust root and never fetches anything.

With ``PRIORAUTH_TSA_URL`` set, the signature also carries an RFC 3161 timestamp
from that authority (PAdES B-T): proof the signature existed at that time, from a
clock the practice does not control. The authority sees a hash, no PHI. The
timestamp is validated against ``PRIORAUTH_TSA_ROOTS`` (PEM certificates).

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
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from django.conf import settings

FIELD_NAME = "PhysicianSignature"
CA_YEARS = 10
CERT_YEARS = 2


class SigningUnavailable(Exception):
    """No practice CA (run ``manage.py create_practice_ca``) or no usable key."""


class SigningKeyLocked(SigningUnavailable):
    """The physician's sealed key does not open with their current password."""

    def __init__(self) -> None:
        super().__init__(
            "Your password was reset after your signing key was made. Set up a new"
            " signing key: the old certificate will be revoked."
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


@dataclass(frozen=True)
class SignerIdentity:
    user_id: int
    practice_id: int
    printed_name: str
    credentials: str
    npi: str
    organization: str = ""


# --------------------------------------------------------------------------- paths


def key_dir() -> Path:
    return Path(settings.PRIORAUTH_KEY_DIR)


def practice_dir(practice_id: int) -> Path:
    return key_dir() / f"practice-{int(practice_id)}"


def ca_paths(practice_id: int) -> tuple[Path, Path]:
    base = practice_dir(practice_id)
    return base / "ca-cert.pem", base / "ca-key.pem"


def physician_paths(practice_id: int, user_id: int) -> tuple[Path, Path]:
    """The legacy (before issue 12) certificate and unencrypted key of a physician."""
    base = practice_dir(practice_id) / "physicians"
    return base / f"user-{int(user_id)}-cert.pem", base / f"user-{int(user_id)}-key.pem"


def sealed_key_path(practice_id: int, user_id: int) -> Path:
    """The physician's sealed key and certificate (JSON, mode 600)."""
    return practice_dir(practice_id) / "physicians" / f"user-{int(user_id)}-key.json"


def _mkdir_private(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by the owner only (mode 600 from the start)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _replace_private(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path`` (mode 600) and rename it over ``path``: a reader
    sees the old file or the new one, never half of one."""
    _mkdir_private(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _passphrase() -> bytes | None:
    value = getattr(settings, "PRIORAUTH_CA_PASSPHRASE", "") or os.environ.get(
        "PRIORAUTH_CA_PASSPHRASE", ""
    )
    return value.encode() if value else None


# --------------------------------------------------------------------------- CA


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ca_exists(practice_id: int) -> bool:
    cert, key = ca_paths(practice_id)
    return cert.exists() and key.exists()


def create_practice_ca(*, practice_id: int, practice_name: str) -> tuple[Path, bool]:
    """Create the practice's root CA unless it exists. Returns (cert path, created)."""
    cert_path, key_path = ca_paths(practice_id)
    if cert_path.exists() and key_path.exists():
        return cert_path, False
    _mkdir_private(practice_dir(practice_id))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME,
                (practice_name or f"Practice {practice_id}")[:64],
            ),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"priorauth practice {practice_id} signing CA"
            ),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    passphrase = _passphrase()
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, True


def load_ca(practice_id: int) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = ca_paths(practice_id)
    if not (cert_path.exists() and key_path.exists()):
        raise SigningUnavailable(
            f"No signing CA for practice {practice_id}: run 'manage.py create_practice_ca --practice {practice_id}'."
        )
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(
        key_path.read_bytes(), password=_passphrase()
    )
    return cert, key  # type: ignore[return-value]


def ca_certificate(practice_id: int) -> asn1_x509.Certificate:
    """The practice root as pyHanko wants it (the trust root for validation)."""
    cert, _ = load_ca(practice_id)
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# --------------------------------------------------------------------------- physician certificates


def _subject(identity: SignerIdentity) -> x509.Name:
    attrs = [
        x509.NameAttribute(
            NameOID.COMMON_NAME,
            f"{identity.printed_name}, {identity.credentials}".strip(", ")[:64],
        )
    ]
    if identity.npi:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"NPI:{identity.npi}"))
    if identity.organization:
        attrs.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, identity.organization[:64])
        )
    return x509.Name(attrs)


def _issue_certificate(
    identity: SignerIdentity, public_key: ec.EllipticCurvePublicKey
) -> x509.Certificate:
    """A signing certificate for ``public_key`` from the practice CA."""
    ca_cert, ca_key = load_ca(identity.practice_id)
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(identity))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(
            min(now + dt.timedelta(days=365 * CERT_YEARS), ca_cert.not_valid_after_utc)
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _certificate_current(cert: x509.Certificate, identity: SignerIdentity) -> bool:
    """Valid for at least another week and still naming this identity."""
    now = _now()
    return (
        cert.not_valid_before_utc
        <= now
        < cert.not_valid_after_utc - dt.timedelta(days=7)
        and cert.subject == _subject(identity)
    )


# ------------------------------------------------------------------ sealed physician keys


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
        "sealed_at": _now().isoformat(timespec="seconds"),
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
    cert = _issue_certificate(identity, key.public_key())
    _replace_private(
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
    if _certificate_current(unlocked.certificate, identity):
        return unlocked
    cert = _issue_certificate(identity, unlocked.private_key.public_key())
    _replace_private(
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
    _replace_private(
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


def _signer(key: UnlockedKey, practice_id: int) -> signers.SimpleSigner:
    der_key = key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert = asn1_x509.Certificate.load(
        key.certificate.public_bytes(serialization.Encoding.DER)
    )
    root = ca_certificate(practice_id)
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([root]),
    )


# --------------------------------------------------------------------------- sign and validate


def _timestamper() -> timestamps.TimeStamper | None:
    url = getattr(settings, "PRIORAUTH_TSA_URL", "")
    if not url:
        return None
    return timestamps.HTTPTimeStamper(url, timeout=settings.PRIORAUTH_TSA_TIMEOUT)


def _tsa_roots() -> list[asn1_x509.Certificate]:
    path = getattr(settings, "PRIORAUTH_TSA_ROOTS", "")
    if not path:
        return []
    return [
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        for cert in x509.load_pem_x509_certificates(Path(path).read_bytes())
    ]


def sign_pdf(
    pdf: bytes, identity: SignerIdentity, *, key: UnlockedKey, reason: str
) -> bytes:
    """PAdES-sign ``pdf`` with the physician's unlocked key; returns the new bytes.

    Timestamped (PAdES B-T) when PRIORAUTH_TSA_URL is set; an authority that does
    not answer stops the signing (SigningUnavailable) rather than leaving the
    timestamp out.
    """
    signer = _signer(key, identity.practice_id)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200],
        name=f"{identity.printed_name}, {identity.credentials}",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=_timestamper())
    try:
        out = pdf_signer.sign_pdf(writer)
    except timestamps.TimestampRequestError:
        raise SigningUnavailable(
            "The timestamp authority did not answer; nothing was signed. "
            "Try again in a minute."
        ) from None
    return out.getvalue()  # type: ignore[union-attr]


@dataclass(frozen=True)
class Revocation:
    """A certificate the practice revoked: when, and why (plain words)."""

    revoked_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    intact: bool
    valid: bool
    trusted: bool
    entire_file: bool
    signer: str
    summary: str
    # The RFC 3161 timestamp, when the signature carries one, and whether its
    # authority is trusted (PRIORAUTH_TSA_ROOTS) and the token sound.
    timestamp: dt.datetime | None = None
    timestamp_trusted: bool = False
    serial: int | None = None
    # When the signature was made: a trusted timestamp's time if there is one,
    # otherwise the time the signer wrote into it.
    signed_at: dt.datetime | None = None
    revocation: Revocation | None = None

    @property
    def status(self) -> str:
        """One line for people: valid or not, and any revocation of the certificate."""
        revoked = ""
        if self.revocation is not None:
            revoked = (
                "signed with a certificate revoked on"
                f" {self.revocation.revoked_at:%Y-%m-%d} ({self.revocation.reason})"
            )
        if self.ok:
            return f"valid, {revoked}" if revoked else "valid"
        if revoked and self.intact and self.valid and self.trusted:
            return f"not valid: {revoked}, before this signature was made"
        return f"not valid: {self.summary}"


def validate_signed_pdf(
    pdf: bytes,
    trust_root: asn1_x509.Certificate,
    *,
    revoked: Mapping[int, Revocation] | None = None,
) -> SignatureCheck:
    """Check the physician signature against the practice CA, with no network access.

    ``revoked`` maps certificate serial numbers to their revocation. A signature
    made before its certificate was revoked stays valid and reports the revocation;
    one made at or after it is not valid.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - a damaged file is simply "not valid"
        return SignatureCheck(
            False, False, False, False, False, "", f"unreadable: {type(exc).__name__}"
        )
    if len(sigs) != 1:
        return SignatureCheck(
            False, False, False, False, False, "", f"{len(sigs)} signatures found"
        )
    context = ValidationContext(
        trust_roots=[trust_root], allow_fetching=False, revocation_mode="soft-fail"
    )
    tsa_roots = _tsa_roots()
    ts_context = (
        ValidationContext(
            trust_roots=tsa_roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        if tsa_roots
        else None
    )
    try:
        status = validate_pdf_signature(sigs[0], context, ts_context)
    except Exception as exc:  # noqa: BLE001
        return SignatureCheck(
            False, False, False, False, False, "", f"invalid: {type(exc).__name__}"
        )
    entire = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    serial = status.signing_cert.serial_number if status.signing_cert else None
    ts = status.timestamp_validity
    ts_trusted = bool(ts and ts.intact and ts.valid and ts.trusted)
    signed_at = ts.timestamp if ts is not None and ts_trusted else status.signer_reported_dt
    revocation = (revoked or {}).get(serial) if serial is not None else None
    ok = bool(
        status.bottom_line
        and status.intact
        and status.valid
        and status.trusted
        and entire
        and (
            revocation is None
            or (signed_at is not None and signed_at < revocation.revoked_at)
        )
    )
    return SignatureCheck(
        ok,
        status.intact,
        status.valid,
        status.trusted,
        entire,
        signer,
        status.summary(),
        timestamp=ts.timestamp if ts else None,
        timestamp_trusted=ts_trusted,
        serial=serial,
        signed_at=signed_at,
        revocation=revocation,
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
