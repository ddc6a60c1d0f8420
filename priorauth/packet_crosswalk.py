"""The packet's criteria cross-walk: each criterion of the payer's policy with
its status and the evidence behind it.

The cross-walk lists, per procedure family, each criterion of the payer's
policy (only rules the profile enables, only those that apply to this kind of
request) with its status: a rule that fired is a gap, or "not documented" when
the fact it needs is empty; a rule that did not fire is met, shown with the
evidence that meets it ("not documented" when there is none). A criterion whose
condition does not hold for this request (a repeat-RFA criterion on an initial
RFA, sedation when none is planned, "after a failed ESI" with no failed ESI) is
"not applicable", with the reason.

Evidence functions (``ev_*``) turn facts into the sentence shown as evidence;
``CRITERIA`` is the table of criteria; ``build_crosswalk`` assembles the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from priorauth.packet_text import (
    GUIDANCE_WORDS,
    POS_WORDS,
    PROCEDURE_NAMES,
    SEDATION_WORDS,
    STATUS_LABELS,
    block_item,
    care_item,
    fmt_date,
    fmt_num,
    history_item,
    icd_description,
    levels_phrase,
    line_label,
    modality_word,
    months_between,
    response_rows,
)
from priorauth.rules import facts as rf
from priorauth.rules.dates import add_duration
from priorauth.rules.findings import (
    Evaluation,
    Finding,
    Severity,
)
from priorauth.rules.ledger import category_rows
from priorauth.rules.levels import LevelError, region_of
from priorauth.rules.policy import Policy

# --------------------------------------------------------------------------- evidence


def ev_identifiers(f: rf.CaseFacts, e: Evaluation) -> str | None:
    parts = [
        x
        for x in (
            f.patient.name,
            f.patient.dob and f"DOB {fmt_date(f.patient.dob)}",
            f.patient.member_id and f"member ID {f.patient.member_id}",
        )
        if x
    ]
    return "; ".join(parts) or None


def ev_providers(f: rf.CaseFacts, e: Evaluation) -> str | None:
    parts = []
    if f.ordering.name or f.ordering.npi:
        parts.append(f"Ordering {f.ordering.name} NPI {f.ordering.npi or '(missing)'}")
    if f.rendering.name or f.rendering.npi:
        parts.append(
            f"Rendering {f.rendering.name} NPI {f.rendering.npi or '(missing)'}"
        )
    if f.facility.name:
        parts.append(
            f"Facility {f.facility.name}, POS {f.facility.place_of_service or '(missing)'}"
        )
    return "; ".join(parts) or None


def ev_lines(f: rf.CaseFacts, e: Evaluation) -> str | None:
    if not e.code_lines:
        return None
    lines = "; ".join(line_label(x) for x in e.code_lines)
    dx = ", ".join(f.diagnoses) or "no ICD-10 code"
    return f"{lines}. Diagnoses: {dx}"


def ev_signature(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return (
        "Signed and dated electronically by the physician (see attestation)"
        if f.signed
        else None
    )


def ev_imaging(f: rf.CaseFacts, e: Evaluation) -> str | None:
    items = [
        f"{modality_word(i.modality)} {fmt_date(i.date) or 'undated'}"
        f"{' at ' + ', '.join(i.levels) if i.levels else ''}: {i.findings or 'findings not stated'}"
        + (" (concordant)" if i.concordant else "")
        for i in f.imaging
    ]
    return "; ".join(items) or None


def ev_conservative(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return "; ".join(care_item(c) for c in f.conservative_care) or None


def ev_history(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return (
        "; ".join(history_item(p) for p in sorted(f.history, key=lambda p: p.date))
        or None
    )


def ev_onset(f: rf.CaseFacts, e: Evaluation) -> str | None:
    onset, dos = f.clinical.onset_date, f.procedure.date_of_service
    if not onset:
        return None
    if dos:
        return f"Onset {fmt_date(onset)}: {fmt_num(months_between(onset, dos), 1)} months before the date of service"
    return f"Onset {fmt_date(onset)}"


def ev_baseline(f: rf.CaseFacts, e: Evaluation) -> str | None:
    c = f.clinical
    parts = []
    if c.baseline_pain_scale or c.baseline_pain_score is not None:
        parts.append(
            f"{c.baseline_pain_scale or 'unnamed scale'} {fmt_num(c.baseline_pain_score, 1)}/10"
        )
    if c.function_scale or c.function_score is not None:
        parts.append(
            f"{c.function_scale or 'unnamed scale'} {fmt_num(c.function_score, 1)}"
        )
    if c.functional_impairment:
        parts.append(c.functional_impairment)
    return "; ".join(parts) or None


def ev_pattern(f: rf.CaseFacts, e: Evaluation) -> str | None:
    c = f.clinical
    parts = [
        f"Pain pattern: {c.pain_pattern.value if c.pain_pattern else 'not stated'}"
    ]
    parts.append(f"radiculopathy {'documented' if c.radiculopathy else 'not present'}")
    if c.neurogenic_claudication:
        parts.append("neurogenic claudication documented")
    if c.facet_cyst:
        parts.append("facet synovial cyst documented")
    return "; ".join(parts)


def ev_radicular(f: rf.CaseFacts, e: Evaluation) -> str | None:
    c = f.clinical
    named = [
        label
        for flag, label in (
            (
                c.pain_pattern in (rf.PainPattern.RADICULAR, rf.PainPattern.MIXED),
                f"{c.pain_pattern} pain pattern" if c.pain_pattern else "",
            ),
            (c.radiculopathy, "radiculopathy"),
            (c.neurogenic_claudication, "neurogenic claudication"),
            (c.post_laminectomy, "post-laminectomy syndrome"),
            (c.acute_zoster, "acute herpes zoster"),
        )
        if flag
    ]
    return ("Documented: " + ", ".join(named)) if named else None


def ev_other_causes(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return (
        "Fracture, tumor, infection and deformity ruled out"
        if f.clinical.other_causes_excluded
        else None
    )


def ev_blocks(f: rf.CaseFacts, e: Evaluation) -> str | None:
    rows = [r for r in f.history if r.builds_on] or response_rows(f)
    return "; ".join(block_item(b) for b in rows) or None


def ev_prior_blocks(f: rf.CaseFacts, e: Evaluation) -> str | None:
    blocks = ev_blocks(f, e)
    if blocks:
        return blocks
    rows = [
        p
        for p in f.history
        if p.procedure in (rf.ProcedureType.MBB, rf.ProcedureType.FACET_IA)
    ]
    return (
        "; ".join(history_item(p) for p in sorted(rows, key=lambda p: p.date)) or None
    )


def ev_ledger(f: rf.CaseFacts, e: Evaluation) -> str | None:
    items = []
    for entry in e.ledger:
        limit = f" of {entry.session_limit}" if entry.session_limit is not None else ""
        last = f", last {fmt_date(entry.last_date)}" if entry.last_date else ""
        items.append(
            f"{entry.level}: {entry.prior_count} prior{last}; {entry.sessions_used_12m}{limit} sessions in 12 months incl. this one"
        )
    return "; ".join(items) or ev_levels(f, e)


def ev_levels(f: rf.CaseFacts, e: Evaluation) -> str | None:
    if not f.levels:
        return None
    return f"{len(f.levels)} level(s): {levels_phrase(f)}"


def ev_guidance(f: rf.CaseFacts, e: Evaluation) -> str | None:
    g = f.procedure.guidance
    if g is None:
        return None
    contrast = ", with contrast" if f.procedure.contrast else ", without contrast"
    if f.procedure.contrast_contraindication:
        contrast += (
            f" (contrast contraindication: {f.procedure.contrast_contraindication})"
        )
    return f"{GUIDANCE_WORDS.get(g, g)} guidance{contrast if f.procedure.type.is_esi else ''}"


def ev_sedation(f: rf.CaseFacts, e: Evaluation) -> str | None:
    p = f.procedure
    text = f"Sedation: {SEDATION_WORDS.get(p.sedation, p.sedation)}"
    if p.sedation_justification:
        text += f". Justification: {p.sedation_justification}"
    return text


def ev_technique(f: rf.CaseFacts, e: Evaluation) -> str | None:
    t = f.procedure.rfa_technique
    return f"Technique: {t.value.replace('_', ' ')}" if t else None


def ev_kx(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return "; ".join(line_label(x) for x in e.code_lines) or None


def ev_dx(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return "; ".join(f"{c} {icd_description(c)}" for c in f.diagnoses) or None


def ev_fusion(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return (
        "Fusion at a requested level documented"
        if f.clinical.fusion_at_level
        else "No fusion at the requested levels"
    )


def ev_scales(f: rf.CaseFacts, e: Evaluation) -> str | None:
    scales = [b.scale for b in response_rows(f) if b.scale]
    if not scales:
        return None
    return f"Baseline {f.clinical.baseline_pain_scale or 'not named'}; blocks: {', '.join(scales)}"


def ev_rfa_plan(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return (
        "RF ablation is planned if the blocks are positive"
        if f.clinical.rfa_planned
        else None
    )


def ev_rfa_contra(f: rf.CaseFacts, e: Evaluation) -> str | None:
    c = f.clinical.rfa_contraindication
    blocks = ev_prior_blocks(f, e)
    parts = [p for p in (blocks, c and f"Why RFA is not possible: {c}") if p]
    return "; ".join(parts) or None


def ev_pos(f: rf.CaseFacts, e: Evaluation) -> str | None:
    pos = POS_WORDS.get(f.facility.place_of_service, f.facility.place_of_service)
    dos = fmt_date(f.procedure.date_of_service) or "not scheduled"
    place = f.payer.state or "not stated"
    if f.payer.county:
        place = f"{place} ({f.payer.county})"
    return (
        f"Place of service {pos or 'not stated'}; state {place}; date of service {dos}"
    )


def ev_prior_rfa(f: rf.CaseFacts, e: Evaluation) -> str | None:
    wanted = {lv.level for lv in f.levels}
    rfas = [
        p
        for p in f.history
        if p.procedure is rf.ProcedureType.RFA and wanted & set(p.levels)
    ]
    if not rfas:
        return "No prior RF ablation at the requested levels"
    return "; ".join(history_item(p) for p in sorted(rfas, key=lambda p: p.date))


def ev_same_day(f: rf.CaseFacts, e: Evaluation) -> str | None:
    other = f.procedure.other_blocks_same_day
    if not other:
        return "No other block type planned on the same date"
    return "Same day: " + ", ".join(PROCEDURE_NAMES.get(t, str(t)) for t in other)


def ev_injectate(f: rf.CaseFacts, e: Evaluation) -> str | None:
    return f"Injectate: {f.procedure.injectate}" if f.procedure.injectate else None


def ev_last_esi(f: rf.CaseFacts, e: Evaluation) -> str | None:
    rows = prior_esis(f)
    return f"Last ESI in the region: {history_item(rows[-1])}" if rows else None


def ev_changed_approach(f: rf.CaseFacts, e: Evaluation) -> str | None:
    last = ev_last_esi(f, e)
    if not f.clinical.changed_approach:
        return None  # the changed approach is the fact this criterion needs
    return "; ".join(
        x for x in (last, f"Changed approach: {f.clinical.changed_approach}") if x
    )


def ev_continuation(f: rf.CaseFacts, e: Evaluation) -> str | None:
    if not f.clinical.continuation_rationale:
        return None
    return f"Reason to continue: {f.clinical.continuation_rationale}"


def ev_concordance(f: rf.CaseFacts, e: Evaluation) -> str | None:
    items = [i for i in f.imaging if i.concordant]
    if not items:
        return None
    return "; ".join(
        f"{modality_word(i.modality)} {fmt_date(i.date)}: {i.findings or 'findings not stated'} (concordant with symptoms)"
        for i in items
    )


# --------------------------------------------------------------------------- criteria


def _is(*types: rf.ProcedureType) -> Callable[[rf.CaseFacts], bool]:
    return lambda f: f.procedure.type in types


ALWAYS: Callable[[rf.CaseFacts], bool] = lambda f: True  # noqa: E731
NEVER: Callable[[rf.CaseFacts], bool] = lambda f: False  # noqa: E731
FACET = (rf.ProcedureType.FACET_IA, rf.ProcedureType.MBB, rf.ProcedureType.RFA)
BLOCKS = (rf.ProcedureType.FACET_IA, rf.ProcedureType.MBB)
ESI = (
    rf.ProcedureType.ESI_INTERLAMINAR,
    rf.ProcedureType.ESI_TRANSFORAMINAL,
    rf.ProcedureType.ESI_CAUDAL,
)
DIAG = rf.Intent.DIAGNOSTIC
THER = rf.Intent.THERAPEUTIC


def _regions(f: rf.CaseFacts) -> list:  # type: ignore[type-arg]
    out = []
    for lv in f.levels:
        try:
            region = region_of(lv.level)
        except LevelError:
            continue
        if region not in out:
            out.append(region)
    return out


def prior_esis(f: rf.CaseFacts) -> list[rf.PriorProcedure]:
    """Prior ESIs in the request's region(s) before the date of service, oldest first (as the ESI rules)."""
    dos = f.procedure.date_of_service
    rows = {
        id(r): r
        for region in _regions(f)
        for r in category_rows(f.history, region, "esi")
        if dos is None or r.date < dos
    }
    return sorted(rows.values(), key=lambda r: r.date)


