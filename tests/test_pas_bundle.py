"""The Da Vinci PAS request Bundle: what the PAS profiles require, must-support
elements, one item per billed line, references that resolve, the packet document,
and the example bundle in docs/pas/ (regenerated and compared). No database.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from django.core.management import call_command

from priorauth import pas
from priorauth.management.commands.export_pas import export_file
from priorauth.pas import systems as s
from priorauth.rules import evaluate
from priorauth.rules.io import load_request
from priorauth.rules.outcomes import Kind, kind_of
from priorauth.rules.profiles import load_fixture_policies

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
EXAMPLE = ROOT / "examples" / "rfa-first-medicare-advantage.json"
EXAMPLE_BUNDLE = ROOT / "docs" / "pas" / "example-bundle.json"
TODAY = date(2026, 12, 1)
CREATED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICIES = load_fixture_policies(ROOT / "fixtures" / "payer_profiles.json")

# Elements of the PAS Claim profile (PAS IG 2.2.1, input/fsh/Claim.fsh: PASClaimBase,
# PASClaim and RuleSet CommonClaimElements) and of FHIR R4 Claim whose minimum
# cardinality is 1 or more, as paths into the Claim. "[name]" is an extension slice
# (its URL is systems.extension(name)); the slice must be present when its parent is.
CLAIM_REQUIRED = [
    "status",  # R4 1..1; PAS fixed "active"
    "type",  # R4 1..1
    "use",  # R4 1..1; PAS fixed "preauthorization"
    "patient",  # R4 1..1
    "created",  # R4 1..1
    "provider",  # R4 1..1
    "priority",  # R4 1..1
    "insurance",  # R4 1..*
    "insurance.sequence",  # R4 1..1
    "insurance.focal",  # R4 1..1
    "insurance.coverage",  # R4 1..1
    "identifier",  # PAS 1..2
    "identifier.system",  # PASIdentifier 1..1
    "identifier.value",  # PASIdentifier 1..1
    "insurer",  # PAS 1..1
    "item",  # PAS 1..*
    "item.sequence",  # R4 1..1
    "item.productOrService",  # R4 1..1
    "item.category",  # PAS 1..1
    "item.locationCodeableConcept",  # PAS item.location[x] 1..1
    "item.[serviceItemRequestType]",  # PAS item.extension[requestType] 1..1
    "item.[certificationType]",  # PAS item.extension[certificationType] 1..1
    "careTeam.sequence",  # R4 1..1 (when careTeam is present)
    "careTeam.provider",  # R4 1..1
    "careTeam.[careTeamClaimScope]",  # PAS careTeam.extension[careTeamClaimScope] 1..1
    "diagnosis.sequence",  # R4 1..1
    "diagnosis.diagnosisCodeableConcept",  # R4 diagnosis[x] 1..1
    "supportingInfo.sequence",  # R4 1..1
    "supportingInfo.category",  # R4 1..1
    "supportingInfo.[documentInformation]",  # PAS AdditionalInformation slice 1..1
    "supportingInfo.valueReference",  # PAS AdditionalInformation value[x] 1..1
]
# Must-support elements of the same profiles that a spinal injection request fills.
# The other must-support elements do not arise here (accident, encounter, home health,
# admission and discharge dates, revenue codes, unit prices, nursing home status) or
# are not in the data model yet (the transmission identifiers, which an X12
# intermediary assigns; docs/pas.md lists them).
CLAIM_MUST_SUPPORT = [
    "identifier",
    "status",
    "use",
    "patient",
    "insurer",
    "provider",
    "careTeam",
    "careTeam.sequence",
    "careTeam.provider",
    "careTeam.role",
    "supportingInfo",
    "supportingInfo.sequence",
    "supportingInfo.category",
    "diagnosis",
    "diagnosis.sequence",
    "diagnosis.diagnosisCodeableConcept",
    "diagnosis.type",
    "insurance",
    "insurance.sequence",
    "insurance.coverage",
    "item",
    "item.[itemTraceNumber]",
    "item.sequence",
    "item.careTeamSequence",
    "item.diagnosisSequence",
    "item.informationSequence",
    "item.category",
    "item.productOrService",
    "item.servicedDate",
    "item.locationCodeableConcept",
    "item.quantity",
    "item.quantity.value",  # PASQuantity value 1..1 MS
]
# Elements the same profiles forbid (0..0): PASClaim "related 0..0"; the
# AdditionalInformation slice "timing[x] 0..0"; PASRequestBundle "entry.search",
# "entry.request" and "entry.response 0..0".
CLAIM_PROHIBITED = [
    "related",
    "supportingInfo.timingDate",
    "supportingInfo.timingPeriod",
]
BUNDLE_PROHIBITED = ["entry.search", "entry.request", "entry.response"]
# PAS request Bundle (input/fsh/Bundle.fsh, PASRequestBundle): identifier 1..1,
# timestamp 1..1, entry 1..*, entry.fullUrl 1..1, entry.resource 1..1, type collection.
BUNDLE_REQUIRED = [
    "identifier",
    "timestamp",
    "entry",
    "entry.fullUrl",
    "entry.resource",
]
# The referenced profiles' minimum cardinalities (PAS Organization/Location/Coverage/
# Practitioner FSH and US Core 7.0.0, which they derive from).
RESOURCE_REQUIRED = {
    "Patient": [
        "identifier",
        "identifier.system",
        "identifier.value",
        "name",
        "gender",
    ],
    "Coverage": [
        "identifier",
        "status",
        "beneficiary",
        "relationship",
        "payor",
        "type",
        "subscriberId",
    ],
    "Organization": ["active", "name", "type"],
    "Location": ["status", "name", "address"],
    "Practitioner": ["identifier", "identifier.system", "identifier.value", "name"],
    "PractitionerRole": ["practitioner"],
    "QuestionnaireResponse": ["questionnaire", "status", "subject", "item"],
    "DocumentReference": [
        "status",
        "type",
        "category",
        "subject",
        "content",
        "content.attachment.contentType",
        "content.attachment.data",
    ],
}


def values(node, path: str) -> list:  # type: ignore[no-untyped-def]
    """The values at ``path`` (lists flattened; "[name]" picks a PAS extension)."""
    current = [node]
    for step in path.split("."):
        nxt = []
        for value in current:
            if step.startswith("["):
                url = s.extension(step.strip("[]"))
                nxt += [e for e in value.get("extension", []) if e["url"] == url]
                continue
            inner = value.get(step) if isinstance(value, dict) else None
            if isinstance(inner, list):
                nxt += inner
            elif inner is not None:
                nxt.append(inner)
        current = nxt
    return current


def every_parent_has(node, path: str) -> bool:  # type: ignore[no-untyped-def]
    """Each element at the parent path has the child (a 1..1 inside a 0..* parent)."""
    parent, _, leaf = path.rpartition(".")
    parents = values(node, parent) if parent else [node]
    return all(values(p, leaf) for p in parents)


def build(path: Path = EXAMPLE, packet: pas.PacketFile | None = None, **facts_changes):  # type: ignore[no-untyped-def]
    facts = load_request(path)
    if facts_changes:
        import dataclasses

        facts = dataclasses.replace(facts, **facts_changes)
    policy = POLICIES[facts.payer.profile_key]
    evaluation = evaluate(facts, policy, today=TODAY)
    bundle = pas.build_request_bundle(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        requester=pas.Requester(name="Example Spine Practice", phone="555-0100"),
        claim_id=pas.ClaimId("priorauth-p1", "PA-7-R1"),
        created=CREATED,
        packet=packet,
    )
    return bundle, evaluation


def resources(bundle, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    ]


def claim_of(bundle) -> dict:  # type: ignore[no-untyped-def]
    return bundle["entry"][0]["resource"]


PDF = b"%PDF-1.7\n/ByteRange [0 1 2 3] /Type /Sig\n%%EOF\n"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_it_fills_every_element_the_pas_claim_profile_requires(path):
    bundle, _ = build(path, packet=pas.PacketFile(pdf=PDF, signed=True))
    claim = claim_of(bundle)
    missing = [p for p in CLAIM_REQUIRED if "." not in p and not values(claim, p)]
    missing += [
        p for p in CLAIM_REQUIRED if "." in p and not every_parent_has(claim, p)
    ]
    assert missing == []
    assert (claim["status"], claim["use"]) == ("active", "preauthorization")
    assert bundle["type"] == "collection"
    assert [p for p in BUNDLE_REQUIRED if not every_parent_has(bundle, p)] == []
    assert [p for p in CLAIM_PROHIBITED if values(claim, p)] == []
    assert [p for p in BUNDLE_PROHIBITED if values(bundle, p)] == []
    for kind, required in RESOURCE_REQUIRED.items():
        for resource in resources(bundle, kind):
            assert [p for p in required if not every_parent_has(resource, p)] == [], (
                kind
            )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_it_fills_the_must_support_elements_a_spinal_request_has(path):
    bundle, _ = build(path, packet=pas.PacketFile(pdf=PDF, signed=True))
    claim = claim_of(bundle)
    assert [p for p in CLAIM_MUST_SUPPORT if not values(claim, p)] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_reference_resolves_within_the_bundle(path):
    bundle, _ = build(path, packet=pas.PacketFile(pdf=PDF, signed=True))
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    assert all(u.startswith("urn:uuid:") for u in urls)
    assert all(
        e["fullUrl"].endswith(e["resource"]["id"]) for e in bundle["entry"]
    )  # fullUrl and id agree
    refs = set(pas.references(bundle))
    assert refs and refs <= set(urls)
    assert bundle["entry"][0]["resource"]["resourceType"] == "Claim"  # ClaimFirst


def test_it_has_one_item_per_billed_line_with_codes_modifiers_units_and_levels():
    bundle, evaluation = build()
    items = claim_of(bundle)["item"]
    lines = evaluation.code_lines
    assert len(items) == len(lines) == 2  # RFA L4-L5 and L5-S1, bilateral
    for item, line in zip(items, lines, strict=True):
        assert values(item, "productOrService.coding.code") == [line.cpt]
        assert values(item, "productOrService.coding.system") == [s.CPT]
        assert values(item, "modifier.coding.code") == list(line.modifiers)
        assert item["quantity"]["value"] == line.units
        assert item["bodySite"]["text"].startswith(", ".join(line.levels))
        assert item["servicedDate"] == "2027-01-12"
        assert values(item, "locationCodeableConcept.coding.code") == ["24"]
    assert [i["productOrService"]["coding"][0]["code"] for i in items] == [
        "64635",
        "64636",
    ]
    assert values(items[0], "modifier.coding.system") == [s.CPT]  # 50 is CPT


def test_parties_carry_their_npis_and_the_member_id():
    bundle, _ = build()
    npis = {
        i["value"]
        for p in resources(bundle, "Practitioner")
        for i in p["identifier"]
        if i["system"] == s.NPI
    }
    assert npis == {"1999990033", "1999990017"}  # ordering and rendering
    (location,) = resources(bundle, "Location")
    assert location["identifier"] == [{"system": s.NPI, "value": "1999990041"}]
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == "MA0000567890"
    assert patient["birthDate"] == "1949-05-27"
    (coverage,) = resources(bundle, "Coverage")
    assert coverage["subscriberId"] == "MA0000567890"
    claim = claim_of(bundle)
    roles = [values(m, "role.coding.code")[0] for m in claim["careTeam"]]
    assert roles == ["DK", "SJ"]  # ordering physician, service provider
    assert values(claim, "diagnosis.diagnosisCodeableConcept.coding.code") == [
        "M47.816"
    ]
    assert values(claim, "diagnosis.diagnosisCodeableConcept.coding.system") == [
        s.ICD10CM
    ]


def test_the_signed_packet_travels_as_a_base64_pdf():
    bundle, _ = build(packet=pas.PacketFile(pdf=PDF, signed=True))
    (doc,) = resources(bundle, "DocumentReference")
    attachment = doc["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == PDF
    assert attachment["contentType"] == "application/pdf"
    assert doc["docStatus"] == "final"
    info = claim_of(bundle)["supportingInfo"]
    assert [i["valueReference"]["reference"] for i in info][1] == next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"] is doc
    )
    assert "tag" not in bundle.get("meta", {})


def test_an_unsigned_request_exports_without_a_packet_and_is_tagged():
    bundle, _ = build()
    assert resources(bundle, "DocumentReference") == []
    assert [t["code"] for t in bundle["meta"]["tag"]] == ["unsigned"]
    assert len(claim_of(bundle)["supportingInfo"]) == 1  # the criteria only


def test_the_questionnaire_response_holds_the_criteria_outcomes_only():
    bundle, evaluation = build()
    (qr,) = resources(bundle, "QuestionnaireResponse")
    groups = [i for i in qr["item"] if "item" in i]
    assert len(groups) == len(evaluation.outcomes)
    codes = {g["linkId"].split("-", 1)[1] for g in groups}
    assert all(kind_of(c.rsplit("-", 2)[0]) is Kind.CRITERION for c in codes)
    statuses = {values(g, "item.answer.valueCoding.code")[0] for g in groups}
    assert statuses <= {"met", "gap", "not_documented", "not_applicable"}
    messages = {f.message for f in evaluation.findings}
    text = json.dumps(qr)
    assert not any(m in text for m in messages)  # staff coaching never leaves


def test_a_request_without_what_pas_needs_names_every_gap():
    import dataclasses

    from priorauth.rules.facts import Patient

    with pytest.raises(pas.PasBuildError) as info:
        build(patient=Patient(name="A B"), diagnoses=())
    paths = [p for p, _ in info.value.errors]
    assert paths == ["patient.member_id", "patient.dob"]
    assert dataclasses.is_dataclass(Patient)


def test_the_same_request_exports_to_the_same_bundle():
    assert build()[0] == build()[0]


def test_the_example_bundle_in_the_docs_is_current():
    """docs/pas/example-bundle.json is export_pas of the RFA example (regenerate with
    the command in docs/pas.md when the builder changes)."""
    bundle = export_file(
        EXAMPLE,
        today=TODAY,
        created=CREATED,
        practice_name="Example Valley Spine & Pain",
    )
    assert json.loads(EXAMPLE_BUNDLE.read_text(encoding="utf-8")) == bundle


def test_export_pas_writes_the_bundle(tmp_path, capsys):
    out = tmp_path / "bundle.json"
    call_command(
        "export_pas",
        str(EXAMPLE),
        "-o",
        str(out),
        "--today",
        TODAY.isoformat(),
        "--timestamp",
        CREATED.isoformat(),
    )
    bundle = json.loads(out.read_text())
    assert bundle["resourceType"] == "Bundle"
    assert "unsigned" in capsys.readouterr().out


def test_export_pas_reports_an_unusable_file_as_json_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format_version": 1,
                "payer_profile": "medicare",
                "procedure": {"type": "mbb"},
            }
        )
    )
    out = tmp_path / "bundle.json"
    with pytest.raises(SystemExit) as exit_info:
        call_command("export_pas", str(bad), "-o", str(out), "--today", "2026-12-01")
    assert exit_info.value.code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert {"patient.member_id", "levels"} <= {e["path"] for e in errors}
    assert not out.exists()


def test_a_signed_packet_file_can_be_attached_on_the_command_line(tmp_path):
    packet = tmp_path / "signed.pdf"
    packet.write_bytes(PDF)
    out = tmp_path / "bundle.json"
    call_command("export_pas", str(EXAMPLE), "-o", str(out), "--packet", str(packet))
    bundle = json.loads(out.read_text())
    (doc,) = resources(bundle, "DocumentReference")
    assert doc["docStatus"] == "final"
