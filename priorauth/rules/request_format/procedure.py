"""What is asked for and what came before: procedure, levels, blocks, history."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from .. import facts
from ..facts import Intent, ProcedureType, RfaTechnique, Sedation, Side
from .base import FormatModel, format_error
from .fields import (
    MAX_LEVEL_REFS,
    TEXT_MAX,
    Choice,
    IsoDate,
    Level,
    items,
    number,
    text,
    whole,
)

NAME = "at most 200 characters"
TEXT = "Free text, at most 5000 characters."

# Which intents each procedure type accepts (None = not stated is always accepted).
INTENTS_BY_TYPE: dict[ProcedureType, tuple[Intent, ...]] = {
    ProcedureType.ESI_INTERLAMINAR: (Intent.THERAPEUTIC,),
    ProcedureType.ESI_TRANSFORAMINAL: (Intent.THERAPEUTIC,),
    ProcedureType.ESI_CAUDAL: (Intent.THERAPEUTIC,),
    ProcedureType.FACET_IA: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
    ProcedureType.MBB: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
    ProcedureType.RFA: (Intent.FIRST, Intent.REPEAT),
    ProcedureType.SI_JOINT: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
    ProcedureType.TRIGGER_POINT: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
}


def _intent_fits(type_key: str, intent: Intent | None, info: ValidationInfo) -> Any:
    """The intent must be one its procedure type takes (if the type itself is valid)."""
    ptype = info.data.get(type_key)  # only fields that passed are in data
    if intent is not None and ptype is not None:
        allowed = INTENTS_BY_TYPE[ptype]
        if intent not in allowed:
            names = " or ".join(i.value for i in allowed)
            raise format_error(
                "intent_for_type", allowed=names, type=ptype.value, intent=intent.value
            )
    return intent


def intents_schema(type_key: str) -> dict[str, Any]:
    """``allOf`` if/then rules publishing ``INTENTS_BY_TYPE`` in the schema."""
    groups: dict[tuple[Intent, ...], list[str]] = {}
    for ptype, intents in INTENTS_BY_TYPE.items():
        groups.setdefault(intents, []).append(ptype.value)
    rules = [
        {
            "if": {"properties": {type_key: {"enum": types}}, "required": [type_key]},
            "then": {
                "properties": {"intent": {"enum": [i.value for i in intents] + [None]}}
            },
        }
        for intents, types in groups.items()
    ]
    return {"allOf": rules}


class ProcedurePlan(FormatModel):
    """The planned procedure."""

    model_config = ConfigDict(json_schema_extra=intents_schema("type"))
    facts_class: ClassVar[type] = facts.ProcedurePlan
    schema_name: ClassVar[str] = "procedure"

    type: Choice[ProcedureType] = Field(description="Procedure type.")
    intent: Choice[Intent] | None = Field(
        None,
        description="diagnostic or therapeutic for facet_ia and mbb; first or repeat"
        " for rfa; ESIs are always therapeutic (give therapeutic or leave null).",
    )
    date_of_service: IsoDate | None = Field(
        None, description="Planned date of service."
    )
    guidance: Choice[facts.Guidance] | None = Field(None, description="Image guidance.")
    contrast: bool = Field(True, description="Contrast will be used (default true).")
    contrast_contraindication: text(TEXT_MAX) = Field(
        "", description=f"Why contrast is not used (allergy, pregnancy...). {TEXT}"
    )
    sedation: Choice[Sedation] = Field(
        Sedation.NONE,
        description="Sedation planned (default none; minimal = anxiolysis).",
    )
    sedation_justification: text(TEXT_MAX) = Field(
        "", description=f"Why sedation is medically necessary. {TEXT}"
    )
    rfa_technique: Choice[RfaTechnique] | None = Field(
        None, description="RFA technique (rfa only)."
    )
    injectate: text(TEXT_MAX) = Field(
        "", description=f"Drugs and volumes injected. {TEXT}"
    )
    other_blocks_same_day: items(Choice[ProcedureType], 8) = Field(
        (),
        description="Other block types planned on the same date of service"
        " (FAC-025, ESI-016).",
    )
    kx_modifier: bool | None = Field(
        None,
        description="KX modifier on the claim lines; null lets the engine derive it.",
    )

    @field_validator("intent")
    @classmethod
    def _intent_fits_type(cls, intent: Intent | None, info: ValidationInfo) -> Any:
        return _intent_fits("type", intent, info)


class LevelRequest(FormatModel):
    """One requested level."""

    facts_class: ClassVar[type] = facts.LevelRequest
    schema_name: ClassVar[str] = "level_request"

    level: Level = Field(
        description="Level: two adjacent segments like L4-L5, L5-S1, C5-C6, T12-L1 (a"
        " transforaminal ESI foramen is named by its segment); caudal for a caudal"
        " ESI. Typed variants (L4-5, l4/l5, L5S1) are accepted and canonicalised."
    )
    side: Choice[Side] = Field(description="Side.")
    prior_count: whole(0, 100) | None = Field(
        None,
        description="Prior injections at this level as typed by staff (null = not"
        " entered; the history ledger is checked against it).",
    )


LEVELS_NAMED = items(Level, MAX_LEVEL_REFS)


def _a_block(kind: ProcedureType | None) -> ProcedureType | None:
    if kind is not None and kind not in (ProcedureType.MBB, ProcedureType.FACET_IA):
        raise format_error("block_procedure", procedure=kind.value)
    return kind


class BlockResponse(FormatModel):
    """Response to a diagnostic block (the one this request builds on)."""

    facts_class: ClassVar[type] = facts.BlockResponse
    schema_name: ClassVar[str] = "block_response"

    date: IsoDate | None = Field(None, description="Date of the block.")
    agent: text() = Field(
        "", description=f"Local anesthetic, e.g. lidocaine 2%; {NAME}."
    )
    scale: text() = Field("", description=f"Pain scale name, e.g. NRS, VAS; {NAME}.")
    pre_score: number(0, 10) | None = Field(
        None, description="Pain score before the block, 0-10."
    )
    post_score: number(0, 10) | None = Field(
        None, description="Pain score after the block, 0-10."
    )
    percent_relief: number(0, 100) | None = Field(
        None, description="Percent relief as typed, 0-100 (checked against the scores)."
    )
    duration_hours: number(0, 8760) | None = Field(
        None, description="How long relief lasted, hours (0-8760)."
    )
    levels: LEVELS_NAMED = Field((), description="Levels named.")
    procedure: Choice[ProcedureType] | None = Field(
        None,
        description="Which block this was: mbb or facet_ia. Without it, an MBB or RFA"
        " request reads it as an MBB and a facet IA request as an IA block.",
    )
    side: Choice[Side] | None = Field(None, description="Side of the block.")

    @field_validator("procedure")
    @classmethod
    def _procedure_is_a_block(cls, kind: ProcedureType | None) -> Any:
        return _a_block(kind)


class PriorProcedure(FormatModel):
    """One row of the patient's procedure history (ledger)."""

    model_config = ConfigDict(json_schema_extra=intents_schema("procedure"))
    facts_class: ClassVar[type] = facts.PriorProcedure
    schema_name: ClassVar[str] = "prior_procedure"

    date: IsoDate = Field(description="Date of the procedure.")
    procedure: Choice[ProcedureType] = Field(description="Procedure type.")
    intent: Choice[Intent] | None = Field(
        None, description="Intent, as for procedure.intent."
    )
    levels: LEVELS_NAMED = Field((), description="Levels named.")
    side: Choice[Side] | None = Field(None, description="Side.")
    relief_percent: number(0, 100) | None = Field(
        None, description="Percent relief, 0-100."
    )
    relief_duration_hours: number(0, 8760) | None = Field(
        None, description="Relief duration in hours (diagnostic blocks), 0-8760."
    )
    relief_duration_days: number(0, 3650) | None = Field(
        None, description="Relief duration in days (therapeutic, ESI, RFA), 0-3650."
    )
    adl_improvement_percent: number(0, 100) | None = Field(
        None, description="ADL improvement percent, 0-100."
    )
    function_improved: bool | None = Field(
        None, description="Function improved (Aetna AET-003)."
    )
    medication_reduced: bool | None = Field(
        None, description="Medication or care use reduced (Aetna AET-003)."
    )
    scale: text() = Field("", description=f"Pain scale used, e.g. NRS; {NAME}.")
    agent: text() = Field("", description=f"Agent injected; {NAME}.")
    kx_billed: bool | None = Field(None, description="KX modifier was billed.")
    pre_score: number(0, 10) | None = Field(
        None, description="Pain score before the block, 0-10 (same scale)."
    )
    post_score: number(0, 10) | None = Field(
        None,
        description="Pain score after the block, 0-10 (relief is computed from both).",
    )
    builds_on: bool = Field(
        False,
        description="This request builds on this injection (it is one of the blocks"
        " whose response the request relies on).",
    )

    @field_validator("intent")
    @classmethod
    def _intent_fits_procedure(cls, intent: Intent | None, info: ValidationInfo) -> Any:
        return _intent_fits("procedure", intent, info)
