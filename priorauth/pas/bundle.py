"""A request as a Da Vinci PAS request Bundle (FHIR R4 4.0.1, PAS IG 2.2.1).

Pure: it reads the rules' facts, evaluation and policy (the same objects the packet
is built from) and returns the Bundle as a JSON-ready dict, each resource validated
with ``fhir.resources`` (R4B models, R4-shaped for every resource used here). No
database, no Django, no network. ``docs/pas.md`` says where each element comes from.

Identifiers are stable: the Claim's identifier is ``urn:trnorg:<sender>`` +
``<claim id>`` (the same request revision always gives the same Claim identifier),
and every ``fullUrl`` is a ``urn:uuid:`` derived from it, so the same request exports
to the same bundle except for the timestamp passed in.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from priorauth.rules import facts as rf
from priorauth.rules.findings import CodeLine, Evaluation
from priorauth.rules.policy import Policy

from . import systems as s
from .questionnaire import criteria_response

MODELS = {
    "Claim": Claim,
    "Coverage": Coverage,
    "DocumentReference": DocumentReference,
    "Location": Location,
    "Organization": Organization,
    "Patient": Patient,
    "Practitioner": Practitioner,
    "PractitionerRole": PractitionerRole,
    "QuestionnaireResponse": QuestionnaireResponse,
}
_NAMESPACE = uuid.UUID("5b1c1f4e-2f0e-4f5a-9a55-70a1e0c0a514")  # this builder's own


class PasBuildError(ValueError):
    """The request lacks what a PAS Claim needs; ``errors`` are (path, message) pairs
    in the request format's paths, like ``RequestFormatError``."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{p}: {msg}" for p, msg in errors))


@dataclass(frozen=True)
class Requester:
    """The practice that asks for the authorization (``Claim.provider``)."""

    name: str
    phone: str = ""
    fax: str = ""
    address: str = ""
    contact_name: str = ""
    npi: str = ""  # the group NPI, when the practice records one


@dataclass(frozen=True)
class ClaimId:
    """The Claim's business identifier: ``urn:trnorg:<sender>`` and ``value``.

    ``sender`` names the submitting practice (X12 TRN03, the originator); ``value``
    the request and its revision (TRN02). A ClaimResponse echoes it, which is how
    ``pas.response`` tells which request an answer belongs to.
    """

    sender: str
    value: str

    @property
    def system(self) -> str:
        return f"urn:trnorg:{self.sender}"


@dataclass(frozen=True)
class PacketFile:
    """The packet PDF carried by the DocumentReference."""

    pdf: bytes
    signed: bool
    created: datetime | None = None
    title: str = "Prior authorization packet"


def _ref(url: str) -> dict[str, str]:
    return {"reference": url}


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)]}


def _human_name(full: str, credentials: str = "") -> dict[str, Any]:
    parts = full.split()
    name: dict[str, Any] = {"text": full}
    if parts:
        name["family"] = parts[-1]
    if len(parts) > 1:
        name["given"] = parts[:-1]
    if credentials:
        name["suffix"] = [credentials]
    return name


def _gender(sex: str) -> str:
    sex = (sex or "").strip().lower()
    return {"m": "male", "f": "female"}.get(sex, sex) if sex else "unknown"


def check_request(facts: rf.CaseFacts, evaluation: Evaluation) -> list[tuple[str, str]]:
    """What the PAS Claim needs that the request does not give (all at once)."""
    errors = []
    if not facts.patient.name.strip():
        errors.append(("patient.name", "The patient's name is required for PAS."))
    if not facts.patient.member_id.strip():
        errors.append(
            ("patient.member_id", "The member ID is required: the payer matches on it.")
        )
    if facts.patient.dob is None:
        errors.append(("patient.dob", "The date of birth is required for PAS."))
    if not facts.rendering.npi:
        errors.append(("rendering.npi", "The rendering physician's NPI is required."))
    if not facts.facility.place_of_service:
        errors.append(
            ("facility.place_of_service", "The place of service is required.")
        )
    if not evaluation.code_lines:
        errors.append(
            ("levels", "No billable line: give the procedure and at least one level.")
        )
    return errors


def entry_url(claim_id: ClaimId, kind: str, key: str = "") -> str:
    """The ``fullUrl`` of a bundle entry: stable for a Claim identifier."""
    name = f"{claim_id.system}|{claim_id.value}|{kind}|{key}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"


def claim_url(claim_id: ClaimId) -> str:
    """Our Claim's ``fullUrl``: a response may reference the Claim by it alone."""
    return entry_url(claim_id, "Claim")


