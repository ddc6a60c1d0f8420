"""Importing the payer's PAS ClaimResponse: approved / denied / pended recorded from
the X12 306 review action codes; bad or foreign files change nothing; audited;
practice isolation; the request page's PAS download and upload; the command.
"""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.pas import systems as s
from tests.packet_factory import make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    request = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
        status="submitted",
        submitted_on=date(2026, 11, 20),
        submission_channel="pas",
    )
    m.AuthRequest.objects.filter(pk=request.pk).update(lock_version=3)
    request.refresh_from_db()
    return request


def _claim_id(request):  # type: ignore[no-untyped-def]
    return {
        "system": f"urn:trnorg:priorauth-p{request.practice_id}",
        "value": f"PA-{request.pk}-R{request.revision}",
    }


def _action(code: str, number: str = "", reasons=()):  # type: ignore[no-untyped-def]
    sub = [
        {
            "url": "code",
            "valueCodeableConcept": {
                "coding": [{"system": s.X12_REVIEW_ACTION, "code": code}]
            },
        }
    ]
    if number:
        sub.append({"url": "number", "valueString": number})
    for code_, display in reasons:
        sub.append(
            {
                "url": "reasonCode",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://codesystem.x12.org/external/886",
                            "code": code_,
                            "display": display,
                        }
                    ]
                },
            }
        )
    return {
        "category": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/adjudication",
                    "code": "submitted",
                }
            ]
        },
        "extension": [{"url": s.extension("reviewAction"), "extension": sub}],
    }


def response_bundle(  # type: ignore[no-untyped-def]
    request,
    code: str = "A1",
    *,
    member_id: str | None = None,
    claim_id: dict | None = None,
    reasons=(),
    notes=(),
    **claim_response,
) -> bytes:
    patient_url = "urn:uuid:00000000-0000-0000-0000-00000000000a"
    response = {
        "resourceType": "ClaimResponse",
        "id": "r1",
        "identifier": [{"system": "http://payer.example/trace", "value": "T-1"}],
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "preauthorization",
        "patient": {"reference": patient_url},
        "created": "2026-11-25T10:00:00+00:00",
        "insurer": {"display": "Example payer"},
        "request": {"identifier": claim_id or _claim_id(request)},
        "outcome": "complete",
        "item": [{"itemSequence": 1, "adjudication": [_action(code, "", reasons)]}],
    }
    if notes:
        response["processNote"] = [
            {"number": i, "text": t} for i, t in enumerate(notes, 1)
        ]
    response.update(claim_response)
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [
            {
                "system": "http://payer.example/member",
                "value": request.patient.member_id if member_id is None else member_id,
            }
        ],
        "name": [{"family": "Synthetic"}],
        "gender": "female",
    }
    bundle = {
        "resourceType": "Bundle",
        "identifier": {"system": "http://payer.example/tx", "value": "X1"},
        "type": "collection",
        "timestamp": "2026-11-25T10:00:00+00:00",
        "entry": [
            {"fullUrl": "http://payer.example/ClaimResponse/r1", "resource": response},
            {"fullUrl": patient_url, "resource": patient},
        ],
    }
    return json.dumps(bundle).encode()


APPROVAL = {
    "preAuthRef": "AUTH-2026-0042",
    "preAuthPeriod": {"start": "2026-12-01", "end": "2027-02-28"},
}


def _unchanged(request) -> tuple:  # type: ignore[no-untyped-def]
    fresh = m.AuthRequest.objects.get(pk=request.pk)
    return (fresh.status, fresh.lock_version, fresh.authorization_number)


def test_a1_records_the_approval_with_number_and_period(submitted, billing_user):
    result = services.auth_request_import_pas_response(
        user=billing_user, data=response_bundle(submitted, "A1", **APPROVAL)
    )
    submitted.refresh_from_db()
    assert result.request.pk == submitted.pk
    assert submitted.status == "approved"
    assert submitted.authorization_number == "AUTH-2026-0042"
    assert (submitted.valid_from, submitted.valid_to) == (
        date(2026, 12, 1),
        date(2027, 2, 28),
    )
    event = m.AuditEvent.objects.filter(action="request-decision.pas").get()
    assert event.object_id == str(submitted.pk)
    assert "decision=approved" in event.detail and "A1" in event.detail
    assert submitted.patient.member_id not in event.detail


