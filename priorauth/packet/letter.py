"""The letter of medical necessity: the case for approval, in clinical prose.

Written from the facts the rules evaluated (one record per injection) and the
outcomes: a sentence only where the fact behind it is documented, nothing of
the practice's own checklist (no rule IDs, no "gap", no coaching). Where the
request does not meet a criterion as written, the letter carries the
physician's clinical rationale for it (``Outcome.rationale``); a draft shows a
bracketed place for it instead, and signing refuses until it is written.
"""

from __future__ import annotations

from priorauth.rules import facts as rf
from priorauth.rules.criteria import SIGNATURE_STEP
from priorauth.rules.findings import Evaluation
from priorauth.rules.ledger import FACET_BLOCKS, effective_relief, rows_at_level
from priorauth.rules.outcomes import Outcome, family_of
from priorauth.rules.policy import Policy
from priorauth.rules.wording import (
    GUIDANCE_WORDS,
    PROCEDURE_NAMES,
    SEDATION_WORDS,
    care_item,
    fmt_date,
    fmt_num,
    history_item,
    icd_description,
    join_words,
    levels_phrase,
    modality_word,
    months_between,
    procedure_phrase,
    region_word,
)

# How the letter introduces the physician's rationale for some criteria; the
# others are introduced by the criterion's own wording.
LEADS = {
    "DVT-001": "A further diagnostic block at {level} is requested because",
    "DVT-002": "Radiofrequency ablation is not the next step at {level} because",
    "DVT-003": "A repeat injection at {level} is requested because",
    "FAC-012": "Radiofrequency ablation is not possible for this patient because",
    "FAC-014": "A therapeutic medial branch block rather than radiofrequency ablation is"
    " requested because",
}
PLACEHOLDER = "[Physician's clinical rationale, to be written before signing: {what}.]"


def letter_paragraphs(
    facts: rf.CaseFacts, evaluation: Evaluation, policy: Policy, *, draft: bool = True
) -> list[str]:
    """The letter's paragraphs, in the order a reviewer reads a case."""
    out = [_request(facts, evaluation)]
    out += [p for p in (_presentation(facts), _scores(facts), _imaging(facts)) if p]
    if facts.conservative_care:
        out.append(
            "Conservative care: "
            + "; ".join(care_item(x) for x in facts.conservative_care)
            + "."
        )
    if facts.history:
        out.append(
            "Prior interventional procedures: "
            + "; ".join(
                history_item(x) for x in sorted(facts.history, key=lambda x: x.date)
            )
            + "."
        )
    out += _purpose(facts, evaluation, draft)
    out += _rationales(evaluation, draft)
    out.append(_technique(facts))
    lcd = policy.policy_id_for(
        state=facts.payer.state, family=family_of(facts), county=facts.payer.county
    )
    out.append(
        f"The criteria cross-walk in this packet maps each criterion of {policy.name} "
        f"({lcd}) to the documentation. Based on the history, examination, imaging and "
        "response to prior treatment, I consider this procedure medically necessary for "
        "this patient."
    )
    return out


# ---------------------------------------------------------------- paragraphs


def _request(f: rf.CaseFacts, e: Evaluation) -> str:
    p = f.procedure
    cpts = ", ".join(dict.fromkeys(line.cpt for line in e.code_lines))
    where = f" at {f.facility.name}" if f.facility.name else ""
    when = f" on {fmt_date(p.date_of_service)}" if p.date_of_service else ""
    phrase = procedure_phrase(f)
    article = "an" if phrase[:1].lower() in "aeiou" else "a"
    return (
        f"I am requesting prior authorization of {article} {phrase} at {levels_phrase(f)}"
        f"{' (CPT ' + cpts + ')' if cpts else ''}{when}{where} for my patient, "
        f"{f.patient.name or 'name not stated'}."
    )


