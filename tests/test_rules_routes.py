"""rules.routes.route_for: is prior authorization needed, and where (payer-rules 7.7).

Pure: no database, no Django settings. The route is read from the same profile data
as RTE-001..004 and PKT-008..010, so each route is checked against those findings.
"""

from __future__ import annotations

from dataclasses import replace as R
from datetime import date

import pytest

from priorauth.rules import evaluate
from priorauth.rules.policy import Policy
from priorauth.rules.routes import RouteKind, route_for

from .rules_builders import TODAY, base_esi_case, base_facet_case, policy, rfa_case
from .rules_builders import with_plan as wp


def _state(facts, state):  # type: ignore[no-untyped-def]
    return R(facts, payer=R(facts.payer, state=state))


def _pos(facts, pos, **kw):  # type: ignore[no-untyped-def]
    return R(facts, facility=R(facts.facility, place_of_service=pos, **kw))


def _codes(facts, key):  # type: ignore[no-untyped-def]
    return {f.code for f in evaluate(facts, policy(key), today=TODAY).findings}


@pytest.mark.parametrize(
    ("key", "facts", "kind", "rule"),
    [
        ("medicare", _state(base_esi_case(), "TX"), RouteKind.WISER, "RTE-001"),
        ("medicare", _state(base_esi_case(), "FL"), RouteKind.NONE, None),
        ("medicare", _pos(base_facet_case(), "22"), RouteKind.OPD, "RTE-002"),
        ("medicare", _pos(rfa_case(), "19"), RouteKind.OPD, "RTE-002"),
        ("medicare", base_facet_case(), RouteKind.NONE, "PKT-009"),
        (
            "medicare",
            _pos(base_facet_case(), "22", opd_exempt=True),
            RouteKind.NONE,
            None,
        ),
        ("medicare_advantage", base_facet_case(), RouteKind.PLAN, "RTE-003"),
        ("aetna", base_esi_case(), RouteKind.PLAN, None),
        ("evicore", base_facet_case(), RouteKind.PLAN, None),
    ],
)
def test_the_route_agrees_with_the_findings(key, facts, kind, rule):  # type: ignore[no-untyped-def]
    route = route_for(facts, policy(key), today=TODAY)
    assert route.kind is kind
    assert route.required is (kind is not RouteKind.NONE)
    assert route.headline and route.reason and route.policy
    codes = _codes(facts, key)
    if rule:
        assert rule in codes and rule in route.rule_ids
    if kind is RouteKind.WISER:
        assert {"PKT-008", "RTE-001"} <= codes
    if kind is RouteKind.OPD:
        assert "PKT-010" in codes
    if kind is RouteKind.NONE:
        assert not {"PKT-008", "PKT-010", "RTE-001", "RTE-002"} & codes


def test_wiser_names_the_vendor_validity_and_codes_on_one_request():
    route = route_for(_state(base_esi_case(), "TX"), policy(), today=TODAY)
    assert "Cohere" in route.headline and "Texas" in route.headline
    assert route.validity_days == 120
    text = " ".join(route.steps)
    assert "one request" in text and "64483" in text and "UTN" in text
    assert "72 hours" in route.decision


def test_opd_gives_the_seven_day_decision_and_the_mac():
    route = route_for(_pos(base_facet_case(), "22"), policy(), today=TODAY)
    assert "7 calendar days" in route.decision
    assert "First Coast" in route.headline  # FL: jurisdiction N


def test_medicare_advantage_cites_the_cms_0057f_clock_from_its_start():
    ma = policy("medicare_advantage")
    after = route_for(wp(base_facet_case(), date_of_service=date(2026, 1, 1)), ma)
    before = route_for(wp(base_facet_case(), date_of_service=date(2025, 12, 31)), ma)
    assert after.rule_ids == ("RTE-003",) and "7 calendar days" in after.steps[0]
    assert before.rule_ids == () and before.required is True


def test_the_block_threshold_note_comes_from_the_profile():
    route = route_for(base_facet_case(), policy("bcbs"), today=TODAY)
    assert any("50 %" in n and "RTE-004" in n for n in route.notes)
    assert route_for(base_facet_case(), policy(), today=TODAY).notes == ()


@pytest.mark.parametrize(
    ("facts", "missing"),
    [
        (wp(base_facet_case(), date_of_service=None), ("date_of_service",)),
        (_state(base_esi_case(), ""), ("state_of_service",)),
        (_pos(base_facet_case(), ""), ("facility",)),
        (R(base_facet_case(), levels=()), ("levels",)),
    ],
)
def test_it_waits_until_what_decides_the_route_is_known(facts, missing):  # type: ignore[no-untyped-def]
    route = route_for(facts, policy(), today=TODAY)
    assert route.kind is RouteKind.UNKNOWN and route.required is None
    assert route.missing == missing


def test_a_commercial_plan_needs_no_state_or_place_of_service():
    facts = _pos(_state(base_facet_case(), ""), "")
    assert route_for(facts, policy("aetna"), today=TODAY).kind is RouteKind.PLAN


def test_routes_are_data_switchable_without_code():
    """A state added to the WISeR data (and its vendor) routes there at once."""
    med = policy()
    data = {**med.data, "medicare": dict(med.data["medicare"])}
    wiser = dict(data["medicare"]["wiser"])
    wiser["states"] = [*wiser["states"], "FL"]
    wiser["vendors"] = {**wiser["vendors"], "FL": "Example Vendor"}
    data["medicare"]["wiser"] = wiser
    changed = Policy.from_data(
        key=med.key,
        kind=med.kind,
        name=med.name,
        version=med.version + 1,
        effective_date=med.effective_date,
        policy_id=med.policy_id,
        revision_date=med.revision_date,
        data=data,
    )
    facts = _state(base_esi_case(), "FL")
    assert route_for(facts, med, today=TODAY).kind is RouteKind.NONE
    route = route_for(facts, changed, today=TODAY)
    assert route.kind is RouteKind.WISER and "Example Vendor" in route.headline
