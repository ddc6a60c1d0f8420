"""What every object and value type of the request format shares.

``FormatModel`` is the base of the models: a strict pydantic model that becomes one
of the frozen dataclasses in ``rules.facts``. ``Expect`` carries the words a field's
error messages use. pydantic-core cannot read a string holding a lone surrogate,
which the format has always accepted: ``LONE_SURROGATES`` and ``readable_keys``
keep it so.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import types
import typing
from typing import Annotated, Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict, WrapValidator
from pydantic_core import PydanticCustomError


@dataclasses.dataclass(frozen=True)
class Expect:
    """What a field takes, as its error messages say it ("must be <text>")."""

    kind: str  # which messages apply: text, code, number, whole, date, level, ...
    text: str


class FormatModel(BaseModel):
    """One JSON object of the format, mapped onto the frozen dataclass ``facts_class``.

    Strict: a JSON value is never coerced (``"2"`` is not a number, ``1`` not true).
    """

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True
    )

    facts_class: ClassVar[type]  # the dataclass in rules.facts this object becomes
    schema_name: ClassVar[str]  # its name under $defs in the published schema
    key_hints: ClassVar[dict[str, str]] = {}  # said for these unknown keys

    def to_facts(self) -> Any:
        """The frozen dataclass this object describes (its defaults are the same)."""
        return self.facts_class(
            **{
                name: _facts_value(getattr(self, name))
                for name in _facts_fields(type(self))
            }
        )


@functools.cache
def _facts_fields(model: type[FormatModel]) -> tuple[str, ...]:
    """The fields of ``model`` its dataclass has (not format_version, ...)."""
    names = {f.name for f in dataclasses.fields(model.facts_class)}
    return tuple(name for name in model.model_fields if name in names)


def _facts_value(value: Any) -> Any:
    if isinstance(value, FormatModel):
        return value.to_facts()
    if isinstance(value, tuple):
        return tuple(_facts_value(v) for v in value)
    return value


def format_error(error_type: str, **context: Any) -> PydanticCustomError:
    """An error of the format's own checks; ``errors.py`` words it like the others.

    The context holds no text from the request: pydantic-core cannot render a lone
    surrogate (see ``_lone_surrogates``), so messages are written from the request's
    values on the Python side.
    """
    return PydanticCustomError(error_type, error_type.replace("_", " "), context)


def _lone_surrogates(value: Any, handler: Any) -> Any:
    """Let a string holding lone surrogates be checked like any other.

    ``json.loads`` turns an escape such as ``"\\ud83d"`` (half an emoji, cut by a
    UTF-16 truncation) into a lone surrogate, which pydantic-core refuses as not a
    string at all. The format has always taken such text: the checks run on a
    stand-in of the same length (every pattern and choice is ASCII, so U+FFFD fails
    them exactly where the surrogate does) and the text itself is kept.
    """
    if isinstance(value, str) and not value.isascii():
        stand_in = _SURROGATE.sub("\ufffd", value)
        if stand_in != value:
            result = handler(stand_in)
            return value if result == stand_in else result
    return handler(value)


_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATES = WrapValidator(_lone_surrogates)


class UnreadableKey:
    """Stands in for a key holding a lone surrogate, which pydantic-core cannot read.

    Such a key stops pydantic reading the rest of its object. With this stand-in as
    the key, pydantic reports an ``invalid_key`` and reads on, as the format always
    has (the unknown key, then every other problem of the object).
    """

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def __repr__(self) -> str:
        return "UnreadableKey"


def _unreadable(key: Any) -> bool:
    return isinstance(key, str) and not key.isascii() and bool(_SURROGATE.search(key))


def _has_unreadable_key(data: Any) -> bool:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack += node.values()
            if not all(isinstance(k, str) and k.isascii() for k in node):
                if any(_unreadable(k) for k in node):
                    return True
        elif isinstance(node, list | tuple):
            stack += node
    return False


def _replace_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            (UnreadableKey(k) if _unreadable(k) else k): _replace_keys(v)
            for k, v in node.items()
        }
    if isinstance(node, list | tuple):
        return type(node)(_replace_keys(v) for v in node)
    return node


def readable_keys(data: Any) -> Any:
    """``data``, or a copy with each unreadable key replaced by an ``UnreadableKey``."""
    return _replace_keys(data) if _has_unreadable_key(data) else data


# ------------------------------------------------------------------ introspection


@functools.cache
def field_types(model: type[FormatModel]) -> dict[str, Any]:
    """The annotation of each field of ``model``, ``Annotated`` extras included."""
    hints = typing.get_type_hints(model, include_extras=True)
    return {name: hints[name] for name in model.model_fields}


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under ``Annotated`` and ``| None``, and the ``Annotated`` extras."""
    extras: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is Annotated:
            annotation, extras = args[0], [*extras, *args[1:]]
        elif (
            origin in (Union, types.UnionType) and type(None) in args and len(args) == 2
        ):
            annotation = next(a for a in args if a is not type(None))
        else:
            return annotation, extras


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, FormatModel)


def expect_of(annotation: Any) -> Expect:
    """What a field takes, from its ``Expect`` or (bool, choice, object) its type."""
    tp, extras = unwrap(annotation)
    for extra in extras:
        if isinstance(extra, Expect):
            return extra
    if tp is bool:
        return Expect("bool", "true or false")
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return Expect("enum", "one of " + ", ".join(m.value for m in tp))
    if is_model(tp):
        return Expect("object", "an object")
    raise TypeError(f"no Expect for {annotation!r}")  # pragma: no cover
