"""The denial file of ``manage.py render_appeal``: the payer's denial of a request.

    {"format_version": 1, "decided_on": "2027-01-05", "channel": "fax",
     "reason_code": "MN-01", "reason_text": "Medical necessity not established",
     "payer_reference": "DEN-2027-0042", "appeal_deadline": null,
     "cited": [{"criterion": "FAC-006", "level": "L4-L5"},
               {"text": "No documentation of failed physical therapy"}],
     "new_evidence": ["Physical therapy discharge note 2027-01-03"],
     "physician_statement": "..."}

A cited reason names a criterion of the request (its reference from the packet's
key, with the level where it applies) or gives the notice's words (``text``), or
both. Checked as strictly as the request format; errors name the field.
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from pydantic import Field, ValidationError

from ..appeals import CitedReason, DenialFacts
from .base import FormatModel
from .errors import RequestFormatError, translate, typename
from .fields import (
    CODE_MAX,
    MAX_FILE_BYTES,
    MAX_LIST,
    NAME_MAX,
    TEXT_MAX,
    IsoDate,
    Level,
    Version,
    items,
)
from .fields import code as code_of
from .fields import text as text_of

CHANNELS = ("portal", "fax", "mail", "phone", "edi")


class Cited(FormatModel):
    """One reason the denial gives."""

    facts_class: ClassVar[type] = CitedReason
    schema_name: ClassVar[str] = "cited_reason"

    code: code_of(
        r"[A-Z]{3}-[0-9]{3}", 7, expect="a criterion reference like FAC-006"
    ) = Field("", alias="criterion")
    level: Level | None = None
    text: text_of(TEXT_MAX) = ""

    def to_facts(self) -> Any:
        return CitedReason(code=self.code, level=self.level or "", text=self.text)


class Denial(FormatModel):
    """The payer's denial."""

    facts_class: ClassVar[type] = DenialFacts
    schema_name: ClassVar[str] = "denial"

    format_version: Version = 1
    decided_on: IsoDate
    channel: code_of("|".join(CHANNELS), 10, expect="one of " + ", ".join(CHANNELS)) = (
        ""
    )
    reason_code: text_of(CODE_MAX) = ""
    reason_text: text_of(TEXT_MAX)
    payer_reference: text_of(NAME_MAX) = ""
    appeal_deadline: IsoDate | None = None
    cited: items(Cited, MAX_LIST) = ()
    new_evidence: items(text_of(TEXT_MAX), MAX_LIST) = ()
    physician_statement: text_of(TEXT_MAX) = ""


def parse_denial(data: Any) -> DenialFacts:
    """A decoded denial file as ``DenialFacts``; ``RequestFormatError`` lists every
    problem."""
    if not isinstance(data, dict):
        raise RequestFormatError(
            [("", f"must be an object holding one denial (got {typename(data)})")]
        )
    try:
        denial = Denial.model_validate(data)
    except ValidationError as exc:
        raise RequestFormatError(translate(exc, data, Denial)) from None
    empty = [
        (f"cited[{i}]", "needs the criterion, the notice's words (text), or both")
        for i, c in enumerate(denial.cited)
        if not c.code and not c.text
    ]
    if empty:
        raise RequestFormatError(empty)
    return denial.to_facts()  # type: ignore[no-any-return]


def load_denial(path: str | os.PathLike) -> DenialFacts:
    with open(path, "rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestFormatError([("", f"is not valid JSON ({exc})")]) from None
    return parse_denial(data)
