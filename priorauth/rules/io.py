"""The JSON request format: parse it into ``CaseFacts`` and dump it back.

Pure Python, no Django (this package is pure Python). The format is defined once, as
pydantic models in ``rules.request_format``; it is documented in
``docs/request-format.md`` and ``docs/request.schema.json``, which
:func:`json_schema` generates from the models (a test keeps the file in step).

Public API:

- ``parse_request(data: dict) -> CaseFacts``
- ``loads_request(text: str | bytes) -> CaseFacts``
- ``load_request(path) -> CaseFacts``
- ``dump_request(facts: CaseFacts) -> dict`` (``parse_request(dump_request(x)) == x``)
- ``RequestFormatError(ValueError)`` with ``.errors: list[tuple[str, str]]`` of
  ``(field_path, message)``; every problem in the request is reported at once.
  Paths are dotted and indexed (``levels[2].side``); ``""`` is the whole request.
"""

from __future__ import annotations

from .request_format.errors import RequestFormatError
from .request_format.errors import typename as _typename
from .request_format.fields import (
    CANONICAL_LEVELS,
    CODE_MAX,
    DATE_MAX,
    DATE_MIN,
    FORMAT_VERSION,
    MAX_DIAGNOSES,
    MAX_FILE_BYTES,
    MAX_HISTORY,
    MAX_LEVEL_REFS,
    MAX_LEVELS,
    MAX_LIST,
    NAME_MAX,
    TEXT_MAX,
)
from .request_format.procedure import INTENTS_BY_TYPE
from .request_format.reading import load_request, loads_request, parse_request
from .request_format.schema import json_schema
from .request_format.writing import dump_request

__all__ = [
    "CANONICAL_LEVELS",
    "CODE_MAX",
    "DATE_MAX",
    "DATE_MIN",
    "FORMAT_VERSION",
    "INTENTS_BY_TYPE",
    "MAX_DIAGNOSES",
    "MAX_FILE_BYTES",
    "MAX_HISTORY",
    "MAX_LEVEL_REFS",
    "MAX_LEVELS",
    "MAX_LIST",
    "NAME_MAX",
    "RequestFormatError",
    "TEXT_MAX",
    "_typename",
    "dump_request",
    "json_schema",
    "load_request",
    "loads_request",
    "parse_request",
]
