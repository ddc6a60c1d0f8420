"""An approval against the schedule and what was done (issue 15, item 3)."""

from __future__ import annotations

from datetime import date

import pytest

from priorauth.rules.authorization import (
    Authorized,
    AuthorizedLine,
    Performed,
    authorization_drift,
    units_used,
)

AUTH = Authorized(
    valid_from=date(2026, 12, 1),
    valid_to=date(2027, 2, 28),
    lines=(AuthorizedLine("64493", 1), AuthorizedLine("64494", 1)),
    levels=("L4-L5", "L5-S1"),
    units=2,
)
DONE = (AuthorizedLine("64493", 1), AuthorizedLine("64494", 1))


@pytest.mark.parametrize(
    ("scheduled", "kinds"),
    [
        (date(2026, 11, 30), ["window"]),  # the day before the window
        (date(2026, 12, 1), []),  # first valid day
        (date(2027, 2, 28), []),  # last valid day
        (date(2027, 3, 1), ["window"]),  # the day after
        (None, []),
    ],
)
def test_a_scheduled_date_outside_the_window_is_flagged(scheduled, kinds):  # type: ignore[no-untyped-def]
    drift = authorization_drift(AUTH, scheduled_on=scheduled)
    assert [d.kind for d in drift] == kinds
    if kinds:
        assert "Reschedule inside the window" in drift[0].message


@pytest.mark.parametrize(
    ("performed", "kinds"),
    [
        ([Performed(date(2026, 12, 10), DONE, ("L4-L5", "L5-S1"))], []),
        ([Performed(date(2027, 3, 1), DONE, ("L4-L5", "L5-S1"))], ["window"]),
        # A code the payer did not authorize (RFA billed on an MBB approval).
        (
            [Performed(date(2026, 12, 10), (AuthorizedLine("64635", 1),), ("L4-L5",))],
            ["code"],
        ),
        # A level outside the approval.
        ([Performed(date(2026, 12, 10), DONE, ("L3-L4", "L4-L5"))], ["level"]),
        # Units: 64493 twice when one was authorized; 3 in all against 2.
        (
            [
                Performed(date(2026, 12, 10), DONE, ("L4-L5",)),
                Performed(date(2027, 1, 20), (AuthorizedLine("64493", 1),), ("L4-L5",)),
            ],
            ["units", "units"],
        ),
    ],
)
def test_what_was_done_is_checked_against_the_approval(performed, kinds):  # type: ignore[no-untyped-def]
    drift = authorization_drift(
        AUTH, scheduled_on=date(2026, 12, 10), performed=performed
    )
    assert [d.kind for d in drift] == kinds


def test_the_scheduled_date_no_longer_matters_once_done():
    performed = [Performed(date(2026, 12, 10), DONE, ("L4-L5", "L5-S1"))]
    assert (
        authorization_drift(AUTH, scheduled_on=date(2027, 4, 1), performed=performed)
        == []
    )


def test_units_used_sums_every_line():
    assert (
        units_used(
            [Performed(date(2026, 12, 10), DONE), Performed(date(2027, 1, 3), DONE[:1])]
        )
        == 3
    )


def test_an_approval_without_codes_or_levels_checks_only_dates_and_units():
    loose = Authorized(date(2026, 12, 1), date(2027, 2, 28), units=1)
    performed = [Performed(date(2026, 12, 10), DONE, ("C5-C6",))]
    assert [
        d.kind
        for d in authorization_drift(loose, scheduled_on=None, performed=performed)
    ] == ["units"]
