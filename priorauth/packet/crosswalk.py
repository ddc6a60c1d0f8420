"""The criteria cross-walk as the packet prints it: rows from the rules' outcomes.

Presentation only. The status of each criterion and its evidence sentence come
from ``rules.outcomes`` (``Evaluation.outcomes``); this module chooses the
words of the status column, adds the physician's rationale and numbers the rows
for the small key that maps them to rule IDs. Every row carries its outcome in
``data-`` attributes of the HTML (tests read them; the PDF does not show them).
"""

from __future__ import annotations

from dataclasses import dataclass

from priorauth.rules.criteria import SIGNATURE_STEP
from priorauth.rules.findings import Evaluation
from priorauth.rules.outcomes import Outcome, Status

from . import words


@dataclass(frozen=True)
class CrosswalkRow:
    number: int  # the row's reference number in the key
    code: str  # rule ID: the key and data attributes only
    level: str
    group: str
    criterion: str  # the policy's wording
    status: str  # the outcome's status value (data attribute)
    label: str  # what the status column says
    evidence: str  # what the request documents (or why not applicable)
    rationale: str  # the physician's clinical rationale, when given
    citation: str  # policy, section and revision

    @property
    def is_open(self) -> bool:
        return Status(self.status).is_open


def status_label(outcome: Outcome) -> str:
    if outcome.code in SIGNATURE_STEP and outcome.is_open:
        return words.AWAITING_SIGNATURE
    if outcome.status is Status.MET:
        return words.MET
    if outcome.status is Status.NOT_APPLICABLE:
        return words.NOT_APPLICABLE
    if outcome.answered:
        return words.RATIONALE
    if outcome.status is Status.NOT_DOCUMENTED:
        return words.NOT_DOCUMENTED
    return words.AWAITING


def citation_text(outcome: Outcome, policy_id: str) -> str:
    """Where the policy states the criterion. The section header names the policy
    (``policy_id``) and its revision once; a row repeats only what differs."""
    c = outcome.citation
    if c.policy_id == policy_id:
        return c.section or c.policy_id
    return f"{c.policy_id}, {c.section}" if c.section else c.policy_id


def crosswalk_rows(evaluation: Evaluation, policy_id: str = "") -> list[CrosswalkRow]:
    """One row per outcome, in the reviewer's order (the outcomes' own order)."""
    rows = []
    for number, o in enumerate(evaluation.outcomes, start=1):
        rows.append(
            CrosswalkRow(
                number=number,
                code=o.code,
                level=o.level or "",
                group=o.group,
                criterion=o.criterion,
                status=o.status.value,
                label=status_label(o),
                evidence=o.evidence,
                rationale=o.rationale.text.strip() if o.answered else "",
                citation=citation_text(o, policy_id),
            )
        )
    return rows

