"""The injection ledger as a spine picture: which rows, which marks, which annotations.

A layout model only (no drawing, no Django): ``packet.spine_svg`` draws it as SVG for
the request page, the patient page and the packet. Everything here is read off the
same objects the rules use, never counted a second time:

- marks come from the history as evaluated (``Evaluation.facts.history``, after
  ``ledger.normalize``: one record per injection), each placed at the levels
  ``ledger.safe_levels`` reads from it;
- the figures beside a requested level are its ``LedgerEntry`` as built by
  ``ledger.build_entry``: sessions in the payer's rolling 12 months (this one
  included), the limit and the next eligible date.

Rows run from C2-C3 (C1-C2 when used) to L5-S1, then the sacrum (SI joint
injections) and the caudal entry (sacral hiatus). Levels nobody injected or
requested are folded into one "gap" row per run, except the ones right next to a
used level, so the picture stays the height of what a physician would sketch.
Sides are the patient's: ``left``, ``right``, and ``midline`` for a midline
approach (a caudal ESI) or a row whose side is not recorded; a bilateral injection
is one mark on each side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .facts import CaseFacts, Intent, PriorProcedure, ProcedureType, Side
from .findings import Evaluation, LedgerEntry
from .ledger import count_types, effective_relief, safe_levels
from .levels import CAUDAL, SEGMENTS

SACRUM = "sacrum"
LEFT, RIGHT, MIDLINE = "left", "right", "midline"
LANES = (LEFT, MIDLINE, RIGHT)

# C1-C2 .. L5-S1. The picture starts at C2-C3 (the first facet level with facet
# codes); C1-C2 is drawn only when an injection or the request names it.
FACET_LEVELS: tuple[str, ...] = tuple(
    f"{a}-{b}" for a, b in zip(SEGMENTS, SEGMENTS[1:], strict=False)
)
ATLANTOAXIAL = FACET_LEVELS[0]
ROW_KEYS: tuple[str, ...] = (*FACET_LEVELS, SACRUM, CAUDAL)
_ROW_INDEX = {key: i for i, key in enumerate(ROW_KEYS)}

KIND_OF: dict[ProcedureType, str] = {
    ProcedureType.ESI_INTERLAMINAR: "ESI",
    ProcedureType.ESI_TRANSFORAMINAL: "ESI",
    ProcedureType.ESI_CAUDAL: "ESI",
    ProcedureType.FACET_IA: "IA",
    ProcedureType.MBB: "MBB",
    ProcedureType.RFA: "RFA",
    ProcedureType.SI_JOINT: "SI",
    ProcedureType.TRIGGER_POINT: "TPI",
}
KIND_WORDS: dict[str, str] = {
    "ESI": "epidural steroid injection",
    "IA": "facet joint intra-articular injection",
    "MBB": "medial branch block",
    "RFA": "radiofrequency ablation",
    "SI": "sacroiliac joint injection",
    "TPI": "trigger point injection",
}
SIDE_WORDS = {LEFT: "left", RIGHT: "right", MIDLINE: "midline or side not recorded"}


@dataclass(frozen=True)
class Mark:
    """One injection at one level and side (a bilateral one gives two marks)."""

    row: int  # index of the injection in the history it was read from
    level: str  # a ROW_KEYS entry
    side: str  # LEFT, RIGHT or MIDLINE
    kind: str  # ESI, IA, MBB, RFA, SI, TPI
    procedure: ProcedureType
    intent: Intent | None
    date: date
    relief: float | None  # ``ledger.effective_relief``: the figure the rules use
    builds_on: bool = False


@dataclass(frozen=True)
class Unplaced:
    """An injection the picture cannot place: no valid level recorded."""

    row: int
    kind: str
    date: date
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Requested:
    """A requested level: the sides to outline and the ledger's figures beside it."""

    level: str
    sides: tuple[str, ...]
    kind: str
    entry: LedgerEntry | None
    counted_kinds: tuple[str, ...] = ()  # the kinds ``prior_count`` counts here


@dataclass(frozen=True)
class Row:
    """A row of the picture: a level (or the sacrum, the caudal entry) or a gap."""

    key: str  # a ROW_KEYS entry, or "gap"
    hidden: tuple[str, ...] = ()  # the levels a gap row stands for

    @property
    def is_gap(self) -> bool:
        return self.key == "gap"