def _esi_failed(f: rf.CaseFacts, policy: Policy) -> bool:
    """The last prior ESI gave less than the policy's repeat threshold (relief or function)."""
    rows = prior_esis(f)
    if not rows:
        return False
    need = policy.get("esi", "repeat_relief_min", 50)
    rel, adl = rows[-1].relief_percent, rows[-1].adl_improvement_percent
    return not ((rel is not None and rel >= need) or (adl is not None and adl >= need))


def _esi_past_series_max(f: rf.CaseFacts, policy: Policy) -> bool:
    """The ESI series (prior ESIs without a gap longer than ``series_gap``) began more than ``series_max`` ago."""
    rows, dos = prior_esis(f), f.procedure.date_of_service
    if not rows or dos is None:
        return False
    gap = policy.get("esi", "series_gap", {"months": 12})
    span = policy.get("esi", "series_max", {"months": 12})
    first = rows[-1]
    for prev in reversed(rows[:-1]):
        if add_duration(prev.date, gap) < first.date:
            break
        first = prev
    return add_duration(first.date, span) < dos


def _prior_blocks(f: rf.CaseFacts) -> bool:
    return any(p.procedure in BLOCKS for p in f.history)


Cond = Callable[[rf.CaseFacts, Policy], bool]
INTENT_NA = "Not this intent: the request is {intent}"


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str  # may use {placeholders} filled from the policy
    applies: Callable[[rf.CaseFacts], bool]
    evidence: Callable[[rf.CaseFacts, Evaluation], str | None]
    family: str = ""  # "facet" or "esi": which LCD to cite for Medicare
    group: str = "Clinical criteria"
    when: Cond | None = (
        None  # within scope, does this request meet the criterion's condition?
    )
    na: str | Callable[[rf.CaseFacts], str] = (
        ""  # why not: the evidence of a "Not applicable" row
    )


