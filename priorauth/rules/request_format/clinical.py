"""Why it is needed: the clinical picture, care tried, imaging, the rationales."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .. import facts
from .base import FormatModel
from .fields import (
    CODE_MAX,
    MAX_LEVEL_REFS,
    TEXT_MAX,
    Choice,
    IsoDate,
    Level,
    OutcomeOrText,
    code,
    items,
    number,
    text,
)

NAME = "at most 200 characters"
TEXT = "Free text, at most 5000 characters."
CODE = r"[a-z][a-z0-9_]{0,63}"


class Clinical(FormatModel):
    """Clinical presentation and baseline scores."""

    facts_class: ClassVar[type] = facts.Clinical
    schema_name: ClassVar[str] = "clinical"

    onset_date: IsoDate | None = Field(None, description="Pain onset date.")
    pain_pattern: Choice[facts.PainPattern] | None = Field(
        None, description="Pain pattern."
    )
    radiculopathy: bool = Field(False, description="Radiculopathy documented.")
    neurogenic_claudication: bool = Field(
        False, description="Neurogenic claudication documented."
    )
    post_laminectomy: bool = Field(False, description="Post-laminectomy syndrome.")
    acute_zoster: bool = Field(False, description="Acute herpes zoster.")
    facet_cyst: bool = Field(False, description="Facet synovial cyst.")
    fusion_at_level: bool = Field(False, description="Fusion at a target segment.")
    other_causes_excluded: bool = Field(
        False, description="Fracture, tumor, infection and deformity were ruled out."
    )
    baseline_pain_scale: text() = Field(
        "", description=f"Baseline pain scale name, e.g. NRS; {NAME}."
    )
    baseline_pain_score: number(0, 10) | None = Field(
        None, description="Baseline pain score, 0-10."
    )
    function_scale: text() = Field(
        "",
        description=f"Function/disability scale, e.g. ODI, NDI, Roland-Morris; {NAME}.",
    )
    function_score: number(0, 100) | None = Field(
        None, description="Function/disability score, 0-100."
    )
    functional_impairment: text(TEXT_MAX) = Field(
        "", description=f"ADL limitations in plain words. {TEXT}"
    )
    rfa_contraindication: text(TEXT_MAX) = Field(
        "",
        description=f"Why RFA is not possible (therapeutic facet requests). {TEXT}",
    )
    rfa_planned: bool = Field(
        False, description="RF neurolysis is being considered (Aetna, Carelon)."
    )
    changed_approach: text(TEXT_MAX) = Field(
        "", description=f"After a failed ESI: what differs this time (ESI-007). {TEXT}"
    )
    continuation_rationale: text(TEXT_MAX) = Field(
        "", description=f"Why ESIs continue beyond 12 months (ESI-013). {TEXT}"
    )


class ConservativeCare(FormatModel):
    """One conservative treatment tried."""

    facts_class: ClassVar[type] = facts.ConservativeCare
    schema_name: ClassVar[str] = "conservative_care"

    kind: code(
        CODE,
        CODE_MAX,
        expect="a lowercase code such as physical_therapy, home_exercise, nsaids",
    ) = Field(
        description="Lowercase code: physical_therapy, home_exercise, nsaids,"
        " neuropathic, chiropractic, activity_modification, ..."
    )
    start: IsoDate | None = Field(None, description="Start date.")
    end: IsoDate | None = Field(None, description="End date.")
    duration_weeks: number(0, 1040) | None = Field(
        None, description="Duration in weeks when the dates are not known (0-1040)."
    )
    outcome: OutcomeOrText | None = Field(
        None,
        description="How it ended: failed, partial (partial relief, not enough),"
        " not_tolerated, contraindicated, ongoing or improved. Format v1 free text is"
        " still read (failed/intolerant/partial keywords) and kept as the note; text"
        " naming no outcome is marked for review.",
    )
    note: text(TEXT_MAX) = Field(
        "", description=f"Optional detail, e.g. 16 visits, pain unchanged. {TEXT}"
    )
    needs_review: bool = Field(
        False,
        description="The outcome was read from free text and staff have not"
        " confirmed it.",
    )


class Imaging(FormatModel):
    """One imaging or electrodiagnostic study."""

    facts_class: ClassVar[type] = facts.Imaging
    schema_name: ClassVar[str] = "imaging"

    modality: code(
        CODE, CODE_MAX, expect="a lowercase code such as mri, ct, xray, emg"
    ) = Field(description="Lowercase code: mri, ct, xray, emg, ...")
    date: IsoDate | None = Field(None, description="Study date.")
    levels: items(Level, MAX_LEVEL_REFS) = Field((), description="Levels named.")
    findings: text(TEXT_MAX) = Field(
        "", description=f"Key findings at the targeted levels. {TEXT}"
    )
    concordant: bool = Field(
        False, description="Findings explain the symptoms at the treated level/side."
    )
    shows_hnp: bool = Field(
        False, description="Shows a disc herniation (Carelon CAR-003)."
    )


# Aliases: Rationale's own fields are named code and text.
RuleId = code("[A-Z]{3}-[0-9]{3}", 7, expect="a rule ID such as DVT-001")
Prose = text(TEXT_MAX)
Name = text()


class Rationale(FormatModel):
    """The physician's clinical rationale for a criterion the request does not meet
    as written (printed in the letter as clinical prose)."""

    facts_class: ClassVar[type] = facts.Rationale
    schema_name: ClassVar[str] = "rationale"

    code: RuleId = Field(
        description="Rule ID of the criterion it answers, e.g. DVT-001."
    )
    level: Level | None = Field(
        None, description="The level it answers (absent: the whole request)."
    )
    text: Prose = Field("", description=f"The rationale, in clinical prose. {TEXT}")
    author: Name = Field("", description=f"Physician who wrote it; {NAME}.")
