"""Routes and clocks (payer-rules 7.7, RTE-001..004): whether and where to request.

Information for staff, never criteria for the reviewer: they say which portal or
program takes the request, how long its decision may take and how long an
approval lasts. Every figure (vendors, clocks, thresholds) is profile data.
"""

from __future__ import annotations

from datetime import date as _d

from ..facts import CaseFacts
from ..findings import Finding
from .common import Ctx, is_facet_block, is_rfa, rule
from .packet import opd_match, wiser_match


@rule("RTE-001")
def rte_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    match = wiser_match(facts, ctx)
    if match is None:
        return []
    state, cpts = match
    w = ctx.policy.get("medicare", "wiser", {})
    vendor = (w.get("vendors") or {}).get(state, "the state's WISeR vendor")
    days = w.get("valid_days", 120)
    hours, fast = w.get("decision_hours", 72), w.get("expedited_hours", 48)
    return [
        ctx.finding(
            facts,
            "RTE-001",
            f"Request through the WISeR vendor portal for {state} ({vendor}). Put the "
            "primary and every add-on code on one request. An affirmation is valid "
            f"{days} days; record the tracking number (UTN) and report it on every "
            "claim (for ASC/OPD cases on the facility claim only). Decision: "
            f"{hours} h on the portal ({fast} h expedited).",
            field="payer.state",
            detail=f"{state}: {vendor}; CPT {', '.join(cpts)}",
        )
    ]


@rule("RTE-002")
def rte_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    match = opd_match(facts, ctx)
    if match is None:
        return []
    opd = ctx.policy.get("medicare", "opd_pa", {})
    days = opd.get("standard_decision_days", 7)
    fast = opd.get("expedited_business_days", 2)
    return [
        ctx.finding(
            facts,
            "RTE-002",
            f"Hospital OPD prior authorization: standard decision in {days} calendar "
            f"days, expedited {fast} business days. A facility with an exemption "
            "(>= 90 % provisional affirmations) skips it: set the facility's "
            "OPD-exempt flag.",
            field="facility.place_of_service",
            detail=f"POS {match[0]}, CPT {', '.join(match[1])}",
        )
    ]


@rule("RTE-003")
def rte_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    clock = ctx.policy.get("routes", "cms_0057f")
    if not clock or ctx.dos < _d.fromisoformat(clock["start"]):
        return []
    hours, days = clock.get("expedited_hours", 72), clock.get("standard_days", 7)
    return [
        ctx.finding(
            facts,
            "RTE-003",
            f"Under CMS-0057-F the plan must decide within {hours} hours (expedited) "
            f"or {days} calendar days (standard) and give a specific denial reason.",
            field="procedure.date_of_service",
            detail=f"{ctx.policy.name}; date of service on or after {clock['start']}",
        )
    ]


@rule("RTE-004")
def rte_004(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if not (is_facet_block(facts) or is_rfa(facts)):
        return []
    reference = ctx.fig("routes", "reference_block_threshold")
    threshold = ctx.fig("facet", "diag_relief_min")
    if reference is None or threshold is None or threshold == reference:
        return []
    return [
        ctx.finding(
            facts,
            "RTE-004",
            f"This payer's threshold for a positive diagnostic block is {threshold:g} %.",
            field="payer.profile_key",
            detail=f"{ctx.policy.name}: {threshold:g} % (Medicare: {reference:g} %)",
        )
    ]
