"""Is prior authorization needed, and where to request it (payer-rules 7.7).

``route_for(facts, policy)`` answers the question billing staff ask first, as one
structured ``Route``: required or not, by which route (the state's WISeR vendor,
Medicare hospital OPD prior authorization, the plan itself, or none), why, what
to do, and the policy. It reads the same profile data as RTE-001..004, PKT-008,
PKT-009 and PKT-010 (``medicare.wiser``, ``medicare.opd_pa``, ``medicare.hopd_pos``,
``routes.*``, the facility's OPD exemption) through the same matchers
(``checks.packet.wiser_match``/``opd_match``), so the banner and the findings never
disagree and a route changes with the data, not the code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from .checks.packet import opd_match, wiser_match
from .codes import FACET_CPT
from .engine import build_context
from .facts import CaseFacts, PayerKind
from .policy import Policy
from .states import US_STATES


class RouteKind(enum.StrEnum):
    WISER = "wiser"  # Original Medicare ESI in a WISeR state: the state's vendor
    OPD = "opd"  # Original Medicare facet procedure in a hospital OPD: the MAC
    PLAN = "plan"  # Medicare Advantage or commercial: the plan (or its manager)
    NONE = "none"  # Original Medicare, not in a prior-authorization program
    UNKNOWN = "unknown"  # not enough is known yet


@dataclass(frozen=True)
class Route:
    """Where a request goes. ``headline`` and ``reason`` are plain words for billing
    staff; ``payer_terms`` names the program as the payer does; ``policy`` cites it;
    ``steps`` say what to do; ``missing`` names the request fields still needed
    (form field names) when ``kind`` is UNKNOWN."""

    kind: RouteKind
    required: bool | None
    headline: str
    reason: str = ""
    steps: tuple[str, ...] = ()
    payer_terms: str = ""
    policy: str = ""
    rule_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    validity_days: int | None = None
    decision: str = ""


# What must be known before a route can be told (form field names, plain words).
FIELD_WORDS = {
    "payer_profile": "payer",
    "state_of_service": "state of service",
    "facility": "facility (place of service)",
    "procedure_type": "procedure",
    "levels": "levels",
    "date_of_service": "date of service",
}


def _missing(facts: CaseFacts, policy: Policy | None, has_levels: bool) -> list[str]:
    out = []
    if policy is None:
        out.append("payer_profile")
    if policy is None or policy.is_original_medicare:
        if not facts.payer.state.strip():
            out.append("state_of_service")
        if not facts.facility.place_of_service.strip():
            out.append("facility")
    if not has_levels and (policy is None or policy.is_original_medicare):
        out.append("levels")  # the CPT codes (and so WISeR or OPD) need the levels
    if facts.procedure.date_of_service is None:
        out.append("date_of_service")
    return out


def unknown_route(missing: list[str]) -> Route:
    """The route before enough is known: names the fields still needed."""
    return Route(
        kind=RouteKind.UNKNOWN,
        required=None,
        headline="Prior authorization: not known yet",
        reason=f"Enter the {_words(missing)} to see whether prior authorization "
        "is needed and where to request it.",
        missing=tuple(missing),
    )


def _words(names: list[str]) -> str:
    words = [FIELD_WORDS[n] for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _codes(cpts: list[str], add_ons: set[str]) -> str:
    return ", ".join(("+" if c in add_ons else "") + c for c in cpts)


def route_for(
    facts: CaseFacts, policy: Policy | None, *, today: date | None = None
) -> Route:
    """The prior-authorization route for a request (see the module doc)."""
    today = today or date.today()
    ctx = build_context(facts, policy, today) if policy is not None else None
    missing = _missing(facts, policy, bool(ctx and ctx.levels))
    if missing:
        return unknown_route(missing)
    assert policy is not None and ctx is not None
    notes = _threshold_notes(facts, policy)
    if policy.is_original_medicare:
        return _medicare_route(facts, policy, ctx, notes)
    return _plan_route(facts, policy, ctx.dos, notes)


def _threshold_notes(facts: CaseFacts, policy: Policy) -> tuple[str, ...]:
    """RTE-004: the payer's diagnostic-block threshold when it is not Medicare's."""
    if not facts.procedure.type.is_facet_family:
        return ()
    reference = policy.get("routes", "reference_block_threshold")
    threshold = policy.get("facet", "diag_relief_min")
    if reference is None or threshold is None or threshold == reference:
        return ()
    return (
        f"This payer counts a diagnostic block as positive at {threshold:g} % relief "
        f"(Medicare: {reference:g} %) (RTE-004).",
    )


def _medicare_route(facts, policy, ctx, notes) -> Route:  # type: ignore[no-untyped-def]
    wiser = wiser_match(facts, ctx)
    if wiser is not None:
        state, cpts = wiser
        w = policy.get("medicare", "wiser", {})
        vendor = (w.get("vendors") or {}).get(state, "the state's WISeR vendor")
        days = w.get("valid_days", 120)
        hours, fast = w.get("decision_hours", 72), w.get("expedited_hours", 48)
        add_ons = {cl.cpt for cl in ctx.code_lines if cl.add_on}
        return Route(
            kind=RouteKind.WISER,
            required=True,
            headline=f"Prior authorization needed: request it from {vendor}, "
            f"the Medicare WISeR vendor for {US_STATES.get(state, state)}.",
            reason="Original Medicare requires prior authorization for epidural "
            f"steroid injections in {US_STATES.get(state, state)} from "
            f"{w['start']} (CPT {_codes(cpts, add_ons)}), at any place of service.",
            steps=(
                "Put the primary code and every add-on code on one request: "
                + _codes([cl.cpt for cl in ctx.code_lines], add_ons)
                + ".",
                f"An approval is valid {days} days. Record its tracking number (UTN) "
                "and report it on every claim (for ASC or hospital cases on the "
                "facility claim only).",
                f"Decision: {hours} hours on the vendor's portal ({fast} hours "
                "expedited).",
            ),
            payer_terms="CMS WISeR model: prior authorization request to the "
            "WISeR participant; provisional affirmation with a UTN.",
            policy=str(w.get("source", "CMS WISeR model")),
            rule_ids=("RTE-001", "PKT-008"),
            notes=notes,
            validity_days=int(days),
            decision=f"{hours} hours ({fast} hours expedited)",
        )
    opd = opd_match(facts, ctx)
    if opd is not None:
        pos, cpts = opd
        o = policy.get("medicare", "opd_pa", {})
        days = o.get("standard_decision_days", 7)
        fast = o.get("expedited_business_days", 2)
        jur = policy.jurisdiction(facts.payer.state, facts.payer.county)
        mac = (
            f"the Medicare contractor ({jur['mac']})"
            if jur and jur.get("mac")
            else ("the Medicare contractor (MAC)")
        )
        return Route(
            kind=RouteKind.OPD,
            required=True,
            headline="Prior authorization needed: the hospital requests it from "
            f"{mac} before the procedure.",
            reason="Original Medicare requires prior authorization for facet "
            f"procedures in a hospital outpatient department (place of service {pos}; "
            f"CPT {', '.join(cpts)} on the OPD list on this date of service).",
            steps=(
                "Request a provisional affirmation and record its tracking number "
                "(UTN) before the procedure.",
                f"Decision: {days} calendar days (standard), {fast} business days "
                "(expedited).",
                "A facility exempt from the program (90 % or more affirmations) skips "
                "it: tick the facility's OPD-exempt flag.",
            ),
            payer_terms="Hospital outpatient department (OPD) prior authorization "
            "program: provisional affirmation, UTN.",
            policy=str(o.get("source", "CMS OPD prior authorization program")),
            rule_ids=("RTE-002", "PKT-010"),
            notes=notes,
            decision=f"{days} calendar days ({fast} business days expedited)",
        )
    return _medicare_none(facts, policy, ctx, notes)


def _medicare_none(facts, policy, ctx, notes) -> Route:  # type: ignore[no-untyped-def]
    pos = facts.facility.place_of_service.strip()
    hopd = policy.get("medicare", "hopd_pos", ())
    facet = any(cl.cpt in FACET_CPT for cl in ctx.code_lines)
    w = policy.get("medicare", "wiser", {}) or {}
    rule_ids: tuple[str, ...] = ()
    if facet and pos in hopd and facts.facility.opd_exempt:
        reason = (
            "The facility is exempt from Medicare's hospital OPD prior authorization "
            "(its OPD-exempt flag is set)."
        )
    elif facet and pos in hopd:
        reason = (
            "None of the requested codes is on Medicare's hospital OPD prior "
            "authorization list on this date of service."
        )
    elif facet:
        reason = (
            "Original Medicare needs no prior authorization for facet injections "
            f"and RF ablation outside a hospital outpatient department (place of "
            f"service {pos}); they are not in WISeR."
        )
        rule_ids = ("PKT-009",)
    elif facts.procedure.type is not None and facts.procedure.type.is_esi and w:
        states = ", ".join(w.get("states", ()))
        reason = (
            "Original Medicare requires prior authorization for epidural steroid "
            f"injections only in the WISeR states ({states}) from {w['start']}; "
            f"this one is in {facts.payer.state.upper()} on "
            f"{ctx.dos:%m/%d/%Y}."
        )
    else:
        reason = "No Medicare prior authorization program covers this procedure."
    return Route(
        kind=RouteKind.NONE,
        required=False,
        headline="No prior authorization needed from Original Medicare.",
        reason=reason,
        steps=(
            "The LCD criteria still apply if the claim is reviewed: keep the packet "
            "(signed letter and records) on file.",
        ),
        payer_terms="Not subject to WISeR or OPD prior authorization; "
        "medical necessity per the MAC's LCD.",
        policy=policy.policy_id_for(
            state=facts.payer.state,
            county=facts.payer.county,
            family="esi" if facts.procedure.type.is_esi else "facet",
        ),
        rule_ids=rule_ids,
        notes=notes,
    )


def _plan_route(facts, policy, dos, notes) -> Route:  # type: ignore[no-untyped-def]
    plan = facts.payer.plan_name.strip() or policy.name
    ma = policy.kind is PayerKind.MEDICARE_ADVANTAGE
    clock = policy.get("routes", "cms_0057f")
    steps = []
    rule_ids: tuple[str, ...] = ()
    decision = ""
    if clock and dos >= date.fromisoformat(clock["start"]):
        hours, days = clock.get("expedited_hours", 72), clock.get("standard_days", 7)
        steps.append(
            f"The plan must decide within {days} calendar days (standard) or {hours} "
            "hours (expedited) and give a specific reason if it denies."
        )
        rule_ids = ("RTE-003",)
        decision = f"{days} calendar days ({hours} hours expedited)"
    else:
        steps.append("Decision time and validity: as the plan's approval letter says.")
    steps.append("Record the authorization number and its dates when the plan answers.")
    named = facts.payer.plan_name.strip()
    if ma:
        where = (
            f"the Medicare Advantage plan ({named})"
            if named
            else ("the patient's Medicare Advantage plan")
        )
    else:
        where = f"the health plan ({plan})"
    return Route(
        kind=RouteKind.PLAN,
        required=True,
        headline=f"Prior authorization needed: request it from {where}.",
        reason=(
            "Medicare Advantage plans set their own prior-authorization rules; they "
            "apply Medicare's coverage criteria (LCD) to spinal injections."
            if ma
            else f"{policy.name} reviews spinal injections before they are done "
            "under its own medical policy."
        ),
        steps=tuple(steps),
        payer_terms=(
            "Plan prior authorization (organization determination); CMS-0057-F "
            "decision timeframes."
            if rule_ids
            else "Plan prior authorization (precertification)."
        ),
        policy=(str(clock.get("source", "CMS-0057-F")) if rule_ids else "")
        or policy.policy_id,
        rule_ids=rule_ids,
        notes=notes,
        decision=decision,
    )
