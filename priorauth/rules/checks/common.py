"""Shared context and helpers for the rule checks.

Every check is ``(facts, ctx) -> list[Finding]`` and is registered with
``@rule("ID")``. ``ctx.finding`` builds a Finding with the profile's severity
(or a part's severity), citation and evidence; checks never hard-code figures:
they read them from ``ctx.policy``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..dates import add_duration, describe
from ..facts import (
    CaseFacts,
    ConservativeCare,
    Intent,
    PriorProcedure,
    ProcedureType,
    Region,
)
from ..findings import CodeLine, Finding, LedgerEntry
from ..ledger import FACET_BLOCKS, row_relief, rows_at_level
from ..policy import Policy

Check = Callable[[CaseFacts, "Ctx"], list[Finding]]
REGISTRY: dict[str, Check] = {}


def rule(code: str) -> Callable[[Check], Check]:
    """Register a check function under its section-7 rule ID."""

    def deco(fn: Check) -> Check:
        if code in REGISTRY:
            raise ValueError(f"duplicate check for {code}")
        REGISTRY[code] = fn
        fn.rule_id = code  # type: ignore[attr-defined]
        return fn

    return deco


@dataclass(frozen=True)
class Ctx:
    """Derived facts shared by the checks (computed once by the engine)."""

    policy: Policy
    today: date
    dos: date  # planned date of service, or today when missing
    levels: tuple[str, ...]  # canonical valid requested levels, request order
    level_index: dict[str, int]  # canonical level -> index in facts.levels
    level_regions: dict[str, Region]
    regions: tuple[Region, ...]  # distinct, request order
    region: Region | None
    code_lines: tuple[CodeLine, ...]
    ledger: dict[str, LedgerEntry]

    def fig(self, section: str, key: str, default: Any = None) -> Any:
        """A figure from policy data."""
        return self.policy.get(section, key, default)

    def finding(
        self,
        facts: CaseFacts,
        code: str,
        message: str,
        *,
        level: str | None = None,
        field: str = "",
        detail: str = "",
        part: str | None = None,
        count: int | None = None,
    ) -> Finding:
        """A Finding for ``code`` with severity, citation and evidence from the profile."""
        cfg = self.policy.rule(code)
        assert cfg is not None, code
        family = ""
        if facts.procedure.type.is_esi:
            family = "esi"
        elif facts.procedure.type.is_facet_family:
            family = "facet"
        citation = self.policy.citation(
            code, state=facts.payer.state, family=family, county=facts.payer.county
        )
        return Finding(
            code=code,
            severity=cfg.part_severity(part),
            message=message,
            citation=citation,
            level=level,
            field=field,
            detail=detail,
            count=count,
        )

    def level_field(self, level: str, attr: str = "level") -> str:
        """Dotted path of a requested level's attribute, e.g. ``levels[0].prior_count``."""
        return f"levels[{self.level_index.get(level, 0)}].{attr}"


# ---- small shared helpers -------------------------------------------------


def is_facet_block(facts: CaseFacts) -> bool:
    return facts.procedure.type in FACET_BLOCKS


def is_diagnostic_block(facts: CaseFacts) -> bool:
    return is_facet_block(facts) and facts.procedure.intent in (Intent.DIAGNOSTIC, None)


def is_therapeutic_block(facts: CaseFacts) -> bool:
    return is_facet_block(facts) and facts.procedure.intent is Intent.THERAPEUTIC


def is_rfa(facts: CaseFacts) -> bool:
    return facts.procedure.type is ProcedureType.RFA


def prior_rfas(facts: CaseFacts, ctx: Ctx, level: str) -> list[PriorProcedure]:
    return rows_at_level(facts.history, level, (ProcedureType.RFA,), before=ctx.dos)


def is_repeat_rfa(facts: CaseFacts, ctx: Ctx, level: str) -> bool:
    """Repeat RFA: intent says so, or an RFA is on file at the level."""
    if not is_rfa(facts) or facts.procedure.intent is Intent.FIRST:
        return False
    return facts.procedure.intent is Intent.REPEAT or bool(
        prior_rfas(facts, ctx, level)
    )


