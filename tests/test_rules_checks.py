"""Table-driven rule tests: each rule ID fires on one side of its threshold and not on the other.

Every row: (rule_id, profile key, case that fires, case just on the other side).
Assertions are on finding codes and severities, never on message text.
"""

from __future__ import annotations

from dataclasses import replace as R
from datetime import date, timedelta

import pytest

from priorauth.rules import evaluate
from priorauth.rules.facts import (
    BlockResponse,
    ConservativeCare,
    Guidance,
    Imaging,
    Intent,
    LevelRequest,
    PainPattern,
    RfaTechnique,
    Sedation,
    Side,
)
from priorauth.rules.facts import (
    ProcedureType as PT,
)
from priorauth.rules.findings import Severity

from .rules_builders import (
    TODAY,
    base_esi_case,
    base_facet_case,
    block,
    confirmatory_case,
    days_before,
    esi_row,
    policy,
    rfa_case,
    rfa_row,
    therapeutic_ia_case,
)
from .rules_builders import (
    with_clinical as wc,
)
from .rules_builders import (
    with_plan as wp,
)

BI, LEFT = Side.BILATERAL, Side.LEFT


def lv(*levels: str, side: Side = BI) -> tuple[LevelRequest, ...]:
    return tuple(LevelRequest(x, side) for x in levels)


def care(days: int) -> tuple[ConservativeCare, ...]:
    start = date(2026, 5, 1)
    return (
        ConservativeCare(
            "physical_therapy", start, start + timedelta(days=days), outcome="failed"
        ),
    )


def diag_sessions(
    n: int,
    first: date = date(2026, 2, 1),
    level: str = "L3-L4",
    kind=PT.MBB,
    intent=Intent.DIAGNOSTIC,
):
    """n prior sessions on distinct dates (monthly) at another level of the region."""
    return tuple(
        block(
            date(first.year, first.month + i, 1)
            if first.month + i <= 12
            else date(first.year + 1, first.month + i - 12, 1),
            level,
            kind=kind,
            intent=intent,
        )
        for i in range(n)
    )


def esis(dates, level="L4-L5", **kw):
    return tuple(esi_row(d, level, **kw) for d in dates)


ESI_TF, ESI_IL = PT.ESI_TRANSFORAMINAL, PT.ESI_INTERLAMINAR
MBB_THER = wp(base_facet_case(), intent=Intent.THERAPEUTIC)
REPEAT_RFA = wp(rfa_case(), intent=Intent.REPEAT)

