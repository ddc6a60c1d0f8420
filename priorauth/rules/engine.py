"""The rules engine: run every enabled check for a profile and collect all findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from .checks import REGISTRY, Ctx
from .codes import derive_code_lines
from .facts import CaseFacts, LevelRequest, Region
from .findings import CodeLine, Evaluation, Finding
from .ledger import build_entry, normalize
from .levels import LevelError, level_sort_key, parse_level, region_of
from .outcomes import build_outcomes
from .policy import Policy


def _valid_levels(facts: CaseFacts) -> tuple[tuple[str, ...], dict[str, int]]:
    levels: list[str] = []
    index: dict[str, int] = {}
    for i, lr in enumerate(facts.levels):
        try:
            canon = parse_level(lr.level)
        except LevelError:
            continue
        if canon not in index:
            levels.append(canon)
            index[canon] = i
    return tuple(levels), index


def _code_lines(
    facts: CaseFacts,
    policy: Policy,
    levels: tuple[str, ...],
    index: dict[str, int],
    regions: tuple[Region, ...],
) -> tuple[CodeLine, ...]:
    lines: list[CodeLine] = []
    for region in regions:
        reqs = [
            LevelRequest(
                lv, facts.levels[index[lv]].side, facts.levels[index[lv]].prior_count
            )
            for lv in levels
            if region_of(lv) is region
        ]
        lines += derive_code_lines(
            facts.procedure,
            reqs,
            region,
            kx_on_diagnostic=bool(policy.get("facet", "kx_on_diagnostic", False)),
            bilateral_style=str(policy.get("billing", "bilateral_modifier", "50")),
        )
    return tuple(lines)


def finding_sort_key(f: Finding) -> tuple[int, int, str]:
    return (f.severity.rank, level_sort_key(f.level) if f.level else -1, f.code)


def build_context(facts: CaseFacts, policy: Policy, today: date) -> Ctx:
    """Derive levels, regions, code lines and the ledger once for all checks."""
    dos = facts.procedure.date_of_service or today
    levels, index = _valid_levels(facts)
    level_regions = {lv: region_of(lv) for lv in levels}
    regions = tuple(dict.fromkeys(level_regions.values()))
    lines = _code_lines(facts, policy, levels, index, regions)
    ledger = {
        lv: build_entry(facts, policy.data, index[lv], lv, level_regions[lv], dos)
        for lv in levels
    }
    return Ctx(
        policy=policy,
        today=today,
        dos=dos,
        levels=levels,
        level_index=index,
        level_regions=level_regions,
        regions=regions,
        region=regions[0] if regions else None,
        code_lines=lines,
        ledger=ledger,
    )


def evaluate(
    facts: CaseFacts, policy: Policy, *, today: date | None = None
) -> Evaluation:
    """Run every check the profile enables and return all findings at once.

    Findings are sorted by severity (blocker, warning, info), then level
    (cranial to caudal; request-wide findings first), then rule ID; each rule ID
    appears at most once per level. Also returns the derived CPT lines, the
    per-level ledger, the region and the facts as evaluated: block responses
    merged into the history, one record per injection (``ledger.normalize``).
    Missing data produce findings, never exceptions. When
    the date of service is missing, ``today`` (default: ``date.today()``)
    stands in for it in date arithmetic.
    """
    today = today or date.today()
    facts = normalize(facts)
    ctx = build_context(facts, policy, today)
    seen: set[tuple[str, str | None]] = set()
    findings: list[Finding] = []
    for code in policy.rule_ids:
        check = REGISTRY.get(code)
        if check is None:
            continue
        for f in check(facts, ctx):
            if (f.code, f.level) not in seen:
                seen.add((f.code, f.level))
                findings.append(f)
    evaluation = Evaluation(
        findings=tuple(sorted(findings, key=finding_sort_key)),
        code_lines=ctx.code_lines,
        ledger=tuple(ctx.ledger.values()),
        region=ctx.region.value if ctx.region else None,
        facts=facts,
    )
    return with_outcomes(evaluation, policy)


def with_outcomes(evaluation: Evaluation, policy: Policy) -> Evaluation:
    """``evaluation`` with its outcomes (re)built from its findings and facts.

    The engine calls it once; a caller that changes the findings (the app shows
    the unsigned letter as the next step, not a gap) calls it again, so outcomes
    and findings never disagree.
    """
    facts = evaluation.facts
    if facts is None:  # built by hand, not by evaluate(): nothing to weigh
        return evaluation
    outcomes = build_outcomes(facts, evaluation, policy, facts.rationales)
    return replace(evaluation, outcomes=outcomes)
