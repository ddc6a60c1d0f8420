"""The value types of the request format, and its limits.

Each type is an ``Annotated`` pydantic type: pydantic checks it and writes its part of
the published schema. Most also carry an ``Expect``: what the field takes, in the
words the format's error messages have always used (``errors.py`` reads it to
translate pydantic's errors). pydantic has no type for a date written YYYY-MM-DD or a
spinal level; those checks raise errors of their own (``format_error``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from annotated_types import Interval, MaxLen
from pydantic import (
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import ValidationError

from .. import levels
from ..facts import CareOutcome
from .base import LONE_SURROGATES, Expect, format_error

FORMAT_VERSION = 1

# Limits (also published in the schema).
NAME_MAX = 200  # names, short labels
TEXT_MAX = 5000  # free text
CODE_MAX = 64  # identifiers (member ID), lowercase codes
MAX_LEVELS = 10
MAX_HISTORY = 500
MAX_LIST = 50  # block responses, conservative care, imaging
MAX_DIAGNOSES = 25
MAX_LEVEL_REFS = 10  # levels named inside a block response, imaging study, history row
MAX_FILE_BYTES = 10 * 1024 * 1024

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

# Every canonical level: adjacent real segments, plus "caudal".
CANONICAL_LEVELS: tuple[str, ...] = (
    *(f"{a}-{b}" for a, b in zip(levels.SEGMENTS, levels.SEGMENTS[1:], strict=False)),
    levels.CAUDAL,
)
LEVEL_PATTERN = "^(?:" + "|".join(CANONICAL_LEVELS) + ")$"
LEVEL_MAX = 20


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


T = TypeVar("T")

# A choice from one of the enums in rules.facts. Not strict: it is given as its value
# ("mbb"), which strict pydantic takes only as the enum member itself.
Choice = Annotated[T, Strict(False), LONE_SURROGATES]


def text(max_len: int = NAME_MAX) -> Any:
    """A string of at most ``max_len`` characters."""
    return Annotated[
        str,
        StringConstraints(max_length=max_len),
        LONE_SURROGATES,
        Expect("text", f"a string of at most {max_len} characters"),
    ]


def code(pattern: str, max_len: int, *, expect: str) -> Any:
    """A string matching ``pattern`` (ASCII), or empty."""
    return Annotated[
        str,
        StringConstraints(max_length=max_len, pattern=f"^(?:{pattern})?$"),
        LONE_SURROGATES,
        Expect("code", expect),
    ]


def number(lo: float, hi: float) -> Any:
    """A finite number from ``lo`` to ``hi``; whole numbers are read as floats."""
    return Annotated[
        float,
        Interval(ge=lo, le=hi),
        Expect("number", f"a number from {_fmt_num(lo)} to {_fmt_num(hi)}"),
    ]


def whole(lo: int, hi: int) -> Any:
    """A whole number from ``lo`` to ``hi`` (``2.0`` is not one)."""
    return Annotated[
        int,
        Interval(ge=lo, le=hi),
        Expect("whole", f"a whole number from {lo} to {hi}"),
    ]


def _as_tuple(max_items: int) -> Any:
    def check(value: Any) -> Any:
        # The length first: a list that is too long is one error, not one per item.
        if isinstance(value, list | tuple) and len(value) > max_items:
            raise format_error(
                "too_long", max_length=max_items, actual_length=len(value)
            )
        return tuple(value) if isinstance(value, list) else value

    return BeforeValidator(check)


def items(item: Any, max_items: int) -> Any:
    """A JSON list of at most ``max_items`` items (a tuple in the facts)."""
    return Annotated[
        tuple[item, ...],
        MaxLen(max_items),
        _as_tuple(max_items),
        Expect("list", f"a list of at most {max_items} items"),
    ]


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if value is None:
        return value  # pydantic says "not null" where null is not allowed
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise format_error("date_format")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise format_error("no_such_date") from None


# A calendar date written YYYY-MM-DD, from 1900 to 2100.
IsoDate = Annotated[
    date,
    Interval(ge=DATE_MIN, le=DATE_MAX),
    BeforeValidator(_iso_date),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    ),
    Expect("date", "a date YYYY-MM-DD"),
]


def _canonical_level(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > LEVEL_MAX:
        return value  # pydantic's type and length errors say it
    try:
        return levels.parse_level(value)  # typed variants such as "l4-5"
    except levels.LevelError:
        raise format_error("spinal_level") from None


# A spinal level, canonicalised by rules.levels ("l4-5" -> "L4-L5").
Level = Annotated[
    str,
    StringConstraints(max_length=LEVEL_MAX),
    LONE_SURROGATES,
    BeforeValidator(_canonical_level),
    WithJsonSchema(
        {"type": "string", "maxLength": LEVEL_MAX, "pattern": LEVEL_PATTERN}
    ),
    Expect("level", "a spinal level like L4-L5, L5-S1, C5-C6, T12-L1 or caudal"),
]


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # True == 1, but it is not the version number
        raise format_error("literal_error", expected=str(FORMAT_VERSION))
    return value


Version = Annotated[
    Literal[1],
    BeforeValidator(_not_a_bool),
    Expect("const", str(FORMAT_VERSION)),
]


def _outcome_or_text(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError:  # from either branch: one error says both
        raise format_error("care_outcome") from None


_CARE_EXPECT = (
    "one of " + ", ".join(o.value for o in CareOutcome) + " (or text, format v1)"
)

# A conservative-care outcome: one of the choices, or (format v1) free text, which
# ``ConservativeCare`` reads with the pre-December-2026 keywords (``rules.care``).
OutcomeOrText = Annotated[
    Annotated[CareOutcome, Strict(False)] | Annotated[str, MaxLen(TEXT_MAX)],
    Field(union_mode="left_to_right"),
    WrapValidator(_outcome_or_text),
    LONE_SURROGATES,
    Expect("care_outcome", _CARE_EXPECT),
]
