"""The packet and the findings say the same thing: one evaluation, rendered twice.

For generated requests under every payer profile, the (criterion, level) pairs
the packet's cross-walk shows as not met are exactly the findings of criteria,
and nothing of the practice's own (rule IDs, coaching messages,
routes, entry checks) reaches the HTML the insurer reads.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priorauth import packet
from priorauth.packet import pdf
from priorauth.rules import evaluate
from priorauth.rules.outcomes import Kind, kind_of

from .rules_builders import TODAY, policies
from .strategies import case_facts

KEYS = sorted(policies())
ROW = re.compile(
    r'<tr data-criterion="([A-Z]{3}-\d{3})" data-level="([^"]*)" data-outcome="([a-z_]+)">'
)
OPEN = {"gap", "not_documented"}


def _packet_html(facts, key):  # type: ignore[no-untyped-def]
    policy = policies()[key]
    evaluation = evaluate(facts, policy, today=TODAY)
    ctx = packet.build_packet_context(
        facts=facts, evaluation=evaluation, policy=policy, request_id=1
    )
    return evaluation, pdf.render_html("pdf/packet.html", ctx)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(facts=case_facts(), key=st.sampled_from(KEYS))
def test_packet_shows_as_not_met_exactly_the_findings(facts, key):
    evaluation, html = _packet_html(facts, key)
    shown = {
        (code, level or None)
        for code, level, outcome in ROW.findall(html)
        if outcome in OPEN
    }
    findings = {
        (f.code, f.level)
        for f in evaluation.findings
        if kind_of(f.code) is Kind.CRITERION
    }
    assert shown == findings
    visible = re.sub(r"<[^>]+>", " ", html)  # rule IDs live in data attributes only
    for f in evaluation.findings:
        assert f.code not in visible, f.code
        if kind_of(f.code) is not Kind.CRITERION:
            assert f'data-criterion="{f.code}"' not in html
    for word in ("To meet:", "What would justify"):
        assert word not in html
