"""Epidural steroid injection rules (payer-rules 7.4, ESI-001..017).

Severity choices for SECONDARY/UNCONFIRMED figures (never blockers):

| rule | weak figure | choice |
|---|---|---|
| ESI-003 | the 4-week minimum ("secondary detail [S10]") | no failed conservative care at all = blocker; documented but shorter than ``conservative_min`` = part ``short``, warning |
| ESI-006 | 3-month duration (SECONDARY [S10]) | relief < 50 % (or missing) or a different scale = blocker (CONFIRMED-2); duration < ``repeat_min`` = part ``short_duration``, warning; failed prior ESI with a documented changed approach = part ``failed_changed``, warning (ESI-007 covers it) |
| ESI-007, 012, 013, 016, 017 | SECONDARY [S10] | warning |
"""

from __future__ import annotations

from ..dates import add_duration, duration_days_before
from ..facts import (
    CaseFacts,
    Guidance,
    PainPattern,
    PriorProcedure,
    ProcedureType,
    Side,
)
from ..findings import Finding
from ..ledger import (
    ESI_TYPES,
    category_rows,
    limits_for,
    safe_levels,
    sessions_in_window,
    twelve_month_limit,
)
from .common import (
    Ctx,
    care_not_counting,
    dur,
    failed_care_days,
    lasted,
    meets_duration,
    rule,
)

IL_TYPES = (ProcedureType.ESI_INTERLAMINAR, ProcedureType.ESI_CAUDAL)


def is_esi(facts: CaseFacts) -> bool:
    return facts.procedure.type.is_esi


def prior_esis(facts: CaseFacts, ctx: Ctx) -> list[PriorProcedure]:
    """Prior ESIs in the request's region(s), oldest first."""
    rows: dict[int, PriorProcedure] = {}
    for region in ctx.regions:
        for r in category_rows(facts.history, region, "esi"):
            if r.date < ctx.dos:
                rows[id(r)] = r
    return sorted(rows.values(), key=lambda r: r.date)


def esi_failed(r: PriorProcedure, need: float) -> bool:
    rel, adl = r.relief_percent, r.adl_improvement_percent
    return not ((rel is not None and rel >= need) or (adl is not None and adl >= need))


@rule("ESI-001")
def esi_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    c = facts.clinical
    ok = (
        c.radiculopathy
        or c.neurogenic_claudication
        or c.post_laminectomy
        or c.acute_zoster
        or c.pain_pattern in (PainPattern.RADICULAR, PainPattern.MIXED)
    )
    if not is_esi(facts) or ok:
        return []
    return [
        ctx.finding(
            facts,
            "ESI-001",
            "ESIs are covered only for radicular pain/"
            "radiculopathy, neurogenic claudication, post-laminectomy syndrome or "
            "acute zoster, not axial pain.",
            field="clinical.radiculopathy",
        )
    ]


@rule("ESI-002")
def esi_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("esi", "pain_min")
    onset = facts.clinical.onset_date
    if (
        not is_esi(facts)
        or not spec
        or facts.clinical.acute_zoster
        or meets_duration(onset, ctx.dos, spec)
    ):
        return []
    detail = (
        "onset not documented"
        if onset is None
        else f"onset {onset.isoformat()}, {(ctx.dos - onset).days} days before DOS"
    )
    return [
        ctx.finding(
            facts,
            "ESI-002",
            f"ESI needs at least {dur(spec)} of pain (except acute herpes zoster).",
            field="clinical.onset_date",
            detail=detail,
        )
    ]


@rule("ESI-003")
def esi_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    spec = ctx.fig("esi", "conservative_min")
    if not is_esi(facts):
        return []
    days = failed_care_days(facts, ctx.dos)
    msg = (
        f"Document at least {dur(spec) or 'some weeks'} of conservative care and its failure "
        "or intolerance."
    )
    if days <= 0:
        return [
            ctx.finding(
                facts,
                "ESI-003",
                msg,
                field="conservative_care",
                detail=care_not_counting(facts)
                or "no failed or intolerant conservative care documented",
            )
        ]
    if spec and days < duration_days_before(ctx.dos, spec):
        return [
            ctx.finding(
                facts,
                "ESI-003",
                msg,
                field="conservative_care",
                part="short",
                detail=_short_care_detail(facts, days, spec),
            )
        ]
    return []


def _short_care_detail(facts: CaseFacts, days: float, spec: object) -> str:
    """Weeks of failed care found, and the rows that did not count."""
    text = f"{days / 7:.1f} weeks of failed care documented (needs {dur(spec)})"
    others = care_not_counting(facts)
    return f"{text}; not counted: {others}" if others else text


def _concordant(facts: CaseFacts, level: str, modalities: tuple[str, ...]) -> bool:
    for im in facts.imaging:
        if not im.concordant or im.modality.lower() not in modalities:
            continue
        lv = safe_levels(im.levels)
        if not im.levels or level in lv or level == "caudal":
            return True
    return False


