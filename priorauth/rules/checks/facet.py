"""Facet IA / MBB / RFA rules (payer-rules 7.2, FAC-001..028).

Severity choices for figures the spec marks SECONDARY or UNCONFIRMED (they are
never blockers; the label is kept per rule in the policy data):

| rule | weak figure | choice |
|---|---|---|
| FAC-003 | numeric "moderate" cut-off (UNCONFIRMED) and functional deficit wording | missing named scale/score = blocker; score below ``moderate_pain_min`` or no functional impairment = part ``low_score``/``no_function``, warning |
| FAC-007 | 2-week interval between diagnostic blocks (SECONDARY) | warning |
| FAC-008 | duration expected for the agent (UNCONFIRMED table) | warning (part ``inconsistent``) |
| FAC-010 | repeat RFA >= 50 % for >= 6 months (SECONDARY [S9]) | whole rule warning |
| FAC-011 | re-diagnose when RFA > 2 years ago (SECONDARY) | warning |
| FAC-014 | therapeutic MBB coverage (UNCONFIRMED) | warning |
| FAC-016..018 | cervical + thoracic counted together (UNCONFIRMED) | blocker only when the cap is exceeded within the request's own sub-region; exceeded only when C and T are combined = part ``combined_ct``, warning |
| FAC-022 | thermal-only (SECONDARY [S9]); cooled RF non-covered (UNCONFIRMED for Medicare) | warning for Medicare; blocker only in profiles with confirmed sources (BCBS/TRICARE [S25][S26]); cooled = part ``unconfirmed_technique``, warning |
| FAC-024..026 | SECONDARY [S9] | warning |

This module: the indications for every facet procedure and the diagnostic blocks
(FAC-001..008), the diagnosis and fusion (FAC-026, FAC-027) and the pain scale
(FAC-028). RFA and therapeutic injections: ``facet_treatment``; levels, frequency
and technique: ``facet_limits``.
"""

from __future__ import annotations

from ..facts import CaseFacts
from ..findings import Finding
from ..ledger import (
    FACET_BLOCKS,
    effective_relief,
    responses,
    row_relief,
    safe_levels,
)
from .common import (
    Ctx,
    care_not_counting,
    diagnostic_blocks,
    dur,
    is_diagnostic_block,
    is_failed,
    meets_duration,
    rule,
)


def _facet(facts: CaseFacts) -> bool:
    return facts.procedure.type.is_facet_family


@rule("FAC-001")
def fac_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("facet", "pain_min")
    onset = facts.clinical.onset_date
    if not _facet(facts) or not spec or meets_duration(onset, ctx.dos, spec):
        return []
    detail = (
        "onset not documented"
        if onset is None
        else (
            f"onset {onset.isoformat()}, {(ctx.dos - onset).days} days before DOS (needs {dur(spec)})"
        )
    )
    return [
        ctx.finding(
            facts,
            "FAC-001",
            f"Facet procedures need at least {dur(spec)} of pain. "
            + (
                "Document the onset date."
                if onset is None
                # The date is there: asking for it again would not help.
                else "Check the onset date, or plan the procedure later."
            ),
            field="clinical.onset_date",
            detail=detail,
        )
    ]


@rule("FAC-002")
def fac_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not _facet(facts) or any(is_failed(c) for c in facts.conservative_care):
        return []
    return [
        ctx.finding(
            facts,
            "FAC-002",
            "Document the conservative treatments tried and how they failed.",
            field="conservative_care",
            detail=care_not_counting(facts) or "no conservative treatment listed",
        )
    ]