def diagnostic_blocks(
    facts: CaseFacts,
    ctx: Ctx,
    level: str,
    types: tuple[ProcedureType, ...] = FACET_BLOCKS,
) -> list[PriorProcedure]:
    """Prior diagnostic (or unlabelled) blocks of ``types`` at a level, oldest first."""
    rows = rows_at_level(facts.history, level, types, before=ctx.dos)
    return [r for r in rows if r.intent in (Intent.DIAGNOSTIC, None)]


def qualifying(
    facts: CaseFacts, rows: list[PriorProcedure], minimum: float
) -> list[PriorProcedure]:
    """Rows whose relief is at least ``minimum`` percent."""
    out = []
    for r in rows:
        rel = row_relief(facts, r)
        if rel is not None and rel >= minimum:
            out.append(r)
    return out


def lasted(start: date, days: float | None, spec: dict | Any) -> bool:
    """True when a relief of ``days`` days from ``start`` lasted at least ``spec``."""
    if days is None:
        return False
    return start + timedelta(days=days) >= add_duration(start, spec)


def is_failed(care: ConservativeCare) -> bool:
    """Conservative care whose outcome is failed, partial relief or not tolerated."""
    return care.outcome is not None and care.outcome.counts_as_failed


def care_not_counting(facts: CaseFacts) -> str:
    """The conservative-care rows that do not count as failed care, and why.

    E.g. ``physical therapy (row 1): outcome "improved" does not count as failed;
    NSAIDs (row 2): no outcome chosen (note: "16 visits, pain unchanged")``.
    Empty when every row counts (or there are none).
    """
    from ..care import OUTCOME_WORDS
    from ..wording import care_word

    out = []
    for i, c in enumerate(facts.conservative_care, start=1):
        if is_failed(c):
            continue
        name = f"{care_word(c.kind) or 'treatment'} (row {i})"
        if c.outcome is None:
            why = "no outcome chosen"
            if c.note.strip():
                why += f' (note: "{c.note.strip()[:80]}"): choose failed, partial relief or not tolerated if that is what happened'
        else:
            why = f'outcome "{OUTCOME_WORDS[c.outcome]}" does not count as failed care'
        out.append(f"{name}: {why}")
    return "; ".join(out)


def care_days(care: ConservativeCare, dos: date) -> float | None:
    """Days of one conservative-care entry (dates, else duration_weeks)."""
    if care.start is not None:
        end = care.end or dos
        return max(0, (min(end, dos) - care.start).days)
    if care.duration_weeks is not None:
        return care.duration_weeks * 7
    return None


def failed_care_days(facts: CaseFacts, dos: date) -> float:
    """Total days covered by failed/intolerant conservative care (union of dated spans)."""
    spans: list[tuple[date, date]] = []
    undated = 0.0
    for c in facts.conservative_care:
        if not is_failed(c):
            continue
        if c.start is not None:
            end = min(c.end or dos, dos)
            if end > c.start:
                spans.append((c.start, end))
        elif c.duration_weeks is not None:
            undated = max(undated, c.duration_weeks * 7)
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(spans):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += (cur_e - cur_s).days
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += (cur_e - cur_s).days
    return max(float(total), undated)


def meets_duration(start: date | None, end: date, spec: dict | Any) -> bool:
    """True when ``start`` + ``spec`` <= ``end`` (e.g. onset + 3 months <= DOS)."""
    return start is not None and add_duration(start, spec) <= end


def fmt_dates(rows: list[PriorProcedure]) -> str:
    return ", ".join(r.date.isoformat() for r in rows)


def dur(spec: Any) -> str:
    return describe(spec) if spec else ""


def side_levels(facts: CaseFacts, ctx: Ctx) -> dict[str, int]:
    """Levels per side (bilateral counts on both sides)."""
    out = {"left": 0, "right": 0}
    for i, lr in enumerate(facts.levels):
        if i not in ctx.level_index.values():
            continue
        if lr.side.value in ("left", "bilateral"):
            out["left"] += 1
        if lr.side.value in ("right", "bilateral"):
            out["right"] += 1
    return out
