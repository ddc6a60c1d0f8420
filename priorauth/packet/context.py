"""The packet's content as plain values for ``templates/pdf/packet.html``.

Input: the ``Evaluation`` of a request (its facts as evaluated, findings,
outcomes, code lines and ledger), the payer ``Policy`` and, for a signed render,
a ``SignatureInfo``. Nothing here touches the database, so ``render_request``
renders a JSON file with no database at all, and nothing here judges a criterion:
statuses and evidence come from the rules (``rules.outcomes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from priorauth.rules import facts as rf
from priorauth.rules.findings import Evaluation, LedgerEntry
from priorauth.rules.ledger import effective_relief
from priorauth.rules.levels import level_sort_key
from priorauth.rules.outcomes import family_of
from priorauth.rules.policy import Policy
from priorauth.rules.spine import spine_for_evaluation
from priorauth.rules.wording import (
    GUIDANCE_WORDS,
    INTENT_WORDS,
    POS_WORDS,
    PROCEDURE_NAMES,
    SEDATION_WORDS,
    SEX_WORDS,
    care_outcome_text,
    care_word,
    fmt_date,
    fmt_num,
    icd_description,
    levels_phrase,
    modality_word,
    months_between,
    procedure_phrase,
    response_rows,
    side_word,
)

from .compose import AttachmentPart
from .crosswalk import crosswalk_rows
from .letter import letter_paragraphs
from .spine_svg import spine_svg, spine_table
from .words import ATTESTATION, date_words, time_words

__all__ = [
    "ATTESTATION",
    "PracticeInfo",
    "SignatureInfo",
    "build_packet_context",
    "practice_info",
    "review_facts",
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
    # The practice's IANA zone: the packet prints the signing time in it, in words.
    time_zone: str = "UTC"

    @property
    def signed_at_iso(self) -> str:
        return (
            self.signed_at.astimezone(UTC)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z")
        )

    @property
    def signed_at_words(self) -> str:
        """ "1 December 2026, 6:09 PM PST": in the practice's zone."""
        return time_words(self.signed_at, self.time_zone or "UTC")

    @property
    def manifestation(self) -> str:
        return (
            f"Electronically signed by {self.printed_name}, {self.credentials}, NPI {self.npi}, "
            f"{self.signed_at_words}, meaning: {self.meaning}"
        )


@dataclass(frozen=True)
class PracticeInfo:
    name: str = ""
    phone: str = ""
    fax: str = ""
    address: str = ""
    contact_name: str = ""
    time_zone: str = "UTC"  # IANA name; the packet's times are printed in it


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
        "relief": f"{fmt_num(effective_relief(p))}%"
        if effective_relief(p) is not None
        else "not recorded",
        "duration": duration or "not recorded",
        "scale": p.scale or "not recorded",
    }


def block_rows(facts: rf.CaseFacts, evaluation: Evaluation) -> list[dict[str, str]]:
    """Every diagnostic block in the ledger with its response, oldest first."""
    rows = []
    for b in sorted(response_rows(facts), key=lambda r: r.date):
        relief = effective_relief(b)
        rows.append(
            {
                "date": fmt_date(b.date),
                "procedure": PROCEDURE_NAMES.get(b.procedure, str(b.procedure)),
                "levels": ", ".join(b.levels),
                "agent": b.agent,
                "scale": b.scale,
                "pre": fmt_num(b.pre_score, 1),
                "post": fmt_num(b.post_score, 1),
                "relief": f"{fmt_num(relief)}%" if relief is not None else "",
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
    attachments: Sequence[AttachmentPart] = (),
) -> dict[str, object]:
    """Everything ``templates/pdf/packet.html`` prints, as plain values.

    ``attachments``: the supporting documents, in order; the cover lists them and
    the packet ends with one stamped page per attachment page, which
    ``compose.compose_packet`` fills in.
    """
    generated_at = (generated_at or datetime.now(UTC)).astimezone(UTC)
    practice = practice or PracticeInfo()
    facts = (
        evaluation.facts or facts
    )  # one record per injection (rules.ledger.normalize)
    policy_id = policy.policy_id_for(
        state=facts.payer.state, family=family_of(facts), county=facts.payer.county
    )
    crosswalk = crosswalk_rows(evaluation, policy_id)
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
            "generated": time_words(generated_at, practice.time_zone or "UTC"),
            "date": date_words(
                generated_at.astimezone(ZoneInfo(practice.time_zone or "UTC"))
            ),
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
            "policy_id": policy_id,
            "revision": policy.revision_date,
        },
        "ordering": facts.ordering,
        "rendering": facts.rendering,
        "facility": facts.facility,
        "place_of_service": POS_WORDS.get(
            facts.facility.place_of_service, facts.facility.place_of_service
        ),
        "procedure": procedure_words(facts),
        "services": service_rows(facts, evaluation),
        "diagnoses": diagnosis_rows(facts),
        "letter": letter_paragraphs(facts, evaluation, policy, draft=signature is None),
        "clinical": clinical_summary(facts),
        "clinical_notes": clinical_notes,
        "conservative_care": care_rows(facts),
        "imaging": imaging_rows(facts),
        "spine": packet_spine(evaluation, generated_at),
        "level_histories": level_histories(facts, evaluation),
        "blocks": block_rows(facts, evaluation),
        "crosswalk": crosswalk,
        "attachments": [
            {
                "number": a.number,
                "kind": a.kind,
                "date": fmt_date(a.document_date),
                "pages": a.pages,
                "page_numbers": list(a.page_numbers),
            }
            for a in attachments
        ],
    }


