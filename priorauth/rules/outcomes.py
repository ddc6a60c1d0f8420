"""Outcomes: each criterion of the payer's policy, evaluated once.

For every criterion of the profile that applies to the request, one outcome
(per level where a finding names one): met (with the sentence that meets it),
gap (documented but short of it), not documented, or not applicable (with the
reason). The findings are exactly the outcomes that are not met; the findings
panel and the packet's cross-walk both render these objects, and nothing else
derives a status or writes an evidence sentence.

A physician's answer to an open outcome (a clinical rationale for a warning, or
the reason to proceed despite a blocker) travels with it (``Outcome.rationale``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from . import facts as rf
from .criteria import (
    CRITERIA,
    ENTRY_CHECKS,
    GROUP_ORDER,
    NOTICES,
    Criterion,
    criterion_text,
)
from .facts import Rationale
from .findings import Citation, Evaluation, Finding, Severity
from .levels import level_sort_key
from .policy import Policy


class Status(enum.StrEnum):
    MET = "met"
    GAP = "gap"  # documented, but short of the criterion
    NOT_DOCUMENTED = "not_documented"  # the fact it needs is missing
    NOT_APPLICABLE = "not_applicable"  # its condition does not arise here

    @property
    def is_open(self) -> bool:
        """Not met: a finding stands behind it."""
        return self in (Status.GAP, Status.NOT_DOCUMENTED)


class Kind(enum.StrEnum):
    CRITERION = "criterion"  # a criterion of the payer's policy: the reviewer reads it
    NOTICE = "notice"  # where and whether to request: for staff only
    ENTRY = "entry"  # a typing mistake in the ledger: for staff only


def kind_of(code: str) -> Kind:
    if code in NOTICES:
        return Kind.NOTICE
    if code in ENTRY_CHECKS:
        return Kind.ENTRY
    return Kind.CRITERION


@dataclass(frozen=True)
class Outcome:
    code: str  # the rule ID (printed only in the packet's small key)
    status: Status
    criterion: str  # the policy's wording
    citation: Citation
    group: str
    evidence: str = ""  # met/gap: what the request documents; n/a: the reason
    level: str | None = None
    findings: tuple[Finding, ...] = ()
    rationale: Rationale | None = None

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def severity(self) -> Severity | None:
        """The worst severity among its findings (None when met or not applicable)."""
        return min(
            (f.severity for f in self.findings), key=lambda s: s.rank, default=None
        )

    @property
    def answered(self) -> bool:
        return self.rationale is not None and bool(self.rationale.text.strip())

    @property
    def detail(self) -> str:
        """The figures behind the findings (for staff), e.g. "prior blocks: 2"."""
        return "; ".join(dict.fromkeys(f.detail for f in self.findings if f.detail))


# Evidence for a met criterion whose evidence function finds nothing to quote:
# the plain statement of what the request shows.
QUIET = {
    "ESI-015": "No biologic, PRP, stem-cell or amniotic injectate in this request",
    "FAC-025": "No other block type planned on the same date",
    "ESI-016": "No other block type planned on the same date",
    "FAC-028": "No block was scored on a scale other than the baseline scale",
}
GENERIC_MET = "Nothing in this request falls outside this criterion"
NO_LEVELS = "No valid spinal level in this request"


def family_of(facts: rf.CaseFacts) -> str:
    return "esi" if facts.procedure.type.is_esi else "facet"


def citation_for(
    policy: Policy, code: str, facts: rf.CaseFacts, c: Criterion | None
) -> Citation:
    family = (c.family if c else "") or family_of(facts)
    base = policy.citation(
        code, state=facts.payer.state, family=family, county=facts.payer.county
    )
    section = c.section if c and policy.uses_medicare_lcd else ""
    return Citation(base.policy_id, base.revision, base.source, section)


def _by_level(findings: Iterable[Finding]) -> dict[str | None, list[Finding]]:
    out: dict[str | None, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.level, []).append(f)
    return dict(
        sorted(out.items(), key=lambda kv: level_sort_key(kv[0]) if kv[0] else -1)
    )


def build_outcomes(
    facts: rf.CaseFacts,
    evaluation: Evaluation,
    policy: Policy,
    rationales: Iterable[Rationale] = (),
) -> tuple[Outcome, ...]:
    """One outcome per applicable criterion (per level where findings name levels).

    ``evaluation`` holds the findings, code lines and ledger of this request.
    Criteria are listed in the reviewer's order (``criteria.GROUP_ORDER``, then
    the table's order); notices and entry checks are not criteria and get none.
    """
    answers = {(r.code, r.level): r for r in rationales}
    fired: dict[str, list[Finding]] = {}
    for finding in evaluation.findings:
        if kind_of(finding.code) is Kind.CRITERION:
            fired.setdefault(finding.code, []).append(finding)
    out: list[Outcome] = []
    for c in CRITERIA:
        findings = fired.pop(c.code, [])
        if not findings and not (policy.enabled(c.code) and c.applies(facts)):
            continue
        text = criterion_text(c, policy)
        citation = citation_for(policy, c.code, facts, c)
        if findings:
            evidence = c.evidence(facts, evaluation) or ""
            status = Status.GAP if evidence else Status.NOT_DOCUMENTED
            for level, group in _by_level(findings).items():
                out.append(
                    Outcome(
                        c.code,
                        status,
                        text,
                        citation,
                        c.group,
                        evidence,
                        level,
                        tuple(group),
                        answers.get((c.code, level)),
                    )
                )
        elif c.when is not None and not c.when(facts, policy, evaluation):
            reason = c.na(facts, evaluation) if callable(c.na) else c.na
            out.append(
                Outcome(c.code, Status.NOT_APPLICABLE, text, citation, c.group, reason)
            )
        else:
            evidence = c.evidence(facts, evaluation)
            if evidence is None and not evaluation.ledger:
                # Nothing to weigh the criterion against: no valid level requested
                # (the request line itself is then a finding, PKT-003).
                out.append(
                    Outcome(
                        c.code,
                        Status.NOT_APPLICABLE,
                        text,
                        citation,
                        c.group,
                        NO_LEVELS,
                    )
                )
                continue
            evidence = evidence or QUIET.get(c.code, GENERIC_MET)
            out.append(Outcome(c.code, Status.MET, text, citation, c.group, evidence))
    for code, findings in fired.items():  # a criterion missing from the table
        for level, group in _by_level(findings).items():
            out.append(
                Outcome(
                    code,
                    Status.NOT_DOCUMENTED,
                    "Payer policy criterion",
                    group[0].citation,
                    "Clinical criteria",
                    "",
                    level,
                    tuple(group),
                    answers.get((code, level)),
                )
            )
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    return tuple(sorted(out, key=lambda o: order.get(o.group, len(order))))


__all__ = [
    "Kind",
    "Outcome",
    "Rationale",
    "Status",
    "build_outcomes",
    "family_of",
    "kind_of",
]
