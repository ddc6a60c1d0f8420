"""Plain, frozen facts describing one prior-authorization request.

This module is the contract between the Django side (services build these from
models), the JSON request format (``rules.io`` parses files into these) and the
rules engine (``rules.evaluate`` reads only these). No Django imports here.

Conventions:
- Dates are ``datetime.date``; ``None`` means "not documented".
- Percentages are floats 0..100; scores are 0..10 on NRS/VAS-type scales.
- Durations are stored in the unit the clinic records them: block relief in
  hours, therapeutic/ESI/RFA relief in days.
- Levels are canonical strings: facet/interlaminar segment ``"L4-L5"``,
  ``"L5-S1"``, ``"C5-C6"``; a transforaminal ESI foramen is named by its segment
  the same way; a caudal ESI uses the single level ``"caudal"``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class ProcedureType(enum.StrEnum):
    ESI_INTERLAMINAR = "esi_interlaminar"
    ESI_TRANSFORAMINAL = "esi_transforaminal"
    ESI_CAUDAL = "esi_caudal"
    FACET_IA = "facet_ia"  # facet joint intra-articular injection
    MBB = "mbb"  # medial branch block
    RFA = "rfa"  # medial branch radiofrequency ablation
    # Other same-day block types that only matter for FAC-025 / ESI-016.
    SI_JOINT = "si_joint"
    TRIGGER_POINT = "trigger_point"

    @property
    def is_esi(self) -> bool:
        return self in (
            ProcedureType.ESI_INTERLAMINAR,
            ProcedureType.ESI_TRANSFORAMINAL,
            ProcedureType.ESI_CAUDAL,
        )

    @property
    def is_facet_family(self) -> bool:
        """Facet IA, MBB and RFA: the facet LCD family."""
        return self in (ProcedureType.FACET_IA, ProcedureType.MBB, ProcedureType.RFA)


class Intent(enum.StrEnum):
    DIAGNOSTIC = "diagnostic"  # facet IA / MBB
    THERAPEUTIC = "therapeutic"  # facet IA / MBB; ESIs are always therapeutic
    FIRST = "first"  # RFA
    REPEAT = "repeat"  # RFA


class Side(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class Region(enum.StrEnum):
    """CPT facet regions (payer-rules 1.5); frequency caps are counted per region."""

    CERVICAL_THORACIC = "cervical_thoracic"
    LUMBAR_SACRAL = "lumbar_sacral"


class Guidance(enum.StrEnum):
    FLUOROSCOPY = "fluoroscopy"
    CT = "ct"
    ULTRASOUND = "ultrasound"
    MRI = "mri"
    NONE = "none"


class Sedation(enum.StrEnum):
    NONE = "none"
    MINIMAL = "minimal"  # anxiolysis: not "sedation" for the rules
    MODERATE = "moderate"
    DEEP = "deep"
    MAC = "mac"
    GENERAL = "general"

    @property
    def counts_as_sedation(self) -> bool:
        return self in (
            Sedation.MODERATE,
            Sedation.DEEP,
            Sedation.MAC,
            Sedation.GENERAL,
        )


class RfaTechnique(enum.StrEnum):
    THERMAL = "thermal"
    PULSED = "pulsed"
    COOLED = "cooled"
    CRYO = "cryo"
    CHEMICAL = "chemical"
    LASER = "laser"
    LOW_GRADE_THERMAL = "low_grade_thermal"  # < 80 °C


class PainPattern(enum.StrEnum):
    AXIAL = "axial"
    RADICULAR = "radicular"
    MIXED = "mixed"


class PayerKind(enum.StrEnum):
    MEDICARE = "medicare"  # Original Medicare: MAC and LCD picked by state
    MEDICARE_ADVANTAGE = "medicare_advantage"
    AETNA = "aetna"
    EVICORE = "evicore"
    CARELON = "carelon"
    BCBS = "bcbs"  # BCBS/TRICARE-style (50 % block threshold)
    BCBS_MA = "bcbs_ma"
    COMMERCIAL = "commercial"  # generic "other"


@dataclass(frozen=True)
class Patient:
    name: str = ""
    dob: date | None = None
    sex: str = ""
    member_id: str = ""


@dataclass(frozen=True)
class Provider:
    name: str = ""
    credentials: str = ""
    npi: str = ""


@dataclass(frozen=True)
class Facility:
    name: str = ""
    npi: str = ""
    place_of_service: str = ""  # CMS POS code: "11" office, "19"/"22" HOPD, "24" ASC
    # Exempt from Medicare hospital OPD prior authorization (>= 90 % provisional
    # affirmations): PKT-010 and RTE-002 do not apply (payer-rules 7.7).
    opd_exempt: bool = False


@dataclass(frozen=True)
class PayerInfo:
    profile_key: str = ""  # which payer profile (Policy.key) applies
    plan_name: str = ""
    state: str = ""  # two-letter state of service (Medicare MAC / WISeR)
    # County or independent city of service. Only Virginia needs it: Arlington and
    # Fairfax counties and the cities of Fairfax, Falls Church and Alexandria are
    # Medicare jurisdiction JL, the rest of the state JM (payer-rules 1.1).
    county: str = ""


@dataclass(frozen=True)
class LevelRequest:
    level: str  # canonical, see module docstring
    side: Side
    prior_count: int | None = None  # typed by staff; None = not entered


@dataclass(frozen=True)
class BlockResponse:
    """Response to a diagnostic block, as the JSON format's ``block_responses`` give it.

    An input shape only: ``rules.ledger.normalize`` merges each response into the
    patient's history (one record per injection) before any rule runs. A response
    matching a history row (same date, overlapping levels) completes that row; one
    with no matching row becomes a history row of its ``procedure`` (for a
    facet-family request without one: the request's block type, MBB for an RFA).
    """

    date: date | None = None
    agent: str = ""  # e.g. "lidocaine 2%", "bupivacaine 0.5%"
    scale: str = ""  # e.g. "NRS", "VAS"
    pre_score: float | None = None
    post_score: float | None = None
    percent_relief: float | None = None  # as typed; may disagree with scores
    duration_hours: float | None = None
    levels: tuple[str, ...] = ()
    procedure: ProcedureType | None = None  # mbb or facet_ia
    side: Side | None = None


class CareOutcome(enum.StrEnum):
    """How a conservative treatment ended (a choice, not free text)."""

    FAILED = "failed"
    PARTIAL = "partial"  # partial relief, not enough
    NOT_TOLERATED = "not_tolerated"
    CONTRAINDICATED = "contraindicated"  # not tried: a documented contraindication
    ONGOING = "ongoing"
    IMPROVED = "improved"

    @property
    def counts_as_failed(self) -> bool:
        """Counts as failed or not tolerated conservative care (FAC-002, ESI-003, ...).

        A contraindicated treatment was not tried, an ongoing one has not failed
        yet and an improved one worked: none of them shows failed conservative care.
        """
        return self in (
            CareOutcome.FAILED,
            CareOutcome.PARTIAL,
            CareOutcome.NOT_TOLERATED,
        )


@dataclass(frozen=True)
class ConservativeCare:
    kind: str  # "physical_therapy", "home_exercise", "nsaids", "neuropathic", ...
    start: date | None = None
    end: date | None = None
    duration_weeks: float | None = None  # when dates are not known
    outcome: CareOutcome | None = None  # None: not chosen
    note: str = ""  # optional detail, e.g. "16 visits, pain unchanged"
    # Migrated or imported free text whose outcome could not be read for sure:
    # staff confirm the outcome (the rules treat the row by ``outcome`` meanwhile).
    needs_review: bool = False

    def __post_init__(self) -> None:
        # A plain string is read as an outcome: exact choice values directly,
        # legacy free text with the old keyword logic (``rules.care``).
        if isinstance(self.outcome, str) and not isinstance(self.outcome, CareOutcome):
            from .care import outcome_from_text

            read = outcome_from_text(self.outcome)
            object.__setattr__(self, "outcome", read.outcome)
            if read.note and not self.note:
                object.__setattr__(self, "note", read.note)
            if read.ambiguous:
                object.__setattr__(self, "needs_review", True)


@dataclass(frozen=True)
class Imaging:
    modality: str  # "mri", "ct", "xray", "emg"
    date: date | None = None
    levels: tuple[str, ...] = ()
    findings: str = ""
    concordant: bool = False  # explains the symptoms at the treated level/side
    shows_hnp: bool = False  # disc herniation (Carelon CAR-003)


@dataclass(frozen=True)
class PriorProcedure:
    """One row of the patient's procedure ledger (history)."""

    date: date
    procedure: ProcedureType
    intent: Intent | None = None
    levels: tuple[str, ...] = ()
    side: Side | None = None
    relief_percent: float | None = None
    relief_duration_hours: float | None = None  # diagnostic blocks
    relief_duration_days: float | None = None  # therapeutic, ESI, RFA
    adl_improvement_percent: float | None = None
    function_improved: bool | None = None  # Aetna AET-003
    medication_reduced: bool | None = None  # Aetna AET-003
    scale: str = ""
    agent: str = ""
    kx_billed: bool | None = None
    pre_score: float | None = None  # pain score before the block (same scale)
    post_score: float | None = None  # and after it; relief is computed from both
    builds_on: bool = False  # the request builds on this injection (its response)


@dataclass(frozen=True)
class Clinical:
    onset_date: date | None = None
    pain_pattern: PainPattern | None = None
    radiculopathy: bool = False
    neurogenic_claudication: bool = False
    post_laminectomy: bool = False
    acute_zoster: bool = False
    facet_cyst: bool = False
    fusion_at_level: bool = False
    other_causes_excluded: bool = False  # fracture, tumor, infection, deformity
    baseline_pain_scale: str = ""
    baseline_pain_score: float | None = None
    function_scale: str = ""  # ODI, NDI, Roland-Morris, PROMIS ...
    function_score: float | None = None
    functional_impairment: str = ""  # free text: ADL limits
    rfa_contraindication: str = ""  # why RFA is not possible (therapeutic facet)
    rfa_planned: bool = False  # RF neurolysis being considered (Aetna, Carelon)
    changed_approach: str = ""  # after a failed ESI: what differs (ESI-007)
    continuation_rationale: str = ""  # ESI beyond 12 months (ESI-013)


@dataclass(frozen=True)
class ProcedurePlan:
    type: ProcedureType
    intent: Intent | None = None
    date_of_service: date | None = None
    guidance: Guidance | None = None
    contrast: bool = True
    contrast_contraindication: str = ""
    sedation: Sedation = Sedation.NONE
    sedation_justification: str = ""
    rfa_technique: RfaTechnique | None = None
    injectate: str = ""
    other_blocks_same_day: tuple[ProcedureType, ...] = ()  # FAC-025 / ESI-016
    kx_modifier: bool | None = None  # None: let the engine derive it


@dataclass(frozen=True)
class Rationale:
    """A physician's answer to an open criterion, part of the signed revision.

    ``text`` is clinical prose for the reviewer ("a further diagnostic block is
    needed because ..."); for a blocker it is the reason to proceed, printed as
    prose, never as an admission. ``code`` and ``level`` name the criterion
    (rule ID) and level it answers.
    """

    code: str
    level: str | None = None
    text: str = ""
    author: str = ""


@dataclass(frozen=True)
class CaseFacts:
    """Everything the engine needs about one request, plus the patient's history."""

    procedure: ProcedurePlan
    levels: tuple[LevelRequest, ...] = ()
    patient: Patient = field(default_factory=Patient)
    payer: PayerInfo = field(default_factory=PayerInfo)
    ordering: Provider = field(default_factory=Provider)
    rendering: Provider = field(default_factory=Provider)
    facility: Facility = field(default_factory=Facility)
    block_responses: tuple[BlockResponse, ...] = ()
    clinical: Clinical = field(default_factory=Clinical)
    conservative_care: tuple[ConservativeCare, ...] = ()
    imaging: tuple[Imaging, ...] = ()
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM codes with the dot, e.g. "M47.816"
    history: tuple[PriorProcedure, ...] = ()
    signed: bool = False  # the letter is signed and dated by a physician (PKT-004)
    rationales: tuple[Rationale, ...] = ()  # the physician's answers to open criteria