def packet_spine(evaluation: Evaluation, generated_at: datetime) -> dict[str, object]:
    """The spine picture of section 5: the ledger up to the date of service, drawn by
    ``spine_svg`` (inline SVG, so WeasyPrint draws it as vectors at print resolution).
    The render time stands in for a missing date of service, as ``evaluate``'s today.
    """
    layout = spine_for_evaluation(evaluation, today=generated_at.date())
    return {
        "svg": spine_svg(
            layout,
            id_prefix="spine-packet",
            title="Injections by spinal level and side, requested levels outlined",
        ),
        "rows": spine_table(layout),
        "layout": layout,
    }


def procedure_words(facts: rf.CaseFacts) -> dict[str, str]:
    """The planned procedure, as printed."""
    p = facts.procedure
    return {
        "phrase": procedure_phrase(facts),
        "name": PROCEDURE_NAMES.get(p.type, str(p.type)),
        "intent": INTENT_WORDS.get(p.intent, "") if p.intent else "",
        "levels": levels_phrase(facts),
        "dos": fmt_date(p.date_of_service) or "to be scheduled",
        "guidance": GUIDANCE_WORDS.get(p.guidance, "") if p.guidance else "not stated",
        "contrast": "yes" if p.contrast else "no",
        "sedation": SEDATION_WORDS.get(p.sedation, str(p.sedation)),
        "sedation_justification": p.sedation_justification,
        "contrast_contraindication": p.contrast_contraindication,
        "rfa_technique": p.rfa_technique.value.replace("_", " ")
        if p.rfa_technique
        else "",
        "injectate": p.injectate,
    }


def diagnosis_rows(facts: rf.CaseFacts) -> list[dict[str, str]]:
    return [
        {"code": code, "description": icd_description(code)} for code in facts.diagnoses
    ]


def care_rows(facts: rf.CaseFacts) -> list[dict[str, str]]:
    return [
        {
            "kind": care_word(x.kind),
            "start": fmt_date(x.start),
            "end": fmt_date(x.end),
            "duration": _care_duration(x),
            "outcome": care_outcome_text(x) or "not recorded",
        }
        for x in facts.conservative_care
    ]


def imaging_rows(facts: rf.CaseFacts) -> list[dict[str, str]]:
    return [
        {
            "modality": modality_word(i.modality),
            "date": fmt_date(i.date) or "not recorded",
            "levels": ", ".join(i.levels),
            "findings": i.findings or "not recorded",
            "concordant": "yes" if i.concordant else "not stated",
        }
        for i in facts.imaging
    ]


def review_facts(evaluation: Evaluation) -> dict[str, object]:
    """The clinical facts the physician checks beside the draft on the sign page:
    the same words and figures the packet prints (procedure, levels with their prior
    injections, diagnoses, conservative care, imaging, clinical summary)."""
    facts = evaluation.facts
    if facts is None:
        return {}
    return {
        "procedure": procedure_words(facts),
        "level_histories": level_histories(facts, evaluation),
        "diagnoses": diagnosis_rows(facts),
        "conservative_care": care_rows(facts),
        "imaging": imaging_rows(facts),
        "clinical": clinical_summary(facts),
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
            for k in ("name", "phone", "fax", "address", "contact_name", "time_zone")
        }
    )
