"""What the engine returns: findings, derived billing lines and the per-level ledger."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .facts import CaseFacts
    from .outcomes import Outcome


class Severity(enum.StrEnum):
    BLOCKER = "blocker"  # the request will be denied as written
    WARNING = "warning"  # likely denial or a documentation gap
    INFO = "info"  # context for the user

    @property
    def rank(self) -> int:
        return {"blocker": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Citation:
    policy_id: str  # e.g. "LCD L38803 / A58405" or "Aetna CPB 0016"
    revision: str = ""  # revision/effective date of the payer profile version
    source: str = ""  # spec source keys, e.g. "[S3]"
    section: str = (
        ""  # where the LCD/article states it, e.g. "Documentation Requirements"
    )

    def __str__(self) -> str:
        rev = f" (rev. {self.revision})" if self.revision else ""
        return f"{self.policy_id}{rev}"

    @property
    def full(self) -> str:
        """Policy, section and revision: "LCD L38803 / A58405, Limitations (rev. ...)"."""
        section = f", {self.section}" if self.section else ""
        rev = f" (rev. {self.revision})" if self.revision else ""
        return f"{self.policy_id}{section}{rev}"


@dataclass(frozen=True)
class Finding:
    code: str  # stable rule ID from payer-rules.md section 7, e.g. "FAC-006"
    severity: Severity
    message: str  # plain words: what to do
    citation: Citation
    level: str | None = None  # the level it concerns, None for the whole request
    field: str = ""  # dotted path of the fact that fixes it, e.g. "clinical.onset_date"
    detail: str = ""  # the figures behind it: "prior relief 79 % (needs 80 %)"
    # The number a headline counts from, where one matters: e.g. prior blocks at the
    # level in the window (DVT-001), so "the 3rd block" is not parsed out of words.
    count: int | None = None


@dataclass(frozen=True)
class CodeLine:
    """One requested-service line derived from procedure, region, levels, sides."""

    cpt: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    levels: tuple[str, ...] = ()
    side: str = ""
    add_on: bool = False
    description: str = ""


@dataclass(frozen=True)
class LedgerEntry:
    """Per requested level: what the history says and what remains."""

    level: str
    region: str
    prior_count: int  # the count the engine uses (max of history and typed)
    history_count: int  # dated rows in the history at this level
    typed_count: int | None
    last_date: date | None
    sessions_used_12m: (
        int  # sessions of this procedure family in the region, incl. this one
    )
    session_limit: int | None
    next_eligible_date: date | None
    note: str = ""  # e.g. "count from typed value only: no dated history"


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...] = ()
    code_lines: tuple[CodeLine, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()
    region: str | None = None
    # The facts as evaluated (``ledger.normalize``: block responses merged into the
    # history); what the packet prints, so it shows what the rules saw.
    facts: CaseFacts | None = None
    # Each applicable criterion's outcome (``rules.outcomes``); the findings of
    # criteria are exactly the open outcomes.
    outcomes: tuple[Outcome, ...] = ()

    @property
    def blockers(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKER)