CASES = [
    # ---- packet ---------------------------------------------------------
    (
        "PKT-001",
        "medicare",
        R(base_facet_case(), patient=R(base_facet_case().patient, member_id="")),
        base_facet_case(),
    ),
    (
        "PKT-002",
        "commercial",
        R(base_facet_case(), rendering=R(base_facet_case().rendering, npi="")),
        base_facet_case(),
    ),
    ("PKT-003", "medicare", R(base_facet_case(), diagnoses=()), base_facet_case()),
    ("PKT-003", "aetna", R(base_facet_case(), levels=lv("L4-L6")), base_facet_case()),
    ("PKT-004", "evicore", R(base_facet_case(), signed=False), base_facet_case()),
    (
        "PKT-005",
        "medicare",
        R(
            base_facet_case(),
            imaging=(Imaging("mri", date(2026, 6, 1), ("L3-L4",), "ok"),),
        ),
        base_facet_case(),
    ),
    (
        "PKT-006",
        "medicare",
        R(
            base_facet_case(),
            conservative_care=(
                ConservativeCare(
                    "nsaids", date(2026, 3, 1), date(2026, 5, 1), outcome=""
                ),
            ),
        ),
        base_facet_case(),
    ),
    (
        "PKT-007",
        "medicare",
        # One record per injection: the row and its response both lack the scale.
        confirmatory_case(
            history=(R(block(days_before(20)), scale=""),), block_responses=()
        ),
        confirmatory_case(),
    ),
    (
        "PKT-008",
        "medicare",
        R(base_esi_case(), payer=R(base_esi_case().payer, state="AZ")),
        base_esi_case(),
    ),
    (
        "PKT-008",
        "medicare",
        wp(
            R(base_esi_case(), payer=R(base_esi_case().payer, state="TX")),
            date_of_service=date(2026, 1, 15),
        ),
        wp(
            R(base_esi_case(), payer=R(base_esi_case().payer, state="TX")),
            date_of_service=date(2026, 1, 14),
        ),
    ),
    (
        "PKT-009",
        "medicare",
        base_facet_case(),
        R(
            base_facet_case(),
            facility=R(base_facet_case().facility, place_of_service="22"),
        ),
    ),
    (
        "PKT-010",
        "medicare",
        R(
            base_facet_case(),
            facility=R(base_facet_case().facility, place_of_service="22"),
        ),
        base_facet_case(),
    ),
    (
        "PKT-010",
        "medicare",
        wp(
            R(
                base_facet_case(),
                facility=R(base_facet_case().facility, place_of_service="19"),
            ),
            date_of_service=date(2023, 7, 1),
        ),
        wp(
            R(
                base_facet_case(),
                facility=R(base_facet_case().facility, place_of_service="19"),
            ),
            date_of_service=date(2023, 6, 30),
        ),
    ),
    (
        "PKT-010",
        "medicare",
        R(
            base_facet_case(),
            facility=R(base_facet_case().facility, place_of_service="22"),
        ),
        R(
            base_facet_case(),
            facility=R(
                base_facet_case().facility, place_of_service="22", opd_exempt=True
            ),
        ),
    ),
    # ---- routes and clocks (payer-rules 7.7) -----------------------------
    (
        "RTE-001",
        "medicare",
        R(base_esi_case(), payer=R(base_esi_case().payer, state="OK")),
        R(base_esi_case(), payer=R(base_esi_case().payer, state="NM")),
    ),
    (
        "RTE-001",
        "medicare",
        wp(
            R(base_esi_case(), payer=R(base_esi_case().payer, state="WA")),
            date_of_service=date(2026, 1, 15),
        ),
        wp(
            R(base_esi_case(), payer=R(base_esi_case().payer, state="WA")),
            date_of_service=date(2026, 1, 14),
        ),
    ),
    (
        "RTE-002",
        "medicare",
        R(
            base_facet_case(),
            facility=R(base_facet_case().facility, place_of_service="19"),
        ),
        R(
            base_facet_case(),
            facility=R(
                base_facet_case().facility, place_of_service="19", opd_exempt=True
            ),
        ),
    ),
    (
        "RTE-002",
        "medicare",
        R(
            base_facet_case(),
            facility=R(base_facet_case().facility, place_of_service="22"),
        ),
        base_facet_case(),
    ),
    (
        "RTE-003",
        "medicare_advantage",
        wp(base_facet_case(), date_of_service=date(2026, 1, 1)),
        wp(base_facet_case(), date_of_service=date(2025, 12, 31)),
    ),
    ("RTE-004", "bcbs", base_facet_case(), base_esi_case()),
    ("RTE-004", "bcbs", rfa_case(), base_esi_case()),
    (
        "LED-001",
        "medicare",
        confirmatory_case(levels=(LevelRequest("L4-L5", BI, 0),)),
        confirmatory_case(levels=(LevelRequest("L4-L5", BI, 1),)),
    ),
    (
        "LED-002",
        "aetna",
        R(
            base_facet_case(),
            block_responses=(
                BlockResponse(
                    date(2026, 9, 1),
                    scale="NRS",
                    pre_score=10,
                    post_score=1,
                    percent_relief=84,
                    duration_hours=6,
                ),
            ),
        ),
        R(
            base_facet_case(),
            block_responses=(
                BlockResponse(
                    date(2026, 9, 1),
                    scale="NRS",
                    pre_score=10,
                    post_score=1,
                    percent_relief=85,
                    duration_hours=6,
                ),
            ),
        ),
    ),
    # ---- facet ----------------------------------------------------------
    (
        "FAC-001",
        "medicare",
        wc(base_facet_case(), onset_date=date(2026, 9, 11)),
        wc(base_facet_case(), onset_date=date(2026, 9, 10)),
    ),
    ("FAC-001", "medicare", wc(base_facet_case(), onset_date=None), base_facet_case()),
    (
        "FAC-002",
        "medicare",
        R(
            base_facet_case(),
            conservative_care=(
                ConservativeCare(
                    "pt", date(2026, 3, 1), date(2026, 5, 1), outcome="improved"
                ),
            ),
        ),
        base_facet_case(),
    ),
    (
        "FAC-003",
        "medicare",
        wc(base_facet_case(), baseline_pain_scale="", function_scale=""),
        base_facet_case(),
    ),
    (
        "FAC-003",
        "medicare",
        wc(base_facet_case(), baseline_pain_score=3),
        wc(base_facet_case(), baseline_pain_score=4),
    ),
    (
        "FAC-004",
        "medicare",
        wc(base_facet_case(), radiculopathy=True),
        wc(base_facet_case(), radiculopathy=True, facet_cyst=True),
    ),
    (
        "FAC-005",
        "medicare",
        wc(base_facet_case(), other_causes_excluded=False),
        base_facet_case(),
    ),
    ("FAC-006", "medicare", confirmatory_case(relief=79), confirmatory_case(relief=80)),
    ("FAC-006", "aetna", confirmatory_case(relief=79), confirmatory_case(relief=80)),
    ("FAC-006", "bcbs", confirmatory_case(relief=49), confirmatory_case(relief=50)),
    (
        "FAC-007",
        "medicare",
        confirmatory_case(gap_days=13),
        confirmatory_case(gap_days=14),
    ),
    (
        "FAC-008",
        "medicare",
        confirmatory_case(
            history=(block(days_before(20), relief_duration_hours=None),),
            block_responses=(
                BlockResponse(
                    days_before(20), agent="bupivacaine", scale="NRS", percent_relief=90
                ),
            ),
        ),
        confirmatory_case(),
    ),
    (
        "FAC-008",
        "medicare",
        confirmatory_case(
            block_responses=(
                BlockResponse(
                    days_before(20),
                    agent="lidocaine 2%",
                    scale="NRS",
                    percent_relief=90,
                    duration_hours=0.4,
                ),
            )
        ),
        confirmatory_case(
            block_responses=(
                BlockResponse(
                    days_before(20),
                    agent="lidocaine 2%",
                    scale="NRS",
                    percent_relief=90,
                    duration_hours=0.5,
                ),
            )
        ),
    ),
    (
        "FAC-009",
        "medicare",
        rfa_case(
            history=(block(date(2026, 9, 1), relief=79), block(date(2026, 9, 20)))
        ),
        rfa_case(
            history=(
                block(date(2026, 9, 1), relief=80),
                block(date(2026, 9, 20), relief=80),
            )
        ),
    ),
    (
        "FAC-009",
        "medicare",
        rfa_case(
            history=(
                block(date(2026, 9, 1), kind=PT.FACET_IA),
                block(date(2026, 9, 20), kind=PT.FACET_IA),
            )
        ),
        rfa_case(),
    ),
    (
        "FAC-009",
        "bcbs",
        rfa_case(
            history=(block(date(2026, 9, 1), relief=49), block(date(2026, 9, 20)))
        ),
        rfa_case(
            history=(block(date(2026, 9, 1), relief=50), block(date(2026, 9, 20)))
        ),
    ),
    (
        "FAC-010",
        "medicare",
        R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), days=183),)),
        R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), days=184),)),
    ),
    (
        "FAC-010",
        "medicare",
        R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), relief=49),)),
        R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), relief=50),)),
    ),
    (
        "FAC-011",
        "medicare",
        R(REPEAT_RFA, history=(rfa_row(date(2024, 12, 9)),)),
        R(REPEAT_RFA, history=(rfa_row(date(2024, 12, 10)),)),
    ),
    (
        "FAC-012",
        "medicare",
        wc(therapeutic_ia_case(), rfa_contraindication=""),
        therapeutic_ia_case(),
    ),
    (
        "FAC-012",
        "medicare",
        therapeutic_ia_case(
            history=(
                block(date(2026, 6, 1), kind=PT.FACET_IA, relief=79),
                block(date(2026, 6, 20), kind=PT.FACET_IA),
            )
        ),
        therapeutic_ia_case(
            history=(
                block(date(2026, 6, 1), kind=PT.FACET_IA, relief=80),
                block(date(2026, 6, 20), kind=PT.FACET_IA, relief=80),
            )
        ),
    ),
    (
        "FAC-013",
        "medicare",
        therapeutic_ia_case(
            history=therapeutic_ia_case().history
            + (
                R(
                    block(
                        date(2026, 8, 1),
                        kind=PT.FACET_IA,
                        intent=Intent.THERAPEUTIC,
                        relief=60,
                    ),
                    relief_duration_days=91,
                ),
            )
        ),
        therapeutic_ia_case(
            history=therapeutic_ia_case().history
            + (
                R(
                    block(
                        date(2026, 8, 1),
                        kind=PT.FACET_IA,
                        intent=Intent.THERAPEUTIC,
                        relief=60,
                    ),
                    relief_duration_days=92,
                ),
            )
        ),
    ),
    ("FAC-014", "medicare", MBB_THER, base_facet_case()),
    (
        "FAC-015",
        "medicare",
        R(base_facet_case(), levels=lv("L3-L4", "L4-L5", "L5-S1")),
        base_facet_case(),
    ),
    (
        "FAC-015",
        "medicare",
        R(rfa_case(), levels=lv("L3-L4", "L4-L5", "L5-S1")),
        R(rfa_case(), levels=lv("L4-L5", "L5-S1")),
    ),
    (
        "FAC-016",
        "medicare",
        R(base_facet_case(), history=diag_sessions(4)),
        R(base_facet_case(), history=diag_sessions(3)),
    ),
    (
        "FAC-016",
        "medicare",
        R(
            base_facet_case(),
            history=diag_sessions(3) + (block(date(2025, 12, 10), "L3-L4"),),
        ),
        R(
            base_facet_case(),
            history=diag_sessions(3) + (block(date(2025, 12, 9), "L3-L4"),),
        ),
    ),
    (
        "FAC-017",
        "medicare",
        therapeutic_ia_case(
            history=therapeutic_ia_case().history
            + diag_sessions(
                4, level="L3-L4", kind=PT.FACET_IA, intent=Intent.THERAPEUTIC
            )
        ),
        therapeutic_ia_case(
            history=therapeutic_ia_case().history
            + diag_sessions(
                3, level="L3-L4", kind=PT.FACET_IA, intent=Intent.THERAPEUTIC
            )
        ),
    ),
    (
        "FAC-018",
        "medicare",
        rfa_case(
            history=rfa_case().history
            + (rfa_row(date(2026, 1, 5), "L3-L4"), rfa_row(date(2026, 4, 5), "L3-L4"))
        ),
        rfa_case(history=rfa_case().history + (rfa_row(date(2026, 4, 5), "L3-L4"),)),
    ),
    (
        "FAC-019",
        "medicare",
        wp(base_facet_case(), guidance=Guidance.ULTRASOUND),
        wp(base_facet_case(), guidance=Guidance.CT),
    ),
    (
        "FAC-020",
        "medicare",
        wp(base_facet_case(), sedation=Sedation.MODERATE),
        wp(base_facet_case(), sedation=Sedation.MINIMAL),
    ),
    (
        "FAC-021",
        "medicare",
        wp(rfa_case(), sedation=Sedation.MAC),
        wp(
            rfa_case(),
            sedation=Sedation.MAC,
            sedation_justification="severe anxiety, failed PO",
        ),
    ),
    (
        "FAC-022",
        "medicare",
        wp(rfa_case(), rfa_technique=RfaTechnique.PULSED),
        rfa_case(),
    ),
    ("FAC-022", "bcbs", wp(rfa_case(), rfa_technique=RfaTechnique.PULSED), rfa_case()),
    (
        "FAC-023",
        "medicare",
        wp(base_facet_case(), kx_modifier=False),
        base_facet_case(),
    ),
    (
        "FAC-024",
        "medicare",
        R(base_facet_case(), history=(rfa_row(date(2025, 6, 1), relief=50),)),
        R(base_facet_case(), history=(rfa_row(date(2025, 6, 1), relief=49),)),
    ),
    (
        "FAC-025",
        "medicare",
        wp(base_facet_case(), other_blocks_same_day=(PT.SI_JOINT,)),
        wc(
            wp(base_facet_case(), other_blocks_same_day=(PT.SI_JOINT,)), facet_cyst=True
        ),
    ),
    (
        "FAC-026",
        "medicare",
        R(base_facet_case(), diagnoses=("M54.50",)),
        base_facet_case(),
    ),
    (
        "FAC-026",
        "medicare",
        R(base_facet_case(), diagnoses=("M47.81",)),
        R(base_facet_case(), diagnoses=("M47.817",)),
    ),
    (
        "FAC-027",
        "medicare",
        wc(base_facet_case(), fusion_at_level=True),
        base_facet_case(),
    ),
    (
        "FAC-028",
        "medicare",
        confirmatory_case(
            block_responses=(
                BlockResponse(
                    days_before(20),
                    agent="bupivacaine",
                    scale="VAS",
                    percent_relief=90,
                    duration_hours=6,
                ),
            )
        ),
        confirmatory_case(),
    ),
    # ---- diagnostic vs therapeutic --------------------------------------
    (
        "DVT-001",
        "medicare",
        R(
            base_facet_case(),
            history=(block(date(2026, 3, 1)), block(date(2026, 3, 20))),
        ),
        R(base_facet_case(), history=(block(date(2026, 3, 1)),)),
    ),
    (
        "DVT-001",
        "medicare",
        R(
            base_facet_case(),
            history=(block(date(2025, 12, 10)), block(date(2026, 3, 20))),
        ),
        R(
            base_facet_case(),
            history=(block(date(2025, 12, 9)), block(date(2026, 3, 20))),
        ),
    ),
    (
        "DVT-001",
        "medicare",
        R(base_facet_case(), levels=(LevelRequest("L4-L5", BI, 2),)),
        R(base_facet_case(), levels=(LevelRequest("L4-L5", BI, 1),)),
    ),
    (
        "DVT-001",
        "commercial",
        R(
            base_facet_case(),
            history=(block(date(2026, 3, 1)), block(date(2026, 3, 20))),
        ),
        R(base_facet_case(), history=(block(date(2026, 3, 1)),)),
    ),
    (
        "DVT-002",
        "medicare",
        R(
            base_facet_case(),
            history=(
                block(date(2026, 3, 1), relief=80),
                block(date(2026, 3, 20), relief=80),
            ),
        ),
        R(
            base_facet_case(),
            history=(
                block(date(2026, 3, 1), relief=79),
                block(date(2026, 3, 20), relief=80),
            ),
        ),
    ),
    (
        "DVT-003",
        "aetna",
        R(
            base_facet_case(),
            history=(block(date(2024, 3, 1)), block(date(2024, 3, 20))),
        ),
        R(base_facet_case(), history=(block(date(2024, 3, 1)),)),
    ),
    ("DVT-004", "aetna", wc(base_facet_case(), rfa_planned=False), base_facet_case()),
    ("DVT-005", "bcbs", therapeutic_ia_case(), base_facet_case()),
    ("DVT-005", "bcbs", MBB_THER, base_facet_case()),
    ("DVT-006", "carelon", wc(base_facet_case(), rfa_planned=False), base_facet_case()),
    # ---- ESI ------------------------------------------------------------
    (
        "ESI-001",
        "medicare",
        wc(base_esi_case(), radiculopathy=False, pain_pattern=PainPattern.AXIAL),
        base_esi_case(),
    ),
    (
        "ESI-002",
        "medicare",
        wc(base_esi_case(), onset_date=days_before(27)),
        wc(base_esi_case(), onset_date=days_before(28)),
    ),
    (
        "ESI-002",
        "medicare",
        wc(base_esi_case(), onset_date=None),
        wc(base_esi_case(), onset_date=None, acute_zoster=True),
    ),
    ("ESI-003", "medicare", R(base_esi_case(), conservative_care=()), base_esi_case()),
    (
        "ESI-003",
        "medicare",
        R(base_esi_case(), conservative_care=care(27)),
        R(base_esi_case(), conservative_care=care(28)),
    ),
    (
        "ESI-004",
        "medicare",
        R(
            base_esi_case(),
            imaging=(Imaging("mri", date(2026, 9, 1), ("L4-L5",), "mild DDD"),),
        ),
        base_esi_case(),
    ),
    (
        "ESI-005",
        "medicare",
        wc(base_esi_case(), baseline_pain_scale="", function_scale=""),
        base_esi_case(),
    ),
    (
        "ESI-006",
        "medicare",
        R(base_esi_case(), history=esis([date(2026, 6, 1)], relief=49)),
        R(base_esi_case(), history=esis([date(2026, 6, 1)], relief=50)),
    ),
    (
        "ESI-006",
        "medicare",
        R(base_esi_case(), history=esis([date(2026, 8, 15)], days=91)),
        R(base_esi_case(), history=esis([date(2026, 8, 15)], days=92)),
    ),
    (
        "ESI-006",
        "medicare",
        R(base_esi_case(), history=(R(esi_row(date(2026, 6, 1)), scale="VAS"),)),
        R(base_esi_case(), history=esis([date(2026, 6, 1)])),
    ),
    (
        "ESI-007",
        "medicare",
        wc(
            R(base_esi_case(), history=esis([days_before(13)], relief=20)),
            changed_approach="IL",
        ),
        wc(
            R(base_esi_case(), history=esis([days_before(14)], relief=20)),
            changed_approach="IL",
        ),
    ),
    (
        "ESI-008",
        "medicare",
        R(
            base_esi_case(),
            history=esis(
                [
                    date(2026, 1, 5),
                    date(2026, 4, 5),
                    date(2026, 7, 5),
                    date(2026, 10, 5),
                ]
            ),
        ),
        R(
            base_esi_case(),
            history=esis([date(2026, 4, 5), date(2026, 7, 5), date(2026, 10, 5)]),
        ),
    ),
    (
        "ESI-008",
        "medicare",
        R(
            base_esi_case(),
            history=esis(
                [
                    date(2025, 12, 10),
                    date(2026, 4, 5),
                    date(2026, 7, 5),
                    date(2026, 10, 5),
                ]
            ),
        ),
        R(
            base_esi_case(),
            history=esis(
                [
                    date(2025, 12, 9),
                    date(2026, 4, 5),
                    date(2026, 7, 5),
                    date(2026, 10, 5),
                ]
            ),
        ),
    ),
    (
        "ESI-009",
        "medicare",
        R(base_esi_case(), levels=lv("L3-L4", "L4-L5", "L5-S1", side=LEFT)),
        R(base_esi_case(), levels=lv("L4-L5", "L5-S1", side=LEFT)),
    ),
    (
        "ESI-009",
        "medicare",
        R(base_esi_case(ESI_IL), levels=lv("L4-L5", "L5-S1", side=LEFT)),
        base_esi_case(ESI_IL),
    ),
    (
        "ESI-010",
        "medicare",
        R(base_esi_case(), levels=lv("C5-C6", "L4-L5", side=LEFT)),
        base_esi_case(),
    ),
    (
        "ESI-011",
        "medicare",
        wp(base_esi_case(), guidance=Guidance.NONE),
        base_esi_case(),
    ),
    (
        "ESI-011",
        "medicare",
        wp(base_esi_case(), contrast=False),
        wp(
            base_esi_case(),
            contrast=False,
            contrast_contraindication="iodinated contrast allergy",
        ),
    ),
    (
        "ESI-012",
        "medicare",
        R(base_esi_case(ESI_IL), levels=lv("L4-L5")),
        base_esi_case(ESI_IL),
    ),
    (
        "ESI-013",
        "medicare",
        R(base_esi_case(), history=esis([date(2025, 12, 9), date(2026, 6, 1)])),
        R(base_esi_case(), history=esis([date(2025, 12, 10), date(2026, 6, 1)])),
    ),
    # A prior ESI more than 12 months before the date of service starts a new series:
    # neither the failed-ESI rule nor the beyond-12-months rule applies to it.
    (
        "ESI-007",
        "medicare",
        R(base_esi_case(), history=esis([date(2025, 12, 10)], relief=20)),
        R(base_esi_case(), history=esis([date(2025, 12, 9)], relief=20)),
    ),
    (
        "ESI-013",
        "medicare",
        R(base_esi_case(), history=esis([date(2025, 12, 9), date(2025, 12, 10)])),
        R(base_esi_case(), history=esis([date(2024, 2, 9)])),
    ),
    (
        "ESI-014",
        "medicare",
        wp(base_esi_case(), sedation=Sedation.MAC),
        base_esi_case(),
    ),
    ("ESI-015", "medicare", wp(base_esi_case(), injectate="PRP 3 mL"), base_esi_case()),
    (
        "ESI-016",
        "medicare",
        wp(base_esi_case(), other_blocks_same_day=(PT.MBB,)),
        wp(base_esi_case(), other_blocks_same_day=(PT.ESI_INTERLAMINAR,)),
    ),
    (
        "ESI-017",
        "medicare",
        R(base_esi_case(), diagnoses=("M54.50", "M47.816")),
        base_esi_case(),
    ),
    # ---- payer overlays --------------------------------------------------
    (
        "AET-001",
        "aetna",
        wc(base_facet_case(), onset_date=date(2026, 9, 11)),
        wc(base_facet_case(), onset_date=date(2026, 9, 10)),
    ),
    (
        "AET-001",
        "aetna",
        R(base_facet_case(), conservative_care=care(41)),
        R(base_facet_case(), conservative_care=care(42)),
    ),
    (
        "AET-002",
        "aetna",
        R(base_facet_case(), levels=lv("L2-L3", "L3-L4", "L4-L5", "L5-S1")),
        R(base_facet_case(), levels=lv("L3-L4", "L4-L5", "L5-S1")),
    ),
    (
        "AET-003",
        "aetna",
        R(base_esi_case(), history=esis([date(2026, 6, 1)], relief=50)),
        R(
            base_esi_case(),
            history=(R(esi_row(date(2026, 6, 1), relief=50), function_improved=True),),
        ),
    ),
    (
        "AET-003",
        "aetna",
        R(
            base_esi_case(),
            history=(
                R(
                    esi_row(date(2026, 6, 1), relief=50, days=13),
                    function_improved=True,
                ),
            ),
        ),
        R(
            base_esi_case(),
            history=(
                R(
                    esi_row(date(2026, 6, 1), relief=50, days=14),
                    function_improved=True,
                ),
            ),
        ),
    ),
    (
        "EVI-001",
        "evicore",
        rfa_case(
            history=(block(date(2026, 9, 1), relief=79), block(date(2026, 9, 20)))
        ),
        rfa_case(
            history=(
                block(date(2026, 9, 1), relief=80, kind=PT.FACET_IA),
                block(date(2026, 9, 20), relief=80),
            )
        ),
    ),
    (
        "EVI-002",
        "evicore",
        R(REPEAT_RFA, history=(rfa_row(date(2026, 6, 11)),)),
        R(REPEAT_RFA, history=(rfa_row(date(2026, 6, 10)),)),
    ),
    (
        "EVI-002",
        "evicore",
        R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), days=83),)),
        R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), days=84),)),
    ),
    (
        "EVI-003",
        "evicore",
        rfa_case(
            history=rfa_case().history
            + (rfa_row(date(2026, 1, 5), "L3-L4"), rfa_row(date(2026, 4, 5), "L3-L4"))
        ),
        rfa_case(history=rfa_case().history + (rfa_row(date(2026, 4, 5), "L3-L4"),)),
    ),
    (
        "EVI-003",
        "evicore",
        R(rfa_case(), levels=lv("L2-L3", "L3-L4", "L4-L5", "L5-S1")),
        R(rfa_case(), levels=lv("L3-L4", "L4-L5", "L5-S1")),
    ),
    (
        "EVI-004",
        "evicore",
        R(base_esi_case(), conservative_care=care(41)),
        R(base_esi_case(), conservative_care=care(42)),
    ),
    (
        "EVI-004",
        "evicore",
        wc(
            R(base_esi_case(), conservative_care=care(27)),
            radiculopathy=False,
            neurogenic_claudication=True,
        ),
        wc(
            R(base_esi_case(), conservative_care=care(28)),
            radiculopathy=False,
            neurogenic_claudication=True,
        ),
    ),
    (
        "EVI-005",
        "evicore",
        R(base_esi_case(), history=esis([days_before(13)])),
        R(base_esi_case(), history=esis([days_before(14)])),
    ),
    (
        "EVI-005",
        "evicore",
        R(
            base_esi_case(),
            history=esis([date(2026, 6, 10), date(2026, 8, 1), date(2026, 10, 1)]),
        ),
        R(
            base_esi_case(),
            history=esis([date(2026, 6, 9), date(2026, 8, 1), date(2026, 10, 1)]),
        ),
    ),
    (
        "EVI-006",
        "evicore",
        R(
            base_esi_case(),
            imaging=(
                Imaging("mri", date(2024, 12, 9), ("L4-L5",), "HNP", concordant=True),
            ),
        ),
        R(
            base_esi_case(),
            imaging=(
                Imaging("mri", date(2024, 12, 10), ("L4-L5",), "HNP", concordant=True),
            ),
        ),
    ),
    (
        "CAR-001",
        "carelon",
        R(base_facet_case(), levels=lv("L3-L4", "L4-L5", "L5-S1")),
        base_facet_case(),
    ),
    (
        "CAR-001",
        "carelon",
        R(base_facet_case(), history=diag_sessions(4)),
        R(base_facet_case(), history=diag_sessions(3)),
    ),
    (
        "CAR-002",
        "carelon",
        R(base_esi_case(), history=esis([date(2026, 8, 15)], days=91)),
        R(base_esi_case(), history=esis([date(2026, 8, 15)], days=92)),
    ),
    (
        "CAR-002",
        "carelon",
        R(base_esi_case(), levels=lv("C5-C6", "L4-L5", side=LEFT)),
        base_esi_case(),
    ),
    (
        "CAR-003",
        "carelon",
        R(
            base_esi_case(),
            imaging=(
                Imaging(
                    "mri",
                    date(2025, 6, 9),
                    ("L4-L5",),
                    "HNP",
                    concordant=True,
                    shows_hnp=True,
                ),
            ),
        ),
        R(
            base_esi_case(),
            imaging=(
                Imaging(
                    "mri",
                    date(2025, 6, 10),
                    ("L4-L5",),
                    "HNP",
                    concordant=True,
                    shows_hnp=True,
                ),
            ),
        ),
    ),
    (
        "BCB-001",
        "bcbs",
        rfa_case(
            history=(block(date(2026, 9, 1), relief=79), block(date(2026, 9, 20)))
        ),
        rfa_case(
            history=(block(date(2026, 9, 1), relief=80), block(date(2026, 9, 20)))
        ),
    ),
    (
        "BCB-001",
        "bcbs",
        R(REPEAT_RFA, history=(rfa_row(date(2026, 6, 11)),)),
        R(REPEAT_RFA, history=(rfa_row(date(2026, 6, 10)),)),
    ),
    (
        "BMA-001",
        "bcbs_ma",
        R(base_esi_case(), history=esis([days_before(29)])),
        R(base_esi_case(), history=esis([days_before(30)])),
    ),
    (
        "BMA-001",
        "bcbs_ma",
        R(
            base_esi_case(),
            history=esis(
                [
                    date(2026, 1, 5),
                    date(2026, 3, 5),
                    date(2026, 5, 5),
                    date(2026, 7, 5),
                    date(2026, 9, 5),
                    date(2026, 11, 5),
                ]
            ),
        ),
        R(
            base_esi_case(),
            history=esis(
                [
                    date(2026, 3, 5),
                    date(2026, 5, 5),
                    date(2026, 7, 5),
                    date(2026, 9, 5),
                    date(2026, 11, 5),
                ]
            ),
        ),
    ),
]

