"""Field validators and normalizers: what a valid stored value is.

The request page's forms, the admin's and the JSON import share them. Each raises
a ValidationError with a stable ``code`` (tests assert on codes).
Policy questions (is this enough documentation?) are not decided here: the
rules engine reports them as findings.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from priorauth.rules.icd10 import cm
from priorauth.rules.levels import LevelError, parse_level
from priorauth.rules.validation import (  # noqa: F401 - npi_is_valid is re-exported
    npi_is_valid,
    npi_problem,
    past_date_problem,
)


def validate_npi(value: str) -> None:
    """10 digits with a valid check digit (``rules.validation``'s words)."""
    problem = npi_problem("npi", value)
    if problem is not None:
        raise ValidationError(problem.message, code=problem.code)


def validate_time_zone(value: str) -> None:
    """An IANA time zone name the system knows ("America/Los_Angeles")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Not a time zone name: use an IANA name such as America/Los_Angeles.",
            code="time_zone",
        ) from None


def validate_not_future(value: date | None) -> None:
    """For past events (onset, blocks, imaging, care started, history)."""
    problem = past_date_problem("", value, timezone.localdate())
    if problem is not None:
        raise ValidationError(problem.message, code=problem.code)


def normalize_level(value: str) -> str:
    """Canonical level (``L4-L5``) or a coded error naming what is wrong."""
    try:
        return parse_level(value)
    except LevelError as exc:
        raise ValidationError(str(exc), code="invalid_level") from None


def normalize_level_list(value: str) -> str:
    """A comma-separated list of levels, canonicalised: ``"l4-5, L5S1"`` -> ``"L4-L5, L5-S1"``."""
    parts = [p.strip() for p in re.split(r"[,;]", value or "") if p.strip()]
    errors: list[ValidationError] = []
    canon: list[str] = []
    for part in parts:
        try:
            canon.append(normalize_level(part))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return ", ".join(dict.fromkeys(canon))


def normalize_icd10(value: str) -> str:
    """A billable ICD-10-CM code, stored with the dot (``M47.816``)."""
    raw = (value or "").strip().upper().replace(" ", "")
    if not raw:
        raise ValidationError("Enter an ICD-10-CM code, e.g. M47.816.", code="required")
    if not cm.is_valid_item(raw):
        raise ValidationError(
            "%(value)s is not an ICD-10-CM code.",
            code="icd10_unknown",
            params={"value": raw},
        )
    if not cm.is_leaf(raw):
        raise ValidationError(
            "%(value)s is a category, not a billable code; choose a more specific code "
            "(e.g. one of %(examples)s).",
            code="icd10_not_billable",
            params={"value": raw, "examples": ", ".join(_leaf_examples(raw))},
        )
    return cm.add_dot(cm.remove_dot(raw))


def _leaf_examples(code: str, limit: int = 3) -> list[str]:
    leaves = [c for c in cm.get_descendants(code) if cm.is_leaf(c)]
    return [cm.add_dot(c) for c in leaves[:limit]]


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_RANGE = re.compile(r"^\s*\d+(\.\d+)?\s*(-|–|to)\s*\d+(\.\d+)?\s*$")


def parse_score(
    value: str, *, low: float = 0, high: float = 10, label: str = "score"
) -> float | None:
    """One number in [low, high]; ranges like ``2-8`` are refused with their own code."""
    raw = (value or "").strip()
    if not raw:
        return None
    if _RANGE.match(raw):
        raise ValidationError(
            "Enter one number from %(low)s to %(high)s, not a range (%(value)s).",
            code="score_range",
            params={"low": _fmt(low), "high": _fmt(high), "value": raw},
        )
    if not _NUMBER.match(raw):
        raise ValidationError(
            "Enter the %(label)s as a number from %(low)s to %(high)s.",
            code="score_invalid",
            params={"label": label, "low": _fmt(low), "high": _fmt(high)},
        )
    number = float(raw)
    if not low <= number <= high:
        raise ValidationError(
            "The %(label)s must be from %(low)s to %(high)s (you entered %(value)s).",
            code="score_out_of_range",
            params={"label": label, "low": _fmt(low), "high": _fmt(high), "value": raw},
        )
    return number


def _fmt(x: float) -> str:
    return f"{x:g}"


def percent_relief(pre: float | None, post: float | None) -> float | None:
    """(pre - post) / pre * 100, rounded to 1 decimal; None when it can't be computed."""
    if pre is None or post is None or pre <= 0:
        return None
    return round((pre - post) / pre * 100, 1)


def check_relief(value: float | None) -> float | None:
    """A relief percentage: at most 100, at least -100 (worse)."""
    if value is not None and value > 100:
        raise ValidationError(
            "Relief cannot be over 100%% (you entered %(value)s).",
            code="relief_over_100",
            params={"value": f"{value:g}"},
        )
    if value is not None and value < -100:
        raise ValidationError(
            "Relief cannot be below -100%%.", code="relief_below_minus_100"
        )
    return value


def check_not_negative(value: float | None, what: str) -> float | None:
    """A duration or amount that cannot be below zero."""
    if value is not None and value < 0:
        raise ValidationError(
            "%(what)s cannot be negative.",
            code="negative_duration",
            params={"what": what},
        )
    return value
