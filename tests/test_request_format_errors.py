"""The request format's errors: pydantic's, translated to the format's own words.

One case per row of ``errors.MESSAGES``: the exact (path, message) a request with
that one problem gets. Plus the order the errors come in, lone surrogates, and a
fuzz check that no pydantic wording ever gets through.
"""

from __future__ import annotations

import copy
import json
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from priorauth.rules import facts as F
from priorauth.rules.io import RequestFormatError, loads_request, parse_request
from priorauth.rules.request_format import errors
from priorauth.rules.request_format.base import (
    expect_of,
    field_types,
    readable_keys,
    unwrap,
)
from priorauth.rules.request_format.request import Request
from priorauth.rules.request_format.schema import object_models
from tests.test_rules_io import mutated_examples

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = {"format_version": 1, "procedure": {"type": "mbb"}}
PROCEDURE_TYPES = (
    "esi_interlaminar, esi_transforaminal, esi_caudal, facet_ia, mbb, rfa,"
    " si_joint, trigger_point"
)
LEVEL = "a spinal level like L4-L5, L5-S1, C5-C6, T12-L1 or caudal"


def _with(**top: Any) -> dict:
    return {**copy.deepcopy(MINIMAL), **top}


def _errors(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(RequestFormatError) as exc:
        parse_request(data)
    return exc.value.errors


# (request, the MESSAGES row it exercises, the one error it gets)
CASES: list[tuple[dict, tuple[str, str], tuple[str, str]]] = [
    (
        {"format_version": 1},
        ("missing", "*"),
        ("procedure", "is required (must be an object)"),
    ),
    (
        _with(procedure={}),
        ("missing", "*"),
        ("procedure.type", f"is required (must be one of {PROCEDURE_TYPES})"),
    ),
    (
        _with(levles=[]),
        ("extra_forbidden", "*"),
        ("levles", 'unknown key "levles" (did you mean "levels"?)'),
    ),
    (
        _with(payer={"profile_key": "aetna"}),
        ("extra_forbidden", "*"),
        (
            "payer.profile_key",
            'unknown key "profile_key" (the profile goes in the top-level key'
            ' "payer_profile")',
        ),
    ),
    (
        _with(patient={"ssn": "x"}),
        ("extra_forbidden", "*"),
        ("patient.ssn", 'unknown key "ssn"; allowed keys: name, dob, sex, member_id'),
    ),
    (
        {**MINIMAL, 7: 1},
        ("invalid_key", "*"),
        ("7", 'unknown key "7"; allowed keys: ' + ", ".join(Request.model_fields)),
    ),
    (
        _with(patient={"name": 7}),
        ("string_type", "*"),
        ("patient.name", "must be a string of at most 200 characters (got a number)"),
    ),
    (
        _with(patient={"name": None}),
        ("string_type", "*"),
        ("patient.name", "must be a string of at most 200 characters, not null"),
    ),
    (
        _with(signed="yes"),
        ("bool_type", "*"),
        ("signed", "must be true or false (got a string)"),
    ),
    (
        _with(levels=[{"level": "L4-L5", "side": "left", "prior_count": 2.0}]),
        ("int_type", "*"),
        (
            "levels[0].prior_count",
            "must be a whole number from 0 to 100 (got a number)",
        ),
    ),
    (
        _with(clinical={"baseline_pain_score": True}),
        ("float_type", "*"),
        ("clinical.baseline_pain_score", "must be a number from 0 to 10 (got true)"),
    ),
    (
        _with(clinical={"baseline_pain_score": 10**400}),
        ("float_type", "*"),
        (
            "clinical.baseline_pain_score",
            "must be a number from 0 to 10 (got a huge number)",
        ),
    ),
    (
        _with(history=[{"date": None, "procedure": "mbb"}]),
        ("date_type", "*"),
        ("history[0].date", "must be a date YYYY-MM-DD, not null"),
    ),
    (
        _with(clinical=[]),
        ("model_type", "*"),
        ("clinical", "must be an object (got a list)"),
    ),
    (
        _with(levels={"level": "L4-L5"}),
        ("tuple_type", "*"),
        ("levels", "must be a list (got an object)"),
    ),
    (
        _with(levels=None),
        ("tuple_type", "*"),
        ("levels", "must be a list of at most 10 items, not null"),
    ),
    (
        _with(procedure={"type": "MBB"}),
        ("enum", "*"),
        (
            "procedure.type",
            f"must be one of {PROCEDURE_TYPES} (got 'MBB'); did you mean \"mbb\"?",
        ),
    ),
    (
        _with(procedure={"type": "mbb", "sedation": None}),
        ("enum", "*"),
        (
            "procedure.sedation",
            "must be one of none, minimal, moderate, deep, mac, general, not null",
        ),
    ),
    (
        {**MINIMAL, "format_version": True},
        ("literal_error", "*"),
        ("format_version", "must be 1 (got True)"),
    ),
    (
        {**MINIMAL, "format_version": "1"},
        ("literal_error", "*"),
        ("format_version", "must be 1 (got '1')"),
    ),
    (
        {**MINIMAL, "format_version": 10**20},
        ("int_parsing_size", "const"),
        ("format_version", "must be 1 (got 100000000000000000000)"),
    ),
    (
        _with(patient={"name": "n" * 201}),
        ("string_too_long", "text"),
        ("patient.name", "must be at most 200 characters (got 201)"),
    ),
    (
        _with(ordering={"npi": "1" * 11}),
        ("string_too_long", "code"),
        ("ordering.npi", "must be 10 digits or empty (got 11 characters)"),
    ),
    (
        _with(levels=[{"level": "L" * 21, "side": "left"}]),
        ("string_too_long", "level"),
        ("levels[0].level", f"must be {LEVEL} (got {'L' * 21!r})"),
    ),
    (
        _with(payer={"state": "az"}),
        ("string_pattern_mismatch", "code"),
        (
            "payer.state",
            "must be a two-letter state code in capitals, e.g. AZ or empty (got 'az')",
        ),
    ),
    (
        _with(clinical={"function_score": float("inf")}),
        ("finite_number", "*"),
        ("clinical.function_score", "must be a number from 0 to 100 (got inf)"),
    ),
    (
        _with(clinical={"function_score": -3}),
        ("greater_than_equal", "number"),
        ("clinical.function_score", "must be a number from 0 to 100 (got -3)"),
    ),
    (
        _with(clinical={"baseline_pain_score": 10.5}),
        ("less_than_equal", "number"),
        ("clinical.baseline_pain_score", "must be a number from 0 to 10 (got 10.5)"),
    ),
    (
        _with(levels=[{"level": "L4-L5", "side": "left", "prior_count": -1}]),
        ("greater_than_equal", "whole"),
        ("levels[0].prior_count", "must be a whole number from 0 to 100 (got -1)"),
    ),
    (
        _with(levels=[{"level": "L4-L5", "side": "left", "prior_count": 10**400}]),
        ("less_than_equal", "whole"),
        (
            "levels[0].prior_count",
            "must be a whole number from 0 to 100 (got a huge number)",
        ),
    ),
    (
        _with(patient={"dob": "1850-01-01"}),
        ("greater_than_equal", "date"),
        ("patient.dob", "must be a date YYYY-MM-DD from 1900-01-01 to 2100-12-31"),
    ),
    (
        _with(patient={"dob": "2150-01-01"}),
        ("less_than_equal", "date"),
        ("patient.dob", "must be a date YYYY-MM-DD from 1900-01-01 to 2100-12-31"),
    ),
    (
        _with(diagnoses=["M47.816"] * 26),
        ("too_long", "*"),
        ("diagnoses", "must have at most 25 items (got 26)"),
    ),
    (
        _with(patient={"dob": "12/02/1951"}),
        ("date_format", "*"),
        ("patient.dob", "must be a date YYYY-MM-DD (got '12/02/1951')"),
    ),
    (
        _with(patient={"dob": 19511202}),
        ("date_format", "*"),
        ("patient.dob", "must be a date YYYY-MM-DD (got a number)"),
    ),
    (
        _with(patient={"dob": "1951-02-30"}),
        ("no_such_date", "*"),
        ("patient.dob", "must be a date YYYY-MM-DD (no such date: 1951-02-30)"),
    ),
    (
        _with(levels=[{"level": "L5-L4", "side": "left"}]),
        ("spinal_level", "*"),
        (
            "levels[0].level",
            "'L5-L4' is not a spinal level: it is reversed; name the upper segment"
            " first (L4-L5).",
        ),
    ),
    (
        _with(conservative_care=[{"kind": "nsaids", "outcome": 3}]),
        ("care_outcome", "*"),
        (
            "conservative_care[0].outcome",
            "must be one of failed, partial, not_tolerated, contraindicated, ongoing,"
            " improved (or text, format v1) (got a number)",
        ),
    ),
    (
        _with(procedure={"type": "rfa", "intent": "diagnostic"}),
        ("intent_for_type", "*"),
        (
            "procedure.intent",
            "must be first or repeat (or null) for rfa (got diagnostic)",
        ),
    ),
    (
        _with(block_responses=[{"procedure": "rfa"}]),
        ("block_procedure", "*"),
        ("block_responses[0].procedure", "must be mbb or facet_ia (got rfa)"),
    ),
    (
        _with(
            levels=[
                {"level": "L5-S1", "side": "left"},
                {"level": "L5S1", "side": "right"},
            ]
        ),
        ("duplicate_level", "*"),
        (
            "levels[1].level",
            "L5-S1 is already requested in levels[0]; use one row with side bilateral",
        ),
    ),
]


def _rows_used(data: Any) -> set[tuple[str, str]]:
    """The MESSAGES rows that word pydantic's errors for ``data``."""
    try:
        Request.model_validate(readable_keys(data))
    except ValidationError as exc:
        problems = [errors.locate(e, data, Request) for e in exc.errors()]
        return {
            (p.type, p.expect.kind)
            if (p.type, p.expect.kind) in errors.MESSAGES
            else (p.type, "*")
            for p in problems
        }
    return set()


@pytest.mark.parametrize(
    ("data", "row", "error"), CASES, ids=[f"{c[1][0]}-{c[2][0]}" for c in CASES]
)
def test_each_message_row_words_its_error(data, row, error):
    assert _errors(data) == [error]
    assert _rows_used(data) == {row}


def test_every_message_row_has_a_case():
    assert {row for _, row, _ in CASES} == set(errors.MESSAGES)


def test_every_field_says_what_it_expects():
    for model in [Request, *object_models()]:
        for name, annotation in field_types(model).items():
            tp, _ = unwrap(annotation)
            if typing.get_origin(tp) is tuple:
                expect_of(typing.get_args(tp)[0])  # an item of the list
            assert expect_of(annotation).text, (model, name)


def test_errors_come_unknown_keys_first_then_fields_then_checks():
    data = _with(
        procedure={"guidance": "xray", "type": "rfa", "zz": 1, "intent": "first"},
        levels=[{"level": "L4-L5", "side": "left"}, {"level": "l4-5", "side": "right"}],
        history=[{"date": "2026-01-01", "procedure": "mbb", "intent": "first"}],
        signed=1,
        levles=[],
    )
    data["procedure"]["intent"] = "repeat"
    data["history"][0]["side"] = "up"
    assert [p for p, _ in _errors(data)] == [
        "levles",
        "procedure.zz",
        "procedure.guidance",
        "history[0].side",
        "history[0].intent",
        "signed",
        "levels[1].level",
    ]


def test_a_check_runs_on_the_fields_that_passed():
    # The type is wrong, so the intent cannot be checked against it.
    data = _with(procedure={"type": "epidural", "intent": "first"})
    assert [p for p, _ in _errors(data)] == ["procedure.type"]
    # One bad row: the levels are not compared for repeats.
    rows = [{"level": "L4-L5", "side": "left"}, {"level": "L4-L5", "side": "up"}]
    assert [p for p, _ in _errors(_with(levels=rows))] == ["levels[1].side"]


def test_a_list_that_is_too_long_is_one_error_whatever_its_items():
    data = _with(levels=[{"level": "bad", "side": "up"}] * 11)
    assert _errors(data) == [("levels", "must have at most 10 items (got 11)")]


def test_format_version_one_point_zero_is_version_one():
    assert parse_request({**MINIMAL, "format_version": 1.0}) == parse_request(MINIMAL)


def test_text_with_a_lone_surrogate_is_kept():
    # JSON escapes can hold half an emoji; pydantic-core cannot read it, the format can.
    text = (
        '{"format_version": 1, "procedure": {"type": "mbb", "injectate": "a\\ud83d"}}'
    )
    assert loads_request(text).procedure.injectate == "a\ud83d"
    care = _with(conservative_care=[{"kind": "pt", "outcome": "failed \ud83d"}])
    row = parse_request(care).conservative_care[0]
    assert (row.outcome, row.note) == (F.CareOutcome.FAILED, "failed \ud83d")


def test_a_lone_surrogate_where_a_choice_or_code_goes_is_named_as_typed():
    data = _with(levels=[{"level": "L4\ud800", "side": "l\udc00"}])
    assert _errors(data) == [
        (
            "levels[0].level",
            "'L4\ud800' is not a spinal level. Use the form L4-L5, L5-S1, C5-C6 or"
            " caudal.",
        ),
        ("levels[0].side", "must be one of left, right, bilateral (got 'l\\udc00')"),
    ]


def test_a_key_with_a_lone_surrogate_is_an_unknown_key_and_the_object_is_read_on():
    data = _with(levels=[{"\ud800": 1}])
    assert [p for p, _ in _errors(data)] == [
        "levels[0].\ud800",
        "levels[0].level",
        "levels[0].side",
    ]


def test_the_error_lists_are_the_same_through_json_text():
    data = _with(levels=[{"level": "L4-L6", "side": "lft"}], signed="no")
    with pytest.raises(RequestFormatError) as exc:
        loads_request(json.dumps(data))
    assert exc.value.errors == _errors(data)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_examples())
def test_no_pydantic_error_goes_unworded(data):
    for row in _rows_used(data):
        assert row in errors.MESSAGES, row