IDS = [f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)]


def codes(case, key):
    return {f.code: f for f in evaluate(case, policy(key), today=TODAY).findings}


@pytest.mark.parametrize(("code", "key", "fires", "quiet"), CASES, ids=IDS)
def test_rule_fires_on_one_side_of_its_threshold(code, key, fires, quiet):
    found = codes(fires, key)
    assert code in found, sorted(found)
    cfg = policy(key).rule(code)
    assert found[code].severity in {
        cfg.severity,
        *(Severity(p["severity"]) for p in cfg.parts.values()),
    }


@pytest.mark.parametrize(("code", "key", "fires", "quiet"), CASES, ids=IDS)
def test_rule_is_quiet_on_the_other_side(code, key, fires, quiet):
    assert code not in codes(quiet, key)


# ---- severities that depend on which part of a rule fired ------------------


@pytest.mark.parametrize(
    ("case", "key", "code", "severity"),
    [
        (
            wc(base_facet_case(), baseline_pain_scale="", function_scale=""),
            "medicare",
            "FAC-003",
            Severity.BLOCKER,
        ),
        (
            wc(base_facet_case(), baseline_pain_score=3),
            "medicare",
            "FAC-003",
            Severity.WARNING,
        ),
        (
            R(base_esi_case(), conservative_care=()),
            "medicare",
            "ESI-003",
            Severity.BLOCKER,
        ),
        (
            R(base_esi_case(), conservative_care=care(27)),
            "medicare",
            "ESI-003",
            Severity.WARNING,
        ),
        (
            R(base_esi_case(), history=esis([date(2026, 6, 1)], relief=49)),
            "medicare",
            "ESI-006",
            Severity.BLOCKER,
        ),
        (
            R(base_esi_case(), history=esis([date(2026, 8, 15)], days=91)),
            "medicare",
            "ESI-006",
            Severity.WARNING,
        ),
        (
            wp(rfa_case(), rfa_technique=RfaTechnique.PULSED),
            "medicare",
            "FAC-022",
            Severity.WARNING,
        ),
        (
            wp(rfa_case(), rfa_technique=RfaTechnique.PULSED),
            "bcbs",
            "FAC-022",
            Severity.BLOCKER,
        ),
        (
            wp(rfa_case(), rfa_technique=RfaTechnique.COOLED),
            "bcbs",
            "FAC-022",
            Severity.WARNING,
        ),
        (
            R(
                base_facet_case(),
                history=(block(date(2026, 3, 1)), block(date(2026, 3, 20))),
            ),
            "medicare",
            "DVT-001",
            Severity.WARNING,
        ),
        (
            R(
                base_facet_case(),
                history=(block(date(2026, 3, 1)), block(date(2026, 3, 20))),
            ),
            "aetna",
            "DVT-003",
            Severity.BLOCKER,
        ),
        (
            R(REPEAT_RFA, history=(rfa_row(date(2026, 3, 1), days=183),)),
            "medicare",
            "FAC-010",
            Severity.WARNING,
        ),
    ],
)
def test_severity_per_part_and_payer(case, key, code, severity):
    assert codes(case, key)[code].severity is severity