@rule("FAC-003")
def fac_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not _facet(facts):
        return []
    c = facts.clinical
    msg = (
        "Record a baseline score on a named scale (e.g. NRS, VAS, ODI) and describe the "
        "functional impairment."
    )
    pain_ok = bool(c.baseline_pain_scale.strip()) and c.baseline_pain_score is not None
    func_ok = bool(c.function_scale.strip()) and c.function_score is not None
    if not (pain_ok or func_ok):
        return [
            ctx.finding(
                facts,
                "FAC-003",
                msg,
                field="clinical.baseline_pain_scale",
                detail="no named baseline scale with a score",
            )
        ]
    cut = ctx.fig("facet", "moderate_pain_min")
    if cut is not None and pain_ok and c.baseline_pain_score < cut:
        return [
            ctx.finding(
                facts,
                "FAC-003",
                msg,
                field="clinical.baseline_pain_score",
                part="low_score",
                detail=f"baseline {c.baseline_pain_score:g}/10 "
                f"may not read as moderate-severe (cut-off {cut} UNCONFIRMED)",
            )
        ]
    if not (func_ok or c.functional_impairment.strip()):
        return [
            ctx.finding(
                facts,
                "FAC-003",
                msg,
                field="clinical.functional_impairment",
                part="no_function",
                detail="functional deficit not described",
            )
        ]
    return []


