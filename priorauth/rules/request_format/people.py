"""Who is involved: the patient, the physicians, the facility and the plan."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .. import facts
from .base import FormatModel
from .fields import CODE_MAX, IsoDate, code, text

NAME = "at most 200 characters"
NPI = r"[0-9]{10}"


class Patient(FormatModel):
    """The patient."""

    facts_class: ClassVar[type] = facts.Patient
    schema_name: ClassVar[str] = "patient"

    name: text() = Field("", description=f"Full name as on the insurance card, {NAME}.")
    dob: IsoDate | None = Field(None, description="Date of birth.")
    sex: text() = Field(
        "", description=f"Sex as recorded by the payer, e.g. female, male; {NAME}."
    )
    member_id: text(CODE_MAX) = Field(
        "",
        description="Payer member ID including any alpha prefix, at most 64"
        " characters.",
    )


class Provider(FormatModel):
    """A physician: name, credentials, NPI."""

    facts_class: ClassVar[type] = facts.Provider
    schema_name: ClassVar[str] = "provider"

    name: text() = Field("", description=f"Physician's full name, {NAME}.")
    credentials: text() = Field("", description=f"Credentials, e.g. MD, DO; {NAME}.")
    npi: code(NPI, 10, expect="10 digits") = Field(
        "",
        description="National Provider Identifier: 10 digits (the check digit is"
        " checked by rules.validation before a request is evaluated or stored).",
    )


class Facility(FormatModel):
    """Where the procedure is done."""

    facts_class: ClassVar[type] = facts.Facility
    schema_name: ClassVar[str] = "facility"

    name: text() = Field("", description=f"Facility name, {NAME}.")
    npi: code(NPI, 10, expect="10 digits") = Field(
        "", description="Facility NPI: 10 digits."
    )
    place_of_service: code(
        "[0-9]{2}",
        2,
        expect="a two-digit CMS place-of-service code such as 11, 22 or 24",
    ) = Field(
        "",
        description="CMS place-of-service code, two digits: 11 office, 19/22 hospital"
        " outpatient department, 24 ambulatory surgical center.",
    )
    opd_exempt: bool = Field(
        False,
        description="The facility is exempt from Medicare hospital outpatient prior"
        " authorization (90 % or more provisional affirmations).",
    )


class PayerInfo(FormatModel):
    """Plan details. The payer profile itself is the top-level payer_profile key."""

    facts_class: ClassVar[type] = facts.PayerInfo
    schema_name: ClassVar[str] = "payer"
    key_hints: ClassVar[dict[str, str]] = {
        "profile_key": 'the profile goes in the top-level key "payer_profile"'
    }

    plan_name: text() = Field("", description=f"Health plan / product name, {NAME}.")
    state: code(
        "[A-Z]{2}", 2, expect="a two-letter state code in capitals, e.g. AZ"
    ) = Field(
        "",
        description="Two-letter state of service in capitals (Original Medicare"
        " picks the MAC, its LCDs and WISeR from it), e.g. AZ.",
    )
    county: text(80) = Field(
        "",
        description="County or independent city of service. Needed in Virginia only:"
        " Arlington and Fairfax counties and the cities of Fairfax, Falls Church and"
        " Alexandria are Medicare jurisdiction JL (Novitas), the rest of the state JM"
        " (Palmetto).",
    )
