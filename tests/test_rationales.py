"""The physician answers each open criterion before signing; the letter argues with it."""

from __future__ import annotations

from datetime import date

import pytest

from django.urls import reverse

from priorauth import models as m
from priorauth import services
from priorauth.packet import signing
from tests.conftest import PASSWORD
from tests.packet_factory import make_request
from tests.signing_helpers import sign_data

REASON = (
    "The earlier blocks were at L4-L5 for a different pain generator; the pain pattern"
    " changed after a fall in November"
)


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def third_block(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    """A third diagnostic MBB at L4-L5 (two earlier MBBs on file): DVT-001 is open."""
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    req = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )
    req.levels.update(prior_count=None)
    # The factory's first MBB (09/15, 86 %) plus a second one: two blocks on file.
    for day, relief in ((date(2026, 10, 13), 90),):
        m.PriorProcedure.objects.create(
            patient=patient,
            date=day,
            procedure="mbb",
            intent="diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief_percent=relief,
            relief_duration_hours=6,
            scale="NRS",
            agent="bupivacaine 0.5%",
        )
    return req


def _open_codes(req):  # type: ignore[no-untyped-def]
    evaluation = services.auth_request_evaluate(request=req)
    return {
        (o.code, o.level) for o in services.criteria_to_answer(evaluation=evaluation)
    }


def _sign(client, req, **answers):  # type: ignore[no-untyped-def]
    data = sign_data(req, PASSWORD)
    data.update({f"answer-{k.replace('_', '-')}": v for k, v in answers.items()})
    return client.post(reverse("pa-request-sign", args=[req.pk]), data)


def test_signing_is_refused_until_each_open_criterion_is_answered(
    client_physician, third_block
):
    assert ("DVT-001", "L4-L5") in _open_codes(third_block)
    response = _sign(client_physician, third_block)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Before signing, give your clinical rationale" in html
    assert "Diagnostic injections at a level" in html  # the criterion, in words
    third_block.refresh_from_db()
    assert third_block.status == "ready"
    assert not m.SignedDocument.objects.filter(request=third_block).exists()


def test_the_rationale_is_stored_audited_and_printed_as_prose(
    client_physician, third_block
):
    field = "answer-DVT-001-L4-L5"
    response = client_physician.post(
        reverse("pa-request-sign", args=[third_block.pk]),
        {field: REASON, "action": "save"},
    )
    assert response.status_code == 302
    third_block.refresh_from_db()
    assert services.stored_rationales(request=third_block) == {
        ("DVT-001", "L4-L5"): REASON
    }
    audit = m.AuditEvent.objects.filter(action="request-rationale").get()
    assert REASON not in audit.detail  # ids and counts only, never the text
    ctx = services.auth_request_packet_context(request=third_block)
    letter = " ".join(ctx["letter"])  # type: ignore[arg-type]
    assert "The patient has had 2 prior diagnostic blocks at L4-L5" in letter
    assert (
        "A further diagnostic block at L4-L5 is requested because the earlier" in letter
    )
    assert "to be written before signing: a further diagnostic block" not in letter
    # DVT-002 (two positive blocks: why not RFA?) still waits for its own answer.
    assert "to be written before signing: radiofrequency ablation is not" in letter
    row_dvt = next(r for r in ctx["crosswalk"] if r.code == "DVT-001")  # type: ignore[attr-defined]
    assert (row_dvt.label, row_dvt.rationale) == ("Clinical rationale", REASON)


def test_with_every_criterion_answered_the_physician_signs(
    client_physician, physician_user, third_block
):
    answers = {
        f"{code}_{level or ''}": "Clinically necessary: see the office note of 11/20."
        for code, level in _open_codes(third_block)
    }
    answers["DVT-001_L4-L5"] = REASON
    # Typed and submitted with "Sign": saved, and the new draft shown first.
    response = _sign(client_physician, third_block, **answers)
    assert response.status_code == 302
    assert not m.SignedDocument.objects.filter(request=third_block).exists()
    page = client_physician.get(response["Location"]).content.decode()
    assert "is now in the draft below" in page
    # Then the physician signs exactly that draft.
    response = _sign(client_physician, third_block)
    assert response.status_code == 302, response.content.decode()[:2000]
    doc = m.SignedDocument.objects.get(request=third_block)
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(bytes(doc.pdf))).pages)
    flat = " ".join(text.split())
    assert "pain pattern changed after a fall" in flat
    for word in ("override", "Override", "To meet", "DRAFT"):
        assert word not in flat


def test_billing_cannot_answer_for_the_physician(client_billing, third_block):
    response = client_billing.post(
        reverse("pa-request-sign", args=[third_block.pk]),
        {"answer-DVT-001-L4-L5": REASON, "action": "save"},
    )
    assert response.status_code == 403
    third_block.refresh_from_db()
    assert third_block.rationales == []


def test_answers_to_criteria_that_are_not_open_are_ignored(physician_user, third_block):
    evaluation = services.auth_request_evaluate(request=third_block)
    changed = services.rationale_save(
        request=third_block,
        user=physician_user,
        answers={("FAC-001", ""): "met anyway", ("DVT-001", "L4-L5"): REASON},
        evaluation=evaluation,
    )
    assert changed == 1
    third_block.refresh_from_db()
    assert [r["code"] for r in third_block.rationales] == ["DVT-001"]


def test_the_signed_snapshot_covers_the_answers(third_block):
    from dataclasses import replace

    from priorauth.rules.facts import Rationale
    from priorauth.services.signing import snapshot_sha256

    facts = services.auth_request_facts(request=third_block)
    answered = replace(facts, rationales=(Rationale("DVT-001", "L4-L5", REASON),))
    assert snapshot_sha256(facts) != snapshot_sha256(answered)
