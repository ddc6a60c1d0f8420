"""Property: evaluate never raises on valid CaseFacts and reports each rule once per level."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priorauth.rules import evaluate
from priorauth.rules.findings import Severity

from .rules_builders import policies
from .strategies import case_facts

KEYS = sorted(policies())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=case_facts(), key=st.sampled_from(KEYS))
def test_evaluate_never_crashes_and_reports_each_rule_once_per_level(facts, key):
    pol = policies()[key]
    ev = evaluate(facts, pol, today=date(2026, 11, 23))
    counts = Counter((f.code, f.level) for f in ev.findings)
    assert all(n == 1 for n in counts.values()), counts
    assert {f.code for f in ev.findings} <= set(pol.rule_ids)
    ranks = [f.severity.rank for f in ev.findings]
    assert ranks == sorted(ranks)
    for f in ev.findings:
        assert isinstance(f.severity, Severity) and f.citation.policy_id
        cfg = pol.rule(f.code)
        if cfg.evidence in {"SECONDARY", "UNCONFIRMED"}:
            assert f.severity is not Severity.BLOCKER, f.code