class _Builder:
    def __init__(self, claim_id: ClaimId):
        self.claim_id = claim_id
        self.entries: list[dict[str, Any]] = []

    def url(self, kind: str, key: str = "") -> str:
        return entry_url(self.claim_id, kind, key)

    def add(self, resource: dict[str, Any], key: str = "") -> str:
        kind = resource["resourceType"]
        url = self.url(kind, key)
        body = {k: v for k, v in resource.items() if k != "resourceType"}
        resource = {"resourceType": kind, "id": url.rpartition(":")[2], **body}
        try:
            model = MODELS[kind].model_validate(resource)
        except ValidationError as exc:  # a bug here, not bad input: say which
            raise AssertionError(f"{kind} does not validate: {exc}") from exc
        self.entries.append({"fullUrl": url, "resource": model.model_dump(mode="json")})
        return url


def _item(
    line: CodeLine,
    sequence: int,
    *,
    facts: rf.CaseFacts,
    claim_id: ClaimId,
    rendering_seq: int,
    diagnoses: int,
    information: list[int],
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "extension": [
            {
                "url": s.extension("itemTraceNumber"),
                "valueIdentifier": {
                    "system": claim_id.system,
                    "value": f"{claim_id.value}-{sequence}",
                },
            },
            {
                "url": s.extension("serviceItemRequestType"),
                "valueCodeableConcept": _concept(
                    s.X12_REQUEST_TYPE, "HS", "Health Services Review"
                ),
            },
            {
                "url": s.extension("certificationType"),
                "valueCodeableConcept": _concept(
                    s.X12_CERTIFICATION_TYPE, "I", "Initial"
                ),
            },
        ],
        "sequence": sequence,
        "careTeamSequence": [rendering_seq],
        "category": _concept(s.X12_SERVICE_TYPE, "2", "Surgical"),
        "productOrService": _concept(s.CPT, line.cpt, line.description),
        "locationCodeableConcept": _concept(s.POS, facts.facility.place_of_service),
        "quantity": {
            "value": line.units,
            "unit": "Units",
            "system": s.X12_UNITS,
            "code": "FL",
        },
    }
    if diagnoses:
        item["diagnosisSequence"] = list(range(1, diagnoses + 1))
    if information:
        item["informationSequence"] = information
    if line.modifiers:
        item["modifier"] = [
            _concept(s.CPT if mod in s.CPT_MODIFIERS else s.HCPCS, mod)
            for mod in line.modifiers
        ]
    if facts.procedure.date_of_service:
        item["servicedDate"] = facts.procedure.date_of_service.isoformat()
    if line.levels:
        side = f", {line.side}" if line.side else ""
        item["bodySite"] = {"text": f"{', '.join(line.levels)}{side}"}
    return item


def _sha1_b64(data: bytes) -> str:
    # FHIR Attachment.hash is the base64 SHA-1 of the data.
    return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324