def _presentation(f: rf.CaseFacts) -> str:
    c, p = f.clinical, f.procedure
    s = []
    pattern = c.pain_pattern.value if c.pain_pattern else ""
    if c.onset_date:
        dur = ""
        if p.date_of_service:
            months = fmt_num(months_between(c.onset_date, p.date_of_service), 1)
            dur = f", {months} months before the planned date of service"
        s.append(
            f"The patient has had {pattern + ' ' if pattern else ''}{region_word(f)} "
            f"pain since {fmt_date(c.onset_date)}{dur}."
        )
    elif pattern:
        s.append(f"The patient has {pattern} {region_word(f)} pain.")
    named = [
        label
        for flag, label in (
            (c.radiculopathy, "radiculopathy"),
            (c.neurogenic_claudication, "neurogenic claudication"),
            (c.post_laminectomy, "post-laminectomy syndrome"),
            (c.acute_zoster, "acute herpes zoster"),
            (c.facet_cyst, "a facet synovial cyst"),
        )
        if flag
    ]
    if named:
        s.append(f"The examination and history document {join_words(named)}.")
    elif p.type.is_facet_family and pattern == "axial":
        s.append("There is no radiculopathy or neurogenic claudication.")
    if c.other_causes_excluded:
        s.append("Fracture, tumor, infection and deformity have been ruled out.")
    if f.diagnoses:
        s.append(
            "Diagnoses: "
            + "; ".join(f"{code} {icd_description(code)}" for code in f.diagnoses)
            + "."
        )
    return " ".join(s)


def _scores(f: rf.CaseFacts) -> str:
    c = f.clinical
    s = []
    if c.baseline_pain_score is not None or c.baseline_pain_scale:
        s.append(
            f"Baseline pain is {fmt_num(c.baseline_pain_score, 1)}/10 on the "
            f"{c.baseline_pain_scale or 'pain'} scale."
        )
    if c.function_score is not None or c.function_scale:
        s.append(
            f"Baseline function is {fmt_num(c.function_score, 1)} on the "
            f"{c.function_scale or 'function'} scale."
        )
    if c.functional_impairment:
        s.append(f"Functional limitation: {c.functional_impairment.rstrip('.')}.")
    return " ".join(s)


def _imaging(f: rf.CaseFacts) -> str:
    s = []
    for i in f.imaging:
        lv = f" of {', '.join(i.levels)}" if i.levels else ""
        date_txt = f" on {fmt_date(i.date)}" if i.date else ""
        found = (i.findings or "findings not stated").rstrip(".")
        s.append(f"{modality_word(i.modality)}{lv}{date_txt} showed: {found}.")
        if i.concordant:
            s.append(
                "These findings are concordant with the symptoms at the treated level."
            )
    return " ".join(s)


def _blocks_at(f: rf.CaseFacts, e: Evaluation, level: str) -> list[rf.PriorProcedure]:
    dos = f.procedure.date_of_service or max((r.date for r in f.history), default=None)
    rows = rows_at_level(f.history, level, FACET_BLOCKS)
    return [r for r in rows if dos is None or r.date <= dos]


def _block_list(rows: list[rf.PriorProcedure]) -> str:
    items = []
    for r in rows:
        relief = effective_relief(r)
        rel = f", {fmt_num(relief)}% relief" if relief is not None else ""
        name = PROCEDURE_NAMES.get(r.procedure, str(r.procedure))
        items.append(f"{fmt_date(r.date)} {name}{rel}")
    return join_words(items)


