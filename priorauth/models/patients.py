"""Patients and their injection history (one row per injection, with its response)."""

from __future__ import annotations

from django.db import models

from priorauth.models.choices import INTENT_CHOICES, PROCEDURE_CHOICES, SIDE_CHOICES
from priorauth.models.payers import PayerProfile
from priorauth.models.practices import Practice
from priorauth.rules.ledger import effective_relief


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other / unknown"

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="patients"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    dob = models.DateField("date of birth")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    member_id = models.CharField("member ID", max_length=40)
    payer_profile = models.ForeignKey(
        PayerProfile, null=True, blank=True, on_delete=models.PROTECT
    )
    plan_name = models.CharField(max_length=200, blank=True)
    mrn = models.CharField("MRN (internal only)", max_length=40, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["practice", "last_name"]),
            models.Index(fields=["practice", "member_id"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PriorProcedure(models.Model):
    """The patient's injection history, one row per injection (with its response).

    Counts and frequency limits come from here, and a request refers to the rows
    it builds on (``AuthRequest.builds_on``).
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="history"
    )
    date = models.DateField()
    procedure = models.CharField(max_length=30, choices=PROCEDURE_CHOICES)
    intent = models.CharField(max_length=20, choices=INTENT_CHOICES, blank=True)
    levels = models.CharField(
        max_length=100, help_text="Comma-separated, e.g. L4-L5, L5-S1"
    )
    side = models.CharField(max_length=10, choices=SIDE_CHOICES, blank=True)
    relief_percent = models.FloatField(null=True, blank=True)
    relief_duration_hours = models.FloatField(null=True, blank=True)
    relief_duration_days = models.FloatField(null=True, blank=True)
    adl_improvement_percent = models.FloatField(null=True, blank=True)
    function_improved = models.BooleanField(null=True, blank=True)
    medication_reduced = models.BooleanField(null=True, blank=True)
    scale = models.CharField(max_length=40, blank=True)
    agent = models.CharField(max_length=100, blank=True)
    kx_billed = models.BooleanField(null=True, blank=True)
    # The block's response (pain before and after, same scale); relief is computed
    # from both when both are given.
    pre_score = models.FloatField(null=True, blank=True)
    post_score = models.FloatField(null=True, blank=True)
    # Rows whose facts were inferred or replaced (the December 2026 move of block
    # responses into the history): staff check them; the note says what and why.
    needs_review = models.BooleanField(default=False)
    review_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["patient", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_procedure_display()} {self.levels}"

    @property
    def level_list(self) -> list[str]:
        return [part.strip() for part in self.levels.split(",") if part.strip()]

    @property
    def effective_relief(self) -> float | None:
        """The relief the rules and the packet use: from the scores when both exist."""
        return effective_relief(self)