def _c(
    code: str,
    text: str,
    applies,
    evidence,
    family: str = "",
    group: str = "Clinical criteria",  # type: ignore[no-untyped-def]
    when: Cond | None = None,
    na: str | Callable[[rf.CaseFacts], str] = "",
) -> Criterion:
    """``applies``: the procedure types the criterion is about (other requests do not list it);
    ``when``: the condition inside that scope (false: listed as "Not applicable", with ``na``)."""
    return Criterion(code, text, applies, evidence, family, group, when, na)


def _intent_is(*intents: rf.Intent) -> Cond:
    return lambda f, p: f.procedure.intent in intents


SEDATED: Cond = lambda f, p: f.procedure.sedation.counts_as_sedation  # noqa: E731
NO_SEDATION = "No sedation planned (local anesthetic only)"


DOC = "Documentation and request"
LIM = "Levels, frequency and technique"

RFA = (rf.ProcedureType.RFA,)
MBB = (rf.ProcedureType.MBB,)
FIA = (rf.ProcedureType.FACET_IA,)
TFESI = (rf.ProcedureType.ESI_TRANSFORAMINAL,)

# Conditions inside a criterion's scope, each with the reason shown when it does not hold.
FIRST_RFA: Cond = _intent_is(rf.Intent.FIRST)
REPEAT_RFA: Cond = _intent_is(rf.Intent.REPEAT)
IS_DIAG: Cond = _intent_is(DIAG)
IS_THER: Cond = _intent_is(THER)
NOT_FIRST_RFA = "Not an initial RFA: this request is a repeat RFA"
NOT_REPEAT_RFA = "Not a repeat RFA: this request is the initial RFA"
NOT_DIAG = "Not a diagnostic block: this request is therapeutic"
NOT_THER = "Not a therapeutic block: this request is diagnostic"
CONFIRMATORY: Cond = lambda f, p: f.procedure.intent == DIAG and _prior_blocks(f)  # noqa: E731
NOT_CONFIRMATORY = "Not a confirmatory block: no earlier diagnostic block, or the request is therapeutic"
HAS_BLOCKS: Cond = lambda f, p: f.procedure.intent == rf.Intent.FIRST or _prior_blocks(
    f
)  # noqa: E731
NO_BLOCKS = "No diagnostic block response in this request to assess"
REPEAT_FIA: Cond = lambda f, p: f.procedure.intent == THER and any(  # noqa: E731
    x.procedure is rf.ProcedureType.FACET_IA and x.intent == THER for x in f.history
)
NOT_REPEAT_FIA = "Not a repeat therapeutic facet injection: no earlier therapeutic facet injection recorded"
HAS_HISTORY: Cond = lambda f, p: bool(f.history)  # noqa: E731
NO_HISTORY = "No prior procedures recorded for this patient"


