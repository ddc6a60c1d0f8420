"""After a denial: the payer's denial with its structure, and the practice's appeal.

A ``Denial`` records the payer's letter: the reason code and text, the date, the
channel, and each criterion it cites (``DenialReason``: a criterion of the request,
or the letter's words). Both are append-only, like the signed documents: a
correction is a new denial of the same request, and the newest is the one in force
(``AuthRequest.denials`` is newest first). An ``Appeal`` follows one denial from
preparation through filing to the payer's answer; the signed appeal packet is a
``SignedDocument`` of kind "appeal".
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from priorauth.models.records import SignedDocument
from priorauth.models.requests import AuthRequest
from priorauth.rules.appeals import AppealDeadline, appeal_deadline, appeal_window

# Foreign keys to the append-only tables carry no database constraint: their rows are
# never deleted, and a constraint would make the owner's TRUNCATE fail on the foreign
# key before the append-only trigger refuses it (and says why).
NO_DB_CONSTRAINT = {"db_constraint": False}


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError(f"{self._meta.verbose_name} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(f"{self._meta.verbose_name} rows are never deleted.")


DENIAL_CHANNELS = [
    ("portal", "Payer portal"),
    ("fax", "Fax"),
    ("mail", "Letter (mail)"),
    ("phone", "Phone"),
    ("edi", "EDI 278 / PAS ClaimResponse"),
]


class Denial(_AppendOnly):
    request = models.ForeignKey(
        AuthRequest, on_delete=models.PROTECT, related_name="denials"
    )
    decided_on = models.DateField("date on the denial notice")
    channel = models.CharField(max_length=20, choices=DENIAL_CHANNELS)
    reason_code = models.CharField("payer's reason code", max_length=40, blank=True)
    reason_text = models.TextField("payer's reason", max_length=4000)
    payer_reference = models.CharField(max_length=100, blank=True)
    letter_deadline = models.DateField(
        "appeal deadline printed on the letter", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["request", "-recorded_at"])]

    def __str__(self) -> str:
        return f"Denial of request {self.request_id} on {self.decided_on:%Y-%m-%d}"

    def deadline(self) -> AppealDeadline:
        """The appeal deadline under the request's payer profile (the letter's wins)."""
        profile = self.request.payer_profile
        window = appeal_window(kind=profile.kind, profile_data=profile.thresholds)
        return appeal_deadline(
            notice_date=self.decided_on,
            window=window,
            letter_deadline=self.letter_deadline,
        )

    @property
    def days_left(self) -> int:
        return self.deadline().days_left(timezone.localdate())


class DenialReason(_AppendOnly):
    """One reason a denial cites: a criterion of the request (its rule ID and level,
    never printed) or the letter's own words."""

    denial = models.ForeignKey(
        Denial, on_delete=models.PROTECT, related_name="reasons", **NO_DB_CONSTRAINT
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=20, blank=True, db_index=True)
    level = models.CharField(max_length=10, blank=True)
    criterion = models.CharField("criterion wording", max_length=500, blank=True)
    text = models.TextField("payer's words", max_length=2000, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.criterion or self.text[:60]


class Appeal(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", "Appeal in preparation"
        SIGNED = "signed", "Signed, ready to file"
        FILED = "filed", "Appeal filed"
        WON = "won", "Overturned (approved)"
        PARTIAL = "partial", "Partly overturned"
        UPHELD = "upheld", "Denial upheld"
        WITHDRAWN = "withdrawn", "Withdrawn"

    DECIDED = (Status.WON, Status.PARTIAL, Status.UPHELD)

    request = models.ForeignKey(
        AuthRequest, on_delete=models.PROTECT, related_name="appeals"
    )
    denial = models.ForeignKey(
        Denial, on_delete=models.PROTECT, related_name="appeals", **NO_DB_CONSTRAINT
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PREPARING
    )
    physician_statement = models.TextField(
        "physician's statement for the letter", max_length=5000, blank=True
    )
    new_evidence = models.TextField(
        "documentation added since the submission (one item a line)",
        max_length=5000,
        blank=True,
    )
    signed_document = models.ForeignKey(
        SignedDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        **NO_DB_CONSTRAINT,
    )
    filed_on = models.DateField(null=True, blank=True)
    filed_channel = models.CharField(max_length=20, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Appeal of request {self.request_id} ({self.get_status_display()})"

    @property
    def evidence_items(self) -> list[str]:
        return [line.strip() for line in self.new_evidence.splitlines() if line.strip()]

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PREPARING, self.Status.SIGNED)

    def filed_in_time(self, deadline: date) -> bool | None:
        return None if self.filed_on is None else self.filed_on <= deadline
