"""Supporting documents attached to a request (imaging reports, office notes, ...).

The file itself is the cleaned PDF (``packet.documents``), kept in the
``attachments`` storage (``settings.STORAGES``) under the practice's folder, never
under the web root; the row holds where it is and what it is. Rows change only
while the request is editable; the signed revision keeps its own append-only copy
of each attachment's SHA-256 (``records.SignedAttachment``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from priorauth.models.requests import AuthRequest


class AttachmentKind(models.TextChoices):
    IMAGING_REPORT = "imaging_report", "Imaging report"
    OFFICE_NOTE = "office_note", "Office note"
    PROCEDURE_NOTE = "procedure_note", "Procedure note or pain diary"
    THERAPY_NOTES = "therapy_notes", "Therapy notes"
    OTHER = "other", "Other"


class Attachment(models.Model):
    class SourceType(models.TextChoices):
        PDF = "pdf", "PDF"
        PNG = "png", "PNG image"
        JPEG = "jpeg", "JPEG image"
        TIFF = "tiff", "TIFF image"

    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    document_date = models.DateField("date of the document")
    original_name = models.CharField(max_length=200, blank=True)
    source_type = models.CharField(max_length=10, choices=SourceType.choices)
    # Name in the attachments storage: "<practice id>/<random hex>.pdf".
    storage_name = models.CharField(max_length=200, unique=True)
    pages = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="bytes of the stored (cleaned) PDF")
    sha256 = models.CharField(max_length=64)
    # What the rewrite took out ("JavaScript, links"), in plain words.
    removed = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Attachment {self.position} of request {self.request_id}"
