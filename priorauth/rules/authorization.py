"""An approval against what is scheduled and what was done (issue 15, item 3).

A payer authorizes codes, units and levels for a window of dates. A claim billed
outside the window, or with other codes, levels or more units than were
authorized, is denied after the work is done. ``authorization_drift`` compares
the approval with the scheduled date of service and the procedures performed and
says, in plain words for billing staff, what would be denied, before the claim
goes out. ``units_used`` counts what the performed procedures took.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "AuthorizedLine",
    "Authorized",
    "Drift",
    "Performed",
    "authorization_drift",
    "units_used",
]


@dataclass(frozen=True)
class AuthorizedLine:
    cpt: str
    units: int = 1


@dataclass(frozen=True)
class Authorized:
    """What the payer approved."""

    valid_from: date
    valid_to: date
    lines: tuple[AuthorizedLine, ...] = ()
    levels: tuple[str, ...] = ()
    units: int | None = None  # approved units in all, when the payer gave a number


@dataclass(frozen=True)
class Performed:
    """One procedure done under the authorization (entered after its date)."""

    on: date
    lines: tuple[AuthorizedLine, ...] = ()
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drift:
    """One difference that would get the claim denied."""

    kind: str  # "window", "code", "level", "units"
    message: str
    performed_on: date | None = field(default=None)


def _fmt(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def units_used(performed: Iterable[Performed]) -> int:
    return sum(line.units for p in performed for line in p.lines)


def _outside(on: date, auth: Authorized) -> str | None:
    if on < auth.valid_from:
        return f"before the authorization starts ({_fmt(auth.valid_from)})"
    if on > auth.valid_to:
        return f"after the authorization ends ({_fmt(auth.valid_to)})"
    return None


def _code_drift(auth: Authorized, p: Performed) -> list[Drift]:
    allowed = {line.cpt for line in auth.lines}
    out = [
        Drift(
            "code",
            f"CPT {line.cpt} was performed on {_fmt(p.on)} but is not on the "
            f"authorization ({', '.join(sorted(allowed)) or 'no codes recorded'}). "
            "Ask the payer to update the authorization before billing it.",
            p.on,
        )
        for line in p.lines
        if allowed and line.cpt not in allowed
    ]
    extra = sorted(set(p.levels) - set(auth.levels)) if auth.levels else []
    if extra:
        out.append(
            Drift(
                "level",
                f"Level {', '.join(extra)} was treated on {_fmt(p.on)} but the "
                f"authorization covers {', '.join(auth.levels)} only.",
                p.on,
            )
        )
    return out


def _unit_drift(auth: Authorized, performed: Sequence[Performed]) -> list[Drift]:
    out: list[Drift] = []
    if auth.lines:
        done: Counter[str] = Counter()
        for p in performed:
            for line in p.lines:
                done[line.cpt] += line.units
        for line in auth.lines:
            if done[line.cpt] > line.units:
                out.append(
                    Drift(
                        "units",
                        f"CPT {line.cpt}: {done[line.cpt]} units performed, "
                        f"{line.units} authorized.",
                    )
                )
    used = units_used(performed)
    if auth.units is not None and used > auth.units:
        out.append(
            Drift("units", f"{used} units performed in all, {auth.units} authorized.")
        )
    return out


def authorization_drift(
    auth: Authorized,
    *,
    scheduled_on: date | None,
    performed: Sequence[Performed] = (),
) -> list[Drift]:
    """What would be denied: dates outside the window, codes, levels or units."""
    out: list[Drift] = []
    if scheduled_on is not None and not performed:
        where = _outside(scheduled_on, auth)
        if where:
            out.append(
                Drift(
                    "window",
                    f"The procedure is scheduled for {_fmt(scheduled_on)}, {where}. "
                    "Reschedule inside the window or ask the payer to extend it.",
                )
            )
    for p in performed:
        where = _outside(p.on, auth)
        if where:
            out.append(
                Drift(
                    "window", f"The procedure was done on {_fmt(p.on)}, {where}.", p.on
                )
            )
        out += _code_drift(auth, p)
    return out + _unit_drift(auth, performed)
