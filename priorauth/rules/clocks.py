"""Payer clocks (payer-rules 7.7, RTE-001..003): when a decision is due.

A request sent to the payer starts a clock whose length follows the route the
rules found for it: the state's WISeR portal (RTE-001: 72 hours, 48 expedited),
hospital OPD prior authorization (RTE-002: 7 calendar days, 2 business days
expedited) or a Medicare Advantage / Medicaid plan under CMS-0057-F (RTE-003:
7 calendar days, 72 hours expedited). A commercial plan without a regulated
clock has none (the worklist shows no due date rather than a made-up one).
Every figure is profile data, read where the route rules read it.

Business days skip Saturdays and Sundays; federal holidays are not in the data
(the due date may then be a day early, never late).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .policy import Policy

__all__ = ["Clock", "ROUTE_PRIORITY", "decision_clock"]

# When more than one route rule fires, the one the request goes through first.
ROUTE_PRIORITY = ("RTE-001", "RTE-002", "RTE-003")


@dataclass(frozen=True)
class Clock:
    """How long the payer may take, from which rule, and the due moment."""

    rule_id: str
    due: datetime
    length: str  # "72 hours", "7 calendar days", "2 business days"
    basis: str  # plain words: which program sets the clock
    source: str  # the policy behind the figure


def _add_business_days(start: datetime, days: int) -> datetime:
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def _hours(start: datetime, hours: int) -> tuple[datetime, str]:
    return start + timedelta(hours=hours), f"{hours} hours"


def _days(start: datetime, days: int) -> tuple[datetime, str]:
    return start + timedelta(days=days), f"{days} calendar days"


def decision_clock(
    route_ids: Iterable[str],
    policy: Policy,
    submitted_at: datetime,
    *,
    expedited: bool = False,
) -> Clock | None:
    """The decision clock for a submission, or None when no route sets one.

    ``route_ids`` are the route rule IDs the evaluation found (RTE-001..003);
    ``submitted_at`` is when the request reached the payer (aware or naive, the
    due moment keeps its zone).
    """
    found = set(route_ids)
    rule_id = next((r for r in ROUTE_PRIORITY if r in found), None)
    if rule_id == "RTE-001":
        w = policy.get("medicare", "wiser", {}) or {}
        hours = int(
            w.get(
                "expedited_hours" if expedited else "decision_hours",
                48 if expedited else 72,
            )
        )
        due, length = _hours(submitted_at, hours)
        return Clock(
            rule_id,
            due,
            length,
            "Medicare WISeR portal decision" + (" (expedited)" if expedited else ""),
            "CMS WISeR model; CGS and Noridian WISeR pages",
        )
    if rule_id == "RTE-002":
        opd = policy.get("medicare", "opd_pa", {}) or {}
        if expedited:
            days = int(opd.get("expedited_business_days", 2))
            due, length = (
                _add_business_days(submitted_at, days),
                f"{days} business days",
            )
        else:
            due, length = _days(submitted_at, int(opd.get("standard_decision_days", 7)))
        return Clock(
            rule_id,
            due,
            length,
            "Hospital outpatient department prior authorization"
            + (" (expedited)" if expedited else ""),
            "CMS OPD prior authorization (requests from 2025-01-01)",
        )
    if rule_id == "RTE-003":
        c = policy.get("routes", "cms_0057f", {}) or {}
        if expedited:
            due, length = _hours(submitted_at, int(c.get("expedited_hours", 72)))
        else:
            due, length = _days(submitted_at, int(c.get("standard_days", 7)))
        return Clock(
            rule_id,
            due,
            length,
            "Plan decision under the CMS Interoperability and Prior Authorization rule"
            + (" (expedited)" if expedited else ""),
            "CMS-0057-F final rule",
        )
    return None