def test_the_item_level_number_and_period_serve_when_the_header_has_none(
    submitted, billing_user
):
    data = json.loads(response_bundle(submitted, "A1"))
    item = data["entry"][0]["resource"]["item"][0]
    item["adjudication"] = [_action("A1", "AUTH-ITEM-9")]
    item["extension"] = [
        {
            "url": s.extension("itemPreAuthPeriod"),
            "valuePeriod": {"start": "2026-12-05", "end": "2027-03-05"},
        }
    ]
    services.auth_request_import_pas_response(
        user=billing_user, data=json.dumps(data), request=submitted
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.authorization_number) == (
        "approved",
        "AUTH-ITEM-9",
    )
    assert submitted.valid_to == date(2027, 3, 5)


def test_a3_records_the_denial_with_its_reason(submitted, billing_user):
    services.auth_request_import_pas_response(
        user=billing_user,
        data=response_bundle(
            submitted,
            "A3",
            reasons=[("0U", "Additional patient information required")],
            notes=["Conservative care of 6 weeks not documented."],
        ),
    )
    submitted.refresh_from_db()
    assert submitted.status == "denied"
    assert "Additional patient information required (0U)" in submitted.denial_reason
    assert "Conservative care of 6 weeks" in submitted.denial_reason


def test_a4_records_the_pend_with_what_the_payer_asks_for(submitted, billing_user):
    services.auth_request_import_pas_response(
        user=billing_user,
        data=response_bundle(
            submitted, "A4", notes=["Send the MRI report of 2026-02-11."]
        ),
        request=submitted,
    )
    submitted.refresh_from_db()
    assert submitted.status == "pended"
    assert submitted.pend_reason == "Send the MRI report of 2026-02-11."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not json", "not JSON"),
        (b'{"resourceType": "Patient", "id": "x"}', "FHIR Patient"),
        (b'["a", "list"]', "not a FHIR resource"),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": {"resourceType": "Claim", "id": "c"}}],
                }
            ).encode(),
            "request bundle",
        ),
    ],
    ids=["not-json", "patient", "list", "our-request-bundle"],
)
def test_a_file_that_is_not_a_claim_response_changes_nothing(
    submitted, billing_user, data, message
):
    before = _unchanged(submitted)
    with pytest.raises(services.PasImportError) as info:
        services.auth_request_import_pas_response(
            user=billing_user, data=data, request=submitted
        )
    assert message in " ".join(info.value.errors)
    assert _unchanged(submitted) == before
    assert m.AuditEvent.objects.filter(action="request-decision.pas.refused").exists()
    assert not m.AuditEvent.objects.filter(action="request-decision.pas").exists()


def test_on_the_request_page_a_reference_to_our_claims_full_url_is_enough(
    submitted, billing_user
):
    from priorauth import pas

    url = pas.claim_url(services.pas_claim_id(request=submitted))
    data = json.loads(response_bundle(submitted, **APPROVAL))
    data["entry"][0]["resource"]["request"] = {"reference": url}
    data["entry"][0]["resource"]["identifier"] = []
    services.auth_request_import_pas_response(
        user=billing_user, data=json.dumps(data), request=submitted
    )
    submitted.refresh_from_db()
    assert submitted.status == "approved"


@pytest.mark.parametrize(
    "doc",
    [
        {"resourceType": "Bundle", "entry": 5},
        {"resourceType": "Bundle", "entry": ["x", {"resource": 3}]},
        {"resourceType": "ClaimResponse", "status": "active"},
        {"resourceType": "ClaimResponse", "use": "preauthorization", "item": "x"},
        {"resourceType": ["ClaimResponse"]},
        7,
        None,
    ],
)
def test_malformed_shapes_get_an_error_not_a_crash(submitted, billing_user, doc):
    with pytest.raises(services.PasImportError):
        services.auth_request_import_pas_response(
            user=billing_user, data=json.dumps(doc), request=submitted
        )
    assert m.AuthRequest.objects.get(pk=submitted.pk).status == "submitted"


