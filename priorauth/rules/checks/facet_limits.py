"""Facet procedure limits (payer-rules 1.4, 7.2): levels per session, sessions per
rolling 12 months, guidance, sedation, RF technique, KX and same-day blocks
(FAC-015..025).
"""

from __future__ import annotations

from ..facts import CaseFacts, Guidance, ProcedureType, RfaTechnique
from ..findings import Finding
from ..ledger import (
    ESI_TYPES,
    category_rows,
    limits_for,
    sessions_in_window,
    twelve_month_limit,
)
from ..levels import subregion_of
from .common import (
    Ctx,
    fmt_dates,
    is_diagnostic_block,
    is_facet_block,
    is_rfa,
    is_therapeutic_block,
    prior_rfas,
    qualifying,
    rule,
)
from .facet import _facet


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
        # The reason, once written, is not asked for again; the caution stays.
        justified = bool(facts.procedure.sedation_justification.strip())
        advice = (
            "The documented reason will be reviewed; a denial and an appeal are "
            "still possible."
            if justified
            else "Document why it is needed, or expect denial and an appeal."
        )
        return [
            ctx.finding(
                facts,
                "FAC-020",
                "Sedation for facet injections and MBBs is not "
                f"routinely covered. {advice}",
                field="procedure.sedation"
                if justified
                else "procedure.sedation_justification",
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