@rule("ESI-004")
def esi_004(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_esi(facts):
        return []
    out = []
    for level in ctx.levels:
        if not _concordant(facts, level, ("mri", "ct", "ct_myelogram", "myelogram")):
            out.append(
                ctx.finding(
                    facts,
                    "ESI-004",
                    "Imaging must show a finding that explains "
                    f"the radicular symptoms at the treated level ({level}).",
                    level=level,
                    field="imaging",
                )
            )
    return out


@rule("ESI-005")
def esi_005(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    c = facts.clinical
    ok = (c.baseline_pain_scale.strip() and c.baseline_pain_score is not None) or (
        c.function_scale.strip() and c.function_score is not None
    )
    if not is_esi(facts) or ok:
        return []
    return [
        ctx.finding(
            facts,
            "ESI-005",
            "Record a baseline score on a named scale before the first ESI.",
            field="clinical.baseline_pain_scale",
        )
    ]


def current_series(facts: CaseFacts, ctx: Ctx) -> list:  # type: ignore[type-arg]
    """Prior ESIs of the series this request continues (oldest first).

    A gap longer than ``series_gap`` starts a new series; when the last prior ESI is
    that long before the date of service, this request starts one and the list is empty.
    """
    rows = prior_esis(facts, ctx) if is_esi(facts) else []
    gap = ctx.fig("esi", "series_gap", {"months": 12})
    if not rows or add_duration(rows[-1].date, gap) < ctx.dos:
        return []
    start = len(rows) - 1
    while start > 0 and add_duration(rows[start - 1].date, gap) >= rows[start].date:
        start -= 1
    return rows[start:]


@rule("ESI-006")
def esi_006(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    rows = current_series(facts, ctx)
    if not rows:
        return []  # a first ESI, or a new series: not a repeat
    last = rows[-1]
    need = ctx.fig("esi", "repeat_relief_min", 50)
    spec = ctx.fig("esi", "repeat_min")
    msg = (
        f"A repeat ESI needs >= {need} % sustained improvement for >= {dur(spec)} after the "
        "last one, on the same scale."
    )
    base = facts.clinical.baseline_pain_scale.strip().upper()
    rel = last.relief_percent
    shown = f"last ESI {last.date.isoformat()}: relief {'not recorded' if rel is None else rel}"
    if esi_failed(last, need):
        part = "failed_changed" if facts.clinical.changed_approach.strip() else None
        return [
            ctx.finding(facts, "ESI-006", msg, field="history", detail=shown, part=part)
        ]
    if base and last.scale.strip() and last.scale.strip().upper() != base:
        return [
            ctx.finding(
                facts,
                "ESI-006",
                msg,
                field="history",
                detail=f"{shown}; scale {last.scale} vs baseline {base}",
            )
        ]
    if spec and not lasted(last.date, last.relief_duration_days, spec):
        return [
            ctx.finding(
                facts,
                "ESI-006",
                msg,
                field="history",
                part="short_duration",
                detail=f"{shown}; lasted {last.relief_duration_days or 'unknown'} "
                f"days (needs {dur(spec)})",
            )
        ]
    return []


@rule("ESI-007")
def esi_007(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    rows = current_series(facts, ctx)
    need = ctx.fig("esi", "repeat_relief_min", 50)
    spec = ctx.fig("esi", "failed_repeat_interval", {"days": 14})
    if not rows or not esi_failed(rows[-1], need):
        return []
    last = rows[-1]
    early = not meets_duration(last.date, ctx.dos, spec)
    changed = bool(facts.clinical.changed_approach.strip())
    if early or not changed:
        todo = ([f"wait >= {dur(spec)}"] if early else []) + (
            [] if changed else ["document the different approach, level or drug"]
        )
        return [
            ctx.finding(
                facts,
                "ESI-007",
                f"After a failed ESI, {' and '.join(todo)}.",
                field="procedure.date_of_service"
                if early
                else "clinical.changed_approach",
                detail=f"failed ESI {last.date.isoformat()}, "
                f"{(ctx.dos - last.date).days} days before",
            )
        ]
    return []


@rule("ESI-008")
def esi_008(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    limit = twelve_month_limit(limits_for(ctx.policy.data, "esi"))
    if not is_esi(facts) or limit is None:
        return []
    out = []
    for region in ctx.regions:
        rows = [
            r for r in category_rows(facts.history, region, "esi") if r.date <= ctx.dos
        ]
        used = sessions_in_window(rows, ctx.dos, 12, ctx.policy.rolling_window)
        if used > limit:
            lv = next(x for x in ctx.levels if ctx.level_regions[x] is region)
            nxt = ctx.ledger[lv].next_eligible_date
            out.append(
                ctx.finding(
                    facts,
                    "ESI-008",
                    f"Limit: {limit} ESI sessions per spinal "
                    "region per rolling 12 months.",
                    field="procedure.date_of_service",
                    detail=f"{used} sessions incl. this one"
                    + (f"; next eligible {nxt.isoformat()}" if nxt else ""),
                )
            )
    return out[:1]


@rule("ESI-009")
def esi_009(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    t = facts.procedure.type
    if not is_esi(facts):
        return []
    limit = ctx.fig(
        "esi",
        "max_levels_tf" if t is ProcedureType.ESI_TRANSFORAMINAL else "max_levels_il",
    )
    if limit is not None and len(ctx.levels) > limit:
        return [
            ctx.finding(
                facts,
                "ESI-009",
                "TFESI: max 2 levels per session. Interlaminar/caudal: 1 level.",
                level=ctx.levels[limit],
                field="levels",
                detail=f"{len(ctx.levels)} levels requested",
            )
        ]
    return []


@rule("ESI-010")
def esi_010(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if is_esi(facts) and len(ctx.regions) > 1:
        return [
            ctx.finding(
                facts,
                "ESI-010",
                "Only one spinal region may be injected per session.",
                field="levels",
                detail=", ".join(r.value for r in ctx.regions),
            )
        ]
    return []


@rule("ESI-011")
def esi_011(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    p = facts.procedure
    if not is_esi(facts):
        return []
    allowed = {Guidance(g) for g in ctx.fig("esi", "allowed_guidance", ())}
    if p.guidance not in allowed:
        return [
            ctx.finding(
                facts,
                "ESI-011",
                "ESIs must use fluoroscopy or CT with contrast "
                "unless contrast is contraindicated (document the allergy or "
                "pregnancy).",
                field="procedure.guidance",
                detail=f"guidance {p.guidance.value if p.guidance else 'not documented'}",
            )
        ]
    if not p.contrast and not p.contrast_contraindication.strip():
        return [
            ctx.finding(
                facts,
                "ESI-011",
                "ESIs must use fluoroscopy or CT with contrast "
                "unless contrast is contraindicated (document the allergy or "
                "pregnancy).",
                field="procedure.contrast_contraindication",
                detail="no contrast and no contraindication documented",
            )
        ]
    return []


@rule("ESI-012")
def esi_012(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if facts.procedure.type in IL_TYPES and any(
        lr.side is Side.BILATERAL for lr in facts.levels
    ):
        return [
            ctx.finding(
                facts,
                "ESI-012",
                "Bilateral interlaminar or caudal ESI is not "
                "considered medically necessary.",
                field="levels[0].side",
            )
        ]
    return []


@rule("ESI-013")
def esi_013(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    rows = current_series(facts, ctx)
    span = ctx.fig("esi", "series_max", {"months": 12})
    if not rows or facts.clinical.continuation_rationale.strip():
        return []
    first = rows[0]
    if add_duration(first.date, span) < ctx.dos:
        return [
            ctx.finding(
                facts,
                "ESI-013",
                "Continuing past 12 months needs: ongoing "
                "disability, >= 50 % sustained benefit, a reason to continue (e.g. "
                "surgical risk) and notice to the PCP.",
                field="clinical.continuation_rationale",
                detail=f"series started {first.date.isoformat()}",
            )
        ]
    return []


@rule("ESI-014")
def esi_014(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if is_esi(facts) and facts.procedure.sedation.counts_as_sedation:
        return [
            ctx.finding(
                facts,
                "ESI-014",
                "Sedation for ESIs is rarely indicated and will be "
                "denied without strong documentation.",
                field="procedure.sedation",
            )
        ]
    return []


@rule("ESI-015")
def esi_015(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    inj = facts.procedure.injectate.lower()
    terms = [t for t in ctx.fig("esi", "biologic_terms", ()) if t in inj]
    if is_esi(facts) and terms:
        return [
            ctx.finding(
                facts,
                "ESI-015",
                "Non-FDA-approved or biologic injectates are not covered.",
                field="procedure.injectate",
                detail=", ".join(terms),
            )
        ]
    return []


@rule("ESI-016")
def esi_016(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    bad = {t for t in facts.procedure.other_blocks_same_day if not t.is_esi}
    if is_esi(facts) and bad and not facts.clinical.facet_cyst:
        return [
            ctx.finding(
                facts,
                "ESI-016",
                "Different block types in one session are generally not covered.",
                field="procedure.other_blocks_same_day",
                detail=", ".join(sorted(t.value for t in bad)),
            )
        ]
    return []


@rule("ESI-017")
def esi_017(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not is_esi(facts) or not facts.diagnoses:
        return []
    rad = tuple(ctx.fig("esi", "radicular_icd10_prefixes", ()))
    codes = [d.strip().upper() for d in facts.diagnoses]
    if any(c.startswith(rad) for c in codes):
        return []
    return [
        ctx.finding(
            facts,
            "ESI-017",
            "The diagnosis code does not reflect radicular pain. "
            "Use a code for the radicular condition (e.g. M54.16, M51.16, M48.062).",
            field="diagnoses",
            detail=", ".join(codes),
        )
    ]


__all__ = ["ESI_TYPES", "IL_TYPES", "prior_esis"]
