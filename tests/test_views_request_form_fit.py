"""The request page fits the procedure: state select, fields marked with the procedures
they concern, the error summary of a refused save, the landing after a save."""

from __future__ import annotations

import pytest

from django.urls import reverse

from priorauth import models as m
from priorauth.web.requests.forms import FIELDS_FOR_PROCEDURE
from tests.intake_data import page_data

pytestmark = pytest.mark.django_db


def _post(client, patient, provider, facility, **kw):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("pa-request-create"),
        page_data(patient=patient, provider=provider, facility=facility, **kw),
    )


def test_state_is_a_select_of_states_and_territories(client_billing, patient):
    html = client_billing.get(
        reverse("pa-request-create") + f"?patient={patient.pk}"
    ).content.decode()
    assert '<select name="state_of_service"' in html
    for option in (
        'value="TX">Texas (TX)',
        'value="PR">Puerto Rico (PR)',
        'value="DC"',
    ):
        assert option in html


@pytest.mark.parametrize("typed", ["Texas", "Te", "XX"])
def test_a_state_that_is_not_one_is_refused_and_never_cut(
    client_billing, patient, provider, facility, typed
):
    response = _post(
        client_billing, patient, provider, facility, state_of_service=typed
    )
    assert response.status_code == 200
    assert m.AuthRequest.objects.count() == 0
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["state_of_service"]] == [
        "invalid_state"
    ]
    assert "is not a US state or territory" in response.content.decode()


def test_a_lower_case_code_is_taken(client_billing, patient, provider, facility):
    response = _post(client_billing, patient, provider, facility, state_of_service="tx")
    assert response.status_code == 302
    assert m.AuthRequest.objects.get().state_of_service == "TX"


def test_fields_carry_the_procedures_they_concern(client_billing, patient):
    html = client_billing.get(
        reverse("pa-request-create") + f"?patient={patient.pk}"
    ).content.decode()
    assert 'data-show-for="rfa"' in html  # RFA technique
    assert 'data-show-unless-sedation="none"' in html
    assert 'data-show-intent="diagnostic none"' in html  # RFA planned
    assert "data-intents=" in html
    for name in FIELDS_FOR_PROCEDURE:  # still in the page for a browser without JS
        assert f'id="id_{name}"' in html


def test_a_refused_save_lists_every_error_at_the_top_linked_to_its_field(
    client_billing, patient, provider, facility
):
    rows = {
        "levels": [{"level": "L9-L2", "side": "left"}],
        "diagnoses": [{"code": "M47.816"}],
    }
    response = _post(
        client_billing,
        patient,
        provider,
        facility,
        rows=rows,
        state_of_service="Texas",
        baseline_pain_score="12",
    )
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'tabindex="-1"' in html
    summary = html[
        html.index('id="error-summary"') : html.index('id="route-banner-slot"')
    ]
    for anchor in (
        "#id_state_of_service",
        "#id_baseline_pain_score",
        "#id_levels-0-level",
    ):
        assert f'href="{anchor}"' in summary, anchor
    assert "The request was not saved: 3 problems" in summary
    assert html.index('id="error-summary"') < html.index('id="request-form"')


def test_a_save_lands_on_the_banner(client_billing, patient, provider, facility):
    response = _post(client_billing, patient, provider, facility)
    obj = m.AuthRequest.objects.get()
    assert response["Location"] == (
        reverse("pa-request-edit", args=[obj.pk]) + "#route-banner"
    )
    page = client_billing.get(response["Location"]).content.decode()
    assert 'id="route-banner" tabindex="-1"' in page
    assert 'id="send-button"' in page  # send for signature beside the findings
