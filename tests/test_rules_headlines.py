"""Headlines in plain words for staff (issue 13 item 4), and suggestions that leave out
what the request already documents. Pure: no database, no Django."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from priorauth.rules import evaluate
from priorauth.rules.checks.common import REGISTRY
from priorauth.rules.findings import Citation, Finding, Severity
from priorauth.rules.headlines import HEADLINES, headline, ordinal
from tests.rules_builders import (
    TODAY,
    base_esi_case,
    base_facet_case,
    block,
    policy,
    with_clinical,
    with_plan,
)
from tests.test_rules_checks import CASES, IDS

# A headline is one line a clerk reads at a glance: no payer shorthand.
JARGON = (">=", "<=", "MBBs", "RFA", "LCD", "ICD")


def _found(case, key="medicare"):  # type: ignore[no-untyped-def]
    return {f.code: f for f in evaluate(case, policy(key), today=TODAY).findings}


def test_every_rule_id_has_a_headline():
    assert sorted(set(REGISTRY) - set(HEADLINES)) == []
    assert sorted(set(HEADLINES) - set(REGISTRY)) == []


@pytest.mark.parametrize(("code", "key", "fires", "quiet"), CASES, ids=IDS)
def test_each_finding_that_reaches_staff_reads_as_one_plain_line(
    code, key, fires, quiet
):
    finding = _found(fires, key)[code]
    text = headline(finding, facts=fires, payer="Original Medicare")
    assert text and "\n" not in text
    assert len(text) <= 120, text
    assert not text.endswith("."), text
    assert text[0].isupper() or text.startswith("eviCore"), text
    assert not any(word in text for word in JARGON), text


def test_the_third_block_headline_counts_from_the_finding():
    case = replace(
        base_facet_case(), history=(block(date(2026, 3, 1)), block(date(2026, 3, 20)))
    )
    finding = _found(case)["DVT-001"]
    assert headline(finding, facts=case, payer="Medicare") == (
        "This would be the 3rd diagnostic block at L4-L5 in 12 months: "
        "Medicare will likely treat it as therapeutic"
    )


def test_a_rule_without_a_headline_falls_back_to_its_first_sentence():
    finding = Finding(
        code="NEW-001",
        severity=Severity.WARNING,
        message="Something new is missing. Add it on the form, then save.",
        citation=Citation("Policy X"),
    )
    assert headline(finding) == "Something new is missing"


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinals(n, words):
    assert ordinal(n) == words


def test_the_state_of_service_is_named_where_it_matters():
    finding = Finding("PKT-008", Severity.WARNING, "x", Citation("WISeR"))
    case = base_esi_case()
    case = replace(case, payer=replace(case.payer, state="OK"))
    assert "in OK" in headline(finding, facts=case)


# ---- suggestions already satisfied are not shown -----------------------------------


def _third_block(**clinical):  # type: ignore[no-untyped-def]
    case = replace(
        base_facet_case(), history=(block(date(2026, 3, 1)), block(date(2026, 3, 20)))
    )
    return with_clinical(case, **clinical) if clinical else case


def test_dvt_001_suggests_a_plan_for_rfa_only_when_none_is_ticked():
    assert (
        "a plan for RFA" in _found(_third_block(rfa_planned=False))["DVT-001"].message
    )
    planned = _found(_third_block(rfa_planned=True))["DVT-001"].message
    assert "a plan for RFA" not in planned
    assert "RF ablation is marked as planned" in planned


def test_dvt_001_asks_for_a_reason_rfa_is_impossible_only_when_none_is_written():
    assert "a documented reason RFA" in _found(_third_block())["DVT-001"].message
    assert (
        "Already documented"
        not in _found(_third_block(rfa_planned=False))["DVT-001"].message
    )
    message = _found(
        _third_block(rfa_contraindication="Pacemaker; RF contraindicated.")
    )["DVT-001"].message
    assert "a documented reason RFA" not in message
    assert "a reason RFA is not possible is documented" in message


def test_dvt_001_fix_is_the_intent_not_the_prior_count():
    assert _found(_third_block())["DVT-001"].field == "procedure.intent"


def test_dvt_002_with_the_reason_written_points_to_the_intent():
    case = replace(
        base_facet_case(),
        history=(block(date(2026, 3, 1)), block(date(2026, 3, 20))),
    )
    plain = _found(case).get("DVT-002")
    assert plain is not None and plain.field == "clinical.rfa_contraindication"
    reasoned = _found(with_clinical(case, rfa_contraindication="Pacemaker."))["DVT-002"]
    assert "needs a documented reason" not in reasoned.message
    assert reasoned.field == "procedure.intent"


def test_fac_020_does_not_ask_for_a_sedation_reason_already_given():
    from priorauth.rules.facts import Sedation

    case = with_plan(base_facet_case(), sedation=Sedation.MODERATE)
    asked = _found(case)["FAC-020"]
    assert "Document why it is needed" in asked.message
    assert asked.field == "procedure.sedation_justification"
    given = _found(
        with_plan(case, sedation_justification="Severe claustrophobia, documented.")
    )["FAC-020"]
    assert "Document why" not in given.message
    assert given.field == "procedure.sedation"


def test_fac_001_asks_for_the_onset_date_only_when_it_is_missing():
    missing = with_clinical(base_facet_case(), onset_date=None)
    finding = _found(missing)["FAC-001"]
    assert "Document the onset date" in finding.message
    assert headline(finding, facts=missing).startswith("The pain onset date is missing")
    recent = with_clinical(base_facet_case(), onset_date=date(2026, 11, 1))
    finding = _found(recent)["FAC-001"]
    assert "Document the onset date" not in finding.message
    assert headline(finding, facts=recent).startswith("The pain has not lasted")


def test_fac_012_does_not_ask_for_a_reason_already_written():
    from tests.rules_builders import therapeutic_ia_case

    asked = _found(with_clinical(therapeutic_ia_case(), rfa_contraindication=""))
    # Two good blocks on file: only the reason is asked for.
    assert asked["FAC-012"].message == (
        "Therapeutic facet injections need a documented reason the patient cannot "
        "have RFA."
    )
    given = _found(
        replace(
            with_clinical(therapeutic_ia_case(), rfa_contraindication="Pacemaker."),
            history=(),
        )
    )["FAC-012"]
    assert "documented reason" not in given.message
    assert "two >= 80 % diagnostic blocks" in given.message


@pytest.mark.parametrize(
    ("key", "name", "words"),
    [
        ("medicare", "Original Medicare (MAC LCD by state of service)", "Medicare"),
        ("aetna", "Aetna", "Aetna"),
        ("", "Regional Health Plan (HMO)", "Regional Health Plan"),
        ("", "", "The payer"),
    ],
)
def test_the_payer_is_named_as_staff_say_it(key, name, words):
    from priorauth.rules.headlines import payer_words

    assert payer_words(key, name) == words


def test_the_long_profile_name_never_reaches_the_headline():
    case = replace(
        base_facet_case(), history=(block(date(2026, 3, 1)), block(date(2026, 3, 20)))
    )
    text = headline(
        _found(case)["DVT-001"],
        facts=case,
        payer="Original Medicare (MAC LCD by state of service)",
    )
    assert text.endswith(": Medicare will likely treat it as therapeutic")