def _purpose(f: rf.CaseFacts, e: Evaluation, draft: bool) -> list[str]:
    """Why this procedure, now: the step it is in the diagnostic pathway."""
    p, c = f.procedure, f.clinical
    out: list[str] = []
    answered = {(o.code, o.level): o for o in e.outcomes if o.is_open}
    if p.type in FACET_BLOCKS and p.intent in (rf.Intent.DIAGNOSTIC, None):
        prior = {entry.level: entry.prior_count for entry in e.ledger}
        most = max(prior.values(), default=0)
        if most == 0:
            s = (
                "The purpose of this block is diagnostic: to identify the facet joints"
                " as the source of the pain."
            )
            if c.rfa_planned:
                s += (
                    " If it is positive, a confirmatory block and then radiofrequency"
                    " ablation are planned."
                )
            out.append(s)
        elif most == 1:
            level = next(lv for lv, n in prior.items() if n == 1)
            rows = _blocks_at(f, e, level)
            first = f": the first block ({_block_list(rows[:1])})" if rows else ""
            s = f"This is the confirmatory diagnostic block at {level}{first}."
            if c.rfa_planned:
                s += (
                    " If it confirms facet-mediated pain, radiofrequency ablation is"
                    " planned."
                )
            out.append(s)
        for level, count in prior.items():
            if count < 2:
                continue
            rows = _blocks_at(f, e, level)
            listed = f": {_block_list(rows)}" if rows else ""
            s = (
                f"The patient has had {count} prior diagnostic blocks at {level}"
                f"{listed}."
            )
            extra = _answer_for(answered, ("DVT-001", "DVT-003"), level, draft)
            out.append(" ".join(x for x in (s, extra) if x))
    elif p.type in FACET_BLOCKS and p.intent is rf.Intent.THERAPEUTIC:
        s = "The purpose of this injection is therapeutic."
        if c.rfa_contraindication:
            s += (
                " Radiofrequency ablation is not possible because:"
                f" {c.rfa_contraindication.rstrip('.')}."
            )
        out.append(s)
    elif p.type is rf.ProcedureType.RFA:
        first = p.intent is not rf.Intent.REPEAT
        s = f"This is {'an initial' if first else 'a repeat'} radiofrequency ablation."
        if first:
            # Levels blocked together share one sentence.
            by_blocks: dict[tuple[int, ...], list[str]] = {}
            rows_of: dict[tuple[int, ...], list[rf.PriorProcedure]] = {}
            for entry in e.ledger:
                rows = [
                    r
                    for r in _blocks_at(f, e, entry.level)
                    if r.procedure is rf.ProcedureType.MBB
                ]
                if rows:
                    key = tuple(id(r) for r in rows)
                    by_blocks.setdefault(key, []).append(entry.level)
                    rows_of[key] = rows
            for key, levels in by_blocks.items():
                s += (
                    f" Diagnostic medial branch blocks at {join_words(levels)}:"
                    f" {_block_list(rows_of[key])}."
                )
        out.append(s)
    elif p.type.is_esi:
        out.append(
            "The goal of the epidural steroid injection is to reduce radicular pain"
            " and improve function."
        )
    if c.changed_approach:
        out.append(
            "Change of approach since the previous injection:"
            f" {c.changed_approach.rstrip('.')}."
        )
    if c.continuation_rationale:
        out.append(
            f"Reason to continue treatment: {c.continuation_rationale.rstrip('.')}."
        )
    return out


def _answer_for(
    open_outcomes: dict[tuple[str, str | None], Outcome],
    codes: tuple[str, ...],
    level: str,
    draft: bool,
) -> str:
    for code in codes:
        o = open_outcomes.get((code, level))
        if o is not None:
            return _rationale_sentence(o, draft)
    return ""


def _rationale_sentence(o: Outcome, draft: bool) -> str:
    lead = LEADS.get(o.code, "").format(level=o.level or "the requested levels")
    if o.answered:
        text = o.rationale.text.strip()  # type: ignore[union-attr]
        text = text if text.endswith((".", "!", "?")) else text + "."
        if lead:
            return f"{lead} {_as_clause(text)}"
        return f"{o.criterion}: {text}"
    if not draft:
        return ""
    what = lead.removesuffix(" because") if lead else o.criterion
    return PLACEHOLDER.format(what=what[:1].lower() + what[1:])


def _as_clause(text: str) -> str:
    """Staff's sentence continued after "because": "Severe anxiety" -> "severe
    anxiety" (an acronym or a name such as "MRI" or "Dr" keeps its capital)."""
    if text[:1].isupper() and text[1:2].islower():
        return text[:1].lower() + text[1:]
    return text


def _rationales(e: Evaluation, draft: bool) -> list[str]:
    """The physician's rationale for each open criterion not covered above."""
    covered = {"DVT-001", "DVT-003", *SIGNATURE_STEP}
    return [
        s
        for o in e.outcomes
        if o.is_open and o.code not in covered
        for s in [_rationale_sentence(o, draft)]
        if s
    ]


def _technique(f: rf.CaseFacts) -> str:
    p = f.procedure
    s = []
    if p.guidance:
        contrast = ""
        if p.type.is_esi:
            contrast = " with contrast" if p.contrast else " without contrast"
            if p.contrast_contraindication:
                why = p.contrast_contraindication.rstrip(".")
                contrast += f" (contrast contraindication: {why})"
        guidance = GUIDANCE_WORDS.get(p.guidance, p.guidance)
        s.append(
            f"The procedure will be performed under {guidance} guidance{contrast}."
        )
    if p.injectate:
        s.append(f"Injectate: {p.injectate.rstrip('.')}.")
    if p.sedation.counts_as_sedation:
        why = (
            f" because {_as_clause(p.sedation_justification.rstrip('.'))}"
            if p.sedation_justification
            else ""
        )
        s.append(f"Planned sedation: {SEDATION_WORDS[p.sedation]}{why}.")
    else:
        s.append("No sedation is planned.")
    return " ".join(s)
