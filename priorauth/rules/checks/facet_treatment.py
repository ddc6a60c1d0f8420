"""Facet treatment after the diagnostic blocks (payer-rules 1.3, 7.2): RF ablation
(FAC-009..011) and therapeutic facet and medial branch injections (FAC-012..014).
"""

from __future__ import annotations

from ..dates import add_duration
from ..facts import CaseFacts, Intent, ProcedureType
from ..findings import Finding
from ..ledger import (
    row_relief,
    rows_at_level,
)
from .common import (
    Ctx,
    diagnostic_blocks,
    dur,
    is_repeat_rfa,
    is_rfa,
    is_therapeutic_block,
    lasted,
    prior_rfas,
    qualifying,
    rule,
)


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
    out = []
    no_reason = not facts.clinical.rfa_contraindication.strip()
    for level in ctx.levels:
        good = qualifying(facts, diagnostic_blocks(facts, ctx, level), need)
        if len(good) < 2 or no_reason:
            # Ask only for what is missing: not the reason once it is written.
            missing = [f"two >= {need} % diagnostic blocks"] if len(good) < 2 else []
            if no_reason:
                missing.append("a documented reason the patient cannot have RFA")
            out.append(
                ctx.finding(
                    facts,
                    "FAC-012",
                    f"Therapeutic facet injections need {' and '.join(missing)}.",
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
