"""load_demo takes demo requests 13-22 past the payer's decision, through the services,
once: run twice, every state is there once, and the pages a user opens show them
(the worklist's tabs, the expiring authorizations, the denial and appeal pages, the
practice admin's analytics)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth.management.commands.load_demo import fixture_rows_to_load

# Request pk -> its state after load_demo (priorauth/demo/cases.py, cases 13-22).
STATES = {
    13: "approved",  # the authorization ends in 9 days
    14: "approved",  # rescheduled after the authorization ends
    15: "approved",  # a level more performed than authorized
    16: "denied",  # appeal in draft
    17: "denied",  # appeal signed, filed and won
    18: "submitted",  # decision overdue
    19: "pended",
    20: "approved",  # for the analytics
    21: "approved",
    22: "denied",  # no appeal yet
}


def _load_demo() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def _records() -> dict[str, object]:
    """What the steps write: one snapshot to compare the runs."""
    return {
        "requests": list(
            m.AuthRequest.objects.order_by("pk").values_list(
                "pk", "status", "lock_version", "scheduled_on", "valid_to"
            )
        ),
        "signed": m.SignedDocument.objects.count(),
        "submissions": m.Submission.objects.count(),
        "denials": m.Denial.objects.count(),
        "denial_reasons": m.DenialReason.objects.count(),
        "appeals": list(m.Appeal.objects.order_by("pk").values_list("pk", "status")),
        "performed": m.PerformedProcedure.objects.count(),
    }


def _client(username: str) -> Client:
    client = Client()
    client.force_login(m.User.objects.get(username=username))
    return client


def _load_demo_is_idempotent_and_evaluates_every_request() -> None:
    assert m.AuthRequest.objects.count() == 22
    assert m.Patient.objects.count() == 22
    assert not m.AuthRequest.objects.filter(evaluated_at__isnull=True).exists()
    # Requests 1-12 are drafts, as the fixture has them.
    assert set(
        m.AuthRequest.objects.filter(pk__lte=12).values_list("status", flat=True)
    ) == {"draft"}


def _each_request_reaches_its_state_once() -> None:
    today = timezone.localdate()
    requests = {r.pk: r for r in m.AuthRequest.objects.filter(pk__gt=12)}
    assert {pk: r.status for pk, r in requests.items()} == STATES
    for pk, request in requests.items():
        assert request.signed_documents.filter(kind="packet").count() == 1, pk
        assert request.submissions.count() == 1, pk
        assert request.submitted_on < today
    # 1. approved, ending within 14 days, with what it covers; scheduled inside.
    expiring = requests[13]
    assert today < expiring.valid_to <= today + timedelta(days=14)
    assert expiring.authorized_lines == [{"cpt": "64635", "units": 1}]
    assert (expiring.authorized_levels, expiring.approved_units) == ("L5-S1", 1)
    assert expiring.valid_from <= expiring.scheduled_on <= expiring.valid_to
    # 2. drift: rescheduled past the window; a level performed that is not authorized.
    assert requests[14].scheduled_on > requests[14].valid_to
    performed = requests[15].performed.get()
    assert performed.level_list == ["L4-L5", "L5-S1"]
    # 3. the denial in force cites a criterion, with code, text, date and channel.
    denial = requests[16].denials.order_by("-recorded_at", "-id").first()
    assert (denial.reason_code, denial.channel) == ("MN-204", "fax")
    assert denial.decided_on == requests[16].decided_on
    assert denial.reason_text
    assert [r.code for r in denial.reasons.all()] == ["FAC-009", ""]
    assert not requests[22].appeals.exists()
    assert list(requests[16].appeals.values_list("status", flat=True)) == ["preparing"]
    assert list(requests[17].appeals.values_list("status", flat=True)) == ["won"]
    assert requests[17].signed_documents.filter(kind="appeal").count() == 1
    # 4. the decision clock ran out.
    assert requests[18].decision_due_at < timezone.now()
    assert requests[19].pend_reason


def _the_worklist_tabs_count_them() -> None:
    response = _client("billing").get(reverse("pa-worklist"))
    counts = {value: n for value, _label, n in response.context["tabs"]}
    assert counts == {
        "draft": 11,
        "ready": 0,
        "signed": 0,
        "submitted": 1,
        "approved": 5,
        "denied": 3,
        "pended": 1,
    }
    assert response.context["expiring_count"] == 2  # 13 and 14 (30-day view)
    assert response.context["overdue_count"] == 1
    overdue = _client("billing").get(reverse("pa-worklist") + "?status=overdue")
    assert [r.pk for r in overdue.context["page"].object_list] == [18]
    assert "call the payer" in overdue.content.decode()
    denied = _client("billing").get(reverse("pa-worklist") + "?status=denied")
    html = denied.content.decode()
    # 16 (appeal in preparation) and 22 (none) count down; 17 shows its won appeal.
    assert html.count("left to appeal") == 2
    assert "Overturned (approved)" in html
    # The other practice sees none of it.
    other = _client("otherbilling").get(reverse("pa-worklist"))
    assert other.context["expiring_count"] == other.context["overdue_count"] == 0


def _the_expiring_list_offers_re_authorize() -> None:
    html = (
        _client("billing").get(reverse("pa-authorizations-expiring")).content.decode()
    )
    assert re.findall(r'href="/requests/(\d+)/"', html) == ["13", "14"]
    assert html.count("Re-authorize") == 2
    assert html.count("check before billing") == 1  # 14: rescheduled out of the window


def _the_request_pages_show_the_drift_and_the_appeal() -> None:
    client = _client("billing")
    assert (
        "after the authorization ends" in client.get("/requests/14/").content.decode()
    )
    html = client.get("/requests/15/").content.decode()
    assert "Level L5-S1 was treated" in html
    appeal = client.get(reverse("pa-request-appeal", args=[16]))
    assert appeal.status_code == 200
    assert "Appeal in preparation" in appeal.content.decode()
    pdf = client.get(reverse("pa-request-appeal-pdf", args=[16]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _the_analytics_show_the_decided_requests() -> None:
    html = _client("practiceadmin").get(reverse("pa-analytics")).content.decode()
    assert '<div class="fs-4" data-total="decided">9</div>' in html
    assert '<div class="fs-4" data-total="appeals">1 / 1</div>' in html
    assert len(re.findall(r'src="data:image/svg\+xml;base64,', html)) == 5
    for payer in ("Aetna", "Original Medicare", "Medicare Advantage", "Carelon"):
        assert payer in html
    assert "Initial RFA: two medically necessary diagnostic medial branch" in html


def test_load_demo_twice_leaves_each_state_once(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    """One test, as load_demo signs seven packets and an appeal (~15 s a run)."""
    # The demo users' passwords are stored as Argon2 hashes; drlee signs with theirs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"  # never the repository's var/keys
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _load_demo()
    first = _records()
    _load_demo()
    assert _records() == first  # the second run changed nothing
    # Its saves render nothing ahead: the drafts render on their first click.
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    _load_demo_is_idempotent_and_evaluates_every_request()
    _each_request_reaches_its_state_once()
    _the_worklist_tabs_count_them()
    _the_expiring_list_offers_re_authorize()
    _the_request_pages_show_the_drift_and_the_appeal()
    _the_analytics_show_the_decided_requests()


def test_the_fixture_rows_of_a_request_past_draft_are_not_reloaded(db):
    """Reloading would make a signed request a draft again beside its signed PDF."""
    call_command("loaddata", "fixtures/payer_profiles.json", verbosity=0)
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    m.AuthRequest.objects.filter(pk=13).update(status="signed")
    rows = [
        {"model": "priorauth.authrequest", "pk": 13, "fields": {}},
        {"model": "priorauth.authrequest", "pk": 12, "fields": {}},
        {"model": "priorauth.requestlevel", "pk": 99, "fields": {"request": 13}},
        {"model": "priorauth.diagnosis", "pk": 98, "fields": {"request": 12}},
        {"model": "priorauth.patient", "pk": 13, "fields": {}},
    ]
    assert [(r["model"], r["pk"]) for r in fixture_rows_to_load(rows)] == [
        ("priorauth.authrequest", 12),
        ("priorauth.diagnosis", 98),
        ("priorauth.patient", 13),
    ]
