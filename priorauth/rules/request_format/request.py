"""The whole request: the top-level JSON object."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, ValidationError, field_validator
from pydantic_core import InitErrorDetails

from .. import facts
from .base import FormatModel, format_error
from .clinical import Clinical, ConservativeCare, Imaging, Rationale
from .fields import (
    CODE_MAX,
    MAX_DIAGNOSES,
    MAX_HISTORY,
    MAX_LEVELS,
    MAX_LIST,
    Version,
    code,
    items,
)
from .people import Facility, Patient, PayerInfo, Provider
from .procedure import BlockResponse, LevelRequest, PriorProcedure, ProcedurePlan

ICD10 = r"[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
PROFILE = r"[a-z0-9][a-z0-9_.-]{0,63}"


def _one_row_per_level(rows: tuple[LevelRequest, ...]) -> tuple[LevelRequest, ...]:
    """A level is requested once: both sides are one row with side bilateral."""
    seen: dict[str, int] = {}
    repeats = []
    for i, row in enumerate(rows):
        if row.level in seen:
            error = format_error(
                "duplicate_level", level=row.level, first=seen[row.level]
            )
            repeats.append(
                InitErrorDetails(type=error, loc=(i, "level"), input=row.level)
            )
        else:
            seen[row.level] = i
    if repeats:
        # One error per repeated row (pydantic places them under "levels").
        raise ValidationError.from_exception_data("levels", repeats)
    return rows


class Request(FormatModel):
    """A spinal-injection prior-authorization request (priorauth request format v1)."""

    model_config = ConfigDict(title="priorauth request (format version 1)")
    facts_class: ClassVar[type] = facts.CaseFacts
    schema_name: ClassVar[str] = "request"

    format_version: Version = Field(description="Format version; must be 1.")
    payer_profile: code(
        PROFILE,
        CODE_MAX,
        expect="a lowercase profile key such as medicare, aetna, evicore",
    ) = Field(
        "",
        description="Payer profile key (Policy.key), lowercase. Built-in profiles: "
        + ", ".join(k.value for k in facts.PayerKind)
        + ".",
    )
    patient: Patient = Field(default_factory=Patient, description="The patient.")
    payer: PayerInfo = Field(
        default_factory=PayerInfo,
        description="Plan details. The payer profile itself is the top-level"
        " payer_profile key.",
    )
    ordering: Provider = Field(
        default_factory=Provider, description="Ordering physician."
    )
    rendering: Provider = Field(
        default_factory=Provider, description="Rendering physician."
    )
    facility: Facility = Field(
        default_factory=Facility, description="Where the procedure is done."
    )
    procedure: ProcedurePlan = Field(description="The planned procedure.")
    levels: items(LevelRequest, MAX_LEVELS) = Field(
        (), description="Requested levels, one row each."
    )
    block_responses: items(BlockResponse, MAX_LIST) = Field(
        (), description="Responses to the diagnostic block(s) this request builds on."
    )
    clinical: Clinical = Field(
        default_factory=Clinical,
        description="Clinical presentation and baseline scores.",
    )
    conservative_care: items(ConservativeCare, MAX_LIST) = Field(
        (), description="Conservative treatments tried."
    )
    imaging: items(Imaging, MAX_LIST) = Field(
        (), description="Imaging and electrodiagnostic studies."
    )
    diagnoses: items(
        code(ICD10, 8, expect="an ICD-10-CM code with the dot, e.g. M47.816"),
        MAX_DIAGNOSES,
    ) = Field(
        (),
        description="ICD-10-CM codes with the dot, capitals, e.g. M47.816"
        " (billability is checked by the rules, not the format).",
    )
    history: items(PriorProcedure, MAX_HISTORY) = Field(
        (),
        description="The patient's prior procedures (the ledger for counts and"
        " frequency).",
    )
    signed: bool = Field(
        False,
        description="The letter is signed and dated by a physician (PKT-004).",
    )
    rationales: items(Rationale, MAX_LIST) = Field(
        (),
        description="The physician's answers to criteria the request does not meet"
        " as written.",
    )

    @field_validator("levels")
    @classmethod
    def _levels_are_distinct(cls, rows: Any) -> Any:
        return _one_row_per_level(rows)

    def to_facts(self) -> facts.CaseFacts:
        """The engine's facts; ``payer_profile`` becomes ``PayerInfo.profile_key``."""
        case = super().to_facts()
        payer = dataclasses.replace(case.payer, profile_key=self.payer_profile)
        return dataclasses.replace(case, payer=payer)
