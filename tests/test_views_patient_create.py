"""A new patient (product decision on issue 13): no unique constraint, since twins on
one plan share a member ID and a date of birth; a match asks staff to open the
existing record or to "Create anyway", and nothing typed is lost meanwhile."""

from __future__ import annotations

from datetime import date

import pytest

from django.urls import reverse

from priorauth import models as m

pytestmark = pytest.mark.django_db


def _data(payer_profiles, **over):  # type: ignore[no-untyped-def]
    data = {
        "first_name": "Alex",
        "last_name": "Synthetic",
        "dob": "1958-03-14",
        "sex": "M",
        "member_id": "ZZT900000001",
        "payer_profile": payer_profiles["medicare"].pk,
        "plan_name": "Medicare Part B",
        "mrn": "MRN-TWIN-2",
    }
    data.update(over)
    return data


def test_it_creates_a_patient_and_opens_their_page(
    client_billing, practice, payer_profiles
):
    response = client_billing.post(
        reverse("pa-patient-create"), _data(payer_profiles, member_id="ZZT900000777")
    )
    patient = m.Patient.objects.get(member_id="ZZT900000777")
    assert patient.practice == practice and patient.first_name == "Alex"
    assert response.status_code == 302
    assert response["Location"] == reverse("pa-patient-detail", args=[patient.pk])


def test_from_the_request_picker_it_goes_on_to_the_new_request(
    client_billing, payer_profiles
):
    response = client_billing.post(
        reverse("pa-patient-create"),
        _data(payer_profiles, member_id="ZZT900000778", next="request"),
    )
    patient = m.Patient.objects.get(member_id="ZZT900000778")
    assert (
        response["Location"] == f"{reverse('pa-request-create')}?patient={patient.pk}"
    )


def test_a_matching_member_id_and_dob_asks_first_and_keeps_what_was_typed(
    client_billing, patient, payer_profiles
):
    # Same member ID (typed in lower case, with spaces) and DOB as Sam Synthetic.
    response = client_billing.post(
        reverse("pa-patient-create"),
        _data(payer_profiles, member_id=" zzt900000001 ", next="request"),
    )
    assert response.status_code == 200
    assert m.Patient.objects.count() == 1  # nothing saved yet
    html = response.content.decode()
    assert [p.pk for p in response.context["duplicates"]] == [patient.pk]
    assert reverse("pa-patient-detail", args=[patient.pk]) in html  # open it
    assert f"{reverse('pa-request-create')}?patient={patient.pk}" in html
    assert 'name="confirm_duplicate" value="1"' in html and "Create anyway" in html
    # What was typed is still in the form, and where it leads.
    for typed in ('value="Alex"', 'value="MRN-TWIN-2"', 'value="1958-03-14"'):
        assert typed in html, typed
    assert 'name="next" value="request"' in html

    # A twin: created on confirmation.
    confirmed = client_billing.post(
        reverse("pa-patient-create"),
        _data(payer_profiles, confirm_duplicate="1"),
    )
    assert confirmed.status_code == 302
    twins = m.Patient.objects.filter(
        member_id__iexact="ZZT900000001", dob=date(1958, 3, 14)
    )
    assert sorted(p.first_name for p in twins) == ["Alex", "Sam"]


def test_a_different_dob_is_not_a_match(client_billing, patient, payer_profiles):
    response = client_billing.post(
        reverse("pa-patient-create"), _data(payer_profiles, dob="1960-01-01")
    )
    assert response.status_code == 302
    assert m.Patient.objects.count() == 2


def test_another_practices_patient_is_never_shown_as_a_match(
    client_outsider, patient, payer_profiles
):
    response = client_outsider.post(reverse("pa-patient-create"), _data(payer_profiles))
    assert response.status_code == 302  # created for the outsider's practice
    assert "Synthetic, Sam" not in response.content.decode()
    assert m.Patient.objects.filter(member_id="ZZT900000001").count() == 2


def test_invalid_input_is_listed_at_the_top_and_kept(client_billing, payer_profiles):
    response = client_billing.post(
        reverse("pa-patient-create"),
        _data(payer_profiles, last_name="", dob="2999-01-01"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'href="#id_last_name"' in html
    assert 'value="Alex"' in html
    assert not m.Patient.objects.exists()


def test_the_admin_form_asks_the_same_question(practice, patient):
    from priorauth.admin import PatientAdminForm

    data = {
        "practice": practice.pk,
        "first_name": "Alex",
        "last_name": "Synthetic",
        "dob": "1958-03-14",
        "sex": "M",
        "member_id": "ZZT900000001",
    }
    form = PatientAdminForm(data)
    assert not form.is_valid()
    assert form.has_error("__all__", code="possible_duplicate")
    assert PatientAdminForm({**data, "create_anyway": "on"}).is_valid()


def test_the_picker_and_the_patient_list_link_to_a_new_patient(client_billing):
    url = reverse("pa-patient-create")
    assert url in client_billing.get(reverse("pa-patient-list")).content.decode()
    picker = client_billing.get(reverse("pa-request-create")).content.decode()
    assert f"{url}?next=request" in picker