def _esi_repeat(f: rf.CaseFacts, policy: Policy) -> bool:
    """A repeat ESI: a prior ESI in the region within ``series_gap`` (older ones start a new series)."""
    rows, dos = prior_esis(f), f.procedure.date_of_service
    if not rows:
        return False
    return (
        dos is None
        or add_duration(rows[-1].date, policy.get("esi", "series_gap", {"months": 12}))
        >= dos
    )


NOT_REPEAT_ESI = (
    "Not a repeat ESI: no prior ESI in this region within the last 12 months"
)


def NOT_FAILED_ESI(f: rf.CaseFacts) -> str:  # noqa: N802 - a reason, like the constants around it
    rows = prior_esis(f)
    if not rows:
        return "No prior ESI in this region: no failed ESI to follow"
    return f"No failed prior ESI: the last one was {history_item(rows[-1])}"


NOT_PAST_SERIES = "The ESI series began less than 12 months before the date of service"
REPEAT_TFESI: Cond = lambda f, p: any(
    x.procedure is rf.ProcedureType.ESI_TRANSFORAMINAL for x in prior_esis(f)
)  # noqa: E731
NOT_REPEAT_TFESI = (
    "Not a repeat transforaminal ESI: no prior transforaminal ESI in this region"
)
SHOWS_HNP: Cond = lambda f, p: any(i.shows_hnp for i in f.imaging)  # noqa: E731
NO_HNP = "No disc herniation on the imaging in this request"

