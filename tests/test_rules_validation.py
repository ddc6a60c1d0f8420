"""rules.validation: the input checks every way in shares (pure; no database)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import date
from pathlib import Path

import pytest

from priorauth.rules import evaluate
from priorauth.rules import facts as F
from priorauth.rules.io import load_request
from priorauth.rules.profiles import load_fixture_policies
from priorauth.rules.validation import Problem, npi_is_valid, validate_request

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
POLICIES = load_fixture_policies(ROOT / "fixtures" / "payer_profiles.json")
TODAY = date(2026, 11, 23)
BASE = F.CaseFacts(
    procedure=F.ProcedurePlan(
        type=F.ProcedureType.MBB, date_of_service=date(2027, 1, 19)
    ),
    levels=(F.LevelRequest("L4-L5", F.Side.BILATERAL),),
    payer=F.PayerInfo(profile_key="medicare"),
    ordering=F.Provider(npi="1234567893"),
    clinical=F.Clinical(onset_date=date(2025, 12, 1)),
)


def problems(facts: F.CaseFacts = BASE, today: date = TODAY) -> list[tuple]:
    return [
        (p.path, p.code)
        for p in validate_request(facts, known_profiles=POLICIES, today=today)
    ]


def with_(facts: F.CaseFacts = BASE, **parts: dict) -> F.CaseFacts:
    """``facts`` with fields of its parts replaced: with_(procedure={...})."""
    changes = {
        name: dataclasses.replace(getattr(facts, name), **values)
        for name, values in parts.items()
    }
    return dataclasses.replace(facts, **changes)


def levels(*names: str) -> F.CaseFacts:
    return dataclasses.replace(
        BASE, levels=tuple(F.LevelRequest(n, F.Side.LEFT) for n in names)
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_passes(path):
    assert problems(load_request(path)) == []


# ----------------------------------------------------------- boundaries, both sides


@pytest.mark.parametrize(
    ("dos", "today", "expected"),
    [
        (date(2027, 11, 23), TODAY, []),
        (
            date(2027, 11, 24),
            TODAY,
            [("procedure.date_of_service", "dos_too_far_ahead")],
        ),
        # 12 calendar months from 29 February end on 28 February.
        (date(2029, 2, 28), date(2028, 2, 29), []),
        (
            date(2029, 3, 1),
            date(2028, 2, 29),
            [("procedure.date_of_service", "dos_too_far_ahead")],
        ),
        (date(2020, 1, 1), TODAY, []),  # a past date of service is not refused here
    ],
)
def test_date_of_service_at_most_12_months_ahead(dos, today, expected):
    facts = with_(procedure={"date_of_service": dos}, clinical={"onset_date": None})
    assert problems(facts, today) == expected


@pytest.mark.parametrize(
    ("onset", "expected"),
    [
        (date(2026, 3, 2), []),
        (date(2026, 3, 3), [("procedure.date_of_service", "dos_before_onset")]),
        (None, []),
    ],
)
def test_date_of_service_not_before_onset(onset, expected):
    facts = with_(
        procedure={"date_of_service": date(2026, 3, 2)}, clinical={"onset_date": onset}
    )
    assert problems(facts) == expected


def test_date_of_service_can_be_both_before_onset_and_too_far_ahead():
    facts = with_(
        procedure={"date_of_service": date(2028, 1, 1)},
        clinical={"onset_date": date(2028, 2, 1)},
    )
    assert [code for _, code in problems(facts)] == [
        "dos_before_onset",
        "dos_too_far_ahead",
        "future_date",  # and the onset is a past event in the future
    ]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("L4-L5",), []),
        (("L5-L4",), [("levels[0].level", "invalid_level")]),
        (("L4-L6",), [("levels[0].level", "invalid_level")]),
        (("L3-L5",), [("levels[0].level", "invalid_level")]),
        (("L4-L5", "L5-S1"), []),
        (("T12-L1", "L1-L2"), []),  # the thoracolumbar junction is lumbar/sacral
        (("C6-C7", "C7-T1", "T1-T2"), []),
        (("caudal",), []),
        (("L4-L5", "C5-C6"), [("levels", "mixed_regions")]),
        (("T11-T12", "T12-L1"), [("levels", "mixed_regions")]),
        (("L5-L4", "C5-C6"), [("levels[0].level", "invalid_level")]),
    ],
)
def test_levels_are_real_adjacent_upper_first_and_in_one_region(names, expected):
    assert problems(levels(*names)) == expected


def test_the_level_messages_say_what_is_wrong():
    by_path = dict(
        validate_request(
            levels("L5-L4", "L4-L6", "L3-L5"), known_profiles=POLICIES, today=TODAY
        )
    )
    assert by_path == {
        "levels[0].level": "'L5-L4' is not a spinal level: it is reversed; name the"
        " upper segment first (L4-L5).",
        "levels[1].level": "'L4-L6' is not a spinal level: L6 is not a real spinal"
        " segment (C1-C7, T1-T12, L1-L5, S1).",
        "levels[2].level": "'L3-L5' is not a spinal level: L3 and L5 are not adjacent"
        " segments; a level joins two neighbouring segments, e.g. L4-L5.",
    }
    [(path, message)] = validate_request(
        levels("L4-L5", "C5-C6"), known_profiles=POLICIES, today=TODAY
    )
    assert (path, message) == (
        "levels",
        "Levels L4-L5, C5-C6 span two regions; one request covers one region,"
        " cervical/thoracic or lumbar/sacral. Make a second request for the other"
        " region.",
    )


@pytest.mark.parametrize(
    ("npi", "expected"),
    [
        ("1234567893", []),
        ("1245319599", []),
        ("", []),  # not given: the packet check reports it as a finding
        ("1234567890", [("ordering.npi", "npi_checksum")]),
        ("1234567892", [("ordering.npi", "npi_checksum")]),
        ("12345", [("ordering.npi", "npi_format")]),
        ("12345678ab", [("ordering.npi", "npi_format")]),
    ],
)
def test_npi_check_digit(npi, expected):
    assert problems(with_(ordering={"npi": npi})) == expected


def test_every_npi_is_checked_by_its_path():
    facts = with_(
        ordering={"npi": "1234567890"},
        rendering={"npi": "1245319598"},
        facility={"npi": "1003000125"},
    )
    assert problems(facts) == [
        ("ordering.npi", "npi_checksum"),
        ("rendering.npi", "npi_checksum"),
        ("facility.npi", "npi_checksum"),
    ]
    [(_, message)] = validate_request(
        with_(ordering={"npi": "1234567890"}), known_profiles=POLICIES, today=TODAY
    )
    assert message == (
        "NPI 1234567890 fails its check digit; check it against the NPPES record."
    )


def test_npi_luhn_over_the_80840_prefix():
    # The CMS example: 123456789 with prefix 80840 has check digit 3.
    assert npi_is_valid("1234567893") is True
    assert [d for d in range(10) if npi_is_valid(f"123456789{d}")] == [3]
    assert npi_is_valid("123456789") is False


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("medicare", []),
        ("acme_health", [("payer_profile", "unknown_payer_profile")]),
        ("", [("payer_profile", "payer_profile_required")]),
    ],
)
def test_payer_profile_must_be_known(key, expected):
    assert problems(with_(payer={"profile_key": key})) == expected


def test_the_unknown_profile_message_lists_the_known_ones():
    [(_, message)] = validate_request(
        with_(payer={"profile_key": "acme"}),
        known_profiles={"b", "a"},
        today=TODAY,
    )
    assert message == "Unknown payer profile 'acme'; known profiles: a, b."


def test_past_events_may_be_today_but_not_tomorrow():
    tomorrow = date(2026, 11, 24)

    def dated(day: date) -> F.CaseFacts:
        return dataclasses.replace(
            with_(patient={"dob": day}, clinical={"onset_date": day}),
            procedure=F.ProcedurePlan(type=F.ProcedureType.MBB),
            block_responses=(F.BlockResponse(date=day),),
            conservative_care=(F.ConservativeCare("nsaids", start=day),),
            imaging=(F.Imaging("mri", date=day),),
            history=(F.PriorProcedure(day, F.ProcedureType.MBB, levels=("L4-L5",)),),
        )

    assert problems(dated(TODAY)) == []
    assert problems(dated(tomorrow)) == [
        ("patient.dob", "future_date"),
        ("block_responses[0].date", "future_date"),
        ("clinical.onset_date", "future_date"),
        ("conservative_care[0].start", "future_date"),
        ("imaging[0].date", "future_date"),
        ("history[0].date", "future_date"),
    ]


def test_care_may_end_on_its_start_day_but_not_before():
    def care(end: date) -> F.CaseFacts:
        row = F.ConservativeCare("nsaids", start=date(2026, 5, 1), end=end)
        return dataclasses.replace(BASE, conservative_care=(row,))

    assert problems(care(date(2026, 5, 1))) == []
    assert problems(care(date(2026, 4, 30))) == [
        ("conservative_care[0].end", "end_before_start")
    ]


def test_levels_named_in_rows_are_checked_too():
    facts = dataclasses.replace(
        BASE,
        block_responses=(F.BlockResponse(levels=("L4-L5", "L5-L4")),),
        imaging=(F.Imaging("mri", levels=("X1-X2",)),),
        history=(
            F.PriorProcedure(date(2026, 1, 5), F.ProcedureType.MBB, levels=("L4-L6",)),
        ),
    )
    assert problems(facts) == [
        ("block_responses[0].levels[1]", "invalid_level"),
        ("imaging[0].levels[0]", "invalid_level"),
        ("history[0].levels[0]", "invalid_level"),
    ]


def test_every_problem_is_listed_at_once():
    facts = with_(
        levels("L4-L5", "C5-C6"),
        payer={"profile_key": "nobody"},
        ordering={"npi": "1234567890"},
        procedure={"date_of_service": date(2028, 1, 1)},
    )
    assert [path for path, _ in problems(facts)] == [
        "payer_profile",
        "ordering.npi",
        "procedure.date_of_service",
        "levels",
    ]


# --------------------------------------------------------------------------- Problem


def test_a_problem_is_a_path_message_pair_with_a_code():
    problem = Problem("levels", "words", "mixed_regions")
    path, message = problem
    assert (path, message) == ("levels", "words") == problem
    assert (problem.path, problem.message, problem.code) == (
        "levels",
        "words",
        "mixed_regions",
    )
    for twin in (copy.deepcopy(problem), pickle.loads(pickle.dumps(problem))):
        assert twin == problem and twin.code == "mixed_regions"


# ----------------------------------------------------------- the engine stays total


def test_evaluate_still_takes_what_validation_refuses():
    """Validation is a step before the engine, not inside it."""
    facts = with_(
        levels("L5-L4", "C5-C6"),
        ordering={"npi": "1234567890"},
        procedure={"date_of_service": date(2030, 1, 1)},
        clinical={"onset_date": date(2031, 1, 1)},
    )
    assert problems(facts)
    evaluation = evaluate(facts, POLICIES["medicare"], today=TODAY)
    assert evaluation.findings
