"""The append-only records: signed documents (and the attachments each signed),
revoked certificates, the audit trail.

Each refuses ``save()`` on an existing row and ``delete()``; database triggers
(``security.db_triggers``) and, on PostgreSQL, the app role's privileges refuse the
rest (SECURITY.md, "Integrity").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from priorauth.models.practices import Practice
from priorauth.models.requests import AuthRequest


class SignedDocument(models.Model):
    """A signed PDF: never changed or deleted (guarded in save/delete and by triggers).

    ``kind``: the prior-authorization packet, or an appeal of its denial.
    """

    class Kind(models.TextChoices):
        PACKET = "packet", "Prior authorization packet"
        APPEAL = "appeal", "Appeal (reconsideration letter and peer-to-peer sheet)"

    request = models.ForeignKey(
        AuthRequest, on_delete=models.PROTECT, related_name="signed_documents"
    )
    revision = models.PositiveIntegerField()
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    printed_name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=40)
    npi = models.CharField(max_length=10)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=500)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.PACKET, db_default="packet"
    )

    class Meta:
        ordering = ["-signed_at"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:  # an explicit pk on a new row is still an insert
            raise PermissionError("Signed documents are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Signed documents are never deleted.")


class SignedAttachment(models.Model):
    """One supporting document inside a signed packet: which, in what order, and the
    SHA-256 of the bytes that were composed into the signed PDF (append-only)."""

    document = models.ForeignKey(
        SignedDocument, on_delete=models.PROTECT, related_name="attachments"
    )
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20)  # an AttachmentKind value
    document_date = models.DateField()
    source_type = models.CharField(max_length=10)
    pages = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["document", "number"]

    def __str__(self) -> str:
        return f"attachment {self.number} of signed document {self.document_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("Signed attachments are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Signed attachments are never deleted.")

    def get_kind_display(self) -> str:
        from priorauth.models.attachments import AttachmentKind

        try:
            return str(AttachmentKind(self.kind).label)
        except ValueError:
            return self.kind


class RevokedCertificate(models.Model):
    """A physician's signing certificate the practice revoked (append-only, like the
    audit trail: a revocation is never changed or taken back)."""

    class Reason(models.TextChoices):
        # RFC 5280 "superseded": the key was not compromised, a new one replaced it.
        SUPERSEDED = "superseded", "superseded by a new signing key"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    serial = models.CharField(max_length=64, db_index=True, help_text="hexadecimal")
    revoked_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return f"certificate {self.serial} revoked {self.revoked_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("Revocations are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Revocations are never deleted.")


class AuditEvent(models.Model):
    """Append-only audit trail: who did what to which object, with no PHI values."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    practice = models.ForeignKey(
        Practice, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["practice", "-at"])]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:  # an explicit pk on a new row is still an insert
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Audit events are never deleted.")