CRITERIA: tuple[Criterion, ...] = (
    # Packet completeness (all payers)
    _c(
        "PKT-001",
        "Two patient identifiers: name, date of birth and member ID",
        ALWAYS,
        ev_identifiers,
        group=DOC,
    ),
    _c(
        "PKT-002",
        "Ordering and rendering provider with NPI; facility and site of service",
        ALWAYS,
        ev_providers,
        group=DOC,
    ),
    _c(
        "PKT-003",
        "Each requested line has CPT, level(s), side/modifier and an ICD-10 code",
        ALWAYS,
        ev_lines,
        group=DOC,
    ),
    _c(
        "PKT-005",
        "Dated imaging with findings at the treated level",
        ALWAYS,
        ev_imaging,
        group=DOC,
    ),
    _c(
        "PKT-006",
        "Conservative care with dates or duration and outcome",
        ALWAYS,
        ev_conservative,
        group=DOC,
    ),
    _c(
        "PKT-007",
        "Prior procedures with % relief, duration of relief and scale",
        ALWAYS,
        ev_history,
        group=DOC,
        when=HAS_HISTORY,
        na=NO_HISTORY,
    ),
    _c(
        "PKT-004",
        "Letter signed and dated by the physician",
        ALWAYS,
        ev_signature,
        group=DOC,
    ),
    # Facet family
    _c("FAC-001", "Pain for at least 3 months", _is(*FACET), ev_onset, "facet"),
    _c(
        "FAC-002",
        "Failed or not tolerated noninvasive conservative care",
        _is(*FACET),
        ev_conservative,
        "facet",
    ),
    _c(
        "FAC-003",
        "Moderate to severe pain on a named baseline scale, with functional impairment",
        _is(*FACET),
        ev_baseline,
        "facet",
    ),
    _c(
        "FAC-004",
        "No untreated radiculopathy or neurogenic claudication (unless from a facet cyst)",
        _is(*FACET),
        ev_pattern,
        "facet",
    ),
    _c(
        "FAC-005",
        "Other causes (fracture, tumor, infection, deformity) ruled out",
        _is(*FACET),
        ev_other_causes,
        "facet",
    ),
    _c(
        "FAC-006",
        "Confirmatory diagnostic block: first block gave at least {diag_relief}% relief",
        _is(*BLOCKS),
        ev_prior_blocks,
        "facet",
        when=CONFIRMATORY,
        na=NOT_CONFIRMATORY,
    ),
    _c(
        "FAC-007",
        "At least 2 weeks between diagnostic blocks",
        _is(*BLOCKS),
        ev_prior_blocks,
        "facet",
        when=CONFIRMATORY,
        na=NOT_CONFIRMATORY,
    ),
    _c(
        "FAC-008",
        "Block relief duration recorded and consistent with the anesthetic",
        _is(*FACET),
        ev_blocks,
        "facet",
        when=HAS_BLOCKS,
        na=NO_BLOCKS,
    ),
    _c(
        "FAC-009",
        "Initial RFA: two diagnostic medial branch blocks, each with at least {rfa_relief}% relief",
        _is(*RFA),
        ev_prior_blocks,
        "facet",
        when=FIRST_RFA,
        na=NOT_FIRST_RFA,
    ),
    _c(
        "FAC-010",
        "Repeat RFA: at least 50% improvement lasting at least 6 months after the last RFA",
        _is(*RFA),
        ev_prior_rfa,
        "facet",
        when=REPEAT_RFA,
        na=NOT_REPEAT_RFA,
    ),
    _c(
        "FAC-011",
        "Repeat RFA more than 2 years after the last: diagnostic blocks repeated",
        _is(*RFA),
        ev_history,
        "facet",
        when=REPEAT_RFA,
        na=NOT_REPEAT_RFA,
    ),
    _c(
        "FAC-012",
        "Therapeutic facet injection: two positive diagnostic blocks and a reason RFA is not possible",
        _is(*FIA),
        ev_rfa_contra,
        "facet",
        when=IS_THER,
        na=NOT_THER,
    ),
    _c(
        "FAC-013",
        "Repeat therapeutic facet injection: at least 50% relief for at least 3 months from the last",
        _is(*FIA),
        ev_history,
        "facet",
        when=REPEAT_FIA,
        na=NOT_REPEAT_FIA,
    ),
    _c(
        "FAC-014",
        "Therapeutic medial branch block coverage",
        _is(*MBB),
        ev_rfa_contra,
        "facet",
        when=IS_THER,
        na=NOT_THER,
    ),
    _c("FAC-027", "No fusion at the target segment", _is(*FACET), ev_fusion, "facet"),
    _c(
        "FAC-026",
        "Diagnosis supports a facet procedure (region-specific spondylosis code)",
        _is(*FACET),
        ev_dx,
        "facet",
    ),
    _c(
        "FAC-028",
        "Same pain scale before and after each block",
        _is(*FACET),
        ev_scales,
        "facet",
        when=HAS_BLOCKS,
        na=NO_BLOCKS,
    ),
    _c(
        "FAC-015",
        "At most {max_levels} levels per session",
        _is(*FACET),
        ev_levels,
        "facet",
        LIM,
    ),
    _c(
        "FAC-016",
        "Diagnostic sessions in the region within the rolling 12-month limit",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "FAC-017",
        "Therapeutic sessions in the region within the rolling 12-month limit",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
        LIM,
        when=IS_THER,
        na=NOT_THER,
    ),
    _c(
        "FAC-018",
        "RFA sessions in the region within the rolling 12-month limit",
        _is(*RFA),
        ev_ledger,
        "facet",
        LIM,
    ),
    _c(
        "FAC-019", "Fluoroscopic or CT guidance", _is(*FACET), ev_guidance, "facet", LIM
    ),
    _c(
        "FAC-020",
        "Sedation with facet injection or MBB justified",
        _is(*BLOCKS),
        ev_sedation,
        "facet",
        LIM,
        when=SEDATED,
        na=NO_SEDATION,
    ),
    _c(
        "FAC-021",
        "Sedation with RFA justified",
        _is(*RFA),
        ev_sedation,
        "facet",
        LIM,
        when=SEDATED,
        na=NO_SEDATION,
    ),
    _c(
        "FAC-022",
        "Conventional thermal RF technique",
        _is(*RFA),
        ev_technique,
        "facet",
        LIM,
    ),
    _c(
        "FAC-023",
        "KX modifier on each diagnostic facet line",
        _is(*BLOCKS),
        ev_kx,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "FAC-024",
        "No diagnostic block at a level with a previously successful RFA",
        _is(*BLOCKS),
        ev_prior_rfa,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "FAC-025",
        "No other block type on the same date",
        _is(*FACET),
        ev_same_day,
        "facet",
        LIM,
    ),
    _c(
        "DVT-001",
        "Fewer than {dvt_blocks} prior blocks at the level in 12 months for a block labelled diagnostic",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "DVT-002",
        "Another block after two qualifying MBBs: reason RFA is not possible",
        _is(*BLOCKS),
        ev_rfa_contra,
        "facet",
    ),
    _c(
        "DVT-003",
        "No repeat facet injections at the same levels",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
    ),
    _c(
        "DVT-004",
        "Diagnostic facet block with a documented plan for RF neurolysis",
        _is(*BLOCKS),
        ev_rfa_plan,
        "facet",
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "DVT-005",
        "Therapeutic facet/MBB covered by this payer",
        _is(*BLOCKS),
        ev_rfa_contra,
        "facet",
        when=IS_THER,
        na=NOT_THER,
    ),
    _c(
        "DVT-006",
        "Diagnostic MBB with documented RFA candidacy",
        _is(*MBB),
        ev_rfa_plan,
        "facet",
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "AET-001",
        "At least 3 months of limiting pain after at least 6 weeks of conservative therapy",
        _is(*FACET),
        ev_conservative,
        "facet",
    ),
    _c(
        "AET-002",
        "At most 3 facet levels per session",
        _is(*FACET),
        ev_levels,
        "facet",
        LIM,
    ),
    _c(
        "EVI-001",
        "Two sequential diagnostic blocks at the same level with at least 80% relief before RFA",
        _is(*RFA),
        ev_prior_blocks,
        "facet",
        when=FIRST_RFA,
        na=NOT_FIRST_RFA,
    ),
    _c(
        "EVI-002",
        "Repeat RFA: at least 50% relief for 12 weeks and 6 months since the last RFA",
        _is(*RFA),
        ev_prior_rfa,
        "facet",
        when=REPEAT_RFA,
        na=NOT_REPEAT_RFA,
    ),
    _c(
        "EVI-003",
        "At most 2 RFA in 12 months and 3 contiguous levels per side",
        _is(*RFA),
        ev_ledger,
        "facet",
        LIM,
    ),
    _c(
        "CAR-001",
        "At most 4 diagnostic MBB sessions in 12 months and 2 levels per side per session",
        _is(*MBB),
        ev_ledger,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "BCB-001",
        "Diagnostic block threshold 50%; at least 6 months between RF treatments",
        _is(*RFA),
        ev_prior_blocks,
        "facet",
    ),
    # ESI family
    _c(
        "ESI-001",
        "Radicular pain, radiculopathy, neurogenic claudication, post-laminectomy syndrome or acute zoster",
        _is(*ESI),
        ev_radicular,
        "esi",
    ),
    _c("ESI-002", "Pain for at least 4 weeks", _is(*ESI), ev_onset, "esi"),
    _c(
        "ESI-003",
        "At least 4 weeks of failed or not tolerated conservative care",
        _is(*ESI),
        ev_conservative,
        "esi",
    ),
    _c(
        "ESI-004",
        "Imaging finding concordant with the symptoms at the treated level",
        _is(*ESI),
        ev_concordance,
        "esi",
    ),
    _c(
        "ESI-005",
        "Named baseline pain or function scale",
        _is(*ESI),
        ev_baseline,
        "esi",
    ),
    _c(
        "ESI-006",
        "Repeat ESI: at least {esi_relief}% improvement for at least 3 months on the same scale",
        _is(*ESI),
        ev_last_esi,
        "esi",
        when=_esi_repeat,
        na=NOT_REPEAT_ESI,
    ),
    _c(
        "ESI-007",
        "After a failed ESI: at least 14 days and a changed approach, level or drug",
        _is(*ESI),
        ev_changed_approach,
        "esi",
        when=_esi_failed,
        na=NOT_FAILED_ESI,
    ),
    _c(
        "ESI-013",
        "Continuation past 12 months justified",
        _is(*ESI),
        ev_continuation,
        "esi",
        when=_esi_past_series_max,
        na=NOT_PAST_SERIES,
    ),
    _c(
        "ESI-017",
        "Diagnosis code reflects the radicular condition",
        _is(*ESI),
        ev_dx,
        "esi",
    ),
    _c(
        "ESI-015",
        "No biologic or non-FDA-approved injectate",
        _is(*ESI),
        ev_injectate,
        "esi",
    ),
    _c(
        "ESI-008",
        "ESI sessions in the region within the rolling 12-month limit",
        _is(*ESI),
        ev_ledger,
        "esi",
        LIM,
    ),
    _c(
        "ESI-009",
        "Levels per session: transforaminal at most 2, interlaminar/caudal 1",
        _is(*ESI),
        ev_levels,
        "esi",
        LIM,
    ),
    _c("ESI-010", "One spinal region per session", _is(*ESI), ev_levels, "esi", LIM),
    _c(
        "ESI-011",
        "Fluoroscopic or CT guidance with contrast (or a documented contraindication)",
        _is(*ESI),
        ev_guidance,
        "esi",
        LIM,
    ),
    _c(
        "ESI-012",
        "Interlaminar/caudal not bilateral",
        _is(rf.ProcedureType.ESI_INTERLAMINAR, rf.ProcedureType.ESI_CAUDAL),
        ev_levels,
        "esi",
        LIM,
    ),
    _c(
        "ESI-014",
        "Sedation justified",
        _is(*ESI),
        ev_sedation,
        "esi",
        LIM,
        when=SEDATED,
        na=NO_SEDATION,
    ),
    _c(
        "ESI-016",
        "No other block type on the same date",
        _is(*ESI),
        ev_same_day,
        "esi",
        LIM,
    ),
    _c(
        "AET-003",
        "Repeat TFESI: at least two of 50% relief, better function, less medication, lasting 2 weeks",
        _is(*TFESI),
        ev_last_esi,
        "esi",
        when=REPEAT_TFESI,
        na=NOT_REPEAT_TFESI,
    ),
    _c(
        "EVI-004",
        "At least 6 weeks of conservative care (4 weeks for stenosis)",
        _is(*ESI),
        ev_conservative,
        "esi",
    ),
    _c(
        "EVI-005",
        "ESI frequency: 3 per 6 months, 4 per 12 months, at least 14 days apart",
        _is(*ESI),
        ev_ledger,
        "esi",
        LIM,
    ),
    _c("EVI-006", "Imaging within 24 months", _is(*ESI), ev_imaging, "esi"),
    _c(
        "CAR-002",
        "Repeat ESI: 3 months of benefit; one region per date of service",
        _is(*ESI),
        ev_last_esi,
        "esi",
        when=_esi_repeat,
        na=NOT_REPEAT_ESI,
    ),
    _c(
        "CAR-003",
        "Imaging showing the disc herniation within 18 months",
        _is(*ESI),
        ev_imaging,
        "esi",
        when=SHOWS_HNP,
        na=NO_HNP,
    ),
    _c(
        "BMA-001",
        "ESIs at least 30 days apart, at most 6 per 12 months",
        _is(*ESI),
        ev_ledger,
        "esi",
        LIM,
    ),
    # Medicare program notes: shown only when they fire.
    _c(
        "PKT-008",
        "CMS WISeR prior authorization for this ESI",
        NEVER,
        ev_pos,
        group=DOC,
    ),
    _c(
        "PKT-009",
        "Medicare prior authorization (place of service)",
        NEVER,
        ev_pos,
        group=DOC,
    ),
    _c(
        "PKT-010",
        "Medicare OPD prior authorization for hospital outpatient facet procedures",
        NEVER,
        ev_pos,
        group=DOC,
    ),
)
CRITERIA_BY_CODE = {c.code: c for c in CRITERIA}
GROUP_ORDER = (DOC, "Clinical criteria", LIM, "Other findings")


