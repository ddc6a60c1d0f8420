"""Payer profiles: the fixture loads without Django, labels are honoured, every rule can fire."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from priorauth.rules import evaluate
from priorauth.rules.checks import REGISTRY
from priorauth.rules.facts import PayerKind
from priorauth.rules.facts import ProcedureType as PT
from priorauth.rules.findings import Severity
from priorauth.rules.policy import WEAK_EVIDENCE, weak_blockers
from priorauth.rules.profiles import DEFAULT_FIXTURE, load_fixture_policies

from .rules_builders import (
    TODAY,
    base_esi_case,
    base_facet_case,
    confirmatory_case,
    policies,
    rfa_case,
    therapeutic_ia_case,
)
from .test_rules_checks import CASES

SPEC = Path("/work/shared/spec/payer-rules.md")
FALLBACK_IDS = (
    [f"PKT-{i:03d}" for i in range(1, 11)]
    + [f"FAC-{i:03d}" for i in range(1, 29)]
    + [f"DVT-{i:03d}" for i in range(1, 7)]
    + [f"ESI-{i:03d}" for i in range(1, 18)]
    + ["AET-001", "AET-002", "AET-003"]
    + [f"EVI-{i:03d}" for i in range(1, 7)]
    + ["CAR-001", "CAR-002", "CAR-003", "BCB-001", "BMA-001"]
    + [f"RTE-{i:03d}" for i in range(1, 5)]
)


def section7_ids() -> list[str]:
    """Rule IDs from section 7 of the spec (table rows), or the hard-coded list."""
    if not SPEC.exists():
        return FALLBACK_IDS
    text = SPEC.read_text(encoding="utf-8")
    sec = text[text.index("## 7.") : text.index("## 8.")]
    return sorted(set(re.findall(r"^\| ([A-Z]{3}-\d{3}) \|", sec, flags=re.M)))


def test_the_fixture_loads_every_profile_without_django():
    pols = load_fixture_policies(DEFAULT_FIXTURE)
    assert set(pols) == {
        "medicare",
        "medicare_advantage",
        "aetna",
        "evicore",
        "carelon",
        "bcbs",
        "bcbs_ma",
        "commercial",
    }
    for key, pol in pols.items():
        assert pol.kind is PayerKind(key)
        assert pol.policy_id and pol.version >= 1 and pol.effective_date
        assert pol.rule_ids


def test_section_7_has_the_expected_ids():
    assert len(section7_ids()) == 79
    assert set(section7_ids()) == set(FALLBACK_IDS)


def test_every_section_7_rule_has_a_check_enabled_somewhere_and_a_firing_test():
    fired = {c[0] for c in CASES}
    enabled = {code for pol in policies().values() for code in pol.rule_ids}
    for code in section7_ids():
        assert code in REGISTRY, code
        assert code in enabled, code
        assert code in fired, code


def test_every_enabled_rule_id_has_a_check():
    for pol in policies().values():
        assert set(pol.rule_ids) <= set(REGISTRY), pol.key


@pytest.mark.parametrize("key", sorted(load_fixture_policies()))
def test_no_secondary_or_unconfirmed_rule_is_a_blocker(key):
    pol = policies()[key]
    assert weak_blockers(pol) == []
    for code in pol.rule_ids:
        cfg = pol.rule(code)
        assert cfg.evidence in {"CONFIRMED", "CONFIRMED-2", *WEAK_EVIDENCE}, code


def test_medicare_only_rules_stay_in_medicare_profiles():
    for key, pol in policies().items():
        for code in ("PKT-008", "PKT-009", "PKT-010", "RTE-001", "RTE-002"):
            assert pol.enabled(code) is (key == "medicare"), (key, code)
        assert pol.enabled("DVT-003") is (key == "aetna")
        assert pol.enabled("BMA-001") is (key == "bcbs_ma")
        assert pol.enabled("DVT-005") is (key == "bcbs")


CLEAN = {
    "mbb": base_facet_case,
    "confirmatory": confirmatory_case,
    "rfa": rfa_case,
    "therapeutic_ia": therapeutic_ia_case,
    "tfesi": base_esi_case,
    "ilesi": lambda: base_esi_case(PT.ESI_INTERLAMINAR),
    "caudal": lambda: base_esi_case(PT.ESI_CAUDAL),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
@pytest.mark.parametrize("key", ["medicare", "medicare_advantage", "commercial"])
def test_clean_cases_have_no_blockers(name, key):
    ev = evaluate(CLEAN[name](), policies()[key], today=TODAY)
    assert [f.code for f in ev.findings if f.severity is Severity.BLOCKER] == []
    assert [f.code for f in ev.findings if f.severity is Severity.WARNING] == []
    assert ev.code_lines and ev.ledger and ev.region == "lumbar_sacral"