def test_cervical_thoracic_cap_is_a_blocker_only_within_one_subregion():
    cerv = R(
        base_facet_case(),
        levels=lv("C5-C6"),
        diagnoses=("M47.812",),
        imaging=(
            Imaging("mri", date(2026, 6, 1), ("C5-C6",), "facet OA", concordant=True),
        ),
    )
    thoracic = diag_sessions(4, level="T5-T6")
    cervical = diag_sessions(4, level="C4-C5")
    assert (
        codes(R(cerv, history=thoracic), "medicare")["FAC-016"].severity
        is Severity.WARNING
    )
    assert (
        codes(R(cerv, history=cervical), "medicare")["FAC-016"].severity
        is Severity.BLOCKER
    )


def test_dvt_001_names_level_count_and_dates():
    case = R(
        base_facet_case(), history=(block(date(2026, 3, 1)), block(date(2026, 3, 20)))
    )
    f = codes(case, "medicare")["DVT-001"]
    assert f.level == "L4-L5"
    assert "2026-03-01" in f.detail and "2026-03-20" in f.detail and "2" in f.detail
    assert f.count == 2
    # What fixes it is the intent (or a reason, or a plan), not the prior count.
    assert f.field == "procedure.intent"


def test_medicare_citation_is_the_macs_lcd_for_the_state():
    fl = codes(wc(base_facet_case(), other_causes_excluded=False), "medicare")[
        "FAC-005"
    ]
    assert "L33930" in fl.citation.policy_id
    az = R(base_facet_case(), payer=R(base_facet_case().payer, state="AZ"))
    f = codes(wc(az, other_causes_excluded=False), "medicare")["FAC-005"]
    assert "L38803" in f.citation.policy_id and f.citation.source == "[S3]"
    esi = codes(
        wp(
            R(base_esi_case(), payer=R(base_esi_case().payer, state="TX")),
            sedation=Sedation.MAC,
        ),
        "medicare",
    )["ESI-014"]
    assert "L36920" in esi.citation.policy_id
    assert esi.citation.revision == policy("medicare").revision_date


