"""Date arithmetic used by the rules: calendar months, rolling windows, durations.

Durations in policy data are small dicts such as ``{"months": 3}``, ``{"weeks": 4}``
or ``{"days": 14}`` so that a payer's figure keeps the unit it is written in.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta

ROLLING_CALENDAR_MONTHS = "calendar_months"
ROLLING_DAYS_365 = "days365"


def add_months(d: date, months: int) -> date:
    """Return ``d`` shifted by ``months`` calendar months, clamping the day (Jan 31 + 1 = Feb 28)."""
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_duration(d: date, spec: Mapping[str, float], sign: int = 1) -> date:
    """Shift ``d`` by a duration spec ``{"months"|"weeks"|"days": n}`` (sign -1 goes back)."""
    months = int(spec.get("months", 0))
    days = float(spec.get("days", 0)) + 7 * float(spec.get("weeks", 0))
    out = add_months(d, sign * months) if months else d
    return out + timedelta(days=sign * days) if days else out


def duration_days(start: date, spec: Mapping[str, float]) -> int:
    """Length in days of ``spec`` counted forward from ``start`` (months are calendar)."""
    return (add_duration(start, spec) - start).days


def duration_days_before(end: date, spec: Mapping[str, float]) -> int:
    """Length in days of ``spec`` counted back from ``end`` (months are calendar)."""
    return (end - add_duration(end, spec, sign=-1)).days


def describe(spec: Mapping[str, float]) -> str:
    """Human text for a duration spec, e.g. ``3 months``."""
    parts = [f"{spec[k]:g} {k}" for k in ("months", "weeks", "days") if spec.get(k)]
    return " ".join(parts) or "0 days"


def window_start(dos: date, months: int, mode: str = ROLLING_CALENDAR_MONTHS) -> date:
    """First day (inclusive) of the rolling window of ``months`` ending on ``dos``.

    ``calendar_months`` (default): DOS minus ``months`` calendar months, inclusive
    (payer-rules 7, conventions). ``days365``: DOS minus 365 days per 12 months.
    """
    if mode == ROLLING_DAYS_365:
        return dos - timedelta(days=round(365 * months / 12))
    return add_months(dos, -months)


def in_window(
    d: date, dos: date, months: int, mode: str = ROLLING_CALENDAR_MONTHS
) -> bool:
    """True when ``d`` lies in the rolling window ``[window_start, dos]``."""
    return window_start(dos, months, mode) <= d <= dos
