"""The route banner on the request pages, and the live re-check (findings and banner of
the request as typed, never saved)."""

from __future__ import annotations

import pytest

from django.test import Client
from django.urls import reverse

from priorauth import models as m
from tests.intake_data import page_data

pytestmark = pytest.mark.django_db


def _esi(**kw):  # type: ignore[no-untyped-def]
    return {
        "procedure_type": "esi_transforaminal",
        "intent": "therapeutic",
        "state_of_service": "TX",
        "date_of_service": "2026-12-15",
        **kw,
    }


def _create(client, patient, provider, facility, **kw):  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("pa-request-create"),
        page_data(patient=patient, provider=provider, facility=facility, **kw),
    )
    assert response.status_code == 302
    return m.AuthRequest.objects.latest("id")


def test_the_detail_page_names_the_wiser_vendor(
    client_billing, patient, provider, facility
):
    obj = _create(client_billing, patient, provider, facility, **_esi())
    html = client_billing.get(reverse("pa-request-detail", args=[obj.pk])).content
    html = html.decode()
    assert 'id="route-banner"' in html
    assert "request it from Cohere" in html and "120 days" in html
    assert html.index('id="route-banner"') < html.index('id="summary-title"')


def test_a_facet_block_in_an_asc_needs_none(
    client_billing, patient, provider, facility
):
    obj = _create(client_billing, patient, provider, facility)
    html = client_billing.get(reverse("pa-request-edit", args=[obj.pk])).content
    html = html.decode()
    assert "No prior authorization needed from Original Medicare" in html
    assert "PKT-009" in html
    assert html.index('id="route-banner"') < html.index('id="request-form"')


def test_without_a_date_the_banner_links_to_the_field(
    client_billing, patient, provider, facility
):
    obj = _create(client_billing, patient, provider, facility, date_of_service="")
    html = client_billing.get(reverse("pa-request-edit", args=[obj.pk])).content
    assert b"Prior authorization: not known yet" in html
    assert b'href="#id_date_of_service"' in html


# --------------------------------------------------------------------------- re-check


def _recheck(client, data):  # type: ignore[no-untyped-def]
    return client.post(reverse("pa-request-recheck"), data)


def test_recheck_answers_the_banner_and_findings_as_typed_without_saving(
    client_billing, patient, provider, facility
):
    response = _recheck(
        client_billing,
        page_data(patient=patient, provider=provider, facility=facility, **_esi()),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="route-banner-slot" hx-swap-oob="innerHTML"' in html
    assert 'id="findings-slot"' in html and "request it from Cohere" in html
    assert 'data-code="RTE-001"' in html
    assert "not saved yet" in html
    assert m.AuthRequest.objects.count() == 0


def test_recheck_of_a_stored_request_changes_nothing(
    client_billing, patient, provider, facility
):
    obj = _create(client_billing, patient, provider, facility)
    before = (obj.state_of_service, obj.blocker_count, obj.warning_count)
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        **_esi(state_of_service="OH"),
    )
    data["request"] = obj.pk
    response = _recheck(client_billing, data)
    assert b"Innovaccer" in response.content
    obj.refresh_from_db()
    assert (obj.state_of_service, obj.blocker_count, obj.warning_count) == before
    assert obj.procedure_type == "mbb"


def test_recheck_with_bad_input_still_answers(client_billing, patient):
    data = page_data(patient=patient, procedure_type="", state_of_service="Texas")
    response = _recheck(client_billing, data)
    assert response.status_code == 200
    assert b"not known yet" in response.content


def test_recheck_is_practice_scoped(client_outsider, patient, provider, facility):
    data = page_data(patient=patient, provider=provider, facility=facility)
    assert _recheck(client_outsider, data).status_code == 404


def test_recheck_refuses_another_practices_request(
    client, billing_user, outsider_user, patient, provider, facility
):
    client.force_login(billing_user)
    obj = _create(client, patient, provider, facility)
    client.force_login(outsider_user)
    from priorauth.models import Patient

    own = Patient.objects.create(
        practice=outsider_user.practice,
        first_name="O",
        last_name="P",
        dob=patient.dob,
        member_id="ZZT900000099",
        payer_profile=patient.payer_profile,
    )
    data = page_data(patient=own)
    data["request"] = obj.pk
    assert _recheck(client, data).status_code == 404


def test_recheck_is_post_only_login_only_and_csrf_checked(billing_user, patient):
    anonymous = Client()
    response = anonymous.post(reverse("pa-request-recheck"), page_data(patient=patient))
    assert response.status_code == 302
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(billing_user)
    assert (
        csrf_client.post(
            reverse("pa-request-recheck"), page_data(patient=patient)
        ).status_code
        == 403
    )
    assert csrf_client.get(reverse("pa-request-recheck")).status_code == 405


def test_each_recheck_is_in_the_audit_trail(client_billing, patient):
    _recheck(client_billing, page_data(patient=patient))
    row = m.AuditEvent.objects.filter(action__contains="request-recheck").get()
    assert row.user is not None and "Synthetic" not in row.detail


def test_a_new_request_takes_the_patients_payer_for_the_route(client_billing, patient):
    html = client_billing.get(
        reverse("pa-request-create") + f"?patient={patient.pk}"
    ).content.decode()
    assert "Enter the procedure and date of service" in html


def test_recheck_redraws_the_spine_picture_with_the_levels_as_typed(
    client_billing, patient, provider, facility
):
    response = _recheck(
        client_billing,
        page_data(patient=patient, provider=provider, facility=facility, **_esi()),
    )
    html = response.content.decode()
    slot = html[html.index('id="spine-slot" hx-swap-oob="innerHTML"') :]
    assert "<svg" in slot and "the diagram as a table" in slot
    levels = {lv for lv in ("L4-L5", "L5-S1") if f'data-level="{lv}"' in slot}
    assert levels, "the requested level is outlined in the picture"
    obj = _create(client_billing, patient, provider, facility)
    edit = client_billing.get(
        reverse("pa-request-edit", args=[obj.pk])
    ).content.decode()
    assert 'id="spine-slot"><figure' in edit.replace("\n", "")
