"""Diagnostic vs therapeutic classification (payer-rules 4 and 7.3, DVT-001..006).

The headline flag: with two or more prior facet blocks at a level, a request
labelled diagnostic is flagged (Medicare and most profiles: warning DVT-001;
Aetna: blocker DVT-003), naming the level, the prior count and dates, and what
would justify it. Counts use the ledger's conservative prior count: a typed
count higher than the dated history is assumed to fall inside the 12 months.
"""

from __future__ import annotations

from ..dates import window_start
from ..facts import CaseFacts, Intent, ProcedureType
from ..findings import Finding
from ..ledger import FACET_BLOCKS, rows_at_level
from .common import (
    Ctx,
    diagnostic_blocks,
    fmt_dates,
    is_diagnostic_block,
    is_facet_block,
    is_therapeutic_block,
    qualifying,
    rule,
)


def _justify(facts: CaseFacts) -> str:
    """What would justify a further block, leaving out what the request already has
    (RF ablation ticked as planned, a reason RFA is not possible)."""
    options = ["the earlier blocks were negative and different levels are being tested"]
    if not facts.clinical.rfa_contraindication.strip():
        options.append(
            "a documented reason RFA is not possible (then bill it as therapeutic)"
        )
    if not facts.clinical.rfa_planned:
        options.append("a plan for RFA")
    said = []
    if facts.clinical.rfa_planned:
        said.append("RF ablation is marked as planned")
    if facts.clinical.rfa_contraindication.strip():
        said.append("a reason RFA is not possible is documented")
    lead = f"Already documented: {' and '.join(said)}. " if said else ""
    joined = (
        "; ".join(options[:-1]) + ("; or " if len(options) > 1 else "") + options[-1]
    )
    return f"{lead}What would justify it: {joined}."


def _blocks_in_window(facts: CaseFacts, ctx: Ctx, level: str) -> tuple[int, list]:
    months = int(ctx.fig("facet", "dvt_window_months", 12))
    start = window_start(ctx.dos, months, ctx.policy.rolling_window)
    rows = [
        r
        for r in rows_at_level(facts.history, level, FACET_BLOCKS, before=ctx.dos)
        if r.date >= start
    ]
    entry = ctx.ledger.get(level)
    undated = max(0, (entry.typed_count or 0) - entry.history_count) if entry else 0
    return len(rows) + undated, rows


@rule("DVT-001")
def dvt_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_diagnostic_block(facts):
        return []
    need = int(ctx.fig("facet", "dvt_prior_blocks", 2))
    out = []
    for level in ctx.levels:
        count, rows = _blocks_in_window(facts, ctx, level)
        if count < need:
            continue
        dates = fmt_dates(rows) or "undated"
        out.append(
            ctx.finding(
                facts,
                "DVT-001",
                f"{count} facet blocks are already on file at {level} in the last 12 months "
                f"({dates}). A further block there is usually treated as therapeutic: it must meet "
                "the therapeutic criteria (incl. why RFA is not possible) and counts toward the "
                f"4-per-year therapeutic limit. {_justify(facts)}",
                level=level,
                # What fixes it is the intent (bill it as therapeutic), not the count.
                field="procedure.intent",
                detail=f"prior blocks at {level}: {count} ({dates})",
                count=count,
            )
        )
    return out


@rule("DVT-002")
def dvt_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_facet_block(facts):
        return []
    need = ctx.fig("facet", "rfa_prereq_relief_min", 80)
    out = []
    for level in ctx.levels:
        good = qualifying(
            facts, diagnostic_blocks(facts, ctx, level, (ProcedureType.MBB,)), need
        )
        if len(good) >= 2 and not (
            is_therapeutic_block(facts) and facts.clinical.rfa_contraindication.strip()
        ):
            # With the reason already written, what is left is the intent.
            has_reason = bool(facts.clinical.rfa_contraindication.strip())
            then = (
                "A reason RFA is not possible is documented: request the injection "
                "as therapeutic."
                if has_reason
                else "Another injection needs a documented reason RFA is not possible."
            )
            out.append(
                ctx.finding(
                    facts,
                    "DVT-002",
                    f"The diagnosis at {level} is confirmed by two >= {need} % MBBs "
                    f"({fmt_dates(good)}). The expected next step is RFA. {then}",
                    level=level,
                    field="procedure.intent"
                    if has_reason
                    else "clinical.rfa_contraindication",
                    detail=f"qualifying MBBs {fmt_dates(good)}",
                )
            )
    return out


@rule("DVT-003")
def dvt_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_facet_block(facts):
        return []
    out = []
    for level in ctx.levels:
        entry = ctx.ledger.get(level)
        if entry and entry.prior_count >= 2:
            rows = rows_at_level(facts.history, level, FACET_BLOCKS, before=ctx.dos)
            out.append(
                ctx.finding(
                    facts,
                    "DVT-003",
                    f"Aetna treats repeat injections at the same levels as "
                    f"investigational and will not cover them: {entry.prior_count} prior facet "
                    f"injections at {level} ({fmt_dates(rows) or 'undated'}).",
                    level=level,
                    field=ctx.level_field(level, "prior_count"),
                    detail=f"prior count {entry.prior_count}",
                    count=entry.prior_count,
                )
            )
    return out


@rule("DVT-004")
def dvt_004(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if is_diagnostic_block(facts) and not facts.clinical.rfa_planned:
        return [
            ctx.finding(
                facts,
                "DVT-004",
                "Aetna covers diagnostic facet blocks only when RF "
                "neurolysis is being considered. State the RFA plan.",
                field="clinical.rfa_planned",
            )
        ]
    return []


@rule("DVT-005")
def dvt_005(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if is_therapeutic_block(facts) and ctx.fig(
        "facet", "therapeutic_investigational", False
    ):
        return [
            ctx.finding(
                facts,
                "DVT-005",
                "This payer considers therapeutic facet and medial "
                "branch injections investigational.",
                field="procedure.intent",
            )
        ]
    return []


@rule("DVT-006")
def dvt_006(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    p = facts.procedure
    if (
        p.type is ProcedureType.MBB
        and p.intent in (Intent.DIAGNOSTIC, None)
        and not facts.clinical.rfa_planned
    ):
        return [
            ctx.finding(
                facts,
                "DVT-006",
                "Carelon limits MBBs to patients being considered for RFA.",
                field="clinical.rfa_planned",
            )
        ]
    return []