@rule("FAC-004")
def fac_004(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    c = facts.clinical
    if (
        _facet(facts)
        and (c.radiculopathy or c.neurogenic_claudication)
        and not c.facet_cyst
    ):
        return [
            ctx.finding(
                facts,
                "FAC-004",
                "Untreated radiculopathy rules out facet coverage. "
                "Consider ESI, or document a facet-cyst cause.",
                field="clinical.radiculopathy",
            )
        ]
    return []


@rule("FAC-005")
def fac_005(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if _facet(facts) and not facts.clinical.other_causes_excluded:
        return [
            ctx.finding(
                facts,
                "FAC-005",
                "State that other causes (fracture, tumor, "
                "infection, deformity) were ruled out.",
                field="clinical.other_causes_excluded",
            )
        ]
    return []


def _is_confirmatory(ctx: Ctx, level: str) -> bool:
    entry = ctx.ledger.get(level)
    return entry is not None and entry.prior_count == 1


def _first_block_relief(facts: CaseFacts, ctx: Ctx, level: str):
    rows = diagnostic_blocks(facts, ctx, level)
    if rows:
        return row_relief(facts, rows[0]), rows[0].date
    for br in facts.block_responses:  # undated typed count: use the response entered
        if not br.levels or level in br.levels:
            return effective_relief(br), br.date
    return None, None


@rule("FAC-006")
def fac_006(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_diagnostic_block(facts):
        return []
    need = ctx.fig("facet", "diag_relief_min", 80)
    out = []
    for level in ctx.levels:
        if not _is_confirmatory(ctx, level):
            continue
        rel, _ = _first_block_relief(facts, ctx, level)
        if rel is None or rel < need:
            shown = "not recorded" if rel is None else f"{rel:g} %"
            out.append(
                ctx.finding(
                    facts,
                    "FAC-006",
                    f"The confirmatory block at {level} needs "
                    f">= {need} % relief of index pain from the first block.",
                    level=level,
                    field="history",
                    detail=f"first block relief {shown} (needs {need} %)",
                )
            )
    return out


@rule("FAC-007")
def fac_007(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("facet", "diag_interval_min")
    if not is_diagnostic_block(facts) or not spec:
        return []
    out = []
    for level in ctx.levels:
        if not _is_confirmatory(ctx, level):
            continue
        _, first = _first_block_relief(facts, ctx, level)
        if first is not None and not meets_duration(first, ctx.dos, spec):
            out.append(
                ctx.finding(
                    facts,
                    "FAC-007",
                    "Some reviewers expect >= 2 weeks between diagnostic blocks.",
                    level=level,
                    field="procedure.date_of_service",
                    detail=f"first block {first.isoformat()}, "
                    f"{(ctx.dos - first).days} days before",
                )
            )
    return out


@rule("FAC-008")
def fac_008(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    """The responses of the blocks this request builds on."""
    if not _facet(facts):
        return []
    mins = ctx.fig("facet", "anesthetic_min_hours", {}) or {}
    msg = "Record how long relief lasted; it must match the anesthetic used."
    for i, row in responses(facts):
        if effective_relief(row) is None:
            continue
        hours = row.relief_duration_hours
        if hours is None:
            return [
                ctx.finding(
                    facts,
                    "FAC-008",
                    msg,
                    field=f"history[{i}].relief_duration_hours",
                    detail="relief recorded without a duration",
                )
            ]
        for agent, low in mins.items():
            if agent in row.agent.lower() and hours < low:
                return [
                    ctx.finding(
                        facts,
                        "FAC-008",
                        msg,
                        part="inconsistent",
                        field=f"history[{i}].relief_duration_hours",
                        detail=f"{hours:g} h is short for {agent} "
                        f"(expected >= {low:g} h)",
                    )
                ]
    return []


def _in_ranges(code: str, ranges) -> bool:
    return any(len(code) == len(lo) and lo <= code <= hi for lo, hi in ranges)


# ICD-10-CM spondylosis-family codes (M47.81x, M47.89x, M48.1x, M53.8x) name the
# region in their last character; each region touches these spinal segments.
ICD_REGION = {
    "2": ("cervical", {"C"}),
    "3": ("cervicothoracic", {"C", "T"}),
    "4": ("thoracic", {"T"}),
    "5": ("thoracolumbar", {"T", "L"}),
    "6": ("lumbar", {"L"}),
    "7": ("lumbosacral", {"L", "S"}),
}
LEVEL_WORDS = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}


def _segments(level: str) -> set[str]:
    """Spinal parts a level touches: "L5-S1" -> {"L", "S"} ("caudal": sacral)."""
    if level == "caudal":
        return {"S"}
    return {part[0] for part in level.split("-")}


def _region_mismatches(codes: list[str], ranges, levels: tuple[str, ...]) -> list[str]:
    """Codes in the supporting ranges whose region agrees with no requested level."""
    out = []
    for code in codes:
        region = ICD_REGION.get(code[-1:]) if _in_ranges(code, ranges) else None
        if region is None or not levels:
            continue
        if not any(region[1] & _segments(lv) for lv in levels):
            words = sorted({LEVEL_WORDS[p] for lv in levels for p in _segments(lv)})
            out.append(
                f"{code} is a {region[0]} code; the requested level"
                f"{'s' if len(levels) > 1 else ''} {', '.join(levels)}"
                f" {'are' if len(levels) > 1 else 'is'} {'/'.join(words)}"
            )
    return out


@rule("FAC-026")
def fac_026(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not _facet(facts) or not facts.diagnoses:
        return []
    ranges = ctx.fig("facet", "icd10_ranges", ())
    parents = set(ctx.fig("facet", "icd10_non_billable", ()))
    codes = [d.strip().upper() for d in facts.diagnoses]
    bad_parent = [c for c in codes if c in parents]
    if bad_parent or not any(_in_ranges(c, ranges) for c in codes):
        return [
            ctx.finding(
                facts,
                "FAC-026",
                "Diagnosis may not support a facet procedure. Use a "
                "region-specific spondylosis code.",
                field="diagnoses",
                detail=("non-billable parent " + ", ".join(bad_parent))
                if bad_parent
                else "no code in the supporting ranges",
            )
        ]
    mismatched = _region_mismatches(codes, ranges, ctx.levels)
    if mismatched:
        return [
            ctx.finding(
                facts,
                "FAC-026",
                "The diagnosis code's region does not match the level treated. Use the "
                "code for the region of the requested level.",
                field="diagnoses",
                detail="; ".join(mismatched),
            )
        ]
    return []


@rule("FAC-027")
def fac_027(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if _facet(facts) and facts.clinical.fusion_at_level:
        return [
            ctx.finding(
                facts,
                "FAC-027",
                "Facet procedures at a fused level are generally not covered.",
                field="clinical.fusion_at_level",
            )
        ]
    return []


@rule("FAC-028")
def fac_028(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    """The blocks this request builds on, and the facet blocks at its levels."""
    base = facts.clinical.baseline_pain_scale.strip().upper()
    if not _facet(facts) or not base:
        return []
    for i, r in enumerate(facts.history):
        at_level = r.procedure in FACET_BLOCKS and bool(
            set(safe_levels(r.levels)) & set(ctx.levels)
        )
        if (
            (r.builds_on or at_level)
            and r.scale.strip()
            and r.scale.strip().upper() != base
        ):
            return [
                ctx.finding(
                    facts,
                    "FAC-028",
                    "Use the same pain scale before and after each block.",
                    field=f"history[{i}].scale",
                    detail=f"baseline {base}, block {r.scale.strip().upper()}",
                )
            ]
    return []
