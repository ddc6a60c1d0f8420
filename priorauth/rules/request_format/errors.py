"""The format's errors: pydantic's, told in the words the format has always used.

Every problem in a request is one ``(path, message)`` pair, all of them at once, in
the order the hand-written parser listed them (per object: unknown keys, then the
fields in order, then the checks across fields). ``MESSAGES`` words each pydantic
error type, and each error type of the format's own checks (``fields.format_error``),
from the request's own value and the field's ``Expect``.
"""

from __future__ import annotations

import difflib
import math
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .. import levels
from .base import Expect, UnreadableKey, expect_of, field_types, is_model, unwrap
from .fields import DATE_MAX, DATE_MIN


class RequestFormatError(ValueError):
    """The request does not follow the format; ``errors`` lists every problem."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__(self.errors)

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.errors]

    def __str__(self) -> str:
        n = len(self.errors)
        head = f"{n} problem{'s' if n != 1 else ''} in the request:"
        lines = [f"  {p or '(request)'}: {m}" for p, m in self.errors]
        return "\n".join([head, *lines])


def typename(value: Any) -> str:
    """How a message names the JSON type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_ABSENT = object()


@dataclass
class Problem:
    """One pydantic error, placed in the request."""

    type: str
    path: str
    order: list[tuple[int, int]]  # sorts the errors into the parser's order
    value: Any = None  # the request's own value there (not pydantic's stand-in)
    expect: Expect = field(default_factory=lambda: Expect("", "a value"))
    choices: tuple[str, ...] = ()  # the values of a choice
    ctx: dict[str, Any] = field(default_factory=dict)
    key: Any = None  # an unknown key
    allowed: tuple[str, ...] = ()  # and the keys its object takes
    hints: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------- messages


def _wrong_type(p: Problem) -> str:
    if p.value is None:
        return f"must be {p.expect.text}, not null"
    return f"must be {p.expect.text} (got {typename(p.value)})"


def _shown(value: Any) -> str:
    return repr(value[:40]) if isinstance(value, str) else typename(value)


def _not_a_choice(p: Problem) -> str:
    if p.value is None:
        return _wrong_type(p)
    hint = ""
    if isinstance(p.value, str) and len(p.value) <= 40:
        close = difflib.get_close_matches(p.value.lower(), p.choices, n=1)
        if close:
            hint = f'; did you mean "{close[0]}"?'
    return f"must be {p.expect.text} (got {_shown(p.value)}){hint}"


def _not_the_version(p: Problem) -> str:
    if p.value is None:
        return _wrong_type(p)
    v = p.value
    shown = repr(v)[:40] if isinstance(v, int | float | str) else typename(v)
    return f"must be {p.expect.text} (got {shown})"


def _out_of_range(p: Problem) -> str:
    v = p.value
    if isinstance(v, float) and not math.isfinite(v):
        return f"must be {p.expect.text} (got {v})"
    shown = v if abs(v) < 1e15 else "a huge number"
    return f"must be {p.expect.text} (got {shown})"


def _not_a_float(p: Problem) -> str:
    # pydantic takes ints as floats, except those past float's range: out of range.
    if isinstance(p.value, int) and not isinstance(p.value, bool):
        return _out_of_range(p)
    return _wrong_type(p)


def _not_a_list(p: Problem) -> str:
    if p.value is None:
        return _wrong_type(p)
    return f"must be a list (got {typename(p.value)})"


def _unknown_key(p: Problem) -> str:
    key = _key_text(p.key)
    msg = f'unknown key "{key}"'
    close = difflib.get_close_matches(key, p.allowed, n=1, cutoff=0.6)
    if key in p.hints:
        return f"{msg} ({p.hints[key]})"
    if close:
        return f'{msg} (did you mean "{close[0]}"?)'
    return f"{msg}; allowed keys: " + ", ".join(p.allowed)


def _not_a_level(p: Problem) -> str:
    try:  # the same words as the form and rules.validation give
        levels.parse_level(p.value)
    except levels.LevelError as exc:
        return str(exc)
    return f"must be {p.expect.text} (got {_shown(p.value)})"  # pragma: no cover