def build_request_bundle(
    *,
    facts: rf.CaseFacts,
    evaluation: Evaluation,
    policy: Policy,
    requester: Requester,
    claim_id: ClaimId,
    created: datetime,
    packet: PacketFile | None = None,
) -> dict[str, Any]:
    """The PAS request Bundle (``type`` collection, the Claim first) as a dict.

    ``facts`` are the request as entered; the evaluation (``rules.evaluate``) gives
    the billed lines and the criteria outcomes. ``packet`` is the signed PDF (or
    nothing: an unsigned request is exported without a packet and the bundle is
    tagged ``unsigned``, see docs/pas.md). Raises ``PasBuildError`` when the request
    lacks what PAS requires.
    """
    errors = check_request(facts, evaluation)
    if errors:
        raise PasBuildError(errors)
    b = _Builder(claim_id)
    claim_url = b.url("Claim")
    b.entries.append({})  # the Claim goes first (PAS invariant ClaimFirst)

    patient_url = b.add(_patient(facts))
    insurer_url = b.add(_insurer(facts, policy))
    coverage_url = b.add(_coverage(facts, policy, patient_url, insurer_url))
    requester_url = b.add(_requester(requester), "requester")
    location_url = b.add(_location(facts))
    roles: dict[str, str] = {}
    for who in (facts.ordering, facts.rendering):
        if who.npi and who.npi not in roles:
            practitioner = b.add(_practitioner(who), who.npi)
            roles[who.npi] = b.add(
                {
                    "resourceType": "PractitionerRole",
                    "meta": {"profile": [s.profile("practitionerrole")]},
                    "practitioner": _ref(practitioner),
                    "organization": _ref(requester_url),
                    "location": [_ref(location_url)],
                },
                who.npi,
            )

    qr = criteria_response(evaluation=evaluation, policy=policy, authored=created)
    qr["subject"] = _ref(patient_url)
    information = [
        _additional_information(
            1,
            b.add(qr),
            "OZ",
            "Support Data for Claim",
            "Payer policy criteria: each criterion's status and the evidence for it.",
        )
    ]
    if packet is not None:
        doc_url = b.add(_document(packet, patient_url, requester_url, created))
        information.append(
            _additional_information(
                2,
                doc_url,
                "M1",
                "Medical Record Attachment",
                "Signed letter of medical necessity and criteria cross-walk (PDF)."
                if packet.signed
                else "DRAFT packet, not signed by the physician (PDF).",
            )
        )

    care_team = []
    rendering_seq = 1
    if facts.ordering.npi:
        care_team.append(_care_member(1, roles[facts.ordering.npi], True, "DK"))
        rendering_seq = 2
    care_team.append(
        _care_member(rendering_seq, roles[facts.rendering.npi], False, "SJ")
    )
    claim = {
        "resourceType": "Claim",
        "meta": {"profile": [s.profile("claim")]},
        "identifier": [{"system": claim_id.system, "value": claim_id.value}],
        "status": "active",
        "type": _concept(s.CLAIM_TYPE, "professional"),
        "use": "preauthorization",
        "patient": _ref(patient_url),
        "created": created.isoformat(),
        "insurer": _ref(insurer_url),
        "provider": _ref(requester_url),
        "priority": _concept(s.PROCESS_PRIORITY, "normal"),
        "facility": _ref(location_url),
        "careTeam": care_team,
        "supportingInfo": information,
        "diagnosis": [
            {
                "sequence": i,
                "diagnosisCodeableConcept": _concept(s.ICD10CM, code),
                **(
                    {"type": [_concept(s.PAS_TEMP_CODES, "principal")]}
                    if i == 1
                    else {}
                ),
            }
            for i, code in enumerate(facts.diagnoses, start=1)
        ],
        "insurance": [{"sequence": 1, "focal": True, "coverage": _ref(coverage_url)}],
        "item": [
            _item(
                line,
                i,
                facts=facts,
                claim_id=claim_id,
                rendering_seq=rendering_seq,
                diagnoses=len(facts.diagnoses),
                information=[info["sequence"] for info in information],
            )
            for i, line in enumerate(evaluation.code_lines, start=1)
        ],
    }
    if not claim["diagnosis"]:
        del claim["diagnosis"]
    claim_model = Claim.model_validate({"id": claim_url.rpartition(":")[2], **claim})
    b.entries[0] = {
        "fullUrl": claim_url,
        "resource": claim_model.model_dump(mode="json"),
    }

    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "meta": {"profile": [s.profile("pas-request-bundle")]},
        "identifier": {
            "system": claim_id.system,
            "value": f"{claim_id.value}-{created.strftime('%Y%m%d%H%M%S')}",
        },
        "type": "collection",
        "timestamp": created.isoformat(),
        "entry": b.entries,
    }
    if packet is None or not packet.signed:
        bundle["meta"]["tag"] = [
            _coding(
                s.BUNDLE_TAGS,
                "unsigned",
                "No signed packet: not ready to submit to the payer",
            )
        ]
    return Bundle.model_validate(bundle).model_dump(mode="json")


def _patient(facts: rf.CaseFacts) -> dict[str, Any]:
    p = facts.patient
    return {
        "resourceType": "Patient",
        "meta": {"profile": [s.profile("beneficiary")]},
        "identifier": [_member_identifier(facts)],
        "name": [_human_name(p.name)],
        "gender": _gender(p.sex),
        "birthDate": p.dob.isoformat() if p.dob else None,
    }


def _member_identifier(facts: rf.CaseFacts) -> dict[str, Any]:
    return {
        "type": _concept(s.V2_0203, "MB", "Member Number"),
        "system": f"{s.MEMBER_ID_SYSTEM}:{facts.payer.profile_key or 'payer'}",
        "value": facts.patient.member_id,
    }


def _insurer(facts: rf.CaseFacts, policy: Policy) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "meta": {"profile": [s.profile("insurer")]},
        "active": True,
        "type": [_concept(s.X12_ENTITY, "PR", "Payer")],
        "name": policy.name or facts.payer.plan_name or facts.payer.profile_key,
    }


