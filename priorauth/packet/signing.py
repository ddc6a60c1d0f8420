"""The practice's certificate authority and PAdES signing with pyHanko.

Layout under ``settings.PRIORAUTH_KEY_DIR`` (default ``var/keys``, gitignored;
never inside the repository's tracked files)::

    practice-<id>/ca-cert.pem                 practice root CA certificate
    practice-<id>/ca-key.pem                  its private key (mode 600; encrypted
                                              when PRIORAUTH_CA_PASSPHRASE is set)
    practice-<id>/physicians/user-<id>-cert.pem
    practice-<id>/physicians/user-<id>-key.pem   (mode 600)

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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
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
    base = practice_dir(practice_id) / "physicians"
    return base / f"user-{int(user_id)}-cert.pem", base / f"user-{int(user_id)}-key.pem"


def _mkdir_private(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by the owner only (mode 600 from the start)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


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


def physician_certificate_current(identity: SignerIdentity) -> bool:
    """A certificate exists, is valid now and still names this identity."""
    cert_path, key_path = physician_paths(identity.practice_id, identity.user_id)
    if not (cert_path.exists() and key_path.exists()):
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    now = _now()
    if not (
        cert.not_valid_before_utc
        <= now
        < cert.not_valid_after_utc - dt.timedelta(days=7)
    ):
        return False
    return cert.subject == _subject(identity)


def issue_physician_certificate(
    identity: SignerIdentity, *, force: bool = False
) -> tuple[Path, bool]:
    """Issue (or keep) the physician's signing certificate. Returns (cert path, issued)."""
    cert_path, key_path = physician_paths(identity.practice_id, identity.user_id)
    if not force and physician_certificate_current(identity):
        return cert_path, False
    ca_cert, ca_key = load_ca(identity.practice_id)
    _mkdir_private(cert_path.parent)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_subject(identity))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
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
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, True


def _signer(identity: SignerIdentity) -> signers.SimpleSigner:
    cert_path, key_path = physician_paths(identity.practice_id, identity.user_id)
    if not (cert_path.exists() and key_path.exists()):
        raise SigningUnavailable(
            "No signing certificate for this physician: run 'manage.py issue_physician_certificate'."
        )
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )
    root = ca_certificate(identity.practice_id)
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


def sign_pdf(pdf: bytes, identity: SignerIdentity, *, reason: str) -> bytes:
    """PAdES-sign ``pdf`` with the physician's certificate; returns the new bytes.

    Timestamped (PAdES B-T) when PRIORAUTH_TSA_URL is set; an authority that does
    not answer stops the signing (SigningUnavailable) rather than leaving the
    timestamp out.
    """
    signer = _signer(identity)
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


def validate_signed_pdf(
    pdf: bytes, trust_root: asn1_x509.Certificate
) -> SignatureCheck:
    """Check the physician signature against the practice CA, with no network access."""
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
    ok = bool(
        status.bottom_line
        and status.intact
        and status.valid
        and status.trusted
        and entire
    )
    ts = status.timestamp_validity
    return SignatureCheck(
        ok,
        status.intact,
        status.valid,
        status.trusted,
        entire,
        signer,
        status.summary(),
        timestamp=ts.timestamp if ts else None,
        timestamp_trusted=bool(ts and ts.intact and ts.valid and ts.trusted),
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
