"""PAdES signing and validation with pyHanko, with the physician's unlocked key.

The practice CA and the certificates are in ``certificates.py``, the sealed
physician keys in ``keys.py``; this module re-exports what callers use of both, so
``packet.signing`` stays the one name the services and commands import.

Signing makes a PAdES baseline signature (``/ETSI.CAdES.detached``) in an
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
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from django.conf import settings

from priorauth.packet.certificates import (
    SignerIdentity,
    SigningKeyLocked,
    SigningUnavailable,
    ca_certificate,
    ca_exists,
    ca_paths,
    create_practice_ca,
    key_dir,
    load_ca,
    physician_paths,
    practice_dir,
    sealed_key_path,
)
from priorauth.packet.keys import (
    KEY_FORMAT,
    KdfCost,
    KeyState,
    StoredKey,
    UnlockedKey,
    enroll_physician_key,
    physician_key_opens,
    reseal_physician_key,
    stored_key,
    unlock_physician_key,
)

__all__ = [
    "FIELD_NAME",
    "KEY_FORMAT",
    "KdfCost",
    "KeyState",
    "Revocation",
    "SignatureCheck",
    "SignerIdentity",
    "SigningKeyLocked",
    "SigningUnavailable",
    "StoredKey",
    "UnlockedKey",
    "ca_certificate",
    "ca_exists",
    "ca_paths",
    "create_practice_ca",
    "enroll_physician_key",
    "key_dir",
    "load_ca",
    "physician_key_opens",
    "physician_paths",
    "practice_dir",
    "reseal_physician_key",
    "sealed_key_path",
    "sha256_hex",
    "sign_pdf",
    "stored_key",
    "unlock_physician_key",
    "validate_signed_pdf",
]

FIELD_NAME = "PhysicianSignature"


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