def criterion_text(c: Criterion, policy: Policy) -> str:
    return c.text.format(
        diag_relief=fmt_num(policy.get("facet", "diag_relief_min", 80)),
        rfa_relief=fmt_num(policy.get("facet", "rfa_prereq_relief_min", 80)),
        max_levels=fmt_num(policy.get("facet", "max_levels_per_session", 2)),
        dvt_blocks=fmt_num(policy.get("facet", "dvt_prior_blocks", 2)),
        esi_relief=fmt_num(policy.get("esi", "repeat_relief_min", 50)),
    )


def citation_text(
    policy: Policy, code: str, family: str, state: str, county: str = ""
) -> str:
    return str(policy.citation(code, state=state, family=family, county=county))


def family_of(facts: rf.CaseFacts) -> str:
    return "esi" if facts.procedure.type.is_esi else "facet"


@dataclass
class CrosswalkRow:
    code: str
    criterion: str
    status: str  # met / gap / not_documented / note
    evidence: str
    action: str  # what the findings say to do ("" when met)
    citation: str
    group: str
    levels: str = ""
    severity: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def build_crosswalk(
    facts: rf.CaseFacts, evaluation: Evaluation, policy: Policy
) -> list[CrosswalkRow]:
    """One row per applicable criterion of the policy, plus any finding without a criterion."""
    fired: dict[str, list[Finding]] = {}
    for finding in evaluation.findings:
        fired.setdefault(finding.code, []).append(finding)
    rows: list[CrosswalkRow] = []
    state = facts.payer.state
    for c in CRITERIA:
        findings = fired.pop(c.code, [])
        if not findings and not (policy.enabled(c.code) and c.applies(facts)):
            continue
        text = criterion_text(c, policy)
        citation = citation_text(
            policy, c.code, c.family or family_of(facts), state, facts.payer.county
        )
        if not findings and c.when is not None and not c.when(facts, policy):
            reason = c.na(facts) if callable(c.na) else c.na
            rows.append(
                CrosswalkRow(
                    c.code, text, "not_applicable", reason, "", citation, c.group
                )
            )
            continue
        rows.append(
            _row(
                c.code, text, c.evidence(facts, evaluation), findings, citation, c.group
            )
        )
    for code, findings in fired.items():
        rows.append(
            _row(
                code,
                findings[0].message,
                None,
                findings,
                str(findings[0].citation),
                "Other findings",
            )
        )
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    rows.sort(
        key=lambda r: order.get(r.group, len(order))
    )  # stable: catalogue order within a group
    return rows


def _row(
    code: str,
    text: str,
    evidence: str | None,
    findings: list[Finding],
    citation: str,
    group: str,
) -> CrosswalkRow:
    serious = [f for f in findings if f.severity is not Severity.INFO]
    if serious:
        status = "gap" if evidence else "not_documented"
    elif findings:
        status = "note"
    else:
        status = (
            "met" if evidence else "not_documented"
        )  # met only with the evidence that meets it
    details = [f.detail for f in findings if f.detail]
    shown = (
        "; ".join(x for x in (evidence, *details) if x)
        or "Not documented in this request"
    )
    actions = list(dict.fromkeys(f.message for f in findings))
    levels = ", ".join(dict.fromkeys(f.level for f in findings if f.level))
    citation = str(findings[0].citation) if findings else citation
    worst = min((f.severity for f in findings), key=lambda s: s.rank, default=None)
    return CrosswalkRow(
        code,
        text,
        status,
        shown,
        " ".join(actions),
        citation,
        group,
        levels,
        worst.value if worst else "",
    )
