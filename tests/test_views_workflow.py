"""Submission and decision: allowed transitions, coded field errors, isolation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_request(practice, patient):  # type: ignore[no-untyped-def]
    return m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=patient.payer_profile,
        procedure_type="mbb",
        intent="diagnostic",
        status="signed",
        date_of_service=date(2026, 12, 10),
    )


def _submit(client, req, **extra):  # type: ignore[no-untyped-def]
    data = {
        "submitted_on": timezone.localdate().isoformat(),
        "channel": "portal",
        "payer_reference": "CASE-77",
        **extra,
    }
    return client.post(reverse("pa-request-submission", args=[req.pk]), data)


def test_it_records_the_submission_of_a_signed_request(client_billing, signed_request):
    response = _submit(client_billing, signed_request)
    assert (
        response.status_code == 302
        and response["Location"] == signed_request.get_absolute_url()
    )
    signed_request.refresh_from_db()
    assert signed_request.status == "submitted"
    assert (signed_request.submission_channel, signed_request.payer_reference) == (
        "portal",
        "CASE-77",
    )
    assert signed_request.submitted_on == timezone.localdate()
    assert signed_request.lock_version == 1


def test_it_records_an_approval_with_the_authorization(client_billing, signed_request):
    _submit(client_billing, signed_request)
    response = client_billing.post(
        reverse("pa-request-decision", args=[signed_request.pk]),
        {
            "decision": "approved",
            "authorization_number": "AUTH-123",
            "valid_from": "2026-12-01",
            "valid_to": "2027-02-28",
            "approved_units": "2",
        },
    )
    assert response.status_code == 302
    signed_request.refresh_from_db()
    assert signed_request.status == "approved"
    assert signed_request.authorization_number == "AUTH-123"
    assert (signed_request.valid_from, signed_request.valid_to) == (
        date(2026, 12, 1),
        date(2027, 2, 28),
    )
    assert signed_request.approved_units == 2
    html = client_billing.get(signed_request.get_absolute_url()).content.decode()
    assert "AUTH-123" in html and "02/28/2027" in html
    assert reverse("pa-request-decision", args=[signed_request.pk]) not in html


def test_an_approval_without_its_number_and_dates_is_kept_on_the_form(
    client_billing, signed_request
):
    _submit(client_billing, signed_request)
    response = client_billing.post(
        reverse("pa-request-decision", args=[signed_request.pk]),
        {
            "decision": "approved",
            "valid_from": "2026-12-10",
            "valid_to": "2026-12-01",
            "approved_units": "2",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert errors["authorization_number"][0].code == "required"
    assert errors["valid_to"][0].code == "end_before_start"
    assert 'value="2026-12-10"' in response.content.decode()  # typed values kept
    signed_request.refresh_from_db()
    assert signed_request.status == "submitted"


@pytest.mark.parametrize(
    ("decision", "field", "value"),
    [
        ("denied", "denial_reason", "Not medically necessary"),
        ("pended", "pend_reason", "Send the MRI report"),
    ],
)
def test_it_records_a_denial_or_a_pend_with_its_reason(
    client_billing, signed_request, decision, field, value
):
    _submit(client_billing, signed_request)
    url = reverse("pa-request-decision", args=[signed_request.pk])
    missing = client_billing.post(url, {"decision": decision})
    assert missing.context["form"].errors.as_data()[field][0].code == "required"
    client_billing.post(url, {"decision": decision, field: value})
    signed_request.refresh_from_db()
    assert signed_request.status == decision and getattr(signed_request, field) == value


def test_a_pended_request_can_be_resubmitted_then_approved(
    billing_user, signed_request
):
    services.auth_request_record_submission(
        request=signed_request,
        user=billing_user,
        submitted_on=timezone.localdate(),
        channel="fax",
    )
    services.auth_request_record_decision(
        request=signed_request,
        user=billing_user,
        decision="pended",
        pend_reason="notes",
    )
    services.auth_request_record_submission(
        request=signed_request,
        user=billing_user,
        submitted_on=timezone.localdate(),
        channel="fax",
    )
    services.auth_request_record_decision(
        request=signed_request,
        user=billing_user,
        decision="approved",
        authorization_number="A1",
        valid_from=date(2026, 12, 1),
        valid_to=date(2027, 1, 1),
    )
    assert m.AuthRequest.objects.get(pk=signed_request.pk).status == "approved"


@pytest.mark.parametrize("status", ["draft", "ready", "approved", "denied"])
def test_only_signed_or_pended_requests_can_be_submitted(
    billing_user, signed_request, status
):
    signed_request.status = status
    signed_request.save()
    with pytest.raises(services.WorkflowError):
        services.auth_request_record_submission(
            request=signed_request,
            user=billing_user,
            submitted_on=timezone.localdate(),
            channel="fax",
        )


@pytest.mark.parametrize("status", ["draft", "ready", "signed", "approved", "denied"])
def test_only_submitted_or_pended_requests_get_a_decision(
    billing_user, signed_request, status
):
    signed_request.status = status
    signed_request.save()
    with pytest.raises(services.WorkflowError):
        services.auth_request_record_decision(
            request=signed_request,
            user=billing_user,
            decision="denied",
            denial_reason="x",
        )


def test_a_refused_transition_is_shown_on_the_form_not_a_500(
    client_billing, signed_request
):
    response = client_billing.post(
        reverse("pa-request-decision", args=[signed_request.pk]),
        {"decision": "denied", "denial_reason": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert m.AuthRequest.objects.get(pk=signed_request.pk).status == "signed"


def test_a_future_submission_date_is_refused(client_billing, signed_request):
    response = _submit(
        client_billing,
        signed_request,
        submitted_on=(timezone.localdate() + timedelta(days=3)).isoformat(),
    )
    assert (
        response.context["form"].errors.as_data()["submitted_on"][0].code
        == "future_date"
    )


def test_a_stale_request_is_not_overwritten(billing_user, signed_request):
    stale = m.AuthRequest.objects.get(pk=signed_request.pk)
    services.auth_request_record_submission(
        request=signed_request,
        user=billing_user,
        submitted_on=timezone.localdate(),
        channel="fax",
    )
    stale.status = "signed"
    with pytest.raises(services.WorkflowError):
        services.auth_request_record_submission(
            request=stale,
            user=billing_user,
            submitted_on=timezone.localdate(),
            channel="portal",
        )


def test_the_detail_page_offers_the_next_step_for_each_status(
    client_billing, signed_request
):
    sub = reverse("pa-request-submission", args=[signed_request.pk])
    dec = reverse("pa-request-decision", args=[signed_request.pk])
    for status, has_sub, has_dec in [
        ("draft", False, False),
        ("signed", True, False),
        ("submitted", False, True),
        ("pended", True, True),
    ]:
        m.AuthRequest.objects.filter(pk=signed_request.pk).update(status=status)
        html = client_billing.get(signed_request.get_absolute_url()).content.decode()
        assert (sub in html, dec in html) == (has_sub, has_dec), status


@pytest.mark.parametrize("name", ["pa-request-submission", "pa-request-decision"])
def test_outsider_gets_404_and_changes_nothing(client_outsider, signed_request, name):
    url = reverse(name, args=[signed_request.pk])
    assert client_outsider.get(url).status_code == 404
    assert (
        client_outsider.post(
            url,
            {
                "submitted_on": "2026-11-01",
                "channel": "fax",
                "decision": "denied",
                "denial_reason": "x",
            },
        ).status_code
        == 404
    )
    assert m.AuthRequest.objects.get(pk=signed_request.pk).status == "signed"


def test_the_service_refuses_another_practice(outsider_user, signed_request):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.auth_request_record_submission(
            request=signed_request,
            user=outsider_user,
            submitted_on=timezone.localdate(),
            channel="fax",
        )


def test_an_unknown_decision_is_a_coded_error(billing_user, signed_request):
    with pytest.raises(ValidationError) as exc:
        services.auth_request_record_decision(
            request=signed_request, user=billing_user, decision="maybe"
        )
    assert exc.value.error_dict["decision"][0].code == "invalid_decision"
