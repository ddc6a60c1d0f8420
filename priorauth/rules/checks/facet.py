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
"""

from __future__ import annotations

from ..dates import add_duration
from ..facts import CaseFacts, Guidance, Intent, ProcedureType, RfaTechnique
from ..findings import Finding
from ..ledger import (
    ESI_TYPES,
    FACET_BLOCKS,
    category_rows,
    effective_relief,
    limits_for,
    responses,
    row_relief,
    rows_at_level,
    safe_levels,
    sessions_in_window,
    twelve_month_limit,
)
from ..levels import subregion_of
from .common import (
    Ctx,
    care_not_counting,
    diagnostic_blocks,
    dur,
    fmt_dates,
    is_diagnostic_block,
    is_facet_block,
    is_failed,
    is_repeat_rfa,
    is_rfa,
    is_therapeutic_block,
    lasted,
    meets_duration,
    prior_rfas,
    qualifying,
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
            "Document the onset date.",
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


@rule("FAC-009")
def fac_009(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_rfa(facts):
        return []
    need = ctx.fig("facet", "rfa_prereq_relief_min", 80)
    count = int(ctx.fig("facet", "rfa_prereq_blocks", 2))
    types = tuple(
        ProcedureType(t) for t in ctx.fig("facet", "rfa_prereq_types", ("mbb",))
    )
    out = []
    for level in ctx.levels:
        if is_repeat_rfa(facts, ctx, level):
            continue
        good = qualifying(facts, diagnostic_blocks(facts, ctx, level, types), need)
        if len(good) < count:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-009",
                    f"RFA at {level} needs {count} diagnostic "
                    f"medial branch blocks, each with >= {need} % relief. "
                    "IA blocks do not qualify.",
                    level=level,
                    field="history",
                    detail=f"{len(good)} qualifying block(s) on file",
                )
            )
    return out


@rule("FAC-010")
def fac_010(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_rfa(facts):
        return []
    rel_min = ctx.fig("facet", "repeat_rfa_relief_min", 50)
    spec = ctx.fig("facet", "repeat_rfa_min")
    out = []
    for level in ctx.levels:
        rows = prior_rfas(facts, ctx, level)
        if not is_repeat_rfa(facts, ctx, level):
            continue
        if not rows:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-010",
                    f"Repeat RFA at {level}: enter the prior RFA "
                    "(date, relief and how long it lasted).",
                    level=level,
                    field="history",
                    detail="no prior RFA on file at this level",
                )
            )
            continue
        last = rows[-1]
        rel, adl = row_relief(facts, last), last.adl_improvement_percent
        relief_ok = (rel is not None and rel >= rel_min) or (
            adl is not None and adl >= rel_min
        )
        long_ok = spec is None or lasted(last.date, last.relief_duration_days, spec)
        if not (relief_ok and long_ok):
            out.append(
                ctx.finding(
                    facts,
                    "FAC-010",
                    f"Repeat RFA at {level} needs >= {rel_min} % "
                    f"pain (or ADL) improvement lasting >= {dur(spec)} after the "
                    "last RFA.",
                    level=level,
                    field="history",
                    detail=f"last RFA {last.date.isoformat()}: relief "
                    f"{'not recorded' if rel is None else f'{rel:g} %'}, lasted "
                    f"{last.relief_duration_days or 'unknown'} days",
                )
            )
    return out


@rule("FAC-011")
def fac_011(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("facet", "rfa_rediagnose_after")
    if not is_rfa(facts) or not spec:
        return []
    out = []
    for level in ctx.levels:
        rows = prior_rfas(facts, ctx, level)
        if not rows:
            continue
        last = rows[-1]
        if add_duration(last.date, spec) >= ctx.dos:
            continue
        newer = [b for b in diagnostic_blocks(facts, ctx, level) if b.date > last.date]
        if not newer:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-011",
                    "If the prior RFA was more than 2 years ago, "
                    "repeat the diagnostic blocks first.",
                    level=level,
                    field="history",
                    detail=f"last RFA {last.date.isoformat()}",
                )
            )
    return out


@rule("FAC-012")
def fac_012(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not (
        is_therapeutic_block(facts) and facts.procedure.type is ProcedureType.FACET_IA
    ):
        return []
    need = ctx.fig("facet", "diag_relief_min", 80)
    msg = (
        f"Therapeutic facet injections need two >= {need} % diagnostic blocks and a documented "
        "reason the patient cannot have RFA."
    )
    out = []
    no_reason = not facts.clinical.rfa_contraindication.strip()
    for level in ctx.levels:
        good = qualifying(facts, diagnostic_blocks(facts, ctx, level), need)
        if len(good) < 2 or no_reason:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-012",
                    msg,
                    level=level,
                    field="clinical.rfa_contraindication"
                    if len(good) >= 2
                    else "history",
                    detail=f"{len(good)} qualifying diagnostic block(s); RFA contraindication "
                    f"{'missing' if no_reason else 'documented'}",
                )
            )
    return out


@rule("FAC-013")
def fac_013(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not (
        is_therapeutic_block(facts) and facts.procedure.type is ProcedureType.FACET_IA
    ):
        return []
    rel_min = ctx.fig("facet", "ther_relief_min", 50)
    spec = ctx.fig("facet", "ther_min", {"months": 3})
    out = []
    for level in ctx.levels:
        rows = [
            r
            for r in rows_at_level(
                facts.history, level, (ProcedureType.FACET_IA,), before=ctx.dos
            )
            if r.intent is Intent.THERAPEUTIC
        ]
        if not rows:
            continue
        last = rows[-1]
        rel, adl = last.relief_percent, last.adl_improvement_percent
        ok = (
            (rel is not None and rel >= rel_min) or (adl is not None and adl >= rel_min)
        ) and lasted(last.date, last.relief_duration_days, spec)
        if not ok:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-013",
                    f"A repeat therapeutic facet injection at "
                    f"{level} needs >= {rel_min} % relief for >= {dur(spec)} from "
                    "the previous one.",
                    level=level,
                    field="history",
                    detail=f"last therapeutic {last.date.isoformat()}: "
                    f"{rel if rel is not None else 'no'} % for "
                    f"{last.relief_duration_days or 'unknown'} days",
                )
            )
    return out


@rule("FAC-014")
def fac_014(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if (
        facts.procedure.type is ProcedureType.MBB
        and facts.procedure.intent is Intent.THERAPEUTIC
    ):
        return [
            ctx.finding(
                facts,
                "FAC-014",
                "Medicare coverage of therapeutic MBBs is unclear "
                "(sources conflict). Commercial payers often exclude them. Confirm "
                "with the MAC article.",
                field="procedure.intent",
            )
        ]
    return []


@rule("FAC-015")
def fac_015(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    limit = ctx.fig("facet", "max_levels_per_session")
    if not _facet(facts) or limit is None:
        return []
    out = []
    for region in ctx.regions:
        lv = [x for x in ctx.levels if ctx.level_regions[x] is region]
        if len(lv) > limit:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-015",
                    f"Medicare covers at most {limit} levels per "
                    "session per region. Third and further levels are paid only on "
                    "appeal.",
                    level=lv[limit],
                    field="levels",
                    detail=f"{len(lv)} levels requested: {', '.join(lv)}",
                )
            )
    return out


def _cap(
    facts: CaseFacts, ctx: Ctx, code: str, category: str, label: str
) -> list[Finding]:
    lims = limits_for(ctx.policy.data, category)
    limit = twelve_month_limit(lims)
    if limit is None:
        return []
    out = []
    for region in ctx.regions:
        rows = [
            r
            for r in category_rows(facts.history, region, category)
            if r.date <= ctx.dos
        ]
        used = sessions_in_window(rows, ctx.dos, 12, ctx.policy.rolling_window)
        if used <= limit:
            continue
        subs = {subregion_of(x) for x in ctx.levels if ctx.level_regions[x] is region}
        sub_used = max(
            sessions_in_window(
                category_rows(facts.history, region, category, s),
                ctx.dos,
                12,
                ctx.policy.rolling_window,
            )
            for s in subs
        )
        part = None if sub_used > limit else "combined_ct"
        lv = next(x for x in ctx.levels if ctx.level_regions[x] is region)
        nxt = ctx.ledger[lv].next_eligible_date
        out.append(
            ctx.finding(
                facts,
                code,
                f"Limit: {limit} {label} sessions per region per rolling 12 months.",
                field="procedure.date_of_service",
                part=part,
                detail=f"{used} sessions in the 12 months to {ctx.dos.isoformat()} incl. this one"
                + (f"; next eligible {nxt.isoformat()}" if nxt else "")
                + (
                    "; over the limit only when cervical and thoracic are counted together"
                    if part
                    else ""
                ),
            )
        )
    return out


@rule("FAC-016")
def fac_016(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    return (
        _cap(facts, ctx, "FAC-016", "facet_diagnostic", "diagnostic facet")
        if is_diagnostic_block(facts)
        else []
    )


@rule("FAC-017")
def fac_017(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    return (
        _cap(facts, ctx, "FAC-017", "facet_therapeutic", "therapeutic facet")
        if is_therapeutic_block(facts)
        else []
    )


@rule("FAC-018")
def fac_018(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    return _cap(facts, ctx, "FAC-018", "rfa", "RFA") if is_rfa(facts) else []


@rule("FAC-019")
def fac_019(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    allowed = {Guidance(g) for g in ctx.fig("facet", "allowed_guidance", ())}
    g = facts.procedure.guidance
    if _facet(facts) and g not in allowed:
        return [
            ctx.finding(
                facts,
                "FAC-019",
                "Facet procedures must use fluoroscopy or CT "
                "guidance. Ultrasound is not covered.",
                field="procedure.guidance",
                detail=f"guidance {g.value if g else 'not documented'}",
            )
        ]
    return []


@rule("FAC-020")
def fac_020(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if is_facet_block(facts) and facts.procedure.sedation.counts_as_sedation:
        return [
            ctx.finding(
                facts,
                "FAC-020",
                "Sedation for facet injections and MBBs is not "
                "routinely covered. Document why it is needed, or expect denial and "
                "an appeal.",
                field="procedure.sedation",
            )
        ]
    return []


@rule("FAC-021")
def fac_021(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    p = facts.procedure
    if (
        is_rfa(facts)
        and p.sedation.counts_as_sedation
        and not p.sedation_justification.strip()
    ):
        return [
            ctx.finding(
                facts,
                "FAC-021",
                "Document why sedation is medically necessary for this RFA.",
                field="procedure.sedation_justification",
            )
        ]
    return []


@rule("FAC-022")
def fac_022(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    tech = facts.procedure.rfa_technique
    if not is_rfa(facts):
        return []
    if tech is None:
        return [
            ctx.finding(
                facts,
                "FAC-022",
                "Record the RF technique: only conventional thermal RFA is covered.",
                field="procedure.rfa_technique",
                detail="technique not stated",
                part="not_stated",
            )
        ]
    allowed = {RfaTechnique(t) for t in ctx.fig("facet", "allowed_rfa_techniques", ())}
    if tech in allowed:
        return []
    weak = {RfaTechnique(t) for t in ctx.fig("facet", "unconfirmed_rfa_techniques", ())}
    return [
        ctx.finding(
            facts,
            "FAC-022",
            "Only conventional thermal RFA is covered.",
            field="procedure.rfa_technique",
            detail=f"technique {tech.value}",
            part="unconfirmed_technique" if tech in weak else None,
        )
    ]


@rule("FAC-023")
def fac_023(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if is_diagnostic_block(facts) and facts.procedure.kx_modifier is False:
        return [
            ctx.finding(
                facts,
                "FAC-023",
                "Add KX to every diagnostic facet line. Without it "
                "the block counts toward the therapeutic limit.",
                field="procedure.kx_modifier",
            )
        ]
    return []


@rule("FAC-024")
def fac_024(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_diagnostic_block(facts):
        return []
    need = ctx.fig("facet", "successful_rfa_relief_min", 50)
    out = []
    for level in ctx.levels:
        good = qualifying(facts, prior_rfas(facts, ctx, level), need)
        if good:
            out.append(
                ctx.finding(
                    facts,
                    "FAC-024",
                    f"A diagnostic block at {level}, where an "
                    "RFA succeeded before, is not covered.",
                    level=level,
                    field=ctx.level_field(level),
                    detail=f"successful RFA {fmt_dates(good)}",
                )
            )
    return out


@rule("FAC-025")
def fac_025(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    other = {t for t in facts.procedure.other_blocks_same_day}
    bad = other & {*ESI_TYPES, ProcedureType.SI_JOINT, ProcedureType.TRIGGER_POINT}
    if _facet(facts) and bad and not facts.clinical.facet_cyst:
        return [
            ctx.finding(
                facts,
                "FAC-025",
                "Different block types on the same day may be "
                "denied because they blur the diagnosis.",
                field="procedure.other_blocks_same_day",
                detail=", ".join(sorted(t.value for t in bad)),
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
