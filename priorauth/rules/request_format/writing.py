"""Writing a request: ``CaseFacts`` out as the format's JSON-ready dict."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date
from typing import Any

from ..facts import CaseFacts
from .base import FormatModel, field_types, is_model, unwrap
from .fields import FORMAT_VERSION
from .request import Request


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
    """The fields the format has, in the dataclass's order, defaults left out."""
    types = field_types(model)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.name not in types:
            continue  # PayerInfo.profile_key is the top-level payer_profile
        value = getattr(obj, f.name)
        if value == _default(f):
            continue
        out[f.name] = _dump_value(types[f.name], value)
    return out


_NO_DEFAULT = object()


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _NO_DEFAULT


def _dump_value(annotation: Any, value: Any) -> Any:
    if value is None:
        return None
    tp, _ = unwrap(annotation)
    if is_model(tp):
        return _dump_object(tp, value)
    if getattr(tp, "__origin__", None) is tuple:
        return [_dump_value(tp.__args__[0], v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if tp is float and float(value).is_integer():
        return int(value)  # 7.0 is written 7
    return value