def test_repeat_rfa_without_a_prior_rfa_on_file_is_flagged():
    assert "FAC-010" in codes(R(REPEAT_RFA, history=rfa_case().history), "medicare")


def test_an_esi_more_than_12_months_ago_starts_a_new_series():
    old = R(base_esi_case(), history=esis([date(2025, 11, 1)], relief=20))
    assert "ESI-006" not in codes(old, "medicare")


# Virginia is split (payer-rules 1.1): Arlington and Fairfax counties and the cities of
# Fairfax, Falls Church and Alexandria are JL (Novitas: facet L34892, ESI L36920); the
# rest of Virginia is JM (Palmetto: facet L38765, ESI L38994).
@pytest.mark.parametrize(
    ("state", "county", "facet_lcd", "esi_lcd"),
    [
        ("VA", "Arlington County", "L34892", "L36920"),
        ("VA", "Fairfax County", "L34892", "L36920"),
        ("VA", "City of Fairfax", "L34892", "L36920"),
        ("VA", "Fairfax city", "L34892", "L36920"),
        ("VA", "falls church", "L34892", "L36920"),
        ("VA", "Alexandria", "L34892", "L36920"),
        ("VA", "Richmond city", "L38765", "L38994"),
        ("VA", "Loudoun County", "L38765", "L38994"),  # borders Fairfax, still JM
        ("VA", "", "L38765", "L38994"),  # not given: the state's jurisdiction
        ("MD", "Arlington County", "L34892", "L36920"),  # JL state, county irrelevant
        ("NC", "Alexandria", "L38765", "L38994"),  # only Virginia is split
        ("AZ", "Fairfax County", "L38803", None),
    ],
)
def test_medicare_citation_follows_the_virginia_county_split(
    state, county, facet_lcd, esi_lcd
):
    facet = R(
        base_facet_case(), payer=R(base_facet_case().payer, state=state, county=county)
    )
    f = codes(wc(facet, other_causes_excluded=False), "medicare")["FAC-005"]
    assert facet_lcd in f.citation.policy_id
    if esi_lcd:
        esi = R(
            base_esi_case(), payer=R(base_esi_case().payer, state=state, county=county)
        )
        e = codes(wp(esi, sedation=Sedation.MAC), "medicare")["ESI-014"]
        assert esi_lcd in e.citation.policy_id
    # Medicare Advantage follows the same LCDs.
    ma = codes(wc(facet, other_causes_excluded=False), "medicare_advantage").get(
        "FAC-005"
    )
    if ma is not None:
        assert facet_lcd in ma.citation.policy_id


