"""Build the context of the insurer-ready packet from plain data.

Input: the request as ``CaseFacts``, the engine's ``Evaluation``, the payer
``Policy`` and, for a signed render, a ``SignatureInfo``. Output: a dict of
plain values for ``templates/pdf/packet.html``. Nothing here touches the
database, so ``render_request`` can render a JSON file with no DB at all.

The letter of medical necessity is generated from the facts: a sentence is
written only when the fact behind it is documented (no invented findings);
missing facts show in the criteria cross-walk as "Not documented"
(``priorauth.packet_crosswalk``). Words and formatting: ``priorauth.packet_text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from priorauth.packet_crosswalk import (
    BLOCKS,
    DIAG,
    THER,
    build_crosswalk,
    family_of,
)
from priorauth.packet_text import (
    ATTESTATION,
    GUIDANCE_WORDS,
    INTENT_WORDS,
    POS_WORDS,
    PROCEDURE_NAMES,
    SEDATION_WORDS,
    SEX_WORDS,
    STATUS_LABELS,
    care_item,
    care_outcome_text,
    care_word,
    computed_relief,
    fmt_date,
    fmt_num,
    history_item,
    icd_description,
    join_words,
    levels_phrase,
    modality_word,
    months_between,
    procedure_phrase,
    response_rows,
    region_word,
    side_word,
)
from priorauth.rules import facts as rf
from priorauth.rules.findings import (
    Evaluation,
    LedgerEntry,
)
from priorauth.rules.levels import level_sort_key
from priorauth.rules.policy import Policy

__all__ = [
    "ATTESTATION",
    "PracticeInfo",
    "SignatureInfo",
    "build_crosswalk",
    "build_packet_context",
    "practice_info",
]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class SignatureInfo:
    """What the physician's signature records; printed in the signature block."""

    printed_name: str
    credentials: str
    npi: str
    signed_at: datetime  # aware, UTC
    meaning: str = ATTESTATION

    @property
    def signed_at_iso(self) -> str:
        return (
            self.signed_at.astimezone(UTC)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z")
        )

    @property
    def manifestation(self) -> str:
        return (
            f"Electronically signed by {self.printed_name}, {self.credentials}, NPI {self.npi}, "
            f"{self.signed_at_iso}, meaning: {self.meaning}"
        )


@dataclass(frozen=True)
class PracticeInfo:
    name: str = ""
    phone: str = ""
    fax: str = ""
    address: str = ""
    contact_name: str = ""


# --------------------------------------------------------------------------- letter


