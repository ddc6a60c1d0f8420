"""One validation for every way a request comes in (pure Python, no Django).

The request form, the JSON import and ``manage.py evaluate_request`` /
``render_request`` refuse the same malformed input with the same message, named by
the JSON format's field path (``ordering.npi``, ``levels[1].level``,
``procedure.date_of_service``, ``payer_profile``; see docs/request-format.md):

- an NPI that is not 10 digits or fails its check digit;
- a level that is not a real, adjacent level written upper segment first
  (``L4-L6``, ``L5-L4``), and request levels in two regions;
- a date of service before the pain onset or more than 12 months ahead;
- a past event (birth, onset, block, care start, imaging, history) in the future,
  and conservative care that ends before it starts;
- a missing or unknown payer profile.

These are input errors, not payer policy: ``rules.evaluate`` stays total and reports
policy as findings, and each entry point runs ``validate_request`` before it
evaluates or stores anything. The shape of the JSON itself (types, unknown keys, a
list instead of an object) is checked earlier by ``rules.io`` (``RequestFormatError``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from .dates import add_months
from .facts import CaseFacts
from .levels import LevelError, mixed_regions_message, parse_level, region_of

__all__ = [
    "DOS_MONTHS_AHEAD",
    "NPI_PREFIX",
    "Problem",
    "level_problem",
    "npi_is_valid",
    "npi_problem",
    "past_date_problem",
    "payer_profile_problem",
    "validate_request",
]

NPI_PREFIX = "80840"  # ISO card issuer prefix that the NPI check digit is computed over
DOS_MONTHS_AHEAD = 12  # a date of service further ahead than this is a typing error


class Problem(tuple[str, str]):
    """``(field_path, message)`` plus a stable ``code`` (a form's ValidationError code).

    A plain 2-tuple to every caller that unpacks it (``RequestFormatError.errors``).
    """

    code: str

    def __new__(cls, path: str, message: str, code: str) -> Problem:
        self = super().__new__(cls, (path, message))
        self.code = code
        return self

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        return (self[0], self[1], self.code)

    @property
    def path(self) -> str:
        return self[0]

    @property
    def message(self) -> str:
        return self[1]


# --------------------------------------------------------------------------- one value


def npi_is_valid(value: str) -> bool:
    """True for 10 digits whose last is the Luhn check digit over 80840 + first 9."""
    if not re.fullmatch(r"\d{10}", value or ""):
        return False
    total = 0
    for i, d in enumerate(int(c) for c in reversed(NPI_PREFIX + value)):
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def npi_problem(path: str, value: str) -> Problem | None:
    value = (value or "").strip()
    if not re.fullmatch(r"\d{10}", value):
        return Problem(
            path,
            f"An NPI is exactly 10 digits (you entered {value[:40] or 'nothing'}).",
            "npi_format",
        )
    if not npi_is_valid(value):
        return Problem(
            path,
            f"NPI {value} fails its check digit; check it against the NPPES record.",
            "npi_checksum",
        )
    return None


def level_problem(path: str, text: str) -> Problem | None:
    """A level that is not real, adjacent and upper segment first (``rules.levels``)."""
    try:
        parse_level(text)
    except LevelError as exc:
        return Problem(path, str(exc), "invalid_level")
    return None


def past_date_problem(path: str, value: date | None, today: date) -> Problem | None:
    """A past event (onset, block, imaging, care started, history) dated after today."""
    if value is not None and value > today:
        return Problem(
            path,
            f"{value.isoformat()} is in the future; this is a past event, "
            "enter the date it happened.",
            "future_date",
        )
    return None


def payer_profile_problem(key: str, known: Collection[str]) -> Problem | None:
    names = ", ".join(sorted(known)) or "none"
    if not key:
        return Problem(
            "payer_profile",
            f"Name the payer profile; known profiles: {names}.",
            "payer_profile_required",
        )
    if key not in known:
        return Problem(
            "payer_profile",
            f"Unknown payer profile {key[:60]!r}; known profiles: {names}.",
            "unknown_payer_profile",
        )
    return None


# --------------------------------------------------------------------------- request


def _date_of_service(facts: CaseFacts, today: date) -> list[Problem]:
    path = "procedure.date_of_service"
    dos, onset = facts.procedure.date_of_service, facts.clinical.onset_date
    if dos is None:
        return []
    out = []
    if onset is not None and dos < onset:
        out.append(
            Problem(
                path,
                f"The date of service {dos.isoformat()} is before the pain onset "
                f"date {onset.isoformat()}.",
                "dos_before_onset",
            )
        )
    latest = add_months(today, DOS_MONTHS_AHEAD)
    if dos > latest:
        out.append(
            Problem(
                path,
                f"The date of service {dos.isoformat()} is more than "
                f"{DOS_MONTHS_AHEAD} months ahead; the latest is {latest.isoformat()}.",
                "dos_too_far_ahead",
            )
        )
    return out


def _levels(facts: CaseFacts) -> list[Problem]:
    out: list[Problem] = []
    canonical: list[str] = []
    for i, row in enumerate(facts.levels):
        problem = level_problem(f"levels[{i}].level", row.level)
        if problem is None:
            canonical.append(parse_level(row.level))
        else:
            out.append(problem)
    if len({region_of(level) for level in canonical}) > 1:
        out.append(Problem("levels", mixed_regions_message(canonical), "mixed_regions"))
    return out


def _named_levels(prefix: str, rows: tuple, out: list[Problem]) -> None:
    """Levels named inside block responses, imaging studies and history rows."""
    for i, row in enumerate(rows):
        for j, level in enumerate(row.levels):
            problem = level_problem(f"{prefix}[{i}].levels[{j}]", level)
            if problem is not None:
                out.append(problem)


def validate_request(
    facts: CaseFacts, *, known_profiles: Collection[str], today: date
) -> list[Problem]:
    """Every input problem of ``facts``, as ``(field_path, message)`` pairs with codes.

    ``known_profiles``: the payer profile keys this way in can evaluate (the fixture
    file's or the database's active ones); ``today``: the date "future" and "12 months
    ahead" are measured from. Empty when the request may be evaluated and stored.
    """
    out: list[Problem] = []

    def add(problem: Problem | None) -> None:
        if problem is not None:
            out.append(problem)

    add(payer_profile_problem(facts.payer.profile_key, known_profiles))
    add(past_date_problem("patient.dob", facts.patient.dob, today))
    for role in ("ordering", "rendering", "facility"):
        npi = getattr(facts, role).npi
        if npi:
            add(npi_problem(f"{role}.npi", npi))
    out += _date_of_service(facts, today)
    out += _levels(facts)
    for i, block in enumerate(facts.block_responses):
        add(past_date_problem(f"block_responses[{i}].date", block.date, today))
    _named_levels("block_responses", facts.block_responses, out)
    add(past_date_problem("clinical.onset_date", facts.clinical.onset_date, today))
    for i, care in enumerate(facts.conservative_care):
        add(past_date_problem(f"conservative_care[{i}].start", care.start, today))
        if care.start and care.end and care.end < care.start:
            out.append(
                Problem(
                    f"conservative_care[{i}].end",
                    "The end date is before the start date.",
                    "end_before_start",
                )
            )
    for i, study in enumerate(facts.imaging):
        add(past_date_problem(f"imaging[{i}].date", study.date, today))
    _named_levels("imaging", facts.imaging, out)
    for i, row in enumerate(facts.history):
        add(past_date_problem(f"history[{i}].date", row.date, today))
    _named_levels("history", facts.history, out)
    return out
