"""Writing a request: ``CaseFacts`` out as the format's JSON-ready dict."""

from __future__ import annotations

import dataclasses
import enum
import functools
import typing
from collections.abc import Callable
from datetime import date
from typing import Any

from ..facts import CaseFacts
from .base import FormatModel, field_types, is_model, unwrap
from .fields import FORMAT_VERSION
from .request import Request

Writer = Callable[[Any], Any]
_NO_DEFAULT = object()


def dump_request(facts: CaseFacts) -> dict:
    """The JSON-ready dict for ``facts``; values equal to their default are left out.

    ``parse_request(dump_request(facts)) == facts`` for any facts the format can hold.
    Nothing is checked: facts built elsewhere are written as they are.
    """
    out: dict[str, Any] = {"format_version": FORMAT_VERSION}
    if facts.payer.profile_key:
        out["payer_profile"] = facts.payer.profile_key
    for key, value in _dump_object(Request, facts).items():
        if key == "payer" and not value:
            continue  # a payer that only named the profile
        out[key] = value
    return out


def _dump_object(model: type[FormatModel], obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, default, write in _plan(model):
        value = getattr(obj, name)
        if value != default:
            out[name] = None if value is None else write(value)
    return out


@functools.cache
def _plan(model: type[FormatModel]) -> tuple[tuple[str, Any, Writer], ...]:
    """The fields the format writes, in the dataclass's order, each with its default
    and how to write it (``PayerInfo.profile_key`` is the top-level payer_profile)."""
    types = field_types(model)
    return tuple(
        (f.name, _default(f), _writer(types[f.name]))
        for f in dataclasses.fields(model.facts_class)
        if f.name in types
    )


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _NO_DEFAULT


def _writer(annotation: Any) -> Writer:
    tp, _ = unwrap(annotation)
    if is_model(tp):
        return functools.partial(_dump_object, tp)
    if typing.get_origin(tp) is tuple:
        item = _writer(typing.get_args(tp)[0])
        return lambda values: [None if v is None else item(v) for v in values]
    if tp is float:
        return _write_number
    return _write_value


def _write_number(value: Any) -> Any:
    return int(value) if float(value).is_integer() else value  # 7.0 is written 7


def _write_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value