def _coverage(
    facts: rf.CaseFacts, policy: Policy, patient_url: str, insurer_url: str
) -> dict[str, Any]:
    code, display = s.PAYER_TYPE.get(policy.kind.value, s.PAYER_TYPE_DEFAULT)
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "meta": {"profile": [s.profile("coverage")]},
        "identifier": [_member_identifier(facts)],
        "status": "active",
        "type": _concept(s.SOURCE_OF_PAYMENT, code, display),
        "subscriberId": facts.patient.member_id,
        "beneficiary": _ref(patient_url),
        # The request format has no subscriber: the patient is the member.
        "relationship": {
            "coding": [
                _coding(s.SUBSCRIBER_RELATIONSHIP, "self", "Self"),
                _coding(s.X12_RELATIONSHIP, "18", "Self"),
            ]
        },
        "payor": [_ref(insurer_url)],
    }
    if facts.payer.plan_name:
        coverage["class"] = [
            {
                "type": _concept(s.COVERAGE_CLASS, "plan", "Plan"),
                "value": facts.payer.plan_name,
                "name": facts.payer.plan_name,
            }
        ]
    return coverage


def _requester(requester: Requester) -> dict[str, Any]:
    org: dict[str, Any] = {
        "resourceType": "Organization",
        "meta": {"profile": [s.profile("requestor")]},
        "active": True,
        "type": [_concept(s.X12_ENTITY, "1P", "Provider")],
        "name": requester.name,
    }
    if requester.npi:
        org["identifier"] = [{"system": s.NPI, "value": requester.npi}]
    telecom = [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", requester.phone), ("fax", requester.fax))
        if value
    ]
    if telecom:
        org["telecom"] = telecom
    if requester.address:
        org["address"] = [{"text": requester.address, "country": "US"}]
    if requester.contact_name or telecom:
        contact: dict[str, Any] = {}
        if requester.contact_name:
            contact["name"] = {"text": requester.contact_name}
        if telecom:
            contact["telecom"] = telecom
        org["contact"] = [contact]
    return org


def _location(facts: rf.CaseFacts) -> dict[str, Any]:
    f = facts.facility
    location: dict[str, Any] = {
        "resourceType": "Location",
        "meta": {"profile": [s.profile("location")]},
        "status": "active",
        "name": f.name or "Facility",
        # Only the state of service is recorded; PAS needs an address element.
        "address": {"state": facts.payer.state or None, "country": "US"},
    }
    if f.npi:
        location["identifier"] = [{"system": s.NPI, "value": f.npi}]
    return location


def _practitioner(who: rf.Provider) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "meta": {"profile": [s.profile("practitioner")]},
        "identifier": [{"system": s.NPI, "value": who.npi}],
        "name": [_human_name(who.name or f"NPI {who.npi}", who.credentials)],
    }


def _care_member(sequence: int, role_url: str, overall: bool, code: str) -> dict:
    display = {"DK": "Ordering Physician", "SJ": "Service Provider"}[code]
    return {
        "extension": [
            {"url": s.extension("careTeamClaimScope"), "valueBoolean": overall}
        ],
        "sequence": sequence,
        "provider": _ref(role_url),
        "role": _concept(s.X12_ENTITY, code, display),
    }


def _additional_information(
    sequence: int, url: str, report_type: str, display: str, description: str
) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": s.extension("documentInformation"),
                "extension": [
                    {
                        "url": "reportTypeCode",
                        "valueCodeableConcept": _concept(
                            s.X12_REPORT_TYPE, report_type, display
                        ),
                    },
                    {
                        "url": "transmissionMethod",
                        "valueCodeableConcept": _concept(
                            s.X12_TRANSMISSION, "EL", "Electronically Only"
                        ),
                    },
                    {"url": "description", "valueString": description},
                ],
            }
        ],
        "sequence": sequence,
        "category": _concept(s.PAS_TEMP_CODES, "additionalInformation"),
        "valueReference": _ref(url),
    }


def _document(
    packet: PacketFile, patient_url: str, author_url: str, created: datetime
) -> dict[str, Any]:
    when = packet.created or created
    return {
        "resourceType": "DocumentReference",
        "meta": {"profile": [s.profile("documentreference")]},
        "status": "current",
        "docStatus": "final" if packet.signed else "preliminary",
        "type": _concept(s.LOINC, "11503-0", "Medical records"),
        "category": [_concept(s.DOCREF_CATEGORY, "clinical-note", "Clinical Note")],
        "subject": _ref(patient_url),
        "date": when.isoformat(),
        "author": [_ref(author_url)],
        "description": packet.title if packet.signed else f"DRAFT: {packet.title}",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(packet.pdf).decode("ascii"),
                    "size": len(packet.pdf),
                    "hash": _sha1_b64(packet.pdf),
                    "title": packet.title,
                    "creation": when.isoformat(),
                }
            }
        ],
    }


def references(value: Any) -> Iterable[str]:
    """Every ``reference`` string inside a resource (for the integrity checks)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                yield inner
            else:
                yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)
