"""The data model, by area: practices (and their users, providers, facilities), payer
profiles, patients and their injection history, requests, the append-only records.
Imports the rules (for the choices' vocabulary) and Django only; `models as m` sees all.
"""

from priorauth.models.appeals import DENIAL_CHANNELS, Appeal, Denial, DenialReason
from priorauth.models.attachments import Attachment, AttachmentKind
from priorauth.models.choices import (
    CARE_OUTCOME_CHOICES,
    GUIDANCE_CHOICES,
    INTENT_CHOICES,
    PAIN_PATTERN_CHOICES,
    PAYER_KIND_CHOICES,
    PROCEDURE_CHOICES,
    PROCEDURE_LABELS,
    REQUESTABLE_PROCEDURE_CHOICES,
    RFA_TECHNIQUE_CHOICES,
    SEDATION_CHOICES,
    SIDE_CHOICES,
)
from priorauth.models.patients import Patient, PriorProcedure
from priorauth.models.payers import PayerProfile, PayerProfileManager
from priorauth.models.practices import Facility, Practice, Provider, User
from priorauth.models.records import (
    AuditEvent,
    RevokedCertificate,
    SignedAttachment,
    SignedDocument,
)
from priorauth.models.renditions import DraftRendition
from priorauth.models.requests import (
    AuthRequest,
    ConservativeCare,
    Diagnosis,
    ImagingStudy,
    RequestLevel,
)
from priorauth.models.tracking import PerformedProcedure, Submission

__all__ = [
    "CARE_OUTCOME_CHOICES",
    "GUIDANCE_CHOICES",
    "INTENT_CHOICES",
    "PAIN_PATTERN_CHOICES",
    "PAYER_KIND_CHOICES",
    "PROCEDURE_CHOICES",
    "PROCEDURE_LABELS",
    "REQUESTABLE_PROCEDURE_CHOICES",
    "RFA_TECHNIQUE_CHOICES",
    "SEDATION_CHOICES",
    "SIDE_CHOICES",
    "Attachment",
    "AttachmentKind",
    "DENIAL_CHANNELS",
    "Appeal",
    "AuditEvent",
    "AuthRequest",
    "ConservativeCare",
    "Denial",
    "DenialReason",
    "Diagnosis",
    "DraftRendition",
    "Facility",
    "ImagingStudy",
    "Patient",
    "PayerProfile",
    "PayerProfileManager",
    "PerformedProcedure",
    "Practice",
    "PriorProcedure",
    "Provider",
    "RequestLevel",
    "RevokedCertificate",
    "SignedAttachment",
    "SignedDocument",
    "Submission",
    "User",
]