def letter_paragraphs(
    facts: rf.CaseFacts, evaluation: Evaluation, policy: Policy
) -> list[str]:
    """Plain clinical prose, one sentence per documented fact."""
    f, c, p = facts, facts.clinical, facts.procedure
    out: list[str] = []
    cpts = ", ".join(dict.fromkeys(line.cpt for line in evaluation.code_lines))
    where = f" at {f.facility.name}" if f.facility.name else ""
    when = f" on {fmt_date(p.date_of_service)}" if p.date_of_service else ""
    phrase = procedure_phrase(f)
    article = "an" if phrase[:1].lower() in "aeiou" else "a"
    out.append(
        f"I am requesting prior authorization of {article} {phrase} at {levels_phrase(f)}"
        f"{' (CPT ' + cpts + ')' if cpts else ''}{when}{where} for my patient, {f.patient.name or 'name not stated'}."
    )

    s = []
    pattern = c.pain_pattern.value if c.pain_pattern else ""
    if c.onset_date:
        dur = ""
        if p.date_of_service:
            dur = f", {fmt_num(months_between(c.onset_date, p.date_of_service), 1)} months before the planned date of service"
        s.append(
            f"The patient has had {pattern + ' ' if pattern else ''}{region_word(f)} pain since {fmt_date(c.onset_date)}{dur}."
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
    if f.diagnoses:
        s.append(
            "Diagnoses: "
            + "; ".join(f"{code} {icd_description(code)}" for code in f.diagnoses)
            + "."
        )
    if s:
        out.append(" ".join(s))

    s = []
    if c.baseline_pain_score is not None or c.baseline_pain_scale:
        s.append(
            f"Baseline pain is {fmt_num(c.baseline_pain_score, 1)}/10 on the {c.baseline_pain_scale or 'pain'} scale."
        )
    if c.function_score is not None or c.function_scale:
        s.append(
            f"Baseline function is {fmt_num(c.function_score, 1)} on the {c.function_scale or 'function'} scale."
        )
    if c.functional_impairment:
        s.append(f"Functional limitation: {c.functional_impairment.rstrip('.')}.")
    if s:
        out.append(" ".join(s))

    s = []
    for i in f.imaging:
        lv = f" of {', '.join(i.levels)}" if i.levels else ""
        date_txt = f" on {fmt_date(i.date)}" if i.date else ""
        s.append(
            f"{modality_word(i.modality)}{lv}{date_txt} showed: {(i.findings or 'findings not stated').rstrip('.')}."
        )
        if i.concordant:
            s.append(
                "These findings are concordant with the symptoms at the treated level."
            )
    if s:
        out.append(" ".join(s))

    if f.conservative_care:
        out.append(
            "Conservative care: "
            + "; ".join(care_item(x) for x in f.conservative_care)
            + "."
        )

    s = []
    if f.history:
        s.append(
            "Prior interventional procedures: "
            + "; ".join(
                history_item(x) for x in sorted(f.history, key=lambda x: x.date)
            )
            + "."
        )
    if s:
        out.append(" ".join(s))

    s = [_plan_sentence(f)]
    if c.rfa_contraindication:
        s.append(
            f"Radiofrequency ablation is not possible because: {c.rfa_contraindication.rstrip('.')}."
        )
    if c.changed_approach:
        s.append(
            f"Change of approach since the previous injection: {c.changed_approach.rstrip('.')}."
        )
    if c.continuation_rationale:
        s.append(
            f"Reason to continue treatment: {c.continuation_rationale.rstrip('.')}."
        )
    out.append(" ".join(x for x in s if x))

    s = []
    if p.guidance:
        contrast = ""
        if p.type.is_esi:
            contrast = " with contrast" if p.contrast else " without contrast"
            if p.contrast_contraindication:
                contrast += f" (contrast contraindication: {p.contrast_contraindication.rstrip('.')})"
        s.append(
            f"The procedure will be performed under {GUIDANCE_WORDS.get(p.guidance, p.guidance)} guidance{contrast}."
        )
    if p.injectate:
        s.append(f"Injectate: {p.injectate.rstrip('.')}.")
    if p.sedation.counts_as_sedation:
        why = (
            f" because {p.sedation_justification.rstrip('.')}"
            if p.sedation_justification
            else ""
        )
        s.append(f"Planned sedation: {SEDATION_WORDS[p.sedation]}{why}.")
    else:
        s.append("No sedation is planned.")
    if c.other_causes_excluded:
        s.append("Fracture, tumor, infection and deformity have been ruled out.")
    out.append(" ".join(s))

    out.append(
        f"The criteria cross-walk in this packet maps each criterion of {policy.name} "
        f"({policy.policy_id_for(state=f.payer.state, family=family_of(f), county=f.payer.county)}) to the documentation. Based on the history, examination, imaging and "
        "response to prior treatment, I consider this procedure medically necessary for this patient."
    )
    return out


def _plan_sentence(f: rf.CaseFacts) -> str:
    p, c = f.procedure, f.clinical
    if p.type in BLOCKS and p.intent == DIAG:
        plan = (
            " If the blocks confirm facet-mediated pain, radiofrequency ablation is planned."
            if c.rfa_planned
            else ""
        )
        return (
            "The purpose of this block is diagnostic: to confirm the facet joints as the source of the pain."
            + plan
        )
    if p.type in BLOCKS and p.intent == THER:
        return "The purpose of this injection is therapeutic."
    if p.type is rf.ProcedureType.RFA:
        first = "an initial" if p.intent == rf.Intent.FIRST else "a repeat"
        return f"This is {first} radiofrequency ablation after positive diagnostic medial branch blocks."
    if p.type.is_esi:
        return "The goal of the epidural steroid injection is to reduce radicular pain and improve function."
    return ""


# --------------------------------------------------------------------------- tables


@dataclass
class LevelHistory:
    level: str
    side: str
    ledger: LedgerEntry | None
    rows: list[dict[str, str]] = field(default_factory=list)


def level_histories(facts: rf.CaseFacts, evaluation: Evaluation) -> list[LevelHistory]:
    ledger = {e.level: e for e in evaluation.ledger}
    out = []
    for lv in sorted(facts.levels, key=lambda x: level_sort_key(x.level)):
        rows = [
            history_row(p)
            for p in sorted(facts.history, key=lambda p: p.date)
            if lv.level in p.levels
        ]
        out.append(
            LevelHistory(lv.level, side_word(lv.side), ledger.get(lv.level), rows)
        )
    return out


def history_row(p: rf.PriorProcedure) -> dict[str, str]:
    if p.relief_duration_days is not None:
        duration = f"{fmt_num(p.relief_duration_days, 1)} days"
    elif p.relief_duration_hours is not None:
        duration = f"{fmt_num(p.relief_duration_hours, 1)} hours"
    else:
        duration = ""
    return {
        "date": fmt_date(p.date),
        "procedure": PROCEDURE_NAMES.get(p.procedure, str(p.procedure)),
        "intent": INTENT_WORDS.get(p.intent, "") if p.intent else "",
        "levels": ", ".join(p.levels),
        "side": side_word(p.side),
        "agent": p.agent,
        "relief": f"{fmt_num(p.relief_percent)}%"
        if p.relief_percent is not None
        else "not recorded",
        "duration": duration or "not recorded",
        "scale": p.scale or "not recorded",
    }


def block_rows(facts: rf.CaseFacts, evaluation: Evaluation) -> list[dict[str, str]]:
    """Every block response in the ledger: one row per injection with a response."""
    rows = []
    for b in sorted(response_rows(facts), key=lambda r: r.date):
        computed = computed_relief(b)
        rows.append(
            {
                "date": fmt_date(b.date),
                "procedure": PROCEDURE_NAMES.get(b.procedure, str(b.procedure)),
                "levels": ", ".join(b.levels),
                "agent": b.agent,
                "scale": b.scale,
                "pre": fmt_num(b.pre_score, 1),
                "post": fmt_num(b.post_score, 1),
                "recorded": f"{fmt_num(b.relief_percent)}%"
                if b.relief_percent is not None
                else "",
                "computed": f"{fmt_num(computed)}%" if computed is not None else "",
                "duration": f"{fmt_num(b.relief_duration_hours, 1)} h"
                if b.relief_duration_hours is not None
                else "not recorded",
            }
        )
    return rows


def service_rows(facts: rf.CaseFacts, evaluation: Evaluation) -> list[dict[str, str]]:
    dx = ", ".join(facts.diagnoses)
    return [
        {
            "cpt": f"{'+' if line.add_on else ''}{line.cpt}",
            "description": line.description,
            "modifiers": " ".join(line.modifiers) or "none",
            "code": f"{'+' if line.add_on else ''}{line.cpt}"
            + "".join(f"-{m}" for m in line.modifiers),
            "units": str(line.units),
            "levels": ", ".join(line.levels),
            "side": line.side,
            "icd10": dx,
            "dos": fmt_date(facts.procedure.date_of_service) or "to be scheduled",
        }
        for line in evaluation.code_lines
    ]


# --------------------------------------------------------------------------- context


def build_packet_context(
    *,
    facts: rf.CaseFacts,
    evaluation: Evaluation,
    policy: Policy,
    practice: PracticeInfo | None = None,
    signature: SignatureInfo | None = None,
    request_id: int | None = None,
    revision: int = 1,
    generated_at: datetime | None = None,
    clinical_notes: str = "",
) -> dict[str, object]:
    """Everything ``templates/pdf/packet.html`` prints, as plain values."""
    generated_at = (generated_at or datetime.now(UTC)).astimezone(UTC)
    practice = practice or PracticeInfo()
    facts = evaluation.facts or facts  # one record per injection (rules.ledger.normalize)
    crosswalk = build_crosswalk(facts, evaluation, policy)
    counts = {
        key: sum(1 for r in crosswalk if r.status == key) for key in STATUS_LABELS
    }
    title_proc = procedure_phrase(facts)
    ref = (
        f"Request {request_id}, revision {revision}"
        if request_id
        else f"Revision {revision}"
    )
    return {
        "draft": signature is None,
        "signature": signature,
        "attestation": signature.meaning if signature else ATTESTATION,
        "meta": {
            "title": f"Prior authorization request: {title_proc}",
            "author": facts.rendering.name or practice.name or "priorauth",
            "subject": f"Letter of medical necessity and criteria cross-walk ({policy.name}); {ref}",
            "reference": ref,
            "generated": generated_at.strftime("%m/%d/%Y %H:%M UTC"),
        },
        "practice": practice,
        "patient": {
            "name": facts.patient.name,
            "dob": fmt_date(facts.patient.dob),
            "sex": SEX_WORDS.get(facts.patient.sex, facts.patient.sex),
            "member_id": facts.patient.member_id,
        },
        "payer": {
            "name": policy.name,
            "plan": facts.payer.plan_name,
            "state": facts.payer.state,
            "county": facts.payer.county,
            "policy_id": policy.policy_id_for(
                state=facts.payer.state,
                family=family_of(facts),
                county=facts.payer.county,
            ),
            "revision": policy.revision_date,
        },
        "ordering": facts.ordering,
        "rendering": facts.rendering,
        "facility": facts.facility,
        "place_of_service": POS_WORDS.get(
            facts.facility.place_of_service, facts.facility.place_of_service
        ),
        "procedure": {
            "phrase": title_proc,
            "name": PROCEDURE_NAMES.get(
                facts.procedure.type, str(facts.procedure.type)
            ),
            "intent": INTENT_WORDS.get(facts.procedure.intent, "")
            if facts.procedure.intent
            else "",
            "levels": levels_phrase(facts),
            "dos": fmt_date(facts.procedure.date_of_service) or "to be scheduled",
            "guidance": GUIDANCE_WORDS.get(facts.procedure.guidance, "")
            if facts.procedure.guidance
            else "not stated",
            "contrast": "yes" if facts.procedure.contrast else "no",
            "sedation": SEDATION_WORDS.get(
                facts.procedure.sedation, str(facts.procedure.sedation)
            ),
            "sedation_justification": facts.procedure.sedation_justification,
            "contrast_contraindication": facts.procedure.contrast_contraindication,
            "rfa_technique": facts.procedure.rfa_technique.value.replace("_", " ")
            if facts.procedure.rfa_technique
            else "",
            "injectate": facts.procedure.injectate,
        },
        "services": service_rows(facts, evaluation),
        "diagnoses": [
            {"code": code, "description": icd_description(code)}
            for code in facts.diagnoses
        ],
        "letter": letter_paragraphs(facts, evaluation, policy),
        "clinical": clinical_summary(facts),
        "clinical_notes": clinical_notes,
        "conservative_care": [
            {
                "kind": care_word(x.kind),
                "start": fmt_date(x.start),
                "end": fmt_date(x.end),
                "duration": _care_duration(x),
                "outcome": care_outcome_text(x) or "not recorded",
            }
            for x in facts.conservative_care
        ],
        "imaging": [
            {
                "modality": modality_word(i.modality),
                "date": fmt_date(i.date) or "not recorded",
                "levels": ", ".join(i.levels),
                "findings": i.findings or "not recorded",
                "concordant": "yes" if i.concordant else "not stated",
            }
            for i in facts.imaging
        ],
        "level_histories": level_histories(facts, evaluation),
        "blocks": block_rows(facts, evaluation),
        "crosswalk": crosswalk,
        "crosswalk_counts": counts,
        "findings": sorted(
            evaluation.findings, key=lambda x: (x.severity.rank, x.code)
        ),
    }


def _care_duration(x: rf.ConservativeCare) -> str:
    if x.start and x.end:
        return f"{fmt_num((x.end - x.start).days / 7)} weeks"
    if x.duration_weeks is not None:
        return f"{fmt_num(x.duration_weeks, 1)} weeks"
    return "not recorded"


def clinical_summary(facts: rf.CaseFacts) -> list[tuple[str, str]]:
    """Label/value rows for the clinical summary table."""
    c, p = facts.clinical, facts.procedure
    onset = "not documented"
    if c.onset_date:
        onset = fmt_date(c.onset_date)
        if p.date_of_service:
            onset += f" ({fmt_num(months_between(c.onset_date, p.date_of_service), 1)} months before the date of service)"
    yes = {True: "yes", False: "no"}
    rows = [
        ("Pain onset and duration", onset),
        ("Pain pattern", c.pain_pattern.value if c.pain_pattern else "not documented"),
        ("Radiculopathy", yes[c.radiculopathy]),
        ("Neurogenic claudication", yes[c.neurogenic_claudication]),
        (
            "Baseline pain",
            f"{fmt_num(c.baseline_pain_score, 1)}/10 ({c.baseline_pain_scale})"
            if c.baseline_pain_score is not None
            else "not documented",
        ),
        (
            "Baseline function",
            f"{fmt_num(c.function_score, 1)} ({c.function_scale})"
            if c.function_score is not None
            else "not documented",
        ),
        ("Functional limitation", c.functional_impairment or "not documented"),
        (
            "Fracture, tumor, infection, deformity ruled out",
            yes[c.other_causes_excluded],
        ),
        ("Fusion at a requested level", yes[c.fusion_at_level]),
        ("Facet synovial cyst", yes[c.facet_cyst]),
    ]
    if c.post_laminectomy:
        rows.append(("Post-laminectomy syndrome", "yes"))
    if c.acute_zoster:
        rows.append(("Acute herpes zoster", "yes"))
    if p.type.is_facet_family:
        rows.append(("RF ablation planned if blocks positive", yes[c.rfa_planned]))
    if c.rfa_contraindication:
        rows.append(("Why RFA is not possible", c.rfa_contraindication))
    if c.changed_approach:
        rows.append(("Change of approach", c.changed_approach))
    if c.continuation_rationale:
        rows.append(("Reason to continue", c.continuation_rationale))
    return rows


def practice_info(obj: object | None) -> PracticeInfo:
    """From a Practice model instance (duck-typed so this module stays DB-free)."""
    if obj is None:
        return PracticeInfo()
    return PracticeInfo(
        **{
            k: getattr(obj, k, "") or ""
            for k in ("name", "phone", "fax", "address", "contact_name")
        }
    )
