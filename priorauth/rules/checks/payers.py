"""Payer-profile overlays (payer-rules 7.5): Aetna, eviCore, Carelon, BCBS, BCBS MA.

Each overlay replaces the Medicare rule it overrides in that profile's
``rules`` list (e.g. eviCore runs EVI-005 instead of ESI-008). Evidence:
eviCore figures come from third-party summaries only (SECONDARY, [S20][S21]),
so every EVI rule is a warning. Aetna CPB 0016 figures come from two
independent summary sites that agree ([S18]) = CONFIRMED-2 by the label
definition, so AET-001/002 and DVT-003/004 stay blockers; AET-003 rests on the
Aetna policy page [S19]. Carelon [S22], BCBS [S25][S26][S34] and BCBS MA [S27]
are CONFIRMED.
"""

from __future__ import annotations

from datetime import date

from ..dates import add_duration, duration_days_before
from ..facts import CaseFacts, ProcedureType
from ..findings import Finding
from ..ledger import category_rows, limits_for, sessions_in_window
from .common import (
    Ctx,
    care_not_counting,
    diagnostic_blocks,
    dur,
    failed_care_days,
    fmt_dates,
    is_diagnostic_block,
    is_facet_block,
    is_repeat_rfa,
    is_rfa,
    lasted,
    meets_duration,
    prior_rfas,
    qualifying,
    rule,
    side_levels,
)
from .esi import is_esi, prior_esis


def _region_rows(facts: CaseFacts, ctx: Ctx, category: str):
    rows = {}
    for region in ctx.regions:
        for r in category_rows(facts.history, region, category):
            if r.date <= ctx.dos:
                rows[id(r)] = r
    return sorted(rows.values(), key=lambda r: r.date)


# ---- Aetna -----------------------------------------------------------------


@rule("AET-001")
def aet_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not facts.procedure.type.is_facet_family:
        return []
    pain = ctx.fig("facet", "pain_min")
    care = ctx.fig("facet", "conservative_min")
    gaps = []
    if pain and not meets_duration(facts.clinical.onset_date, ctx.dos, pain):
        gaps.append(("clinical.onset_date", f"pain < {dur(pain)}"))
    if care and failed_care_days(facts, ctx.dos) < duration_days_before(ctx.dos, care):
        others = care_not_counting(facts)
        gaps.append(
            (
                "conservative_care",
                f"conservative therapy < {dur(care)}"
                + (f" (not counted: {others})" if others else ""),
            )
        )
    if not gaps:
        return []
    return [
        ctx.finding(
            facts,
            "AET-001",
            f"Aetna requires >= {dur(pain)} of limiting pain after "
            f">= {dur(care)} of conservative therapy.",
            field=gaps[0][0],
            detail="; ".join(g[1] for g in gaps),
        )
    ]


@rule("AET-002")
def aet_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    limit = ctx.fig("facet", "max_levels_per_session")
    if is_facet_block(facts) or is_rfa(facts):
        if limit is not None and len(ctx.levels) > limit:
            return [
                ctx.finding(
                    facts,
                    "AET-002",
                    f"Aetna allows at most {limit} facet levels per session.",
                    level=ctx.levels[limit],
                    field="levels",
                    detail=f"{len(ctx.levels)} levels requested",
                )
            ]
    return []


@rule("AET-003")
def aet_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if facts.procedure.type is not ProcedureType.ESI_TRANSFORAMINAL:
        return []
    prior = [
        r
        for r in prior_esis(facts, ctx)
        if r.procedure is ProcedureType.ESI_TRANSFORAMINAL
    ]
    if not prior:
        return []
    last = prior[-1]
    spec = ctx.fig("esi", "aetna_repeat_min", {"weeks": 2})
    need = ctx.fig("esi", "aetna_repeat_relief_min", 50)
    k = int(ctx.fig("esi", "aetna_repeat_criteria_min", 2))
    met = 0
    if lasted(last.date, last.relief_duration_days, spec):
        met = sum(
            (
                last.relief_percent is not None and last.relief_percent >= need,
                bool(last.function_improved),
                bool(last.medication_reduced),
            )
        )
    if met >= k:
        return []
    return [
        ctx.finding(
            facts,
            "AET-003",
            f"Aetna needs at least two of: >= {need} % relief, "
            f"better function, less medication, lasting >= {dur(spec)} after the "
            "prior TFESI.",
            field="history",
            detail=f"prior TFESI {last.date.isoformat()}: {met} of 3 met",
        )
    ]


# ---- eviCore ---------------------------------------------------------------


@rule("EVI-001")
def evi_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_rfa(facts):
        return []
    need = ctx.fig("facet", "rfa_prereq_relief_min", 80)
    types = tuple(
        ProcedureType(t) for t in ctx.fig("facet", "rfa_prereq_types", ("mbb",))
    )
    out = []
    for level in ctx.levels:
        if is_repeat_rfa(facts, ctx, level):
            continue
        good = qualifying(facts, diagnostic_blocks(facts, ctx, level, types), need)
        if len(good) < 2:
            out.append(
                ctx.finding(
                    facts,
                    "EVI-001",
                    "eviCore requires two sequential diagnostic "
                    f"blocks with >= {need} % relief before RFA.",
                    level=level,
                    field="history",
                    detail=f"{len(good)} qualifying at {level}",
                )
            )
    return out


