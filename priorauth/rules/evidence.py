"""Evidence sentences: what in the request meets (or speaks to) each criterion.

One function per kind of evidence, ``(facts, evaluation) -> str | None``: the
sentence shown beside a criterion, or None when the request documents nothing
for it. ``rules.criteria`` names which function serves each criterion and the
engine (``rules.outcomes``) calls it once per outcome: no other module writes
evidence. Facts are the normalized ones (one record per injection).
"""

from __future__ import annotations

from . import facts as rf
from .findings import Evaluation
from .ledger import category_rows, responses
from .levels import LevelError, region_of
from .wording import (
    GUIDANCE_WORDS,
    POS_WORDS,
    PROCEDURE_NAMES,
    SEDATION_WORDS,
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
        if f.procedure.type.is_esi and f.clinical.acute_zoster:
            return "Acute herpes zoster pain (no minimum duration)"
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
    rows = [r for _, r in responses(f)] or response_rows(f)
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


# --------------------------------------------------------------------------- helpers


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
