"""After the decision (issue 15, items 3 and 4): the payer's clock on each submission,
the approval against the schedule and what was done, the expiring list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(practice, patient, payer_profiles):  # type: ignore[no-untyped-def]
    req = m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=payer_profiles["medicare_advantage"],
        procedure_type="mbb",
        intent="diagnostic",
        status="signed",
        state_of_service="CA",
        date_of_service=timezone.localdate() + timedelta(days=20),
    )
    for level in ("L4-L5", "L5-S1"):
        m.RequestLevel.objects.create(request=req, level=level, side="bilateral")
    return req


def _submit(client, req, **extra):  # type: ignore[no-untyped-def]
    data = {
        "submitted_on": timezone.localdate().isoformat(),
        "channel": "portal",
        **extra,
    }
    return client.post(reverse("pa-request-submission", args=[req.pk]), data)


def _approve(client, req, **extra):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    data = {
        "decision": "approved",
        "authorization_number": "AUTH-9",
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=60)).isoformat(),
        **extra,
    }
    return client.post(reverse("pa-request-decision", args=[req.pk]), data)


# ------------------------------------------------------------------ payer clocks


def test_a_submission_starts_the_plans_clock(client_billing, signed):
    before = timezone.now()
    _submit(client_billing, signed)
    signed.refresh_from_db()
    sub = signed.submissions.get()
    assert sub.clock_rule == "RTE-003" and sub.clock_length == "7 calendar days"
    assert sub.decision_due == sub.submitted_at + timedelta(days=7)
    assert sub.submitted_at >= before - timedelta(seconds=1)
    assert signed.decision_due_at == sub.decision_due
    html = client_billing.get(signed.get_absolute_url()).content.decode()
    assert "7 calendar days" in html and "CMS Interoperability" in html
    assert "Overdue" not in html


def test_an_expedited_submission_with_a_time_gets_the_short_clock(
    client_billing, signed
):
    _submit(client_billing, signed, submitted_time="00:05", expedited="on")
    sub = signed.submissions.get()
    assert sub.expedited and sub.clock_length == "72 hours"
    assert timezone.localtime(sub.submitted_at).strftime("%H:%M") == "00:05"


def test_an_overdue_request_is_highlighted_and_listed(client_billing, signed, practice):
    _submit(
        client_billing,
        signed,
        submitted_on=(timezone.localdate() - timedelta(days=8)).isoformat(),
    )
    assert list(services.requests_overdue(practice_id=practice.pk)) == [signed]
    html = client_billing.get(signed.get_absolute_url()).content.decode()
    assert "Overdue: the decision was due" in html


def test_a_decision_stops_the_clock_and_a_resubmission_starts_a_new_one(
    client_billing, signed, practice
):
    _submit(
        client_billing,
        signed,
        submitted_on=(timezone.localdate() - timedelta(days=8)).isoformat(),
    )
    client_billing.post(
        reverse("pa-request-decision", args=[signed.pk]),
        {"decision": "pended", "pend_reason": "Send the office note of 10/1."},
    )
    signed.refresh_from_db()
    assert signed.decision_due_at is None
    assert not services.requests_overdue(practice_id=practice.pk).exists()
    _submit(client_billing, signed)
    signed.refresh_from_db()
    assert signed.submissions.count() == 2
    assert signed.decision_due_at > timezone.now()


def test_a_commercial_plan_has_no_made_up_clock(client_billing, signed, payer_profiles):
    signed.payer_profile = payer_profiles["aetna"]
    signed.save()
    _submit(client_billing, signed)
    signed.refresh_from_db()
    assert signed.decision_due_at is None
    html = client_billing.get(signed.get_absolute_url()).content.decode()
    assert "no regulated decision clock" in html


def test_a_submission_time_in_the_future_is_refused(client_billing, signed):
    later = (timezone.localtime() + timedelta(hours=2)).strftime("%H:%M")
    response = _submit(client_billing, signed, submitted_time=later)
    signed.refresh_from_db()
    if timezone.localtime().hour >= 22:  # later would be tomorrow's time today: past
        pytest.skip("the time two hours ahead falls on the next day")
    assert response.status_code == 200 and signed.status == "signed"
    assert "in the future" in response.content.decode()


# ------------------------------------------------------------------ authorizations


def test_the_approval_form_offers_the_requests_codes_and_levels(client_billing, signed):
    _submit(client_billing, signed)
    html = client_billing.get(
        reverse("pa-request-decision", args=[signed.pk])
    ).content.decode()
    assert "64493 x1, 64494 x1" in html and "L4-L5, L5-S1" in html


def test_an_approval_records_what_it_covers(client_billing, signed):
    _submit(client_billing, signed)
    _approve(
        client_billing, signed, authorized_lines="64493 x1", authorized_levels="l4-5"
    )
    signed.refresh_from_db()
    assert signed.authorized_lines == [{"cpt": "64493", "units": 1}]
    assert signed.authorized_levels == "L4-L5"


def test_an_approval_without_codes_takes_the_requests(client_billing, signed):
    _submit(client_billing, signed)
    _approve(client_billing, signed)
    signed.refresh_from_db()
    assert signed.authorized_lines == [
        {"cpt": "64493", "units": 1},
        {"cpt": "64494", "units": 1},
    ]
    assert signed.authorized_levels == "L4-L5, L5-S1"


def test_a_bad_code_is_named_and_nothing_is_recorded(client_billing, signed):
    _submit(client_billing, signed)
    response = _approve(client_billing, signed, authorized_lines="64493 x1, 6449")
    signed.refresh_from_db()
    assert response.status_code == 200 and signed.status == "submitted"
    html = response.content.decode()
    assert "“6449” is not a CPT code" in html
    assert 'value="AUTH-9"' in html  # what was typed is kept


@pytest.fixture
def approved(client_billing, signed):  # type: ignore[no-untyped-def]
    _submit(client_billing, signed)
    _approve(client_billing, signed, approved_units="2")
    signed.refresh_from_db()
    return signed


def test_units_used_and_remaining_follow_what_was_done(client_billing, approved):
    html = client_billing.get(approved.get_absolute_url()).content.decode()
    assert "0 used of 2" in html and "2 remaining" in html
    response = client_billing.post(
        reverse("pa-request-performed", args=[approved.pk]),
        {
            "performed_on": timezone.localdate().isoformat(),
            "lines": "64493 x1",
            "levels": "L4-L5",
        },
    )
    assert response.status_code == 302
    html = client_billing.get(approved.get_absolute_url()).content.decode()
    assert "1 used of 2" in html and "1 remaining" in html
    assert "Fix before the claim goes out" not in html


def test_a_procedure_that_differs_from_the_approval_is_flagged(
    client_billing, approved
):
    client_billing.post(
        reverse("pa-request-performed", args=[approved.pk]),
        {
            "performed_on": timezone.localdate().isoformat(),
            "lines": "64635 x1",
            "levels": "L3-L4",
        },
    )
    html = client_billing.get(approved.get_absolute_url()).content.decode()
    assert "Fix before the claim goes out" in html
    assert "CPT 64635 was performed" in html and "Level L3-L4 was treated" in html


def test_a_reschedule_outside_the_window_is_flagged(client_billing, approved):
    late = approved.valid_to + timedelta(days=1)
    response = client_billing.post(
        reverse("pa-request-reschedule", args=[approved.pk]),
        {"scheduled_on": late.isoformat()},
    )
    assert response.status_code == 302
    html = client_billing.get(approved.get_absolute_url()).content.decode()
    assert "after the authorization ends" in html


def test_a_future_procedure_cannot_be_entered(client_billing, approved):
    response = client_billing.post(
        reverse("pa-request-performed", args=[approved.pk]),
        {
            "performed_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "lines": "64493 x1",
        },
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert not approved.performed.exists()


def test_tracking_needs_an_approval(billing_user, signed):
    with pytest.raises(ValidationError):
        services.auth_request_reschedule(
            request=signed, user=billing_user, scheduled_on=date(2027, 1, 1)
        )


def test_the_expiring_list_shows_the_next_14_days(client_billing, approved, practice):
    today = timezone.localdate()
    m.AuthRequest.objects.filter(pk=approved.pk).update(
        valid_to=today + timedelta(days=14)
    )
    html = client_billing.get(reverse("pa-authorizations-expiring")).content.decode()
    assert (
        f'href="{approved.get_absolute_url()}"' in html and "14</strong> days" in html
    )
    m.AuthRequest.objects.filter(pk=approved.pk).update(
        valid_to=today + timedelta(days=15)
    )
    html = client_billing.get(reverse("pa-authorizations-expiring")).content.decode()
    assert f'href="{approved.get_absolute_url()}"' not in html
    m.AuthRequest.objects.filter(pk=approved.pk).update(
        valid_to=today - timedelta(days=1)
    )
    assert not services.authorizations_expiring(practice_id=practice.pk).exists()


def test_another_practice_sees_none_of_it(outsider_user, approved):
    client = Client()
    client.force_login(outsider_user)
    for name in ("pa-request-reschedule", "pa-request-performed"):
        assert client.get(reverse(name, args=[approved.pk])).status_code == 404
    m.AuthRequest.objects.filter(pk=approved.pk).update(
        valid_to=timezone.localdate() + timedelta(days=3)
    )
    html = client.get(reverse("pa-authorizations-expiring")).content.decode()
    assert "AUTH-9" not in html


def test_the_pages_need_a_login(approved):
    client = Client()
    response = client.get(reverse("pa-authorizations-expiring"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_expiring_list_costs_the_same_queries_for_one_row_or_many(
    client_billing, approved
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    soon = timezone.localdate() + timedelta(days=5)
    m.AuthRequest.objects.filter(pk=approved.pk).update(valid_to=soon)
    url = reverse("pa-authorizations-expiring")
    client_billing.get(url)
    with CaptureQueriesContext(connection) as one:
        client_billing.get(url)
    for _ in range(3):
        copy = m.AuthRequest.objects.get(pk=approved.pk)
        copy.pk = None
        copy.save()
        m.PerformedProcedure.objects.create(
            request=copy,
            performed_on=timezone.localdate(),
            lines=[{"cpt": "64493", "units": 1}],
        )
    with CaptureQueriesContext(connection) as four:
        html = client_billing.get(url).content.decode()
    assert html.count('class="expiring-row') == 4
    assert len(four) == len(one)


def test_re_authorize_makes_a_new_draft_from_the_expiring_one(client_billing, approved):
    m.AuthRequest.objects.filter(pk=approved.pk).update(
        valid_to=timezone.localdate() + timedelta(days=6),
        scheduled_on=timezone.localdate() + timedelta(days=30),
    )
    html = client_billing.get(reverse("pa-authorizations-expiring")).content.decode()
    action = reverse("pa-request-reauthorize", args=[approved.pk])
    assert f'action="{action}"' in html
    response = client_billing.post(action)
    new = m.AuthRequest.objects.exclude(pk=approved.pk).get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("pa-request-edit", args=[new.pk]))
    assert (new.status, new.date_of_service) == ("draft", None)
    assert [lv.level for lv in new.levels.all()] == ["L4-L5", "L5-S1"]
    # Not done yet (rescheduled past today): no history row is made up for it.
    assert not new.builds_on.exists()


def test_a_recorded_procedure_becomes_the_history_row_of_the_next_request(
    client_billing, approved
):
    done_on = timezone.localdate() - timedelta(days=1)
    m.PerformedProcedure.objects.create(
        request=approved,
        performed_on=done_on,
        lines=[{"cpt": "64493", "units": 1}],
        levels="L4-L5",
    )
    client_billing.post(reverse("pa-request-reauthorize", args=[approved.pk]))
    new = m.AuthRequest.objects.exclude(pk=approved.pk).get()
    row = new.builds_on.get()
    assert (row.date, row.levels, row.needs_review) == (done_on, "L4-L5", True)


def test_only_an_approved_request_is_re_authorized(client_billing, signed):
    response = client_billing.post(reverse("pa-request-reauthorize", args=[signed.pk]))
    assert response.status_code == 302
    assert m.AuthRequest.objects.count() == 1


def test_another_practice_cannot_re_authorize(outsider_user, approved):
    client = Client()
    client.force_login(outsider_user)
    response = client.post(reverse("pa-request-reauthorize", args=[approved.pk]))
    assert response.status_code == 404
    assert m.AuthRequest.objects.count() == 1


def test_the_worklist_highlights_and_filters_overdue_decisions(
    client_billing, signed, practice, patient, payer_profiles
):
    _submit(
        client_billing,
        signed,
        submitted_on=(timezone.localdate() - timedelta(days=8)).isoformat(),
    )
    on_time = m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=payer_profiles["medicare_advantage"],
        procedure_type="mbb",
        intent="diagnostic",
        status="signed",
        state_of_service="CA",
        date_of_service=timezone.localdate() + timedelta(days=20),
    )
    _submit(client_billing, on_time)
    html = client_billing.get(
        reverse("pa-worklist") + "?status=overdue"
    ).content.decode()
    assert "Decision overdue <span" in html
    assert f'href="{signed.get_absolute_url()}"' in html
    assert f'href="{on_time.get_absolute_url()}"' not in html
    assert "decision overdue: call the payer" in html
    everything = client_billing.get(
        reverse("pa-worklist") + "?status=all"
    ).content.decode()
    assert everything.count("badge expiry-7 overdue") == 1


def test_the_worklist_counts_down_to_the_appeal_deadline(
    client_billing, signed, billing_user
):
    _submit(client_billing, signed)
    signed.refresh_from_db()
    services.auth_request_record_decision(
        request=signed,
        user=billing_user,
        decision="denied",
        denial_reason="Diagnostic blocks not documented.",
        decided_on=timezone.localdate() - timedelta(days=55),
    )
    html = client_billing.get(
        reverse("pa-worklist") + "?status=denied"
    ).content.decode()
    # Medicare Advantage: 65 days from the notice (profile data) -> 10 days left.
    assert "10 days left to appeal" in html and "expiry-14" in html
    deadline = services.appeal_deadlines_for([signed])[signed.pk].deadline
    assert f"Appeal by {deadline:%b} {deadline.day}, {deadline.year}" in html