def test_locality_names_are_matched_without_county_or_city_words():
    from priorauth.rules.policy import locality_key

    assert locality_key("City of Falls Church") == "falls church"
    assert locality_key("  Fairfax County ") == "fairfax"
    assert locality_key("Alexandria city") == "alexandria"
    assert locality_key("Arlington Co.") == "arlington"
    assert locality_key("Prince William Cnty") == "prince william"
    assert locality_key("") == ""


# ---- PKT-010: the OPD list is dated data -----------------------------------


@pytest.mark.parametrize(
    ("cpts", "dos", "listed"),
    [
        ({"64493", "64494", "64495"}, date(2024, 8, 4), ["64493", "64494", "64495"]),
        ({"64493", "64494", "64495"}, date(2024, 8, 5), ["64493", "64494"]),
        ({"64490", "64491", "64492"}, date(2024, 8, 5), ["64490", "64491"]),
        ({"64635"}, date(2023, 6, 30), []),
        ({"64635"}, date(2023, 7, 1), ["64635"]),
        ({"62323"}, date(2026, 1, 1), []),
    ],
)
def test_opd_list_follows_its_date_ranges(cpts, dos, listed):
    from priorauth.rules.checks.packet import opd_listed_codes

    opd = policy("medicare").get("medicare", "opd_pa")
    assert opd_listed_codes(opd, cpts, dos) == listed


