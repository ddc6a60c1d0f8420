"""Per-level ledger: prior counts, rolling-window sessions, next eligible date."""

from __future__ import annotations

from dataclasses import replace as R
from datetime import date

import pytest

from priorauth.rules import evaluate
from priorauth.rules.dates import add_months, window_start
from priorauth.rules.facts import BlockResponse, LevelRequest, Side
from priorauth.rules.facts import ProcedureType as PT
from priorauth.rules.ledger import computed_relief, effective_relief

from .rules_builders import (
    TODAY,
    base_esi_case,
    base_facet_case,
    block,
    esi_row,
    policy,
    rfa_case,
    rfa_row,
)


def ledger(case, key="medicare"):
    return {e.level: e for e in evaluate(case, policy(key), today=TODAY).ledger}


def test_several_levels_on_one_day_are_one_session():
    hist = (
        block(date(2026, 3, 1), levels=("L3-L4", "L4-L5")),
        block(date(2026, 4, 1), "L3-L4"),
    )
    e = ledger(R(base_facet_case(), history=hist))["L4-L5"]
    assert (e.prior_count, e.history_count, e.last_date) == (1, 1, date(2026, 3, 1))
    assert (e.sessions_used_12m, e.session_limit) == (3, 4)
    assert e.next_eligible_date == date(2026, 12, 10)


def test_next_eligible_date_waits_for_the_oldest_session_to_leave_the_window():
    hist = tuple(
        block(d, "L3-L4")
        for d in (
            date(2026, 1, 15),
            date(2026, 3, 1),
            date(2026, 5, 1),
            date(2026, 7, 1),
        )
    )
    e = ledger(R(base_facet_case(), history=hist))["L4-L5"]
    assert e.sessions_used_12m == 5
    assert e.next_eligible_date == date(2027, 1, 16)


@pytest.mark.parametrize(
    ("key", "last", "expected"),
    [
        ("evicore", date(2026, 12, 1), date(2026, 12, 15)),  # 14 days apart
        ("bcbs_ma", date(2026, 12, 1), date(2026, 12, 31)),  # 30 days apart
        ("medicare", date(2026, 12, 1), date(2026, 12, 10)),  # no interval rule
    ],
)
def test_next_eligible_date_respects_minimum_intervals(key, last, expected):
    e = ledger(R(base_esi_case(), history=(esi_row(last),)), key)["L4-L5"]
    assert e.next_eligible_date == expected


def test_rfa_limit_is_two_sessions():
    case = rfa_case(history=rfa_case().history + (rfa_row(date(2026, 4, 5), "L3-L4"),))
    e = ledger(case)["L4-L5"]
    assert (e.sessions_used_12m, e.session_limit) == (2, 2)


def test_typed_count_higher_than_history_is_used_and_noted():
    case = R(
        base_facet_case(),
        levels=(LevelRequest("L4-L5", Side.BILATERAL, 3),),
        history=(block(date(2026, 3, 1)),),
    )
    e = ledger(case)["L4-L5"]
    assert (e.prior_count, e.history_count, e.typed_count) == (3, 1, 3)
    assert "typed" in e.note


def test_typed_count_lower_than_history_is_led_001():
    case = R(
        base_facet_case(),
        levels=(LevelRequest("L4-L5", Side.BILATERAL, 0),),
        history=(block(date(2026, 3, 1)),),
    )
    ev = evaluate(case, policy("medicare"), today=TODAY)
    assert {f.code for f in ev.findings if f.level == "L4-L5"} >= {"LED-001"}
    assert ev.ledger[0].prior_count == 1


def test_computed_relief_from_scores():
    case = R(
        base_facet_case(),
        block_responses=(
            BlockResponse(
                date(2026, 9, 1), pre_score=8, post_score=2, percent_relief=69
            ),
            BlockResponse(date(2026, 9, 2), percent_relief=70),
        ),
    )
    ev = evaluate(case, policy("medicare"), today=TODAY)
    # One record per injection: each response is now a history row of the request's
    # block type, and its relief is computed from the scores where it has them.
    rows = [r for r in ev.facts.history if r.builds_on]
    assert [(r.date, r.procedure) for r in rows] == [
        (date(2026, 9, 1), PT.MBB),
        (date(2026, 9, 2), PT.MBB),
    ]
    assert [computed_relief(r) for r in rows] == [75.0, None]
    assert [effective_relief(r) for r in rows] == [75.0, 70]
    assert "LED-002" in {f.code for f in ev.findings}


@pytest.mark.parametrize(
    ("mode", "dos", "start"),
    [
        ("calendar_months", date(2026, 12, 10), date(2025, 12, 10)),
        ("calendar_months", date(2024, 2, 29), date(2023, 2, 28)),
        ("days365", date(2026, 12, 10), date(2025, 12, 10)),
        (
            "days365",
            date(2024, 12, 10),
            date(2023, 12, 11),
        ),  # leap year: 365 days, not a year
    ],
)
def test_rolling_window_modes(mode, dos, start):
    assert window_start(dos, 12, mode) == start


def test_add_months_clamps_the_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
