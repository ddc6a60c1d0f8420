""" "New request from this one": services.auth_request_copy and its view."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(patient, provider, facility, billing_user):  # type: ignore[no-untyped-def]
    """An approved third diagnostic MBB at L4-L5 (bilateral), done 20 days ago, that
    built on two earlier MBBs, with care, imaging and a diagnosis."""
    today = timezone.localdate()
    blocks = [
        m.PriorProcedure.objects.create(
            patient=patient,
            date=today - timedelta(days=days),
            procedure="mbb",
            intent="diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief_percent=85,
            relief_duration_hours=6,
            scale="NRS",
        )
        for days in (120, 90)
    ]
    req = m.AuthRequest.objects.create(
        practice=patient.practice,
        patient=patient,
        payer_profile=patient.payer_profile,
        plan_name="Medicare Part B",
        state_of_service="TX",
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=today - timedelta(days=20),
        onset_date=date(2025, 1, 10),
        pain_pattern="axial",
        baseline_pain_scale="NRS",
        baseline_pain_score=7,
        function_scale="ODI",
        function_score=40,
        functional_impairment="Cannot stand longer than 15 minutes.",
        rfa_planned=True,
        injectate="lidocaine 2%",
        status="approved",
        authorization_number="A-1",
        rationales=[{"code": "DVT-001", "level": "L4-L5", "text": "x"}],
        created_by=billing_user,
    )
    m.RequestLevel.objects.create(
        request=req, level="L4-L5", side="bilateral", prior_count=2
    )
    m.ConservativeCare.objects.create(
        request=req, kind="physical_therapy", duration_weeks=8, outcome="failed"
    )
    m.ImagingStudy.objects.create(
        request=req,
        modality="mri",
        date=date(2025, 6, 1),
        levels="L4-L5",
        findings="Facet arthropathy",
    )
    m.Diagnosis.objects.create(request=req, code="M47.816")
    req.builds_on.set(blocks)
    return req


def test_it_copies_the_facts_and_rows_with_an_empty_date_of_service(
    source, billing_user
):
    new = services.auth_request_copy(source=source, user=billing_user)
    assert new.pk != source.pk
    assert new.status == "draft" and new.revision == 1
    assert new.date_of_service is None
    for name in services.COPIED_FIELDS:
        assert getattr(new, name) == getattr(source, name), name
    assert new.rationales == [] and new.authorization_number == ""
    assert [(lv.level, lv.side, lv.prior_count) for lv in new.levels.all()] == [
        ("L4-L5", "bilateral", None)
    ]
    assert [c.kind for c in new.conservative_care.all()] == ["physical_therapy"]
    assert [i.findings for i in new.imaging.all()] == ["Facet arthropathy"]
    assert [d.code for d in new.diagnoses.all()] == ["M47.816"]
    assert new.created_by == billing_user and new.practice == source.practice


def test_a_performed_request_becomes_a_history_row_it_builds_on(source, billing_user):
    new = services.auth_request_copy(source=source, user=billing_user)
    done = source.patient.history.get(date=source.date_of_service)
    assert (done.procedure, done.intent, done.levels, done.side) == (
        "mbb",
        "diagnostic",
        "L4-L5",
        "bilateral",
    )
    assert done.needs_review and "response" in done.review_note
    assert set(new.builds_on.values_list("pk", flat=True)) == set(
        source.patient.history.values_list("pk", flat=True)
    )
    # The prior count the save fills now counts three blocks.
    assert services.history_prior_counts(
        patient=source.patient, procedure_type="mbb", levels=["L4-L5"]
    ) == {"L4-L5": 3}
    # A second copy does not add the injection twice.
    services.auth_request_copy(source=source, user=billing_user)
    assert source.patient.history.filter(date=source.date_of_service).count() == 1


def test_a_request_not_yet_done_adds_no_history_row(source, billing_user):
    source.status = "draft"
    source.save()
    new = services.auth_request_copy(source=source, user=billing_user)
    assert source.patient.history.count() == 2
    assert new.builds_on.count() == 2


def test_it_refuses_another_practices_user(source, outsider_user):
    with pytest.raises(PermissionDenied):
        services.auth_request_copy(source=source, user=outsider_user)
    assert m.AuthRequest.objects.count() == 1


def test_it_writes_one_audit_row(source, billing_user):
    new = services.auth_request_copy(source=source, user=billing_user)
    row = m.AuditEvent.objects.get(action="request-copy")
    assert row.object_id == str(new.pk) and f"from={source.pk}" in row.detail


# --------------------------------------------------------------------------- view


def test_the_view_copies_and_opens_the_new_draft_at_the_date(client_billing, source):
    response = client_billing.post(reverse("pa-request-copy", args=[source.pk]))
    new = m.AuthRequest.objects.latest("id")
    assert new.pk != source.pk
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("pa-request-edit", args=[new.pk]) + "#id_date_of_service"
    )
    page = client_billing.get(reverse("pa-request-edit", args=[new.pk]))
    assert page.status_code == 200
    assert 'name="date_of_service"' in page.content.decode()


def test_the_view_is_post_only(client_billing, source):
    response = client_billing.get(reverse("pa-request-copy", args=[source.pk]))
    assert response.status_code == 405
    assert m.AuthRequest.objects.count() == 1


def test_another_practice_gets_404(client_outsider, source):
    response = client_outsider.post(reverse("pa-request-copy", args=[source.pk]))
    assert response.status_code == 404
    assert m.AuthRequest.objects.count() == 1


def test_anonymous_is_sent_to_login(client, source):
    response = client.post(reverse("pa-request-copy", args=[source.pk]))
    assert response.status_code == 302
    assert m.AuthRequest.objects.count() == 1


def test_the_view_needs_the_csrf_token(billing_user, source):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(billing_user)
    response = csrf_client.post(reverse("pa-request-copy", args=[source.pk]))
    assert response.status_code == 403
    assert m.AuthRequest.objects.count() == 1


def test_detail_and_patient_pages_offer_the_copy(client_billing, source):
    url = reverse("pa-request-copy", args=[source.pk])
    for page in (
        reverse("pa-request-detail", args=[source.pk]),
        reverse("pa-patient-detail", args=[source.patient.pk]),
    ):
        html = client_billing.get(page).content.decode()
        assert f'action="{url}"' in html and "New request from this one" in html
