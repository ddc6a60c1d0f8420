"""Data model: practices, users, patients, payer profiles and authorization requests.

Every patient-bearing row hangs off a Practice; views fetch objects through
helpers that filter by the user's practice (practice isolation).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone

from priorauth.rules import facts as rf
from priorauth.rules.care import OUTCOME_WORDS


def _choices(
    enum_cls: type, labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    labels = labels or {}
    return [
        (m.value, labels.get(m.value, m.value.replace("_", " ").capitalize()))
        for m in enum_cls
    ]


PROCEDURE_LABELS = {
    "esi_interlaminar": "Epidural steroid injection, interlaminar",
    "esi_transforaminal": "Epidural steroid injection, transforaminal",
    "esi_caudal": "Epidural steroid injection, caudal",
    "facet_ia": "Facet joint intra-articular injection",
    "mbb": "Medial branch block",
    "rfa": "Medial branch radiofrequency ablation",
    "si_joint": "SI joint injection",
    "trigger_point": "Trigger point injection",
}
PROCEDURE_CHOICES = _choices(rf.ProcedureType, PROCEDURE_LABELS)
REQUESTABLE_PROCEDURE_CHOICES = [
    c for c in PROCEDURE_CHOICES if c[0] not in ("si_joint", "trigger_point")
]
INTENT_CHOICES = _choices(rf.Intent, {"first": "First RFA", "repeat": "Repeat RFA"})
SIDE_CHOICES = _choices(rf.Side)
GUIDANCE_CHOICES = _choices(rf.Guidance, {"ct": "CT", "mri": "MRI", "none": "None"})
SEDATION_CHOICES = _choices(
    rf.Sedation,
    {
        "mac": "Monitored anesthesia care (MAC)",
        "general": "General anesthesia",
        "minimal": "Minimal (anxiolysis)",
    },
)
RFA_TECHNIQUE_CHOICES = _choices(
    rf.RfaTechnique, {"low_grade_thermal": "Low-grade thermal (< 80 °C)"}
)
PAIN_PATTERN_CHOICES = _choices(rf.PainPattern)
CARE_OUTCOME_CHOICES = [
    (o.value, OUTCOME_WORDS[o].capitalize()) for o in rf.CareOutcome
]
PAYER_KIND_CHOICES = _choices(
    rf.PayerKind,
    {
        "medicare": "Original Medicare",
        "medicare_advantage": "Medicare Advantage",
        "evicore": "eviCore-managed",
        "carelon": "Carelon-managed",
        "bcbs": "BCBS / TRICARE-style",
        "bcbs_ma": "BCBS Massachusetts",
        "commercial": "Other commercial",
    },
)


class Practice(models.Model):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        BILLING = "billing", "Billing / prior-auth staff"
        PHYSICIAN = "physician", "Physician"
        ADMIN = "admin", "Practice admin"

    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.BILLING)
    credentials = models.CharField(max_length=40, blank=True, help_text="e.g. MD, DO")
    npi = models.CharField("NPI", max_length=10, blank=True)

    @property
    def is_physician(self) -> bool:
        return self.role == self.Role.PHYSICIAN

    @property
    def is_practice_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class PayerProfileManager(models.Manager["PayerProfile"]):
    def get_by_natural_key(self, key: str, version: int) -> PayerProfile:
        return self.get(key=key, version=version)


class PayerProfile(models.Model):
    """Versioned payer policy data: thresholds live here, not in code."""

    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=PAYER_KIND_CHOICES)
    version = models.PositiveIntegerField(default=1)
    effective_date = models.DateField()
    policy_id = models.CharField(
        max_length=300, help_text="Policy IDs cited in findings"
    )
    revision_date = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    thresholds = models.JSONField(
        default=dict, help_text="Thresholds, limits and rule settings"
    )
    notes = models.TextField(blank=True)

    objects = PayerProfileManager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="payerprofile_key_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def natural_key(self) -> tuple[str, int]:
        return (self.key, self.version)


class Provider(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="providers"
    )
    name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=40, blank=True)
    npi = models.CharField("NPI", max_length=10)
    specialty = models.CharField(max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class Facility(models.Model):
    class PlaceOfService(models.TextChoices):
        OFFICE = "11", "11 Office"
        HOPD_ON = "22", "22 On-campus hospital outpatient"
        HOPD_OFF = "19", "19 Off-campus hospital outpatient"
        ASC = "24", "24 Ambulatory surgical center"

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="facilities"
    )
    name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10)
    place_of_service = models.CharField(max_length=2, choices=PlaceOfService.choices)
    opd_exempt = models.BooleanField(
        "exempt from Medicare OPD prior authorization",
        default=False,
        help_text="Set when Medicare has exempted this hospital outpatient department "
        "(90 % or more provisional affirmations): no OPD prior authorization needed.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name


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


class SignedDocument(models.Model):
    """A signed PDF: never changed or deleted (guarded in save/delete and by triggers)."""

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

    class Meta:
        ordering = ["-signed_at"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:  # an explicit pk on a new row is still an insert
            raise PermissionError("Signed documents are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Signed documents are never deleted.")


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