@dataclass(frozen=True)
class SpineLayout:
    rows: tuple[Row, ...]
    marks: tuple[Mark, ...]
    requested: tuple[Requested, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    request_kind: str = ""  # what the request asks for (ESI, MBB ...), if any
    date_of_service: date | None = None
    date_from: date | None = None  # a filter on the patient page
    date_to: date | None = None

    def marks_at(self, level: str, side: str | None = None) -> tuple[Mark, ...]:
        """Marks at ``level`` (and ``side``), oldest first."""
        return tuple(
            m
            for m in self.marks
            if m.level == level and (side is None or m.side == side)
        )

    def requested_at(self, level: str) -> Requested | None:
        return next((r for r in self.requested if r.level == level), None)

    @property
    def injection_count(self) -> int:
        """Injections drawn (a bilateral one once), plus the ones not placed."""
        return len({m.row for m in self.marks} | {u.row for u in self.unplaced})


# --------------------------------------------------------------------------- marks


def row_keys_of(row: PriorProcedure) -> tuple[str, ...]:
    """Where an injection is drawn: its valid levels (an SI joint injection with
    none recorded: the sacrum)."""
    keys = tuple(
        dict.fromkeys(lv for lv in safe_levels(row.levels) if lv in _ROW_INDEX)
    )
    if not keys and row.procedure is ProcedureType.SI_JOINT:
        return (SACRUM,)
    return keys


def sides_of(row: PriorProcedure, key: str) -> tuple[str, ...]:
    if key == CAUDAL or row.side is None:
        return (MIDLINE,)
    if row.side is Side.BILATERAL:
        return (LEFT, RIGHT)
    return (LEFT,) if row.side is Side.LEFT else (RIGHT,)


def history_marks(
    history: Iterable[PriorProcedure],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[tuple[Mark, ...], tuple[Unplaced, ...]]:
    """A history's marks (oldest first) and unplaced injections, between the dates."""
    marks: list[Mark] = []
    unplaced: list[Unplaced] = []
    for i, row in enumerate(history):
        if (date_from and row.date < date_from) or (date_to and row.date > date_to):
            continue
        kind = KIND_OF.get(row.procedure, str(row.procedure).upper())
        keys = row_keys_of(row)
        if not keys:
            unplaced.append(Unplaced(i, kind, row.date, tuple(row.levels)))
        for key in keys:
            for side in sides_of(row, key):
                marks.append(
                    Mark(
                        row=i,
                        level=key,
                        side=side,
                        kind=kind,
                        procedure=row.procedure,
                        intent=row.intent,
                        date=row.date,
                        relief=effective_relief(row),
                        builds_on=row.builds_on,
                    )
                )
    marks.sort(key=lambda m: (_ROW_INDEX[m.level], m.date, m.row, m.side))
    unplaced.sort(key=lambda u: (u.date, u.row))
    return tuple(marks), tuple(unplaced)


# --------------------------------------------------------------------------- rows


def visible_rows(used: Iterable[str]) -> tuple[Row, ...]:
    """Rows to draw: used levels and their neighbours; runs of others folded.

    The sacrum and the caudal entry are always drawn (they anchor the picture); a
    run of a single unused level is drawn rather than folded (same height).
    """
    used_idx = {_ROW_INDEX[k] for k in used if k in _ROW_INDEX}
    keep = {SACRUM, CAUDAL}
    for i in used_idx:
        for j in (i - 1, i, i + 1):
            if 0 <= j < len(FACET_LEVELS):
                keep.add(ROW_KEYS[j])
    rows: list[Row] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) == 1:
            rows.append(Row(run[0]))
        elif run:
            rows.append(Row("gap", tuple(run)))
        run.clear()

    for key in ROW_KEYS:
        if key == ATLANTOAXIAL and _ROW_INDEX[key] not in used_idx:
            continue
        if key in keep:
            flush()
            rows.append(Row(key))
        else:
            run.append(key)
    flush()
    return tuple(rows)


# --------------------------------------------------------------------------- layouts


def _requested(facts: CaseFacts, evaluation: Evaluation) -> tuple[Requested, ...]:
    entries = {e.level: e for e in evaluation.ledger}
    kind = KIND_OF.get(facts.procedure.type, "")
    counted = tuple(
        dict.fromkeys(KIND_OF[t] for t in count_types(facts.procedure.type))
    )
    out: dict[str, Requested] = {}
    for lr in facts.levels:
        canon = safe_levels((lr.level,))
        if not canon or canon[0] not in _ROW_INDEX or canon[0] in out:
            continue
        level = canon[0]
        sides = (
            (MIDLINE,)
            if level == CAUDAL
            else (LEFT, RIGHT)
            if lr.side is Side.BILATERAL
            else (LEFT,)
            if lr.side is Side.LEFT
            else (RIGHT,)
        )
        out[level] = Requested(level, sides, kind, entries.get(level), counted)
    return tuple(sorted(out.values(), key=lambda r: _ROW_INDEX[r.level]))


def spine_for_evaluation(
    evaluation: Evaluation, *, today: date | None = None
) -> SpineLayout:
    """The picture of one request: its patient's ledger up to the date of service
    (the rows ``build_entry`` counts) and its levels with their ledger entries.

    ``today`` stands in for a missing date of service, as in ``rules.evaluate``.
    """
    facts = evaluation.facts
    if facts is None:
        return SpineLayout(rows=visible_rows(()), marks=())
    dos = facts.procedure.date_of_service or today
    marks, unplaced = history_marks(facts.history, date_to=dos)
    requested = _requested(facts, evaluation)
    used = {m.level for m in marks} | {r.level for r in requested}
    return SpineLayout(
        rows=visible_rows(used),
        marks=marks,
        requested=requested,
        unplaced=unplaced,
        request_kind=KIND_OF.get(facts.procedure.type, ""),
        date_of_service=dos,
    )


def spine_for_history(
    history: Iterable[PriorProcedure],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> SpineLayout:
    """The picture of a patient's whole history (or the part between two dates)."""
    marks, unplaced = history_marks(history, date_from=date_from, date_to=date_to)
    return SpineLayout(
        rows=visible_rows({m.level for m in marks}),
        marks=marks,
        unplaced=unplaced,
        date_from=date_from,
        date_to=date_to,
    )
