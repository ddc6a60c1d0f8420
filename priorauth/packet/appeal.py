"""The appeal of a denial as plain values for ``templates/pdf/appeal.html``.

Two parts: a request for reconsideration that answers each reason the payer cited
with the documentation the request's evaluation gives for it (the same outcomes as
the packet's cross-walk, ``rules.appeals.answer_reasons``) and any documentation
added since the submission; then a one-page peer-to-peer sheet for the physician's
call with the plan's reviewer: the case in five lines, the criteria met with their
evidence, the questions a reviewer is likely to ask. Like the packet it prints no
rule IDs and no coaching, and it touches no database.
"""

from __future__ import annotations

from datetime import UTC, datetime

from priorauth.rules import facts as rf
from priorauth.rules.appeals import DenialFacts, answer_reasons, reviewer_questions
from priorauth.rules.criteria import NOTICES
from priorauth.rules.findings import Evaluation
from priorauth.rules.outcomes import Status, family_of
from priorauth.rules.policy import Policy
from priorauth.rules.wording import (
    care_item,
    fmt_date,
    fmt_num,
    levels_phrase,
    modality_word,
    months_between,
    procedure_phrase,
)

from .context import PracticeInfo, SignatureInfo, build_packet_context
from .words import APPEAL_ATTESTATION

__all__ = ["build_appeal_context", "case_lines"]

# How many met criteria the one-page sheet can hold.
SHEET_CRITERIA = 9


def case_lines(facts: rf.CaseFacts, evaluation: Evaluation) -> list[str]:
    """The case in five lines: who and what, how long and how bad, what was tried,
    what the imaging and blocks show, why this procedure now."""
    c, p = facts.clinical, facts.procedure
    lines = [
        f"{procedure_phrase(facts).capitalize()} at {levels_phrase(facts)}, "
        f"date of service {fmt_date(p.date_of_service) or 'to be scheduled'}.",
    ]
    pain = []
    if c.onset_date and p.date_of_service:
        months = fmt_num(months_between(c.onset_date, p.date_of_service))
        pain.append(f"pain for {months} months")
    if c.pain_pattern:
        pain.append(f"{c.pain_pattern.value} pattern")
    if c.baseline_pain_score is not None:
        pain.append(
            f"baseline {fmt_num(c.baseline_pain_score, 1)}/10"
            + (f" {c.baseline_pain_scale}" if c.baseline_pain_scale else "")
        )
    if c.function_score is not None:
        pain.append(f"{c.function_scale or 'function'} {fmt_num(c.function_score, 1)}")
    lines.append(
        ("; ".join(pain) or "Pain history as in the record").capitalize() + "."
    )
    care = [care_item(x) for x in facts.conservative_care]
    lines.append(
        "Conservative care: " + ("; ".join(care) if care else "see the record") + "."
    )
    evidence = []
    if facts.imaging:
        i = facts.imaging[0]
        evidence.append(
            f"{modality_word(i.modality)} {fmt_date(i.date)}"
            + (f": {i.findings}" if i.findings else "")
        )
    blocks = [b for b in (evaluation.facts or facts).history if b.pre_score is not None]
    if blocks:
        b = max(blocks, key=lambda x: x.date)
        if b.post_score is not None:
            evidence.append(
                f"last block {fmt_date(b.date)}: {fmt_num(b.pre_score, 1)} to "
                f"{fmt_num(b.post_score, 1)}"
            )
    lines.append(("; ".join(evidence) or "Imaging and blocks as in the record") + ".")
    lines.append(
        "Requested because the criteria of the policy are met as documented below"
        + ("; RF ablation is planned if positive." if c.rfa_planned else ".")
    )
    return lines[:5]


def build_appeal_context(
    *,
    facts: rf.CaseFacts,
    evaluation: Evaluation,
    policy: Policy,
    denial: DenialFacts,
    practice: PracticeInfo | None = None,
    signature: SignatureInfo | None = None,
    request_id: int | None = None,
    revision: int = 1,
    generated_at: datetime | None = None,
) -> dict[str, object]:
    """Everything ``templates/pdf/appeal.html`` prints, as plain values."""
    generated_at = (generated_at or datetime.now(UTC)).astimezone(UTC)
    base = build_packet_context(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        practice=practice,
        signature=signature,
        request_id=request_id,
        revision=revision,
        generated_at=generated_at,
    )
    answers = answer_reasons(evaluation.outcomes, denial.cited)
    met = [
        o
        for o in evaluation.outcomes
        if o.status is Status.MET
        and o.code not in NOTICES
        and o.group != "Documentation and request"
    ]
    cited_groups = tuple(dict.fromkeys(a.group for a in answers if a.group))
    ref = base["meta"]["reference"]  # type: ignore[index]
    phrase = base["procedure"]["phrase"]  # type: ignore[index]
    return {
        **base,
        "meta": {
            **base["meta"],  # type: ignore[dict-item]
            "title": f"Request for reconsideration: {phrase}",
            "subject": "Request for reconsideration and peer-to-peer summary "
            f"({policy.name}); {ref}",
        },
        "denial": {
            "date": fmt_date(denial.decided_on),
            "channel": denial.channel,
            "reason_code": denial.reason_code,
            "reason_text": denial.reason_text,
            "reference": denial.payer_reference,
            "deadline": fmt_date(denial.appeal_deadline),
        },
        "attestation": signature.meaning if signature else APPEAL_ATTESTATION,
        "answers": answers,
        "new_evidence": list(denial.new_evidence),
        "physician_statement": denial.physician_statement,
        "case": case_lines(facts, evaluation),
        "met": [
            {"criterion": o.criterion, "level": o.level or "", "evidence": o.evidence}
            for o in met[:SHEET_CRITERIA]
        ],
        "met_more": max(0, len(met) - SHEET_CRITERIA),
        "questions": reviewer_questions(
            family=family_of(facts), cited_groups=cited_groups
        ),
    }
