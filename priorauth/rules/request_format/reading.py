"""Reading a request: JSON text or a decoded object in, ``CaseFacts`` out."""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import ValidationError

from ..facts import CaseFacts
from .base import readable_keys
from .errors import RequestFormatError, translate, typename
from .fields import MAX_FILE_BYTES
from .request import Request

_A_LIST = (
    "must be an object holding one request, not a list; send each request as its"
    " own file or paste"
)


def parse_request(data: Any) -> CaseFacts:
    """Validate a decoded JSON request and build ``CaseFacts``.

    Raises ``RequestFormatError`` listing every problem found.
    """
    if isinstance(data, list):  # e.g. several requests in one file: one clear message
        raise RequestFormatError([("", _A_LIST)])
    if not isinstance(data, dict):
        msg = f"must be an object holding one request (got {typename(data)})"
        raise RequestFormatError([("", msg)])
    try:
        request = Request.model_validate(data)
    except ValidationError as exc:
        if any(e["type"] == "string_unicode" for e in exc.errors()):
            exc = _errors_past_unreadable_keys(data) or exc
        raise RequestFormatError(translate(exc, data, Request)) from None
    return request.to_facts()


def _errors_past_unreadable_keys(data: dict) -> ValidationError | None:
    """The errors of ``data`` read past any key pydantic-core cannot read.

    Such a key (a lone surrogate) stops pydantic at its object: checked again with
    the key replaced, the rest of the object is read and its problems listed too.
    """
    try:
        Request.model_validate(readable_keys(data))
    except ValidationError as exc:
        return exc
    return None  # pragma: no cover - an unreadable key is always an unknown key


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            msg = f'duplicate key "{key[:60]}" in a JSON object'
            raise RequestFormatError([("", msg)])
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not allowed in a request (not valid JSON)"
    raise RequestFormatError([("", msg)])


def loads_request(text: str | bytes) -> CaseFacts:
    """Parse a JSON document (text or UTF-8 bytes) into ``CaseFacts``."""
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_FILE_BYTES:
            raise RequestFormatError([("", f"is larger than {MAX_FILE_BYTES} bytes")])
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            msg = f"must be UTF-8 text ({exc.reason})"
            raise RequestFormatError([("", msg)]) from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        msg = f"is not valid JSON: {exc.msg} at {where}"
        raise RequestFormatError([("", msg)]) from None
    except RecursionError:
        raise RequestFormatError([("", "is nested too deeply")]) from None
    return parse_request(data)


def load_request(path: str | os.PathLike) -> CaseFacts:
    """Read and parse a request JSON file (``OSError`` if it cannot be read)."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    return loads_request(data)