def test_a_pend_names_what_a_communication_request_asks_for(submitted, billing_user):
    data = json.loads(response_bundle(submitted, "A4"))
    data["entry"][0]["resource"]["communicationRequest"] = [{"reference": "urn:cr"}]
    data["entry"].append(
        {
            "fullUrl": "urn:cr",
            "resource": {
                "resourceType": "CommunicationRequest",
                "status": "active",
                "payload": [
                    {"contentString": "Imaging report for L4-L5"},
                    "junk",
                    {"contentAttachment": {"title": "Pain diary, 2 weeks"}},
                ],
            },
        }
    )
    services.auth_request_import_pas_response(
        user=billing_user, data=json.dumps(data), request=submitted
    )
    submitted.refresh_from_db()
    assert submitted.pend_reason == "Imaging report for L4-L5; Pain diary, 2 weeks"


def test_foreign_or_mismatched_responses_change_nothing(
    submitted, billing_user, practice, patient, provider, facility, payer_profiles
):
    other = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
        status="submitted",
    )
    cases = {
        "another practice": response_bundle(
            submitted,
            **{"claim_id": {"system": "urn:trnorg:priorauth-p999", "value": "PA-1-R1"}},
            **APPROVAL,
        ),
        "another request": response_bundle(other, **APPROVAL),
        "another patient": response_bundle(submitted, member_id="ZZZ", **APPROVAL),
        "another revision": response_bundle(
            submitted,
            claim_id={**_claim_id(submitted), "value": f"PA-{submitted.pk}-R9"},
            **APPROVAL,
        ),
        "no identifier": response_bundle(
            submitted, claim_id={"system": "urn:x", "value": "1"}, **APPROVAL
        ),
        "no period": response_bundle(submitted, preAuthRef="AUTH-1"),
        "payer error": response_bundle(submitted, outcome="error", **APPROVAL),
        "no decision": response_bundle(submitted, "NA", **APPROVAL),
        "not preauthorization": response_bundle(submitted, use="claim", **APPROVAL),
    }
    expected = {
        "another practice": "not by this practice",
        "another request": f"not this request (#{submitted.pk})",
        "another patient": "another patient",
        "another revision": "revision 9",
        "no identifier": "does not name the request",
        "no period": "no complete authorization period",
        "payer error": "refused the request as sent",
        "no decision": "No action required (NA)",
        "not preauthorization": "not a preauthorization",
    }
    before = _unchanged(submitted), _unchanged(other)
    for name, data in cases.items():
        with pytest.raises(services.PasImportError) as info:
            services.auth_request_import_pas_response(
                user=billing_user, data=data, request=submitted
            )
        assert expected[name] in " ".join(info.value.errors), name
    assert (_unchanged(submitted), _unchanged(other)) == before
    refused = m.AuditEvent.objects.filter(action="request-decision.pas.refused")
    assert refused.count() == len(cases)


def test_another_practices_user_cannot_record_on_this_request(submitted, outsider_user):
    before = _unchanged(submitted)
    with pytest.raises(services.PasImportError) as info:
        services.auth_request_import_pas_response(
            user=outsider_user, data=response_bundle(submitted, **APPROVAL)
        )
    assert "not by this practice" in " ".join(info.value.errors)
    assert _unchanged(submitted) == before


def test_a_response_before_the_submission_is_recorded_says_so(submitted, billing_user):
    m.AuthRequest.objects.filter(pk=submitted.pk).update(status="signed")
    with pytest.raises(services.PasImportError) as info:
        services.auth_request_import_pas_response(
            user=billing_user, data=response_bundle(submitted, **APPROVAL)
        )
    assert "Record the submission to the payer first" in " ".join(info.value.errors)
    assert m.AuthRequest.objects.get(pk=submitted.pk).status == "signed"


# -- the request page ------------------------------------------------------------


def test_the_upload_records_the_decision(client_billing, submitted):
    upload = SimpleUploadedFile(
        "answer.json", response_bundle(submitted, **APPROVAL), "application/json"
    )
    before = m.AuditEvent.objects.count()
    response = client_billing.post(
        reverse("pa-request-pas-response", args=[submitted.pk]), {"file": upload}
    )
    assert response.status_code == 302
    rows = list(m.AuditEvent.objects.order_by("id")[before:])
    assert [r.action for r in rows] == ["request-decision.pas"]  # one row, specific
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    page = client_billing.get(submitted.get_absolute_url()).content.decode()
    assert "AUTH-2026-0042" in page