def test_route_rules_read_vendors_and_clocks_from_the_profile():
    found = codes(
        R(base_esi_case(), payer=R(base_esi_case().payer, state="TX")), "medicare"
    )
    assert "Cohere" in found["RTE-001"].detail
    assert "RTE-001" in found and "PKT-008" in found


# ---- FAC-026: the ICD-10-CM region character agrees with the level ------------


@pytest.mark.parametrize(
    ("levels", "codes", "fires", "named"),
    [
        (("L4-L5",), ("M47.816",), False, ""),  # lumbar code, lumbar level
        (("L5-S1",), ("M47.817",), False, ""),  # lumbosacral, L5-S1
        (("L4-L5",), ("M47.817",), False, ""),  # lumbosacral touches lumbar
        (("C5-C6",), ("M47.812",), False, ""),  # cervical, cervical
        (("C7-T1",), ("M47.813",), False, ""),  # cervicothoracic
        (
            ("C5-C6",),
            ("M47.816",),
            True,
            "M47.816 is a lumbar code; the requested level C5-C6 is cervical",
        ),
        (
            ("L4-L5",),
            ("M47.812",),
            True,
            "M47.812 is a cervical code; the requested level L4-L5 is lumbar",
        ),
        (("T5-T6",), ("M47.816",), True, "M47.816 is a lumbar code"),
        (("L4-L5",), ("M47.816", "M47.812"), True, "M47.812 is a cervical code"),
    ],
)
def test_fac_026_names_a_code_whose_region_does_not_match_the_level(
    levels, codes, fires, named
):
    case = R(base_facet_case(), levels=lv(*levels), diagnoses=codes)
    found = codes_of = {
        f.code: f for f in evaluate(case, policy("medicare"), today=TODAY).findings
    }
    assert ("FAC-026" in found) is fires
    if fires:
        assert named in codes_of["FAC-026"].detail
        assert codes_of["FAC-026"].severity is Severity.WARNING
