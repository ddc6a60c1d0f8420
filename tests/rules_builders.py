"""Builders for rules tests: clean cases (no blockers under Medicare) to change one thing at a time.

All data are synthetic.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from priorauth.rules.facts import (
    BlockResponse,
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
    Side,
)
from priorauth.rules.policy import Policy
from priorauth.rules.profiles import load_fixture_policies

TODAY = date(2026, 11, 23)
DOS = date(2026, 12, 10)


@lru_cache(maxsize=1)
def policies() -> dict[str, Policy]:
    """The fixture's payer profiles (read once)."""
    return load_fixture_policies()


def policy(key: str = "medicare") -> Policy:
    return policies()[key]


def days_before(n: int, d: date = DOS) -> date:
    return d - timedelta(days=n)


def block(
    d: date,
    level: str = "L4-L5",
    relief: float = 90,
    *,
    kind=ProcedureType.MBB,
    intent: Intent | None = Intent.DIAGNOSTIC,
    levels: tuple[str, ...] | None = None,
    **kw,
) -> PriorProcedure:
    """A complete prior facet block row (``kw`` overrides any field)."""
    fields = dict(
        date=d,
        procedure=kind,
        intent=intent,
        levels=levels or (level,),
        side=Side.BILATERAL,
        relief_percent=relief,
        relief_duration_hours=6,
        scale="NRS",
        agent="bupivacaine 0.5%",
        kx_billed=True,
    )
    return PriorProcedure(**{**fields, **kw})


def esi_row(
    d: date,
    level: str = "L4-L5",
    relief: float = 70,
    days: float = 120,
    *,
    kind=ProcedureType.ESI_TRANSFORAMINAL,
    **kw,
) -> PriorProcedure:
    """A complete prior ESI row."""
    return PriorProcedure(
        date=d,
        procedure=kind,
        intent=Intent.THERAPEUTIC,
        levels=(level,),
        side=Side.LEFT,
        relief_percent=relief,
        relief_duration_days=days,
        scale="NRS",
        agent="dexamethasone",
        **kw,
    )


def rfa_row(
    d: date, level: str = "L4-L5", relief: float = 70, days: float = 240, **kw
) -> PriorProcedure:
    return PriorProcedure(
        date=d,
        procedure=ProcedureType.RFA,
        intent=Intent.FIRST,
        levels=(level,),
        side=Side.BILATERAL,
        relief_percent=relief,
        relief_duration_days=days,
        scale="NRS",
        **kw,
    )


def _common(**kw) -> dict:
    base = dict(
        patient=Patient(
            name="Test Patient", dob=date(1960, 5, 1), sex="F", member_id="ZZZ123"
        ),
        payer=PayerInfo(profile_key="medicare", state="FL"),
        ordering=Provider(name="Dr Order", credentials="MD", npi="1234567893"),
        rendering=Provider(name="Dr Render", credentials="MD", npi="1245319599"),
        facility=Facility(
            name="Synthetic ASC", npi="1003000126", place_of_service="24"
        ),
        conservative_care=(
            ConservativeCare(
                "physical_therapy", date(2026, 3, 1), date(2026, 5, 1), outcome="failed"
            ),
            ConservativeCare(
                "nsaids", date(2026, 3, 1), date(2026, 7, 1), outcome="failed"
            ),
        ),
        signed=True,
    )
    base.update(kw)
    return base


def facet_clinical(**kw) -> Clinical:
    base = dict(
        onset_date=date(2026, 1, 5),
        pain_pattern=PainPattern.AXIAL,
        other_causes_excluded=True,
        baseline_pain_scale="NRS",
        baseline_pain_score=7,
        function_scale="ODI",
        function_score=44,
        functional_impairment="cannot stand > 10 min",
        rfa_planned=True,
    )
    base.update(kw)
    return Clinical(**base)


def base_facet_case(**overrides) -> CaseFacts:
    """First diagnostic MBB at L4-L5 and L5-S1, bilateral: clean under Medicare."""
    kw = _common(
        procedure=ProcedurePlan(
            type=ProcedureType.MBB,
            intent=Intent.DIAGNOSTIC,
            date_of_service=DOS,
            guidance=Guidance.FLUOROSCOPY,
            injectate="bupivacaine 0.5%",
        ),
        levels=(
            LevelRequest("L4-L5", Side.BILATERAL),
            LevelRequest("L5-S1", Side.BILATERAL),
        ),
        clinical=facet_clinical(),
        imaging=(
            Imaging(
                "mri",
                date(2026, 6, 1),
                ("L4-L5", "L5-S1"),
                "facet arthropathy L4-5 and L5-S1",
                concordant=True,
            ),
        ),
        diagnoses=("M47.816",),
    )
    kw.update(overrides)
    return CaseFacts(**kw)


