"""Reusable hypothesis strategies for structurally valid CaseFacts (synthetic data only)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from priorauth.rules.facts import (
    BlockResponse,
    CareOutcome,
    CaseFacts,
    Clinical,
    ConservativeCare,
    Facility,
    Guidance,
    Imaging,
    Intent,
    LevelRequest,
    PainPattern,
    Patient,
    PayerInfo,
    PriorProcedure,
    ProcedurePlan,
    ProcedureType,
    Provider,
    RfaTechnique,
    Sedation,
    Side,
)
from priorauth.rules.levels import SEGMENTS

VALID_LEVELS = [f"{a}-{b}" for a, b in zip(SEGMENTS, SEGMENTS[1:], strict=False)] + [
    "caudal"
]
TYPED_LEVELS = ["L4-5", "l5/s1", "L45", "C5-6", "L4-L6", "", "XX", "T12-L1"]

dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2028, 12, 31))
opt_dates = st.none() | dates
pct = st.none() | st.floats(min_value=0, max_value=100, allow_nan=False)
score = st.none() | st.floats(min_value=0, max_value=10, allow_nan=False)
text = st.sampled_from(
    ["", "failed", "intolerant", "improved", "partial", "NRS", "VAS", "x"]
)
level_text = st.sampled_from(VALID_LEVELS) | st.sampled_from(TYPED_LEVELS)
level_tuple = st.lists(level_text, max_size=3).map(tuple)
states = st.sampled_from(["", "AZ", "FL", "TX", "NY", "OH", "ZZ", "wa"])


def _opt(enum):  # noqa: ANN001, ANN202
    return st.none() | st.sampled_from(list(enum))


level_requests = st.builds(
    LevelRequest,
    level=level_text,
    side=st.sampled_from(list(Side)),
    prior_count=st.none() | st.integers(0, 8),
)

prior_procedures = st.builds(
    PriorProcedure,
    date=dates,
    procedure=st.sampled_from(list(ProcedureType)),
    intent=_opt(Intent),
    levels=level_tuple,
    side=_opt(Side),
    relief_percent=pct,
    relief_duration_hours=st.none() | st.floats(0, 48, allow_nan=False),
    relief_duration_days=st.none() | st.floats(0, 800, allow_nan=False),
    adl_improvement_percent=pct,
    function_improved=st.none() | st.booleans(),
    medication_reduced=st.none() | st.booleans(),
    scale=text,
    agent=text,
    kx_billed=st.none() | st.booleans(),
    pre_score=score,
    post_score=score,
    builds_on=st.booleans(),
)

block_responses = st.builds(
    BlockResponse,
    date=opt_dates,
    agent=st.sampled_from(["", "lidocaine 2%", "bupivacaine"]),
    scale=text,
    pre_score=score,
    post_score=score,
    percent_relief=pct,
    duration_hours=st.none() | st.floats(0, 48, allow_nan=False),
    levels=level_tuple,
    procedure=st.none() | st.sampled_from([ProcedureType.MBB, ProcedureType.FACET_IA]),
    side=_opt(Side),
)

plans = st.builds(
    ProcedurePlan,
    type=st.sampled_from(list(ProcedureType)),
    intent=_opt(Intent),
    date_of_service=opt_dates,
    guidance=_opt(Guidance),
    contrast=st.booleans(),
    contrast_contraindication=text,
    sedation=st.sampled_from(list(Sedation)),
    sedation_justification=text,
    rfa_technique=_opt(RfaTechnique),
    injectate=st.sampled_from(["", "dexamethasone", "PRP", "stem cells"]),
    other_blocks_same_day=st.lists(
        st.sampled_from(list(ProcedureType)), max_size=2
    ).map(tuple),
    kx_modifier=st.none() | st.booleans(),
)

clinicals = st.builds(
    Clinical,
    onset_date=opt_dates,
    pain_pattern=_opt(PainPattern),
    radiculopathy=st.booleans(),
    neurogenic_claudication=st.booleans(),
    post_laminectomy=st.booleans(),
    acute_zoster=st.booleans(),
    facet_cyst=st.booleans(),
    fusion_at_level=st.booleans(),
    other_causes_excluded=st.booleans(),
    baseline_pain_scale=text,
    baseline_pain_score=score,
    function_scale=text,
    function_score=st.none() | st.floats(0, 100, allow_nan=False),
    functional_impairment=text,
    rfa_contraindication=text,
    rfa_planned=st.booleans(),
    changed_approach=text,
    continuation_rationale=text,
)

care = st.builds(
    ConservativeCare,
    kind=text,
    start=opt_dates,
    end=opt_dates,
    duration_weeks=st.none() | st.floats(0, 60, allow_nan=False),
    outcome=text | _opt(CareOutcome),
    note=text,
)
imaging = st.builds(
    Imaging,
    modality=st.sampled_from(["mri", "ct", "xray", "emg", ""]),
    date=opt_dates,
    levels=level_tuple,
    findings=text,
    concordant=st.booleans(),
    shows_hnp=st.booleans(),
)
diagnoses = st.lists(
    st.sampled_from(
        [
            "M47.816",
            "M47.81",
            "M54.16",
            "M54.50",
            "M51.16",
            "M48.062",
            "",
            "Z99.9",
            "m47.812",
        ]
    ),
    max_size=3,
).map(tuple)


@st.composite
def case_facts(draw) -> CaseFacts:  # noqa: ANN001
    """Any structurally valid CaseFacts: levels may be invalid text, data may be missing."""
    return CaseFacts(
        procedure=draw(plans),
        levels=tuple(draw(st.lists(level_requests, max_size=4))),
        patient=draw(
            st.builds(Patient, name=text, dob=opt_dates, sex=text, member_id=text)
        ),
        payer=draw(
            st.builds(PayerInfo, profile_key=text, plan_name=text, state=states)
        ),
        ordering=draw(st.builds(Provider, name=text, credentials=text, npi=text)),
        rendering=draw(st.builds(Provider, name=text, credentials=text, npi=text)),
        facility=draw(
            st.builds(
                Facility,
                name=text,
                npi=text,
                place_of_service=st.sampled_from(["", "11", "19", "22", "24"]),
            )
        ),
        block_responses=tuple(draw(st.lists(block_responses, max_size=3))),
        clinical=draw(clinicals),
        conservative_care=tuple(draw(st.lists(care, max_size=3))),
        imaging=tuple(draw(st.lists(imaging, max_size=2))),
        diagnoses=draw(diagnoses),
        history=tuple(draw(st.lists(prior_procedures, max_size=8))),
        signed=draw(st.booleans()),
    )
