"""The practice's certificate authority and the physicians' signing certificates.

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
NPI. Validation (``signing.py``) trusts the practice CA as its only root.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from django.conf import settings

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


def replace_private(path: Path, data: bytes) -> None:
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


def now_utc() -> dt.datetime:
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
    now = now_utc()
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


def issue_certificate(
    identity: SignerIdentity, public_key: ec.EllipticCurvePublicKey
) -> x509.Certificate:
    """A signing certificate for ``public_key`` from the practice CA."""
    ca_cert, ca_key = load_ca(identity.practice_id)
    now = now_utc()
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


def certificate_current(cert: x509.Certificate, identity: SignerIdentity) -> bool:
    """Valid for at least another week and still naming this identity."""
    now = now_utc()
    return cert.not_valid_before_utc <= now < cert.not_valid_after_utc - dt.timedelta(
        days=7
    ) and cert.subject == _subject(identity)