# (pydantic or format error type, field kind) -> message; "*" is any kind.
MESSAGES: dict[tuple[str, str], Callable[[Problem], str]] = {
    ("missing", "*"): lambda p: f"is required (must be {p.expect.text})",
    ("extra_forbidden", "*"): _unknown_key,
    ("invalid_key", "*"): _unknown_key,  # a key that is not a string
    ("string_type", "*"): _wrong_type,
    ("bool_type", "*"): _wrong_type,
    ("int_type", "*"): _wrong_type,
    ("float_type", "*"): _not_a_float,
    ("date_type", "*"): _wrong_type,
    ("model_type", "*"): _wrong_type,
    ("tuple_type", "*"): _not_a_list,
    ("enum", "*"): _not_a_choice,
    ("literal_error", "*"): _not_the_version,
    ("int_parsing_size", "const"): _not_the_version,  # an int past 64 bits
    ("string_too_long", "text"): lambda p: (
        f"must be at most {p.ctx['max_length']} characters (got {len(p.value)})"
    ),
    ("string_too_long", "code"): lambda p: (
        f"must be {p.expect.text} or empty (got {len(p.value)} characters)"
    ),
    ("string_too_long", "level"): lambda p: (
        f"must be {p.expect.text} (got {p.value[:40]!r})"
    ),
    ("string_pattern_mismatch", "code"): lambda p: (
        f"must be {p.expect.text} or empty (got {p.value[:40]!r})"
    ),
    ("finite_number", "*"): _out_of_range,
    ("greater_than_equal", "number"): _out_of_range,
    ("less_than_equal", "number"): _out_of_range,
    ("greater_than_equal", "whole"): _out_of_range,
    ("less_than_equal", "whole"): _out_of_range,
    ("greater_than_equal", "date"): lambda p: (
        f"must be {p.expect.text} from {DATE_MIN} to {DATE_MAX}"
    ),
    ("less_than_equal", "date"): lambda p: (
        f"must be {p.expect.text} from {DATE_MIN} to {DATE_MAX}"
    ),
    ("too_long", "*"): lambda p: (
        f"must have at most {p.ctx['max_length']} items (got {p.ctx['actual_length']})"
    ),
    # The format's own checks (fields.format_error).
    ("date_format", "*"): lambda p: f"must be {p.expect.text} (got {_shown(p.value)})",
    (
        "no_such_date",
        "*",
    ): lambda p: f"must be {p.expect.text} (no such date: {p.value})",
    ("spinal_level", "*"): _not_a_level,
    ("care_outcome", "*"): lambda p: (
        f"must be {p.expect.text} (got "
        + ("a longer text" if isinstance(p.value, str) else typename(p.value))
        + ")"
    ),
    ("intent_for_type", "*"): lambda p: (
        f"must be {p.ctx['allowed']} (or null) for {p.ctx['type']}"
        f" (got {p.ctx['intent']})"
    ),
    ("block_procedure", "*"): lambda p: (
        f"must be mbb or facet_ia (got {p.ctx['procedure']})"
    ),
    ("duplicate_level", "*"): lambda p: (
        f"{p.ctx['level']} is already requested in levels[{p.ctx['first']}];"
        " use one row with side bilateral"
    ),
}

# Checks across fields are listed after the fields of the object they check: how many
# trailing parts of the error's location lead from that object to the field.
CHECKS: dict[str, int] = {
    "intent_for_type": 1,
    "block_procedure": 1,
    "duplicate_level": 3,
}


def message(p: Problem) -> str:
    wording = MESSAGES.get((p.type, p.expect.kind)) or MESSAGES.get((p.type, "*"))
    if wording is None:  # a pydantic error this table does not know yet
        return _wrong_type(p)
    return wording(p)


# ------------------------------------------------------------------- placing them


def _key_text(key: Any) -> str:
    return (key if isinstance(key, str) else repr(key))[:60]


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown(p: Problem, model: Any, node: Any, key: Any) -> Problem:
    p.key = key
    p.path = _key_path(p.path, _key_text(key))
    keys = list(node) if isinstance(node, dict) else []
    p.order.append((0, keys.index(key) if key in keys else 0))
    p.allowed = tuple(model.model_fields)
    p.hints = model.key_hints
    return p


def locate(error: Any, data: Any, root: type) -> Problem:
    """Where a pydantic error is in the request, with what is needed to word it."""
    loc = error["loc"]
    p = Problem(type=error["type"], path="", order=[], ctx=error.get("ctx") or {})
    node: Any = data
    where: Any = root
    for part in loc:
        tp, _ = unwrap(where)
        if is_model(tp):
            if not (isinstance(part, str) and part in tp.model_fields):
                key = error["input"] if p.type == "invalid_key" else part
                if isinstance(key, UnreadableKey):
                    key = key.key
                return _unknown(p, tp, node, key)
            p.path = _key_path(p.path, part)
            p.order.append((1, list(tp.model_fields).index(part)))
            node = node.get(part, _ABSENT) if isinstance(node, dict) else _ABSENT
            where = field_types(tp)[part]
        else:  # an item of a list
            p.path += f"[{part}]"
            p.order.append((1, part))
            in_list = isinstance(node, list | tuple) and 0 <= part < len(node)
            node = node[part] if in_list else _ABSENT
            where = typing.get_args(tp)[0]
    tp, _ = unwrap(where)
    if p.type in CHECKS:
        p.order[len(loc) - CHECKS[p.type] :] = [(2, 0)]
    p.value = error.get("input") if node is _ABSENT else node
    p.expect = expect_of(where)
    if p.expect.kind == "enum":
        p.choices = tuple(m.value for m in tp)
    return p


def translate(exc: ValidationError, data: Any, root: type) -> list[tuple[str, str]]:
    """pydantic's errors for ``data`` as the format's ``(path, message)`` pairs."""
    problems = [locate(e, data, root) for e in exc.errors(include_url=False)]
    problems.sort(key=lambda p: p.order)
    return [(p.path, message(p)) for p in problems]
