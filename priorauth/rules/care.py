"""Conservative-care outcomes: the choice list, and reading old free text into it.

Before December 2026 the outcome was free text matched by keywords. The same
keywords now read legacy text (the data migration, and JSON files that still send
text) into a ``CareOutcome``; text that names no outcome, or names several, is
left for staff to confirm (``ambiguous``), never silently changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import CareOutcome

# Plain words for staff and the packet.
OUTCOME_WORDS: dict[CareOutcome, str] = {
    CareOutcome.FAILED: "failed",
    CareOutcome.PARTIAL: "partial relief, not enough",
    CareOutcome.NOT_TOLERATED: "not tolerated",
    CareOutcome.CONTRAINDICATED: "contraindicated",
    CareOutcome.ONGOING: "ongoing",
    CareOutcome.IMPROVED: "improved",
}

# Exact words (after lower-casing and trimming) that name one outcome.
_EXACT: dict[str, CareOutcome] = {
    **{o.value: o for o in CareOutcome},
    **{w: o for o, w in OUTCOME_WORDS.items()},
    "intolerant": CareOutcome.NOT_TOLERATED,
    "intolerance": CareOutcome.NOT_TOLERATED,
    "not tolerated": CareOutcome.NOT_TOLERATED,
    "partial": CareOutcome.PARTIAL,
    "partial relief": CareOutcome.PARTIAL,
    "no relief": CareOutcome.FAILED,
    "ineffective": CareOutcome.FAILED,
    "not effective": CareOutcome.FAILED,
    "inadequate": CareOutcome.FAILED,
    "inadequate relief": CareOutcome.FAILED,
    "in progress": CareOutcome.ONGOING,
    "improving": CareOutcome.IMPROVED,
    "resolved": CareOutcome.IMPROVED,
}

# The keyword logic the rules used on free text until December 2026 (is_failed),
# split by which outcome each keyword names.
_KEYWORDS: tuple[tuple[str, CareOutcome], ...] = (
    ("fail", CareOutcome.FAILED),
    ("no relief", CareOutcome.FAILED),
    ("not effective", CareOutcome.FAILED),
    ("ineffective", CareOutcome.FAILED),
    ("inadequate", CareOutcome.FAILED),
    ("intoler", CareOutcome.NOT_TOLERATED),
    ("partial", CareOutcome.PARTIAL),
)


@dataclass(frozen=True)
class ReadOutcome:
    outcome: CareOutcome | None
    note: str  # the text, kept whenever it says more than the outcome's own word
    ambiguous: bool  # staff must confirm: no outcome found, or more than one


def outcome_from_text(text: str) -> ReadOutcome:
    """Read a legacy free-text outcome with the old keyword logic.

    An exact outcome word ("failed", "intolerant", "partial relief") maps with no
    note. Otherwise the old keywords decide: one outcome named -> that outcome,
    the text kept as the note; several -> the first (all of them counted as
    failed before), marked ambiguous; none -> no outcome, the text kept, marked
    ambiguous. Empty text -> no outcome, not ambiguous.
    """
    raw = (text or "").strip()
    key = re.sub(r"\s+", " ", raw.lower()).strip(" .;")
    if not key:
        return ReadOutcome(None, "", False)
    if key in _EXACT:
        return ReadOutcome(_EXACT[key], "", False)
    named = [o for o in dict.fromkeys(o for word, o in _KEYWORDS if word in key)]
    if len(named) == 1:
        return ReadOutcome(named[0], raw, False)
    if named:
        # Several outcomes, each of which the old logic counted as failed ("partial
        # relief, then failed"): the rules keep counting it, staff confirm which.
        return ReadOutcome(named[0], raw, True)
    return ReadOutcome(None, raw, True)
