"""Authorization requests and their rows: levels, conservative care, imaging, diagnoses.

A request moves draft -> ready for signature -> signed -> submitted -> decided
(``services.workflow``); from "ready" on it is read-only, and a signed one is
changed only through a new revision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from priorauth.models.choices import (
    CARE_OUTCOME_CHOICES,
    GUIDANCE_CHOICES,
    INTENT_CHOICES,
    PAIN_PATTERN_CHOICES,
    REQUESTABLE_PROCEDURE_CHOICES,
    RFA_TECHNIQUE_CHOICES,
    SEDATION_CHOICES,
    SIDE_CHOICES,
)
from priorauth.models.patients import Patient, PriorProcedure
from priorauth.models.payers import PayerProfile
from priorauth.models.practices import Facility, Practice, Provider


class AuthRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        READY = "ready", "Ready for signature"
        SIGNED = "signed", "Signed"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        PENDED = "pended", "Pended"

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="requests"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="requests"
    )
    payer_profile = models.ForeignKey(PayerProfile, on_delete=models.PROTECT)
    plan_name = models.CharField(max_length=200, blank=True)
    state_of_service = models.CharField(
        max_length=2, blank=True, help_text="Two-letter state"
    )
    county_of_service = models.CharField(
        max_length=80,
        blank=True,
        help_text="County or independent city; decides the Medicare MAC in Virginia",
    )
    ordering_provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ordered_requests",
    )
    rendering_provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rendered_requests",
    )
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT
    )

    # Procedure
    procedure_type = models.CharField(
        max_length=30, choices=REQUESTABLE_PROCEDURE_CHOICES
    )
    intent = models.CharField(max_length=20, choices=INTENT_CHOICES, blank=True)
    date_of_service = models.DateField(null=True, blank=True)
    guidance = models.CharField(
        max_length=20, choices=GUIDANCE_CHOICES, default="fluoroscopy"
    )
    contrast = models.BooleanField(default=True)
    contrast_contraindication = models.CharField(max_length=500, blank=True)
    sedation = models.CharField(max_length=20, choices=SEDATION_CHOICES, default="none")
    sedation_justification = models.TextField(max_length=2000, blank=True)
    rfa_technique = models.CharField(
        max_length=30, choices=RFA_TECHNIQUE_CHOICES, blank=True
    )
    injectate = models.CharField(max_length=300, blank=True)
    other_blocks_same_day = models.JSONField(default=list, blank=True)

    # Clinical
    onset_date = models.DateField("pain onset date", null=True, blank=True)
    pain_pattern = models.CharField(
        max_length=20, choices=PAIN_PATTERN_CHOICES, blank=True
    )
    radiculopathy = models.BooleanField(default=False)
    neurogenic_claudication = models.BooleanField(default=False)
    post_laminectomy = models.BooleanField("post-laminectomy syndrome", default=False)
    acute_zoster = models.BooleanField("acute herpes zoster", default=False)
    facet_cyst = models.BooleanField("facet synovial cyst", default=False)
    fusion_at_level = models.BooleanField("fusion at a requested level", default=False)
    other_causes_excluded = models.BooleanField(
        "fracture, tumor, infection and deformity ruled out", default=False
    )
    baseline_pain_scale = models.CharField(max_length=40, blank=True)
    baseline_pain_score = models.FloatField(null=True, blank=True)
    function_scale = models.CharField(max_length=40, blank=True)
    function_score = models.FloatField(null=True, blank=True)
    functional_impairment = models.TextField(max_length=5000, blank=True)
    rfa_contraindication = models.TextField(
        "why RFA is not possible", max_length=5000, blank=True
    )
    rfa_planned = models.BooleanField(
        "RF ablation planned if blocks are positive", default=False
    )
    changed_approach = models.TextField(max_length=2000, blank=True)
    continuation_rationale = models.TextField(max_length=2000, blank=True)
    clinical_notes = models.TextField(max_length=10000, blank=True)
    # The injections (history rows of the same patient) whose response this request
    # builds on; the services and the request form refuse another patient's rows.
    builds_on = models.ManyToManyField(
        PriorProcedure, blank=True, related_name="built_on_by"
    )
    review_note = models.TextField(
        "note for staff",
        max_length=5000,
        blank=True,
        help_text="Never printed: what staff must still check or enter, e.g. a block "
        "response without a date that could not be placed in the history.",
    )

    # Workflow
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    revision = models.PositiveIntegerField(default=1)
    previous_revision = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revisions",
    )
    lock_version = models.PositiveIntegerField(
        default=0, help_text="Optimistic concurrency counter"
    )
    override_reason = models.TextField(max_length=2000, blank=True)
    # The physician's answers to criteria the request does not meet as written:
    # [{"code": "DVT-001", "level": "L4-L5", "text": ..., "author_id": 3}]. Part
    # of the request (copied with a revision, covered by the signed snapshot);
    # written only by services.rationales.
    rationales = models.JSONField(default=list, blank=True)
    # The physician's comment when sending a request back to billing (shown on the
    # request until it is sent for signature again).
    returned_comment = models.TextField(max_length=2000, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    submission_channel = models.CharField(max_length=40, blank=True)
    payer_reference = models.CharField(max_length=100, blank=True)
    authorization_number = models.CharField(max_length=100, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    approved_units = models.PositiveIntegerField(null=True, blank=True)
    # What the approval covers: [{"cpt": "64493", "units": 1}, ...] and the levels
    # (comma list); filled from the request's code lines unless staff change them.
    authorized_lines = models.JSONField(default=list, blank=True)
    authorized_levels = models.CharField(max_length=200, blank=True)
    # A reschedule after approval (empty: the date of service).
    scheduled_on = models.DateField(null=True, blank=True)
    # The open submission's clock (services.tracking), kept here for the worklist.
    decision_due_at = models.DateTimeField(null=True, blank=True)
    # The date of the payer's decision (approved, denied or pended): the turnaround
    # is submitted_on -> decided_on.
    decided_on = models.DateField(null=True, blank=True)
    denial_reason = models.TextField(max_length=2000, blank=True)
    pend_reason = models.TextField(max_length=2000, blank=True)

    # Last evaluation, cached for the worklist.
    blocker_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["practice", "status", "-updated_at"]),
            models.Index(fields=["practice", "date_of_service"]),
            models.Index(fields=["practice", "-updated_at"]),
            models.Index(fields=["practice", "status", "valid_to"]),
            models.Index(fields=["practice", "status", "decision_due_at"]),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} rev {self.revision}"

    def get_absolute_url(self) -> str:
        return reverse("pa-request-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        """Only a draft is edited: from "ready for signature" on, what the physician
        reviews cannot change under them (they send it back to billing instead)."""
        return self.status == self.Status.DRAFT

    @property
    def is_locked(self) -> bool:
        """Signed and later states are frozen; edits make a new revision."""
        return self.status not in (self.Status.DRAFT, self.Status.READY)


class RequestLevel(models.Model):
    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="levels"
    )
    position = models.PositiveSmallIntegerField(default=0)
    level = models.CharField(max_length=10)
    side = models.CharField(max_length=10, choices=SIDE_CHOICES)
    prior_count = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.level} {self.side}"


class ConservativeCare(models.Model):
    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="conservative_care"
    )
    kind = models.CharField(max_length=60)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    duration_weeks = models.FloatField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=CARE_OUTCOME_CHOICES, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # The outcome was read from old free text and staff have not confirmed it.
    needs_review = models.BooleanField(default=False)

    class Meta:
        ordering = ["start", "id"]


class ImagingStudy(models.Model):
    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="imaging"
    )
    modality = models.CharField(max_length=20)
    date = models.DateField(null=True, blank=True)
    levels = models.CharField(max_length=100, blank=True)
    findings = models.TextField(max_length=5000, blank=True)
    concordant = models.BooleanField(default=False)
    shows_hnp = models.BooleanField("shows disc herniation", default=False)

    class Meta:
        ordering = ["-date", "id"]
        verbose_name_plural = "imaging studies"


class Diagnosis(models.Model):
    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="diagnoses"
    )
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField("ICD-10-CM", max_length=10)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "diagnoses"
