from datetime import date

import pytest

from priorauth import models as m


@pytest.fixture
def auth_request(patient, provider, facility, payer_profiles, billing_user):
    return m.AuthRequest.objects.create(
        practice=patient.practice,
        patient=patient,
        payer_profile=payer_profiles["medicare"],
        state_of_service="AZ",
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=date(2027, 1, 10),
        created_by=billing_user,
    )


def test_a_new_request_is_an_unlocked_draft(auth_request):
    assert auth_request.status == m.AuthRequest.Status.DRAFT
    assert auth_request.is_locked is False
    assert auth_request.get_absolute_url() == f"/requests/{auth_request.pk}/"


@pytest.mark.parametrize(
    "status", ["signed", "submitted", "approved", "denied", "pended"]
)
def test_signed_and_later_requests_are_locked(auth_request, status):
    auth_request.status = status
    assert auth_request.is_locked is True


def test_level_rows_keep_their_order(auth_request):
    m.RequestLevel.objects.create(
        request=auth_request, position=2, level="L5-S1", side="left"
    )
    m.RequestLevel.objects.create(
        request=auth_request, position=1, level="L4-L5", side="left"
    )
    assert [lv.level for lv in auth_request.levels.all()] == ["L4-L5", "L5-S1"]


def test_history_levels_split_into_a_list(patient):
    row = m.PriorProcedure.objects.create(
        patient=patient,
        date=date(2026, 5, 1),
        procedure="mbb",
        intent="diagnostic",
        levels="L4-L5, L5-S1",
        side="bilateral",
    )
    assert row.level_list == ["L4-L5", "L5-S1"]


def test_audit_events_cannot_be_changed_or_deleted_through_the_model(
    practice, billing_user
):
    event = m.AuditEvent.objects.create(
        user=billing_user, practice=practice, action="view"
    )
    event.detail = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_payer_profiles_have_natural_keys(payer_profiles):
    profile = payer_profiles["medicare"]
    assert m.PayerProfile.objects.get_by_natural_key(*profile.natural_key()) == profile
