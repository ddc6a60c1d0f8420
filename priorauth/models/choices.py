"""Choices of the model's enumerated fields, built from the rules' own enums (one
vocabulary: a value stored here is a value the rules engine reads)."""

from __future__ import annotations

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
