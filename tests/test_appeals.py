"""Issue 15 (1, 2): a denial with its structure, the appeal deadline per payer type,
the appeal packet (letter and peer-to-peer sheet), signed like the packet."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta

import pytest

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.packet import signing
from priorauth.rules.appeals import (
    AppealWindow,
    appeal_deadline,
    appeal_window,
)
from priorauth.rules.profiles import load_fixture_policies
from priorauth.services.workflow import WorkflowError
from tests.conftest import PASSWORD, ROOT
from tests.packet_factory import make_request

RULE_ID = re.compile(r"\b[A-Z]{3}-\d{3}\b")
EXAMPLE = ROOT / "examples" / "rfa-first-medicare-advantage.json"
DENIAL = ROOT / "examples" / "denials" / "rfa-first-medicare-advantage-denial.json"


def _pdf_text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode()


# --------------------------------------------------------------------------- deadlines

POLICIES = load_fixture_policies()
NOTICE = date(2026, 11, 5)


@pytest.mark.parametrize(
    ("profile", "last_day", "level"),
    [
        # Medicare Advantage: 65 days from the date on the notice.
        ("medicare_advantage", NOTICE + timedelta(days=65), "reconsideration"),
        # Original Medicare: 120 days from receipt, presumed 5 days after the notice.
        ("medicare", NOTICE + timedelta(days=125), "redetermination"),
        # Commercial profiles: 180 days (ERISA floor), UNCONFIRMED for the payer.
        ("aetna", NOTICE + timedelta(days=180), "internal appeal"),
        ("commercial", NOTICE + timedelta(days=180), "internal appeal"),
        ("evicore", NOTICE + timedelta(days=180), "internal appeal"),
    ],
)
@pytest.mark.parametrize(
    ("offset", "past", "days_left"),
    [(-1, False, 1), (0, False, 0), (1, True, -1)],
    ids=["day-before", "last-day", "day-after"],
)
def test_deadline_per_payer_type_both_sides_of_the_boundary(
    profile, last_day, level, offset, past, days_left
):
    policy = POLICIES[profile]
    window = appeal_window(kind=policy.kind.value, profile_data=policy.data)
    deadline = appeal_deadline(notice_date=NOTICE, window=window)
    assert deadline.deadline == last_day
    assert window.level == level
    today = last_day + timedelta(days=offset)
    assert deadline.is_past(today) is past
    assert deadline.days_left(today) == days_left


def test_weak_windows_say_so_and_the_letter_wins():
    commercial = appeal_window(
        kind="commercial", profile_data=POLICIES["commercial"].data
    )
    assert commercial.is_weak and commercial.evidence == "UNCONFIRMED"
    medicare = appeal_window(kind="medicare", profile_data=POLICIES["medicare"].data)
    assert not medicare.is_weak
    letter = appeal_deadline(
        notice_date=NOTICE, window=commercial, letter_deadline=date(2027, 2, 4)
    )
    assert (letter.deadline, letter.from_letter) == (date(2027, 2, 4), True)


def test_profile_data_wins_and_a_profile_without_it_falls_back_by_kind():
    custom = appeal_window(
        kind="aetna", profile_data={"appeals": {"days": 60, "level": "appeal"}}
    )
    assert custom == AppealWindow(level="appeal", days=60)
    fallback = appeal_window(kind="medicare_advantage", profile_data={})
    assert fallback.days == 65 and fallback.starts == "notice"


# --------------------------------------------------------------------------- services


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def submitted(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    return make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare_advantage"],
        status="submitted",
        submitted_on=date(2026, 11, 20),
        submission_channel="fax",
        payer_reference="MA-77",
    )


def _deny(req, user, **extra):  # type: ignore[no-untyped-def]
    return services.auth_request_record_decision(
        request=req,
        user=user,
        decision="denied",
        denial_reason="Medical necessity not established.",
        **extra,
    )


def _criterion(req, code: str) -> str:  # type: ignore[no-untyped-def]
    evaluation = services.auth_request_evaluate(request=req)
    return next(
        k for k, _ in services.denial_criteria_choices(evaluation) if k.startswith(code)
    )


@pytest.mark.django_db
def test_recording_a_denial_creates_its_record_with_the_decision_date(
    submitted, billing_user
):
    _deny(
        submitted, billing_user, denial_reason_code="MN-1", decided_on=date(2026, 12, 1)
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decided_on) == ("denied", date(2026, 12, 1))
    denial = submitted.denials.get()
    assert (denial.channel, denial.reason_code, denial.payer_reference) == (
        "fax",
        "MN-1",
        "MA-77",
    )
    assert denial.deadline().deadline == date(2026, 12, 1) + timedelta(days=65)


@pytest.mark.django_db
def test_the_decision_date_defaults_to_today_and_is_never_in_the_future(
    submitted, billing_user
):
    with pytest.raises(ValidationError) as exc:
        _deny(
            submitted, billing_user, decided_on=timezone.localdate() + timedelta(days=1)
        )
    assert exc.value.error_dict["decided_on"][0].code == "future_date"
    _deny(submitted, billing_user)
    submitted.refresh_from_db()
    assert submitted.decided_on == timezone.localdate()


@pytest.mark.django_db
def test_a_denial_cites_the_requests_criteria_and_free_text(submitted, billing_user):
    _deny(submitted, billing_user)
    key = _criterion(submitted, "FAC-001")
    denial = services.denial_record(
        request=submitted,
        user=billing_user,
        decided_on=date(2026, 12, 1),
        channel="mail",
        reason_text="Not medically necessary.",
        cited=[key],
        cited_text=["Function not described", " "],
        letter_deadline=date(2027, 1, 30),
    )
    reasons = list(denial.reasons.all())
    assert [(r.code, bool(r.criterion), r.text) for r in reasons] == [
        ("FAC-001", True, ""),
        ("", False, "Function not described"),
    ]
    assert submitted.denials.first() == denial  # the newest is in force
    assert services.appeal_deadlines_for([submitted])[submitted.pk].deadline == date(
        2027, 1, 30
    )
    assert m.AuditEvent.objects.filter(action="denial.record").count() == 1


@pytest.mark.django_db
def test_a_denial_refuses_other_criteria_bad_dates_and_undenied_requests(
    submitted, billing_user
):
    with pytest.raises(WorkflowError):
        services.denial_record(
            request=submitted,
            user=billing_user,
            decided_on=date(2026, 12, 1),
            channel="fax",
            reason_text="x",
        )
    _deny(submitted, billing_user)
    with pytest.raises(ValidationError) as exc:
        services.denial_record(
            request=submitted,
            user=billing_user,
            decided_on=date(2026, 12, 1),
            channel="pigeon",
            reason_text="",
            cited=["ZZZ-999|"],
            letter_deadline=date(2026, 11, 1),
        )
    codes = {k: v[0].code for k, v in exc.value.error_dict.items()}
    assert codes == {
        "channel": "invalid_channel",
        "reason_text": "required",
        "cited": "invalid_choice",
        "letter_deadline": "end_before_start",
    }


@pytest.mark.django_db
def test_denials_are_append_only(submitted, billing_user):
    _deny(submitted, billing_user)
    denial = submitted.denials.get()
    with pytest.raises(PermissionError):
        denial.save()
    with pytest.raises(PermissionError):
        denial.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        m.Denial.objects.filter(pk=denial.pk).update(reason_text="rewritten")


@pytest.mark.django_db
def test_appeal_deadlines_for_many_requests_is_one_query(
    practice,
    patient,
    provider,
    facility,
    payer_profiles,
    billing_user,
    django_assert_num_queries,
):
    reqs = []
    for profile in ("medicare", "medicare_advantage", "aetna"):
        req = make_request(
            practice=practice,
            patient=patient,
            provider=provider,
            facility=facility,
            payer_profile=payer_profiles[profile],
            status="submitted",
        )
        _deny(req, billing_user, decided_on=NOTICE)
        reqs.append(req)
    undenied = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["aetna"],
        status="submitted",
    )
    with django_assert_num_queries(1):
        got = services.appeal_deadlines_for([*reqs, undenied])
    assert {pk: d.deadline for pk, d in got.items()} == {
        reqs[0].pk: NOTICE + timedelta(days=125),
        reqs[1].pk: NOTICE + timedelta(days=65),
        reqs[2].pk: NOTICE + timedelta(days=180),
    }
    assert services.appeal_deadlines_for([]) == {}


# --------------------------------------------------------------------------- views


@pytest.fixture
def denied(submitted, billing_user, practice):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    _deny(submitted, billing_user, decided_on=date(2026, 12, 1))
    return submitted


@pytest.fixture
def doctor(physician_user):  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(physician_user)
    return c


@pytest.mark.django_db
def test_the_request_page_shows_the_denial_and_days_left(client_billing, denied):
    html = client_billing.get(denied.get_absolute_url()).content.decode()
    deadline = date(2026, 12, 1) + timedelta(days=65)
    assert "Denial and appeal" in html
    assert f'data-deadline="{deadline.isoformat()}"' in html
    left = (deadline - timezone.localdate()).days
    assert (f"{left} days left" in html) or (f"{-left} day" in html)
    assert 'name="cited"' in html  # the form with the request's criteria


@pytest.mark.django_db
def test_the_denial_form_records_cited_criteria(client_billing, denied):
    key = _criterion(denied, "FAC-001")
    response = client_billing.post(
        reverse("pa-request-denial", args=[denied.pk]),
        {
            "decided_on": "2026-12-01",
            "channel": "fax",
            "reason_code": "MN-204",
            "reason_text": "Two blocks not documented.",
            "cited": [key],
            "cited_text": "No PT notes",
        },
    )
    assert response.status_code == 302
    denial = denied.denials.first()
    assert [r.code for r in denial.reasons.all()] == ["FAC-001", ""]
    bad = client_billing.post(
        reverse("pa-request-denial", args=[denied.pk]),
        {"decided_on": "2026-12-01", "channel": "fax", "reason_text": ""},
    )
    assert bad.status_code == 400


@pytest.mark.django_db
def test_another_practice_sees_nothing(client_outsider, denied):
    for name in (
        "pa-request-denial",
        "pa-request-appeal",
        "pa-request-appeal-pdf",
    ):
        assert client_outsider.get(reverse(name, args=[denied.pk])).status_code == 404
    response = client_outsider.post(
        reverse("pa-request-appeal-start", args=[denied.pk])
    )
    assert response.status_code == 404
    assert not m.Appeal.objects.exists()


@pytest.mark.django_db
def test_the_appeal_is_prepared_signed_by_the_physician_filed_and_won(
    client_billing, doctor, denied, physician_user
):
    key = _criterion(denied, "FAC-001")
    services.denial_record(
        request=denied,
        user=physician_user,
        decided_on=date(2026, 12, 1),
        channel="fax",
        reason_text="Blocks not documented.",
        cited=[key],
        cited_text=["Functional limitation not described"],
    )
    start = client_billing.post(reverse("pa-request-appeal-start", args=[denied.pk]))
    assert start.status_code == 302
    saved = client_billing.post(
        reverse("pa-request-appeal", args=[denied.pk]),
        {
            "physician_statement": "She cannot sit for more than 30 minutes.",
            "new_evidence": "PT discharge note 11/20/2026",
        },
    )
    assert saved.status_code == 302
    draft = client_billing.get(reverse("pa-request-appeal-pdf", args=[denied.pk]))
    assert draft.status_code == 200 and draft["Cache-Control"].startswith("no-store")
    text = _pdf_text(draft.content)
    assert "Request for Reconsideration" in text and "DRAFT" in text
    assert "Peer-to-peer summary" in text.replace(
        "PEER-TO-PEER SUMMARY", "Peer-to-peer summary"
    )
    assert "PT discharge note 11/20/2026" in text
    assert "She cannot sit for more than 30 minutes." in text
    assert "Functional limitation not described" in text
    assert not RULE_ID.search(text), RULE_ID.findall(text)
    # Billing cannot sign; a forged POST is refused and audited.
    forged = client_billing.post(
        reverse("pa-request-appeal-sign", args=[denied.pk]), {"password": PASSWORD}
    )
    assert forged.status_code == 403
    assert m.AuditEvent.objects.filter(action="appeal-sign.denied").exists()
    page = doctor.get(reverse("pa-request-appeal", args=[denied.pk])).content.decode()
    token = dict(
        re.findall(r'name="(reviewed_revision|reviewed_sha256)" value="([^"]*)"', page)
    )
    signed = doctor.post(
        reverse("pa-request-appeal-sign", args=[denied.pk]),
        {"password": PASSWORD, "confirm": "on", **token},
    )
    assert signed.status_code == 302, signed.content.decode()[:2000]
    appeal = m.Appeal.objects.get()
    document = appeal.signed_document
    assert (appeal.status, document.kind) == ("signed", "appeal")
    assert m.AuditEvent.objects.filter(action="appeal-sign").count() == 1
    signed_text = _pdf_text(bytes(document.pdf))
    assert "Electronically signed by" in signed_text and "DRAFT" not in signed_text
    # The request page's "Signed PDF" still means the packet, not the appeal.
    html = client_billing.get(denied.get_absolute_url()).content.decode()
    assert "Signed appeal PDF" in html
    client_billing.post(
        reverse("pa-request-appeal-file", args=[denied.pk]),
        {"filed_on": timezone.localdate().isoformat(), "channel": "fax"},
    )
    client_billing.post(
        reverse("pa-request-appeal-outcome", args=[denied.pk]),
        {"outcome": "won", "decided_on": timezone.localdate().isoformat()},
    )
    appeal.refresh_from_db()
    assert appeal.status == "won"


# --------------------------------------------------------------------------- command


def test_render_appeal_writes_the_letter_and_sheet(tmp_path):
    out = tmp_path / "appeal.pdf"
    call_command(
        "render_appeal",
        str(EXAMPLE),
        "--denial",
        str(DENIAL),
        "-o",
        str(out),
        "--today",
        "2026-12-02",
    )
    text = _pdf_text(out.read_bytes())
    assert "Request for Reconsideration" in text
    assert "Initial RFA: two medically necessary diagnostic medial branch" in text
    # The peer-to-peer sheet is one page, the last, questions included.
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert "PEER-TO-PEER SUMMARY" in pages[-1].upper()
    assert "likely to ask" in pages[-1]
    assert not any("PEER-TO-PEER SUMMARY" in p.upper() for p in pages[:-1])
    assert "Physical therapy discharge summary" in text
    assert not RULE_ID.search(text), RULE_ID.findall(text)


@pytest.mark.parametrize(
    ("denial", "path"),
    [
        ({"decided_on": "2026-02-30", "reason_text": "x"}, "denial.decided_on"),
        ({"decided_on": "2026-12-01"}, "denial.reason_text"),
        (
            {
                "decided_on": "2026-12-01",
                "reason_text": "x",
                "cited": [{"criterion": "ESI-001"}],
            },
            "denial.cited[0].criterion",
        ),
        (
            {"decided_on": "2026-12-01", "reason_text": "x", "cited": [{}]},
            "denial.cited[0]",
        ),
    ],
)
def test_render_appeal_exits_2_with_json_errors(tmp_path, capsys, denial, path):
    file = tmp_path / "denial.json"
    file.write_text(json.dumps(denial))
    out = tmp_path / "appeal.pdf"
    with pytest.raises(SystemExit) as exc:
        call_command(
            "render_appeal",
            str(EXAMPLE),
            "--denial",
            str(file),
            "-o",
            str(out),
            "--today",
            "2026-12-02",
        )
    assert exc.value.code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert path in [e["path"] for e in errors]
    assert not out.exists()


@pytest.mark.django_db
def test_the_appeal_adds_injections_recorded_since_the_submission(
    submitted, billing_user, patient
):
    from priorauth.services.appeals import denial_facts

    _deny(submitted, billing_user)
    m.PriorProcedure.objects.create(
        patient=patient,
        date=date(2026, 11, 25),
        procedure="mbb",
        intent="diagnostic",
        levels="L4-L5",
        relief_percent=90,
    )
    appeal = services.appeal_start(request=submitted, user=billing_user)
    assert services.appeal_start(request=submitted, user=billing_user) == appeal
    services.appeal_update(
        appeal=appeal,
        user=billing_user,
        physician_statement="",
        new_evidence="PT note\n\n  MRI report  ",
    )
    facts = denial_facts(appeal=appeal)
    assert facts.new_evidence[:2] == ("PT note", "MRI report")
    assert len(facts.new_evidence) == 3 and "11/25/2026" in facts.new_evidence[2]
    # The 09/15/2026 block the request was submitted with is not "new".
    assert "09/15/2026" not in " ".join(facts.new_evidence)


@pytest.mark.django_db
def test_a_correction_starts_from_the_criteria_already_cited(client_billing, denied):
    key = _criterion(denied, "FAC-001")
    services.denial_record(
        request=denied,
        user=denied.created_by or m.User.objects.get(username="billie"),
        decided_on=date(2026, 12, 1),
        channel="fax",
        reason_text="x",
        cited=[key],
    )
    html = client_billing.get(denied.get_absolute_url()).content.decode()
    checked = re.findall(r'name="cited" value="([^"]+)"[^>]*checked', html)
    assert checked == [key]


@pytest.mark.django_db
def test_the_worklist_counts_down_until_the_appeal_is_filed_then_shows_it(
    client_billing, denied
):
    url = reverse("pa-worklist") + "?status=denied"
    assert "left to appeal" in client_billing.get(url).content.decode()
    appeal = m.Appeal.objects.create(
        request=denied, denial=denied.denials.first(), status="preparing"
    )
    assert "left to appeal" in client_billing.get(url).content.decode()
    m.Appeal.objects.filter(pk=appeal.pk).update(
        status="filed", filed_on=date(2026, 12, 2)
    )
    html = client_billing.get(url).content.decode()
    assert "left to appeal" not in html  # filed: the deadline was met
    assert 'data-appeal-status="filed"' in html and "Appeal filed Dec 2, 2026" in html
    m.Appeal.objects.filter(pk=appeal.pk).update(
        status="won", decided_on=date(2026, 12, 20)
    )
    html = client_billing.get(url).content.decode()
    assert "Overturned (approved) Dec 20, 2026" in html
