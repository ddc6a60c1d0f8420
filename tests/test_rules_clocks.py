"""Payer clocks (payer-rules 7.7, RTE-001..003): the due moment per route, both sides
of every boundary, figures from the profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from priorauth.rules.clocks import decision_clock
from tests.rules_builders import policy

UTC = UTC
# A Wednesday, mid-morning.
SENT = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("routes", "payer", "expedited", "due", "length"),
    [
        # WISeR portal: 72 h, 48 h expedited (profile medicare.wiser).
        (["RTE-001"], "medicare", False, SENT + timedelta(hours=72), "72 hours"),
        (["RTE-001"], "medicare", True, SENT + timedelta(hours=48), "48 hours"),
        # OPD: 7 calendar days; expedited 2 business days (Wed -> Fri).
        (["RTE-002"], "medicare", False, SENT + timedelta(days=7), "7 calendar days"),
        (["RTE-002"], "medicare", True, SENT + timedelta(days=2), "2 business days"),
        # CMS-0057-F plan clock: 7 calendar days, 72 h expedited.
        (
            ["RTE-003"],
            "medicare_advantage",
            False,
            SENT + timedelta(days=7),
            "7 calendar days",
        ),
        (
            ["RTE-003"],
            "medicare_advantage",
            True,
            SENT + timedelta(hours=72),
            "72 hours",
        ),
        # Two routes: the portal the request goes through first wins.
        (
            ["RTE-003", "RTE-001"],
            "medicare",
            False,
            SENT + timedelta(hours=72),
            "72 hours",
        ),
        (
            ["RTE-002", "RTE-003"],
            "medicare",
            False,
            SENT + timedelta(days=7),
            "7 calendar days",
        ),
    ],
)
def test_the_due_moment_follows_the_route(routes, payer, expedited, due, length):  # type: ignore[no-untyped-def]
    clock = decision_clock(routes, policy(payer), SENT, expedited=expedited)
    assert clock is not None
    assert (clock.due, clock.length) == (due, length)
    assert clock.rule_id == next(
        r for r in ("RTE-001", "RTE-002", "RTE-003") if r in routes
    )


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # Thursday + 2 business days = Monday; Friday -> Tuesday; Saturday -> Tuesday.
        (datetime(2026, 12, 3, 9, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC)),
        (datetime(2026, 12, 4, 9, tzinfo=UTC), datetime(2026, 12, 8, 9, tzinfo=UTC)),
        (datetime(2026, 12, 5, 9, tzinfo=UTC), datetime(2026, 12, 8, 9, tzinfo=UTC)),
        (datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2026, 12, 9, 9, tzinfo=UTC)),
    ],
)
def test_expedited_opd_counts_business_days(sent, due):  # type: ignore[no-untyped-def]
    clock = decision_clock(["RTE-002"], policy("medicare"), sent, expedited=True)
    assert clock is not None and clock.due == due


@pytest.mark.parametrize("routes", [[], ["RTE-004"], ["PKT-009"]])
def test_no_route_no_clock(routes):  # type: ignore[no-untyped-def]
    assert decision_clock(routes, policy("aetna"), SENT) is None


def test_the_figures_are_profile_data():
    changed = policy("medicare_advantage")
    data = {**changed.data, "routes": {**changed.data["routes"]}}
    data["routes"]["cms_0057f"] = {**data["routes"]["cms_0057f"], "standard_days": 14}
    from dataclasses import replace

    clock = decision_clock(["RTE-003"], replace(changed, data=data), SENT)
    assert clock is not None and clock.due == SENT + timedelta(days=14)