@rule("EVI-002")
def evi_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_rfa(facts):
        return []
    need = ctx.fig("facet", "repeat_rfa_relief_min", 50)
    spec = ctx.fig("facet", "repeat_rfa_min", {"weeks": 12})
    gap = ctx.fig("facet", "repeat_rfa_interval_min", {"months": 6})
    out = []
    for level in ctx.levels:
        rows = prior_rfas(facts, ctx, level)
        if not rows:
            continue
        last = rows[-1]
        bad = []
        if last.relief_percent is None or last.relief_percent < need:
            bad.append(f"relief {last.relief_percent} %")
        if not lasted(last.date, last.relief_duration_days, spec):
            bad.append(f"lasted {last.relief_duration_days or 'unknown'} days")
        if not meets_duration(last.date, ctx.dos, gap):
            bad.append(f"last RFA {last.date.isoformat()} < {dur(gap)} ago")
        if bad:
            out.append(
                ctx.finding(
                    facts,
                    "EVI-002",
                    f"eviCore: repeat RFA needs >= {need} % "
                    f"relief for >= {dur(spec)} and >= {dur(gap)} since the last "
                    "procedure.",
                    level=level,
                    field="history",
                    detail="; ".join(bad),
                )
            )
    return out


@rule("EVI-003")
def evi_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_rfa(facts):
        return []
    lims = limits_for(ctx.policy.data, "rfa")
    per_side = ctx.fig("facet", "max_rfa_levels_per_side")
    bad = []
    for w in lims.get("windows", ()):
        used = sessions_in_window(
            _region_rows(facts, ctx, "rfa"),
            ctx.dos,
            int(w["months"]),
            ctx.policy.rolling_window,
        )
        if used > int(w["max"]):
            bad.append(f"{used} RFA sessions in {w['months']} months (max {w['max']})")
    sides = side_levels(facts, ctx)
    if per_side is not None and max(sides.values()) > per_side:
        bad.append(f"levels per side {sides} (max {per_side})")
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "EVI-003",
            "eviCore limits: 2 RFA per 12 months; 3 contiguous levels per side.",
            field="levels",
            detail="; ".join(bad),
        )
    ]


@rule("EVI-004")
def evi_004(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_esi(facts):
        return []
    c = facts.clinical
    stenosis_only = c.neurogenic_claudication and not c.radiculopathy
    spec = ctx.fig(
        "esi", "conservative_min_stenosis" if stenosis_only else "conservative_min"
    )
    days = failed_care_days(facts, ctx.dos)
    if spec and days < duration_days_before(ctx.dos, spec):
        return [
            ctx.finding(
                facts,
                "EVI-004",
                "eviCore requires >= 6 weeks of conservative care "
                "for radiculopathy (>= 4 weeks for stenosis).",
                field="conservative_care",
                detail=f"{days / 7:.1f} weeks documented (needs {dur(spec)})"
                + (
                    f"; not counted: {others}"
                    if (others := care_not_counting(facts))
                    else ""
                ),
            )
        ]
    return []


def _esi_limit_breaches(facts: CaseFacts, ctx: Ctx) -> list[str]:
    """The payer's ESI frequency windows and minimum interval that this request breaks."""
    lims = limits_for(ctx.policy.data, "esi")
    rows = _region_rows(facts, ctx, "esi")
    bad = []
    for w in lims.get("windows", ()):
        used = sessions_in_window(
            rows, ctx.dos, int(w["months"]), ctx.policy.rolling_window
        )
        if used > int(w["max"]):
            bad.append(f"{used} ESIs in {w['months']} months (max {w['max']})")
    gap = lims.get("min_interval")
    past = [r for r in rows if r.date < ctx.dos]
    if gap and past and not meets_duration(past[-1].date, ctx.dos, gap):
        bad.append(f"last ESI {past[-1].date.isoformat()} (< {dur(gap)})")
    return bad


@rule("EVI-005")
def evi_005(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_esi(facts):
        return []
    bad = _esi_limit_breaches(facts, ctx)
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "EVI-005",
            "eviCore limits: 3 ESIs per 6 months, 4 per 12 months, "
            "at least 14 days apart.",
            field="procedure.date_of_service",
            detail="; ".join(bad),
        )
    ]


def _newest(
    facts: CaseFacts, modalities: tuple[str, ...], hnp: bool = False
) -> date | None:
    dates = [
        im.date
        for im in facts.imaging
        if im.date and im.modality.lower() in modalities and (im.shows_hnp or not hnp)
    ]
    return max(dates) if dates else None


