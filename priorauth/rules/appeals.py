"""After a denial: the appeal deadline per payer type, and the denial as facts.

Pure Python. The filing window is data: the payer profile's ``appeals`` section
(``fixtures/payer_profiles.json``), e.g. ``{"level": "reconsideration", "days": 65,
"from": "notice", "receipt_days": 0, "evidence": "SECONDARY", "source": ...,
"note": ...}``. A profile stored before that section existed falls back to
``DEFAULT_WINDOWS`` by payer kind (the same figures). The deadline printed on the
payer's letter, when staff enter it, always wins: it is what the payer will hold
the practice to.

- ``from: "notice"``: the days count from the date on the denial notice
  (Medicare Advantage reconsideration, 42 CFR 422.582(a)).
- ``from: "receipt"``: they count from the date the notice is received, presumed
  ``receipt_days`` after the date on it (Original Medicare redetermination:
  120 days from receipt, receipt presumed 5 days after the notice, 42 CFR 405.942(a)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .facts import PayerKind

WEAK = frozenset({"SECONDARY", "UNCONFIRMED"})

_COMMERCIAL = {
    "level": "internal appeal",
    "days": 180,
    "from": "receipt",
    "receipt_days": 0,
    "evidence": "UNCONFIRMED",
    "source": "ERISA claims rule, 29 CFR 2560.503-1(h)(3)(i): at least 180 days "
    "for group health plans; this payer's own limit was not read",
    "note": "Check the denial letter: its deadline wins. Individual-market and "
    "delegated (eviCore, Carelon) plans may set a shorter limit.",
}

# By payer kind, when a stored profile has no "appeals" section (the fixture has one).
DEFAULT_WINDOWS: Mapping[str, Mapping[str, Any]] = {
    PayerKind.MEDICARE.value: {
        "level": "redetermination",
        "days": 120,
        "from": "receipt",
        "receipt_days": 5,
        "evidence": "CONFIRMED",
        "source": "42 CFR 405.942(a): 120 days from receipt of the initial "
        "determination, presumed received 5 days after the date of the notice",
        "note": "A prior-authorization non-affirmation (OPD, WISeR) is not an initial "
        "determination: resubmit it with more documentation; the 120 days run from a "
        "denied claim.",
    },
    PayerKind.MEDICARE_ADVANTAGE.value: {
        "level": "reconsideration",
        "days": 65,
        "from": "notice",
        "receipt_days": 0,
        "evidence": "SECONDARY",
        "source": "42 CFR 422.582(a) as amended by CMS-4205-F (from 2025-01-01): 65 "
        "days from the date of the notice; older CMS Part C pages still say 60",
        "note": "Filed within 60 days it is timely under either reading. The plan must "
        "decide a standard pre-service reconsideration within 30 days, 72 hours "
        "expedited.",
    },
    **{
        kind.value: _COMMERCIAL
        for kind in (
            PayerKind.AETNA,
            PayerKind.EVICORE,
            PayerKind.CARELON,
            PayerKind.BCBS,
            PayerKind.BCBS_MA,
            PayerKind.COMMERCIAL,
        )
    },
}


@dataclass(frozen=True)
class AppealWindow:
    """How long the practice has to appeal, and where that figure comes from."""

    level: str  # what the first appeal is called: reconsideration, redetermination
    days: int
    starts: str = "notice"  # "notice" or "receipt"
    receipt_days: int = 0  # receipt presumed this many days after the notice date
    evidence: str = "UNCONFIRMED"
    source: str = ""
    note: str = ""

    @property
    def is_weak(self) -> bool:
        """SECONDARY or UNCONFIRMED: show it, but tell staff to check the letter."""
        return self.evidence in WEAK

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AppealWindow:
        return cls(
            level=str(data.get("level", "appeal")),
            days=int(data["days"]),
            starts=str(data.get("from", "notice")),
            receipt_days=int(data.get("receipt_days", 0)),
            evidence=str(data.get("evidence", "UNCONFIRMED")),
            source=str(data.get("source", "")),
            note=str(data.get("note", "")),
        )


def appeal_window(*, kind: str, profile_data: Mapping[str, Any] | None) -> AppealWindow:
    """The profile's window (its ``appeals`` section), else the default for its kind."""
    section = (profile_data or {}).get("appeals")
    if section:
        return AppealWindow.from_data(section)
    return AppealWindow.from_data(
        DEFAULT_WINDOWS.get(kind, DEFAULT_WINDOWS[PayerKind.COMMERCIAL.value])
    )


@dataclass(frozen=True)
class AppealDeadline:
    deadline: date
    window: AppealWindow
    from_letter: bool = False  # the payer's letter gave the date

    def days_left(self, today: date) -> int:
        """Days until the deadline (0 on the day itself, negative once past)."""
        return (self.deadline - today).days

    def is_past(self, today: date) -> bool:
        return today > self.deadline


