"""JSON import, one record per injection (issue 11): block responses of a v1 file become
the patient's history rows, which the request builds on; care text becomes an outcome."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from priorauth import models as m
from priorauth import services
from priorauth.rules import evaluate
from priorauth.rules.io import loads_request
from priorauth.services.importing import ImportProblem

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
RFA = json.loads((ROOT / "examples" / "rfa-first-medicare-advantage.json").read_text())


def doc(**changes: Any) -> dict[str, Any]:
    d = copy.deepcopy(RFA)
    d.update(changes)
    return d


def store(d: dict[str, Any], user) -> m.AuthRequest:  # type: ignore[no-untyped-def]
    return services.auth_request_import(
        facts=loads_request(json.dumps(d).encode()), user=user
    )


def rows(req: m.AuthRequest) -> list[tuple]:  # type: ignore[type-arg]
    return [
        (h.date, h.procedure, h.levels, h.pre_score, h.post_score, h.relief_percent)
        for h in req.patient.history.order_by("date")
    ]


def test_a_response_completes_the_history_row_it_describes(
    billing_user, payer_profiles
):
    req = store(doc(), billing_user)
    assert rows(req) == [
        (date(2026, 8, 20), "mbb", "L4-L5, L5-S1", 8, 1, 88),  # the response wins
        (date(2026, 9, 10), "mbb", "L4-L5, L5-S1", 8, 1, 88),
    ]
    assert set(req.builds_on.all()) == set(req.patient.history.all())


def test_responses_alone_become_history_rows_with_the_findings_of_the_file(
    billing_user, payer_profiles
):
    d = doc(history=[])
    for response in d["block_responses"]:
        del response["procedure"]  # format v1: an RFA request builds on MBBs
    req = store(d, billing_user)
    assert [(r[0], r[1], r[5]) for r in rows(req)] == [
        (date(2026, 8, 20), "mbb", 88),
        (date(2026, 9, 10), "mbb", 88),
    ]
    assert req.builds_on.count() == 2
    assert {h.intent for h in req.patient.history.all()} == {"diagnostic"}
    facts = loads_request(json.dumps(d).encode())
    stored = services.auth_request_evaluate(
        request=services.auth_request_queryset_for_detail().get(pk=req.pk)
    )
    direct = evaluate(facts, services.payer_policy_build(profile=req.payer_profile))

    def key(ev):  # type: ignore[no-untyped-def]
        return sorted(
            (f.code, f.level or "") for f in ev.findings if f.code != "PKT-004"
        )

    assert key(stored) == key(direct)
    assert "FAC-009" not in {code for code, _ in key(stored)}  # two qualifying MBBs


def test_a_second_import_links_the_same_injections(billing_user, payer_profiles):
    first = store(doc(), billing_user)
    second = store(doc(), billing_user)
    assert second.patient == first.patient and second.patient.history.count() == 2
    assert set(second.builds_on.all()) == set(first.builds_on.all())


def test_an_injection_on_file_is_completed_not_doubled(
    billing_user, payer_profiles, practice
):
    """The patient has the 08/20 MBB (L4-L5 only, 75 % typed, no scores); the file's
    response for it (L4-L5 and L5-S1, 88 %) links to it: empty fields are filled,
    the differing relief is kept as stored and the row marked for review."""
    d = doc(history=[])
    d["block_responses"] = d["block_responses"][:1]
    patient = m.Patient.objects.create(
        practice=practice,
        first_name="Pat",
        last_name="Imported",
        dob=date.fromisoformat(d["patient"]["dob"]),
        sex="F",
        member_id=d["patient"]["member_id"],
    )
    on_file = m.PriorProcedure.objects.create(
        patient=patient,
        date=date(2026, 8, 20),
        procedure="mbb",
        levels="L4-L5",
        relief_percent=75,
    )
    req = store(d, billing_user)
    assert req.patient == patient and patient.history.count() == 1
    assert list(req.builds_on.all()) == [on_file]
    on_file.refresh_from_db()
    assert (on_file.pre_score, on_file.post_score, on_file.agent) == (
        8,
        1,
        "lidocaine 2%",
    )
    assert on_file.relief_percent == 75 and on_file.needs_review is True
    assert "said relief % 88; the history keeps 75. Check which is right." in (
        on_file.review_note
    )
    assert req.import_summary.history_added == 0


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"date": None}, "block_responses[1].date"),
        ({"levels": []}, "block_responses[1].levels"),
    ],
)
def test_a_response_that_cannot_be_placed_is_refused_by_path(
    billing_user, payer_profiles, change, path
):
    d = doc(history=[])
    d["block_responses"][1].update(change)
    before = m.PriorProcedure.objects.count(), m.AuthRequest.objects.count()
    with pytest.raises(ImportProblem) as raised:
        store(d, billing_user)
    assert path in raised.value.paths
    assert (m.PriorProcedure.objects.count(), m.AuthRequest.objects.count()) == before


def test_an_esi_request_must_name_the_block_of_a_response(billing_user, payer_profiles):
    d = json.loads(
        (ROOT / "examples" / "esi-transforaminal-lumbar-repeat-aetna.json").read_text()
    )
    d["block_responses"] = [
        {"date": "2026-06-01", "levels": ["L5-S1"], "percent_relief": 80}
    ]
    with pytest.raises(ImportProblem) as raised:
        store(d, billing_user)
    assert "block_responses[0].procedure" in raised.value.paths
    d["block_responses"][0]["procedure"] = "mbb"
    req = store(d, billing_user)
    assert [(h.procedure, h.relief_percent) for h in req.builds_on.all()] == [
        ("mbb", 80)
    ]


def test_care_outcomes_are_choices_and_old_text_is_read(billing_user, payer_profiles):
    care = [
        {"kind": "physical_therapy", "outcome": "failed", "note": "16 visits"},
        {"kind": "nsaids", "outcome": "failed after 6 weeks"},
        {"kind": "home_exercise", "outcome": "helped a bit"},
        {"kind": "chiropractic"},
    ]
    req = store(doc(conservative_care=care), billing_user)
    assert [
        (c.kind, c.outcome, c.note, c.needs_review) for c in req.conservative_care.all()
    ] == [
        ("physical_therapy", "failed", "16 visits", False),
        ("nsaids", "failed", "failed after 6 weeks", False),
        ("home_exercise", "", "helped a bit", True),
        ("chiropractic", "", "", False),
    ]
