"""The prior-count endpoint: counts per level from the patient's history, practice-scoped."""

from __future__ import annotations

from datetime import date

import pytest

from django.urls import reverse

from priorauth import models as m

pytestmark = pytest.mark.django_db
URL = "pa-prior-counts"


@pytest.fixture
def history(patient):  # type: ignore[no-untyped-def]
    m.PriorProcedure.objects.create(
        patient=patient,
        date=date(2026, 3, 1),
        procedure="mbb",
        levels="L4-L5, L5-S1",
        side="left",
    )
    m.PriorProcedure.objects.create(
        patient=patient,
        date=date(2026, 6, 1),
        procedure="facet_ia",
        levels="L4-L5",
        side="left",
    )
    m.PriorProcedure.objects.create(
        patient=patient,
        date=date(2026, 7, 1),
        procedure="esi_interlaminar",
        levels="L4-L5",
    )


def test_it_counts_same_family_history_per_typed_level(
    client_billing, patient, history
):
    response = client_billing.post(
        reverse(URL),
        {
            "patient": patient.pk,
            "procedure_type": "rfa",
            "levels": ["l4-5", "L5S1", "L3-L4", "L4-L6"],
        },
    )
    assert response.status_code == 200
    data = response.json()
    assert data["has_history"] is True
    assert data["counts"] == {"l4-5": 2, "L5S1": 1, "L3-L4": 0}
    assert data["canonical"]["l4-5"] == "L4-L5"
    assert data["invalid"] == ["L4-L6"]


def test_esi_counts_only_esi_history(client_billing, patient, history):
    data = client_billing.post(
        reverse(URL),
        {
            "patient": patient.pk,
            "procedure_type": "esi_transforaminal",
            "levels": ["L4-L5"],
        },
    ).json()
    assert data["counts"] == {"L4-L5": 1}


def test_a_patient_without_history_gets_no_counts(client_billing, patient):
    data = client_billing.post(
        reverse(URL),
        {"patient": patient.pk, "procedure_type": "mbb", "levels": ["L4-L5"]},
    ).json()
    assert data == {
        "has_history": False,
        "counts": {"L4-L5": None},
        "canonical": {"L4-L5": "L4-L5"},
        "invalid": [],
    }


def test_it_needs_a_procedure_type(client_billing, patient):
    assert (
        client_billing.post(
            reverse(URL), {"patient": patient.pk, "levels": ["L4-L5"]}
        ).status_code
        == 400
    )


def test_it_rejects_get_so_nothing_lands_in_urls(client_billing, patient):
    assert client_billing.get(reverse(URL), {"patient": patient.pk}).status_code == 405


def test_outsider_and_bad_ids_get_404(client_outsider, patient, history):
    assert (
        client_outsider.post(
            reverse(URL),
            {"patient": patient.pk, "procedure_type": "mbb", "levels": ["L4-L5"]},
        ).status_code
        == 404
    )
    assert (
        client_outsider.post(
            reverse(URL), {"patient": "abc", "procedure_type": "mbb"}
        ).status_code
        == 404
    )


def test_anonymous_is_redirected(client, patient):
    response = client.post(
        reverse(URL), {"patient": patient.pk, "procedure_type": "mbb"}
    )
    assert response.status_code == 302 and reverse("pa-login") in response["Location"]


def test_rows_after_the_date_of_service_are_not_counted(
    client_billing, patient, history
):
    data = client_billing.post(
        reverse(URL),
        {
            "patient": patient.pk,
            "procedure_type": "mbb",
            "levels": ["L4-L5"],
            "date_of_service": "2026-04-01",
        },
    ).json()
    assert data["counts"] == {"L4-L5": 1}
