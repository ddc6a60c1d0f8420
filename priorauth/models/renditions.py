"""Draft PDFs rendered once and served again: the rendition cache's rows.

A row is a claim while its render runs (``state`` rendering, ``claimed_at``) and the
finished file's index afterwards (``state`` ready, ``path`` in the ``renditions``
storage). Its key is the request (and revision, lock version) plus ``inputs_digest``:
the SHA-256 over everything the PDF is made from (services.renditions). Signed PDFs
never live here: they are ``SignedDocument`` rows, untouched by this cache.
"""

from __future__ import annotations

from django.db import models

from priorauth.models.practices import Practice
from priorauth.models.requests import AuthRequest


class DraftRendition(models.Model):
    class State(models.TextChoices):
        RENDERING = "rendering", "rendering"
        READY = "ready", "ready"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="draft_renditions"
    )
    revision = models.PositiveIntegerField()
    lock_version = models.PositiveIntegerField()
    inputs_digest = models.CharField(max_length=64)
    # SHA-256 of the stored rows the packet is built from, today's date and the code
    # (services.renditions.state_fingerprint): finds a stored PDF without building
    # its HTML. Several fingerprints can name one digest; this is the last seen.
    state_fingerprint = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices)
    claimed_at = models.DateTimeField()
    # Who rendered it: "task" (rendered ahead) or "click" (on the download).
    rendered_by = models.CharField(max_length=10, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_ms = models.PositiveIntegerField(null=True, blank=True)
    path = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "revision", "lock_version", "inputs_digest"],
                name="draft_rendition_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["request", "state_fingerprint"], name="draft_rendition_state"
            )
        ]

    def __str__(self) -> str:
        return (
            f"request {self.request_id} rev{self.revision} v{self.lock_version}"
            f" {self.inputs_digest[:12]} ({self.state})"
        )