def confirmatory_case(relief: float = 90, gap_days: int = 20, **overrides) -> CaseFacts:
    """Second diagnostic MBB at L4-L5 after one block."""
    first = days_before(gap_days)
    case = base_facet_case(
        levels=(LevelRequest("L4-L5", Side.BILATERAL),),
        history=(block(first, relief=relief),),
        block_responses=(
            BlockResponse(
                date=first,
                agent="bupivacaine 0.5%",
                scale="NRS",
                pre_score=8,
                post_score=8 - 8 * relief / 100,
                percent_relief=relief,
                duration_hours=6,
                levels=("L4-L5",),
            ),
        ),
    )
    return replace(case, **overrides)


def rfa_case(**overrides) -> CaseFacts:
    """First RFA at L4-L5 after two 90 % MBBs."""
    case = base_facet_case(
        procedure=ProcedurePlan(
            type=ProcedureType.RFA,
            intent=Intent.FIRST,
            date_of_service=DOS,
            guidance=Guidance.FLUOROSCOPY,
            rfa_technique=RfaTechnique.THERMAL,
        ),
        levels=(LevelRequest("L4-L5", Side.BILATERAL),),
        history=(block(date(2026, 9, 1)), block(date(2026, 9, 20))),
    )
    return replace(case, **overrides)


def therapeutic_ia_case(**overrides) -> CaseFacts:
    """Therapeutic IA at L4-L5 after two 90 % IA blocks, RFA contraindicated."""
    case = base_facet_case(
        procedure=ProcedurePlan(
            type=ProcedureType.FACET_IA,
            intent=Intent.THERAPEUTIC,
            date_of_service=DOS,
            guidance=Guidance.FLUOROSCOPY,
        ),
        levels=(LevelRequest("L4-L5", Side.BILATERAL),),
        history=(
            block(date(2026, 6, 1), kind=ProcedureType.FACET_IA),
            block(date(2026, 6, 20), kind=ProcedureType.FACET_IA),
        ),
        clinical=facet_clinical(
            rfa_contraindication="implanted spinal cord stimulator", rfa_planned=False
        ),
    )
    return replace(case, **overrides)


def esi_clinical(**kw) -> Clinical:
    base = dict(
        onset_date=date(2026, 8, 1),
        pain_pattern=PainPattern.RADICULAR,
        radiculopathy=True,
        baseline_pain_scale="NRS",
        baseline_pain_score=8,
        function_scale="ODI",
        function_score=50,
        functional_impairment="cannot walk far",
        other_causes_excluded=True,
    )
    base.update(kw)
    return Clinical(**base)


def base_esi_case(
    kind: ProcedureType = ProcedureType.ESI_TRANSFORAMINAL, **overrides
) -> CaseFacts:
    """First left L4-L5 TFESI (or IL/caudal with ``kind``): clean under Medicare."""
    level = "caudal" if kind is ProcedureType.ESI_CAUDAL else "L4-L5"
    kw = _common(
        procedure=ProcedurePlan(
            type=kind,
            intent=Intent.THERAPEUTIC,
            date_of_service=DOS,
            guidance=Guidance.FLUOROSCOPY,
            injectate="dexamethasone 10 mg",
        ),
        levels=(LevelRequest(level, Side.LEFT),),
        clinical=esi_clinical(),
        conservative_care=(
            ConservativeCare(
                "physical_therapy",
                date(2026, 8, 10),
                date(2026, 10, 20),
                outcome="failed",
            ),
        ),
        imaging=(
            Imaging(
                "mri",
                date(2026, 9, 1),
                ("L4-L5",),
                "left L4-5 HNP, L5 root contact",
                concordant=True,
                shows_hnp=True,
            ),
        ),
        diagnoses=("M54.16", "M51.16"),
    )
    kw.update(overrides)
    return CaseFacts(**kw)


def with_plan(case: CaseFacts, **kw) -> CaseFacts:
    return replace(case, procedure=replace(case.procedure, **kw))


def with_clinical(case: CaseFacts, **kw) -> CaseFacts:
    return replace(case, clinical=replace(case.clinical, **kw))