def appeal_deadline(
    *, notice_date: date, window: AppealWindow, letter_deadline: date | None = None
) -> AppealDeadline:
    """The last day an appeal is timely. The payer's letter's date, when known, wins."""
    if letter_deadline is not None:
        return AppealDeadline(letter_deadline, window, from_letter=True)
    start = notice_date
    if window.starts == "receipt":
        start += timedelta(days=window.receipt_days)
    return AppealDeadline(start + timedelta(days=window.days), window)


# --------------------------------------------------------------------------- the denial


@dataclass(frozen=True)
class CitedReason:
    """One reason the payer gave: a criterion of the request (``code``, ``level``),
    or words of the letter that match none (``text``)."""

    code: str = ""
    level: str = ""
    text: str = ""


@dataclass(frozen=True)
class DenialFacts:
    """The payer's denial as the appeal answers it."""

    decided_on: date
    channel: str = ""
    reason_code: str = ""
    reason_text: str = ""
    payer_reference: str = ""
    cited: tuple[CitedReason, ...] = ()
    appeal_deadline: date | None = None  # as printed on the letter
    new_evidence: tuple[str, ...] = ()  # documentation added since the submission
    physician_statement: str = ""  # the physician's own answer, in the letter


# Questions a plan's medical director tends to ask on a peer-to-peer call, by
# criterion group and by procedure family; the sheet lists those that fit the case.
REVIEWER_QUESTIONS: Mapping[str, tuple[str, ...]] = {
    "Documentation and request": (
        "Which documents in the record show the exam findings and the imaging?",
    ),
    "Clinical criteria": (
        "How long has the pain lasted, and how does it limit daily function?",
        "Which conservative treatments were tried, for how long, and why did they "
        "fail?",
        "What on exam and imaging points to this pain generator?",
    ),
    "Levels, frequency and technique": (
        "Why these levels, and why this many in one session?",
        "When was the last injection at these levels, and what did it achieve?",
    ),
    "facet": (
        "What relief did each diagnostic block give, on what scale, and for how long "
        "relative to the anesthetic used?",
        "Is radiofrequency ablation planned if the blocks are positive?",
    ),
    "esi": (
        "Is there radicular pain concordant with the imaging?",
        "What benefit, and for how long, did any prior epidural injection give?",
    ),
}


def reviewer_questions(
    *, family: str, cited_groups: tuple[str, ...] = (), limit: int = 6
) -> list[str]:
    """The likely questions: those of the groups the payer cited first, then the
    procedure family's, then the rest; at most ``limit``, no repeats."""
    order = [
        *cited_groups,
        family,
        "Clinical criteria",
        "Levels, frequency and technique",
    ]
    out: list[str] = []
    for key in order:
        for q in REVIEWER_QUESTIONS.get(key, ()):
            if q not in out:
                out.append(q)
    return out[:limit]


@dataclass(frozen=True)
class AppealAnswer:
    """One cited reason and what the request documents against it."""

    reason: str  # the criterion's wording, or the payer's words
    level: str = ""
    evidence: tuple[str, ...] = ()
    rationale: str = ""
    met: bool = False
    group: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


__all__ = [
    "DEFAULT_WINDOWS",
    "REVIEWER_QUESTIONS",
    "AppealAnswer",
    "AppealDeadline",
    "AppealWindow",
    "CitedReason",
    "DenialFacts",
    "appeal_deadline",
    "appeal_window",
    "reviewer_questions",
]


def answer_reasons(outcomes: Any, cited: tuple[CitedReason, ...]) -> list[AppealAnswer]:
    """Each cited reason with the evidence the same evaluation gives for it.

    ``outcomes`` are the request's ``Evaluation.outcomes`` (the packet's cross-walk
    rows). A criterion cited without a level matches it at every level.
    """
    answers: list[AppealAnswer] = []
    for reason in cited:
        if not reason.code:
            answers.append(AppealAnswer(reason=reason.text))
            continue
        matching = [
            o
            for o in outcomes
            if o.code == reason.code
            and (not reason.level or (o.level or "") in ("", reason.level))
        ]
        if not matching:
            answers.append(AppealAnswer(reason=reason.text or "Payer policy criterion"))
            continue
        evidence = tuple(dict.fromkeys(o.evidence for o in matching if o.evidence))
        rationale = " ".join(
            dict.fromkeys(o.rationale.text.strip() for o in matching if o.answered)
        )
        answers.append(
            AppealAnswer(
                reason=matching[0].criterion,
                level=reason.level or (matching[0].level or ""),
                evidence=evidence,
                rationale=rationale,
                met=all(o.status.value == "met" for o in matching),
                group=matching[0].group,
                notes=(reason.text,) if reason.text else (),
            )
        )
    return answers