@rule("EVI-006")
def evi_006(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("esi", "imaging_max_age", {"months": 24})
    if not is_esi(facts):
        return []
    newest = _newest(facts, ("mri", "ct", "emg", "ct_myelogram", "myelogram"))
    if newest is None or add_duration(newest, spec) < ctx.dos:
        return [
            ctx.finding(
                facts,
                "EVI-006",
                f"eviCore expects MRI/CT (or EMG) within {dur(spec)}.",
                field="imaging",
                detail=f"newest study {newest.isoformat() if newest else 'none'}",
            )
        ]
    return []


# ---- Carelon ---------------------------------------------------------------


@rule("CAR-001")
def car_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    p = facts.procedure
    if p.type is not ProcedureType.MBB or not is_diagnostic_block(facts):
        return []
    lims = limits_for(ctx.policy.data, "facet_diagnostic")
    per_side = ctx.fig("facet", "max_levels_per_side")
    rows = _region_rows(facts, ctx, "facet_diagnostic")
    bad = []
    for w in lims.get("windows", ()):
        used = sessions_in_window(
            rows, ctx.dos, int(w["months"]), ctx.policy.rolling_window
        )
        if used > int(w["max"]):
            bad.append(
                f"{used} diagnostic sessions in {w['months']} months (max {w['max']})"
            )
    sides = side_levels(facts, ctx)
    if per_side is not None and max(sides.values()) > per_side:
        bad.append(f"levels per side {sides} (max {per_side})")
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "CAR-001",
            "Carelon: max 4 diagnostic MBB sessions per 12 months "
            "and 2 levels per side per session.",
            field="levels",
            detail="; ".join(bad),
        )
    ]


@rule("CAR-002")
def car_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_esi(facts):
        return []
    spec = ctx.fig("esi", "repeat_min", {"months": 3})
    bad = []
    rows = prior_esis(facts, ctx)
    if rows and not lasted(rows[-1].date, rows[-1].relief_duration_days, spec):
        bad.append(
            f"last ESI {rows[-1].date.isoformat()} helped "
            f"{rows[-1].relief_duration_days or 'unknown'} days"
        )
    if len(ctx.regions) > 1:
        bad.append(f"{len(ctx.regions)} regions on one date of service")
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "CAR-002",
            "Carelon: a repeat ESI needs 3 months of benefit from "
            "the last one; one region per date of service.",
            field="history",
            detail="; ".join(bad),
        )
    ]


@rule("CAR-003")
def car_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("esi", "hnp_imaging_max_age", {"months": 18})
    if not is_esi(facts) or not any(im.shows_hnp for im in facts.imaging):
        return []
    newest = _newest(facts, ("mri", "ct", "ct_myelogram", "myelogram"), hnp=True)
    if newest is None or add_duration(newest, spec) < ctx.dos:
        return [
            ctx.finding(
                facts,
                "CAR-003",
                "Carelon expects imaging showing the disc "
                f"herniation within {dur(spec)}.",
                field="imaging",
                detail=f"newest HNP study {newest.isoformat() if newest else 'undated'}",
            )
        ]
    return []


# ---- BCBS / TRICARE-style and BCBS MA --------------------------------------


@rule("BCB-001")
def bcb_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    """Info: fires when the payer's 50 % threshold or 6-month RF interval decides the case."""
    if not is_rfa(facts):
        return []
    low = ctx.fig("facet", "rfa_prereq_relief_min", 50)
    medicare_figure = 80
    gap = ctx.fig("facet", "rfa_interval_min", {"months": 6})
    out = []
    for level in ctx.levels:
        notes = []
        blocks = diagnostic_blocks(facts, ctx, level)
        between = [
            b
            for b in qualifying(facts, blocks, low)
            if b not in qualifying(facts, blocks, medicare_figure)
        ]
        if between:
            notes.append(
                f"blocks {fmt_dates(between)} qualify only at the {low} % threshold"
            )
        rfas = [
            r
            for r in prior_rfas(facts, ctx, level)
            if r.side is None
            or r.side.value == "bilateral"
            or r.side is facts.levels[ctx.level_index[level]].side
            or facts.levels[ctx.level_index[level]].side.value == "bilateral"
        ]
        if rfas and not meets_duration(rfas[-1].date, ctx.dos, gap):
            notes.append(
                f"prior RF {rfas[-1].date.isoformat()} is less than {dur(gap)} ago"
            )
        if notes:
            out.append(
                ctx.finding(
                    facts,
                    "BCB-001",
                    "This payer uses a 50 % diagnostic-block "
                    "threshold and needs >= 6 months between RF treatments per "
                    "side and level.",
                    level=level,
                    field="history",
                    detail="; ".join(notes),
                )
            )
    return out


@rule("BMA-001")
def bma_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_esi(facts):
        return []
    bad = _esi_limit_breaches(facts, ctx)
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "BMA-001",
            "BCBS MA: ESIs at least 30 days apart, at most 6 per 12 months.",
            field="procedure.date_of_service",
            detail="; ".join(bad),
        )
    ]
