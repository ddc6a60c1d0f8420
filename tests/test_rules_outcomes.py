"""One evaluation: each applicable criterion has one outcome, and the open ones are the findings."""

from __future__ import annotations

from dataclasses import replace as R
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priorauth.rules import evaluate
from priorauth.rules.criteria import CRITERIA_BY_CODE, ENTRY_CHECKS, NOTICES
from priorauth.rules.facts import Rationale
from priorauth.rules.outcomes import Kind, Status, kind_of

from .rules_builders import (
    TODAY,
    base_esi_case,
    base_facet_case,
    block,
    confirmatory_case,
    days_before,
    policies,
    rfa_case,
)
from .strategies import case_facts

KEYS = sorted(policies())


def _open(ev):
    return {(o.code, o.level) for o in ev.outcomes if o.is_open}


def _criterion_findings(ev):
    return {(f.code, f.level) for f in ev.findings if kind_of(f.code) is Kind.CRITERION}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=case_facts(), key=st.sampled_from(KEYS))
def test_open_outcomes_are_exactly_the_findings_of_criteria(facts, key):
    ev = evaluate(facts, policies()[key], today=TODAY)
    assert _open(ev) == _criterion_findings(ev)
    pairs = [(o.code, o.level) for o in ev.outcomes]
    assert len(pairs) == len(set(pairs))  # one outcome per criterion and level
    for o in ev.outcomes:
        assert kind_of(o.code) is Kind.CRITERION, o.code
        assert o.criterion and o.citation.policy_id
        if o.status is Status.MET:
            assert o.evidence.strip(), o.code  # met only with what meets it
            assert not o.findings
        if o.status is Status.NOT_APPLICABLE:
            assert o.evidence.strip(), o.code  # the reason
        if o.status is Status.GAP:
            assert o.evidence.strip() and o.findings
        if o.status is Status.NOT_DOCUMENTED:
            assert not o.evidence and o.findings


def test_every_rule_is_a_criterion_a_notice_or_an_entry_check():
    enabled = {code for pol in policies().values() for code in pol.rule_ids}
    for code in enabled:
        assert code in CRITERIA_BY_CODE or code in NOTICES | ENTRY_CHECKS, code
    assert not (NOTICES & set(CRITERIA_BY_CODE))


@pytest.mark.parametrize("key", KEYS)
def test_the_demo_third_block_gets_one_open_outcome_per_finding(key):
    third = confirmatory_case(
        history=(block(days_before(60)), block(days_before(30))),
        block_responses=(),
    )
    ev = evaluate(third, policies()[key], today=TODAY)
    assert _open(ev) == _criterion_findings(ev)


def test_a_third_block_is_not_listed_as_a_confirmatory_block():
    third = confirmatory_case(
        history=(block(days_before(60)), block(days_before(30))), block_responses=()
    )
    ev = evaluate(third, policies()["medicare"], today=TODAY)
    fac6 = next(o for o in ev.outcomes if o.code == "FAC-006")
    assert fac6.status is Status.NOT_APPLICABLE
    dvt = next(o for o in ev.outcomes if o.code == "DVT-001")
    assert (dvt.status, dvt.level) == (Status.GAP, "L4-L5")
    ev2 = evaluate(confirmatory_case(), policies()["medicare"], today=TODAY)
    assert next(o for o in ev2.outcomes if o.code == "FAC-006").status is Status.MET


def test_met_outcomes_quote_their_evidence_and_cite_the_lcd_section():
    ev = evaluate(base_facet_case(), policies()["medicare"], today=TODAY)
    fac1 = next(o for o in ev.outcomes if o.code == "FAC-001")
    assert (
        fac1.status is Status.MET
        and "months before the date of service" in fac1.evidence
    )
    assert "Coverage Indications" in fac1.citation.full
    aetna = evaluate(base_facet_case(), policies()["aetna"], today=TODAY)
    assert all(not o.citation.section for o in aetna.outcomes)  # no invented sections


def test_a_physicians_rationale_travels_with_its_outcome():
    third = confirmatory_case(
        history=(block(days_before(60)), block(days_before(30))),
        block_responses=(),
        rationales=(
            Rationale("DVT-001", "L4-L5", "New facet pain pattern after fall."),
        ),
    )
    ev = evaluate(third, policies()["medicare"], today=TODAY)
    dvt = next(o for o in ev.outcomes if o.code == "DVT-001")
    assert dvt.is_open and dvt.answered
    assert dvt.rationale.text.startswith("New facet pain")


def test_notices_are_findings_without_outcomes():
    wiser = R(base_esi_case(), payer=R(base_esi_case().payer, state="AZ"))
    ev = evaluate(wiser, policies()["medicare"], today=TODAY)
    assert {"PKT-008", "RTE-001"} <= {f.code for f in ev.findings}
    assert not {"PKT-008", "RTE-001"} & {o.code for o in ev.outcomes}


def test_rfa_outcomes_read_the_blocks_however_entered():
    # Two MBBs entered only as responses count as the RFA prerequisite.
    from priorauth.rules.facts import BlockResponse, ProcedureType

    responses = tuple(
        BlockResponse(
            date=days_before(n),
            levels=("L4-L5",),
            percent_relief=90,
            duration_hours=6,
            scale="NRS",
            agent="lidocaine 2%",
            procedure=ProcedureType.MBB,
        )
        for n in (60, 30)
    )
    rfa = rfa_case(history=(), block_responses=responses)
    ev = evaluate(rfa, policies()["medicare"], today=TODAY)
    assert "FAC-009" not in {f.code for f in ev.findings}
    assert next(o for o in ev.outcomes if o.code == "FAC-009").status is Status.MET
    assert date(2026, 1, 1) < TODAY


@pytest.mark.parametrize(
    ("key", "code", "case"),
    [
        ("medicare", "FAC-002", base_facet_case),
        ("aetna", "AET-001", base_facet_case),
        ("medicare", "ESI-003", base_esi_case),
        ("evicore", "EVI-004", base_esi_case),
    ],
)
def test_care_findings_name_the_rows_that_do_not_count_and_why(key, code, case):
    from priorauth.rules.facts import CareOutcome, ConservativeCare

    rows = (
        ConservativeCare(
            "physical_therapy",
            date(2026, 1, 5),
            date(2026, 3, 30),
            outcome="Completed 16 visits; pain unchanged",
        ),
        ConservativeCare(
            "nsaids", date(2026, 1, 5), date(2026, 3, 30), outcome=CareOutcome.IMPROVED
        ),
    )
    ev = evaluate(R(case(), conservative_care=rows), policies()[key], today=TODAY)
    finding = next(f for f in ev.findings if f.code == code)
    assert (
        'physical therapy (row 1): no outcome chosen (note: "Completed 16 visits'
        in finding.detail
    )
    assert 'NSAIDs (row 2): outcome "improved" does not count' in finding.detail
    # Chosen as failed, the same therapy counts and the finding goes.
    fixed = (R(rows[0], outcome=CareOutcome.FAILED, note="16 visits, pain unchanged"),)
    ev = evaluate(R(case(), conservative_care=fixed), policies()[key], today=TODAY)
    assert code not in {f.code for f in ev.findings}