def test_a_bad_upload_shows_why_and_changes_nothing(client_billing, submitted):
    before = _unchanged(submitted)
    upload = SimpleUploadedFile("answer.json", b"not json", "application/json")
    response = client_billing.post(
        reverse("pa-request-pas-response", args=[submitted.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "not JSON" in response.content.decode()
    assert _unchanged(submitted) == before


def test_the_upload_page_is_not_found_for_another_practice(client_outsider, submitted):
    upload = SimpleUploadedFile("answer.json", response_bundle(submitted, **APPROVAL))
    url = reverse("pa-request-pas-response", args=[submitted.pk])
    assert client_outsider.get(url).status_code == 404
    assert client_outsider.post(url, {"file": upload}).status_code == 404
    assert m.AuthRequest.objects.get(pk=submitted.pk).status == "submitted"


def test_the_pas_download_of_an_unsigned_request(client_billing, submitted):
    m.AuthRequest.objects.filter(pk=submitted.pk).update(status="draft")
    response = client_billing.get(reverse("pa-request-pas", args=[submitted.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Cache-Control"] == "no-store, private"
    assert "attachment" in response["Content-Disposition"]
    assert "Synthetic" not in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert [t["code"] for t in bundle["meta"]["tag"]] == ["unsigned"]
    claim = bundle["entry"][0]["resource"]
    assert claim["identifier"] == [_claim_id(submitted)]
    assert m.AuditEvent.objects.filter(
        action="request-pas", object_id=str(submitted.pk)
    ).exists()


def test_the_pas_download_carries_the_signed_pdf(
    client_billing, submitted, physician_user
):
    pdf = b"%PDF-1.7 signed packet"
    m.SignedDocument.objects.create(
        request=submitted,
        revision=submitted.revision,
        signer=physician_user,
        printed_name="Dana Phys",
        credentials="MD",
        npi="1234567893",
        signed_at=timezone.now(),
        meaning="author",
        pdf=pdf,
        sha256="0" * 64,
    )
    bundle = json.loads(
        client_billing.get(reverse("pa-request-pas", args=[submitted.pk])).content
    )
    docs = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DocumentReference"
    ]
    assert len(docs) == 1 and docs[0]["docStatus"] == "final"
    assert base64.b64decode(docs[0]["content"][0]["attachment"]["data"]) == pdf
    assert "tag" not in bundle.get("meta", {})


def test_the_pas_download_is_not_found_for_another_practice(client_outsider, submitted):
    url = reverse("pa-request-pas", args=[submitted.pk])
    assert client_outsider.get(url).status_code == 404


def test_a_request_without_a_member_id_gets_a_message_not_a_file(
    client_billing, submitted
):
    m.Patient.objects.filter(pk=submitted.patient_id).update(member_id="")
    response = client_billing.get(reverse("pa-request-pas", args=[submitted.pk]))
    assert response.status_code == 302
    page = client_billing.get(response["Location"]).content.decode()
    assert "member ID is required" in page


# -- the command -----------------------------------------------------------------


def test_import_pas_response_command(submitted, billing_user, tmp_path, capsys):
    path = tmp_path / "answer.json"
    path.write_bytes(response_bundle(submitted, "A4", notes=["Send the MRI."]))
    call_command("import_pas_response", str(path), "--user", billing_user.username)
    out = json.loads(capsys.readouterr().out)
    assert (out["request"], out["decision"]) == (submitted.pk, "pended")
    assert m.AuthRequest.objects.get(pk=submitted.pk).status == "pended"


def test_import_pas_response_command_exits_2_on_a_bad_file(
    submitted, billing_user, tmp_path, capsys
):
    path = tmp_path / "answer.json"
    path.write_text('{"resourceType": "Observation"}')
    with pytest.raises(SystemExit) as info:
        call_command("import_pas_response", str(path), "--user", billing_user.username)
    assert info.value.code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert "FHIR Observation" in errors[0]["message"]
    assert m.AuthRequest.objects.get(pk=submitted.pk).status == "submitted"
