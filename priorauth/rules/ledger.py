"""Per-level injection ledger: prior counts, rolling-window sessions, next eligible date.

Definitions (payer-rules 1.5 and section 7 conventions):

- Session = (patient, region, date of service): several levels on one day are
  one session. Region = cervical/thoracic vs lumbar/sacral (``levels.region_of``).
- Categories: ``facet_diagnostic`` (IA/MBB, intent diagnostic or unset),
  ``facet_therapeutic`` (IA/MBB therapeutic), ``rfa``, ``esi``. Frequency caps
  are counted per category and region; limits come from policy data
  (``facet.limits`` / ``esi.limits``).
- Prior count at a level: history rows at that level of the same family. For a
  facet-family request (IA, MBB or RFA) it counts facet *blocks* (IA + MBB),
  which is the figure the DVT rules need; for an ESI it counts ESIs.
- A typed count higher than the history means undated injections: the engine
  uses the higher number (conservative) and says so in ``note``. Undated
  injections cannot be placed in a rolling window, so they are not added to
  ``sessions_used_12m`` (the note says so too).
- Next eligible date: the earliest date on or after the DOS at which one more
  session stays within every window limit and minimum interval of the profile.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from .dates import add_duration, add_months, in_window
from .facts import (
    BlockResponse,
    CaseFacts,
    Intent,
    PriorProcedure,
    ProcedureType,
    Region,
)
from .findings import LedgerEntry
from .levels import LevelError, parse_level, region_of, subregion_of

FACET_BLOCKS = (ProcedureType.FACET_IA, ProcedureType.MBB)
ESI_TYPES = (
    ProcedureType.ESI_INTERLAMINAR,
    ProcedureType.ESI_TRANSFORAMINAL,
    ProcedureType.ESI_CAUDAL,
)
LIMIT_SECTION = {
    "facet_diagnostic": "facet",
    "facet_therapeutic": "facet",
    "rfa": "facet",
    "esi": "esi",
}


def category_of(procedure: ProcedureType, intent: Intent | None) -> str | None:
    """Frequency-limit category of a procedure (None for SI/TPI and other types)."""
    if procedure in FACET_BLOCKS:
        return (
            "facet_therapeutic" if intent is Intent.THERAPEUTIC else "facet_diagnostic"
        )
    if procedure is ProcedureType.RFA:
        return "rfa"
    if procedure in ESI_TYPES:
        return "esi"
    return None


def count_types(procedure: ProcedureType) -> tuple[ProcedureType, ...]:
    """Procedure types counted as 'prior injections' at a level for a request type."""
    if procedure.is_facet_family:
        return FACET_BLOCKS
    if procedure in ESI_TYPES:
        return ESI_TYPES
    return (procedure,)


def safe_levels(levels: Iterable[str]) -> tuple[str, ...]:
    """Canonical forms of the valid levels among ``levels`` (invalid ones dropped)."""
    out: list[str] = []
    for raw in levels:
        try:
            out.append(parse_level(raw))
        except LevelError:
            continue
    return tuple(out)


def row_regions(row: PriorProcedure) -> set[Region]:
    """Regions touched by a history row (empty when its levels are unknown)."""
    return {region_of(lv) for lv in safe_levels(row.levels)}


def row_subregions(row: PriorProcedure) -> set[str]:
    return {subregion_of(lv) for lv in safe_levels(row.levels)}


def rows_at_level(
    history: Iterable[PriorProcedure],
    level: str,
    types: Iterable[ProcedureType],
    before: date | None = None,
) -> list[PriorProcedure]:
    """History rows of ``types`` at ``level`` (dated before ``before`` if given), oldest first."""
    kinds = tuple(types)
    rows = [
        r
        for r in history
        if r.procedure in kinds
        and level in safe_levels(r.levels)
        and (before is None or r.date < before)
    ]
    return sorted(rows, key=lambda r: r.date)


def computed_relief(row: PriorProcedure | BlockResponse) -> float | None:
    """(pre - post) / pre * 100, or None when the scores are missing or pre is 0."""
    if row.pre_score is None or row.post_score is None or row.pre_score <= 0:
        return None
    value = (row.pre_score - row.post_score) / row.pre_score * 100
    return round(value, 1) if math.isfinite(value) else None


def typed_relief(row: PriorProcedure | BlockResponse) -> float | None:
    return row.percent_relief if isinstance(row, BlockResponse) else row.relief_percent


def effective_relief(row: PriorProcedure | BlockResponse) -> float | None:
    """Percent relief of an injection: computed from pre/post when both exist."""
    computed = computed_relief(row)
    return computed if computed is not None else typed_relief(row)


def row_relief(facts: CaseFacts, row: PriorProcedure) -> float | None:
    """Relief of a history row (computed from its scores when it has them)."""
    return effective_relief(row)


# ------------------------------------------------------- one record per injection


def inferred_block_type(facts: CaseFacts) -> ProcedureType | None:
    """The block type of a response that does not name one, from the request.

    An MBB or RFA request builds on medial branch blocks (the RFA prerequisite),
    an IA request on IA blocks. Other requests cannot tell (None).
    """
    kind = facts.procedure.type
    if kind in (ProcedureType.MBB, ProcedureType.RFA):
        return ProcedureType.MBB
    if kind is ProcedureType.FACET_IA:
        return ProcedureType.FACET_IA
    return None


def _matches(row: PriorProcedure, br: BlockResponse) -> bool:
    if br.date is None or row.date != br.date:
        return False
    if br.procedure is not None and row.procedure is not br.procedure:
        return False
    if br.procedure is None and row.procedure not in FACET_BLOCKS:
        return False
    wanted = set(safe_levels(br.levels))
    if br.levels and not wanted:  # levels named, none of them valid: no match
        return False
    return not wanted or bool(wanted & set(safe_levels(row.levels)))


def _merged(row: PriorProcedure, br: BlockResponse) -> PriorProcedure:
    """The history row completed by the response entered for it (the response wins)."""

    def pick(new, old):  # type: ignore[no-untyped-def]
        return old if new is None or new == "" else new

    return replace(
        row,
        agent=pick(br.agent, row.agent),
        scale=pick(br.scale, row.scale),
        pre_score=pick(br.pre_score, row.pre_score),
        post_score=pick(br.post_score, row.post_score),
        relief_percent=pick(br.percent_relief, row.relief_percent),
        relief_duration_hours=pick(br.duration_hours, row.relief_duration_hours),
        side=pick(br.side, row.side),
        builds_on=True,
    )


def normalize(facts: CaseFacts) -> CaseFacts:
    """One record per injection: merge ``block_responses`` into ``history``.

    A response completes the history row it describes (same date and block type,
    overlapping levels); a response with no such row becomes a diagnostic history
    row of its type (inferred from the request when it names none). Either way the
    row is marked ``builds_on``. Responses that are undated, or whose type cannot
    be told (an ESI request naming no block type), cannot be placed in the ledger
    and stay in ``block_responses``: the rules still read them (FAC-006 uses an
    undated response for a typed count), and the JSON import, which has to store
    each injection in the history, refuses them. Idempotent.
    """
    if not facts.block_responses:
        return facts
    history = list(facts.history)
    left: list[BlockResponse] = []
    for br in facts.block_responses:
        j = next((i for i, r in enumerate(history) if _matches(r, br)), None)
        if j is not None:
            history[j] = _merged(history[j], br)
            continue
        kind = br.procedure or inferred_block_type(facts)
        if br.date is None or kind is None:
            left.append(br)
            continue
        history.append(
            PriorProcedure(
                date=br.date,
                procedure=kind,
                intent=Intent.DIAGNOSTIC,
                levels=tuple(br.levels),
                side=br.side,
                relief_percent=br.percent_relief,
                relief_duration_hours=br.duration_hours,
                scale=br.scale,
                agent=br.agent,
                pre_score=br.pre_score,
                post_score=br.post_score,
                builds_on=True,
            )
        )
    return replace(facts, history=tuple(history), block_responses=tuple(left))


def responses(facts: CaseFacts) -> list[tuple[int, PriorProcedure]]:
    """The injections this request builds on (index in ``facts.history``, row)."""
    return [(i, r) for i, r in enumerate(facts.history) if r.builds_on]


def category_rows(
    history: Iterable[PriorProcedure],
    region: Region,
    category: str,
    subregion: str | None = None,
) -> list[PriorProcedure]:
    """History rows of one limit category touching ``region`` (or one sub-region)."""
    out = []
    for r in history:
        if category_of(r.procedure, r.intent) != category or region not in row_regions(
            r
        ):
            continue
        if subregion and subregion not in row_subregions(r):
            continue
        out.append(r)
    return out


def sessions_in_window(
    rows: Iterable[PriorProcedure], dos: date, months: int, mode: str
) -> int:
    """Sessions (distinct dates) in the rolling window ending on ``dos``, incl. one on ``dos``."""
    dates = {r.date for r in rows if in_window(r.date, dos, months, mode)}
    dates.add(dos)
    return len(dates)


def limits_for(policy_data: Mapping[str, Any], category: str) -> Mapping[str, Any]:
    """``{"windows": [...], "min_interval": ...}`` for a category, or empty."""
    section = policy_data.get(LIMIT_SECTION.get(category, ""), {})
    return section.get("limits", {}).get(category, {}) or {}


def twelve_month_limit(limits: Mapping[str, Any]) -> int | None:
    """The 12-month session cap of a limits block, if any."""
    for w in limits.get("windows", ()):
        if int(w.get("months", 0)) == 12:
            return int(w["max"])
    return None


def _ok_on(
    d: date, rows: list[PriorProcedure], limits: Mapping[str, Any], mode: str
) -> bool:
    past = [r for r in rows if r.date < d]
    for w in limits.get("windows", ()):
        if sessions_in_window(past, d, int(w["months"]), mode) > int(w["max"]):
            return False
    gap = limits.get("min_interval")
    if gap and past:
        last = max(r.date for r in past)
        if d < add_duration(last, gap):
            return False
    return True


def next_eligible(
    rows: list[PriorProcedure], dos: date, limits: Mapping[str, Any], mode: str
) -> date | None:
    """Earliest date >= ``dos`` that respects every window and the minimum interval."""
    prior = [r for r in rows if r.date <= dos]
    cands = {dos}
    for r in prior:
        for w in limits.get("windows", ()):
            m = int(w["months"])
            base = (
                add_months(r.date, m)
                if mode != "days365"
                else r.date + timedelta(days=round(365 * m / 12))
            )
            cands.update(base + timedelta(days=k) for k in range(0, 3))
        if limits.get("min_interval"):
            cands.add(add_duration(r.date, limits["min_interval"]))
    for d in sorted(c for c in cands if c >= dos):
        if _ok_on(d, prior, limits, mode):
            return d
    return None


def build_entry(
    facts: CaseFacts,
    policy_data: Mapping[str, Any],
    index: int,
    level: str,
    region: Region,
    dos: date,
) -> LedgerEntry:
    """Ledger entry for the request's level ``level`` (canonical)."""
    plan = facts.procedure
    typed = facts.levels[index].prior_count
    hist = rows_at_level(facts.history, level, count_types(plan.type), before=None)
    hist = [r for r in hist if r.date <= dos]
    history_count = len(hist)
    prior = max(history_count, typed or 0)
    notes: list[str] = []
    if typed is not None and typed > history_count:
        notes.append(
            f"typed count {typed} exceeds the {history_count} dated row(s): "
            f"using {typed}; undated injections are not placed in the 12-month window"
        )
    elif typed is not None and typed < history_count:
        notes.append(
            f"typed count {typed} is lower than the {history_count} recorded row(s)"
        )
    elif typed is None and history_count:
        notes.append("count from the recorded history")
    category = category_of(plan.type, plan.intent)
    used, limit, nxt = 0, None, None
    if category:
        mode = str(policy_data.get("rolling_window", "calendar_months"))
        rows = [
            r for r in category_rows(facts.history, region, category) if r.date <= dos
        ]
        lims = limits_for(policy_data, category)
        used = sessions_in_window(rows, dos, 12, mode)
        limit = twelve_month_limit(lims)
        nxt = next_eligible(rows, dos, lims, mode) if lims else dos
    return LedgerEntry(
        level=level,
        region=region.value,
        prior_count=prior,
        history_count=history_count,
        typed_count=typed,
        last_date=hist[-1].date if hist else None,
        sessions_used_12m=used,
        session_limit=limit,
        next_eligible_date=nxt,
        note="; ".join(notes),
    )
