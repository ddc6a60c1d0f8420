"""The JSON request format (priorauth.rules.io): examples, schema, errors, fuzzing."""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
import re
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priorauth.rules import facts as F
from priorauth.rules import io
from priorauth.rules.io import (
    RequestFormatError,
    dump_request,
    load_request,
    loads_request,
    parse_request,
)
from priorauth.rules.request_format.base import field_types, is_model, unwrap
from priorauth.rules.request_format.request import Request
from priorauth.rules.request_format.schema import object_models

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
SCHEMA_PATH = ROOT / "docs" / "request.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())

MINIMAL = {"format_version": 1, "procedure": {"type": "mbb"}}


def _example(name: str) -> dict:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text())


def _errors(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(RequestFormatError) as exc:
        parse_request(data)
    return exc.value.errors


# --------------------------------------------------------------------- examples


def test_examples_exist():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_parses_and_round_trips(path: Path):
    facts = load_request(path)
    assert isinstance(facts, F.CaseFacts)
    dumped = dump_request(facts)
    assert parse_request(dumped) == facts
    # Through real JSON text too.
    assert loads_request(json.dumps(dumped)) == facts
    # Dumping is stable.
    assert dump_request(parse_request(dumped)) == dumped


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates_against_schema(path: Path):
    data = json.loads(path.read_text())
    assert _schema_errors(data, SCHEMA) == []


def test_examples_cover_every_procedure_and_intent():
    combos = set()
    payers = set()
    for path in EXAMPLES:
        facts = load_request(path)
        combos.add((facts.procedure.type.value, facts.procedure.intent))
        payers.add((facts.payer.profile_key, facts.payer.state))
    want = {
        ("esi_interlaminar", "therapeutic"),
        ("esi_transforaminal", "therapeutic"),
        ("esi_caudal", "therapeutic"),
        ("facet_ia", "diagnostic"),
        ("facet_ia", "therapeutic"),
        ("mbb", "diagnostic"),
        ("mbb", "therapeutic"),
        ("rfa", "first"),
        ("rfa", "repeat"),
    }
    assert want <= {(t, i.value if i else None) for t, i in combos}
    keys = {k for k, _ in payers}
    assert {
        "medicare",
        "aetna",
        "evicore",
        "carelon",
        "bcbs",
        "bcbs_ma",
        "commercial",
    } <= keys
    assert ("medicare", "AZ") in payers


def test_headline_example_has_two_prior_diagnostic_mbbs_at_the_level():
    facts = load_request(ROOT / "examples" / f"{BASE}.json")
    assert facts.procedure.type is F.ProcedureType.MBB
    assert facts.procedure.intent is F.Intent.DIAGNOSTIC
    level = facts.levels[0].level
    prior = [
        h
        for h in facts.history
        if h.procedure is F.ProcedureType.MBB
        and h.intent is F.Intent.DIAGNOSTIC
        and level in h.levels
    ]
    assert len(prior) == 2
    assert all(h.date < facts.procedure.date_of_service for h in prior)


def test_rfa_first_example_has_two_qualifying_mbbs():
    facts = load_request(ROOT / "examples" / "rfa-first-medicare-advantage.json")
    for lvl in facts.levels:
        good = [
            h
            for h in facts.history
            if h.procedure is F.ProcedureType.MBB
            and lvl.level in h.levels
            and (h.relief_percent or 0) >= 80
        ]
        assert len(good) >= 2


def test_example_dates_of_service_are_in_early_2027():
    for path in EXAMPLES:
        dos = load_request(path).procedure.date_of_service
        assert date(2027, 1, 1) <= dos <= date(2027, 3, 31), path.name


def test_example_diagnoses_are_billable_icd10():
    icd = pytest.importorskip("simple_icd_10_cm")
    for path in EXAMPLES:
        for code in load_request(path).diagnoses:
            assert icd.is_valid_item(code) and icd.is_leaf(code), (path.name, code)


# ------------------------------------------------------- schema <-> parser agreement


def test_schema_file_is_generated_from_the_parser_tables():
    assert SCHEMA == io.json_schema(), (
        "docs/request.schema.json is stale: regenerate it with "
        "json.dumps(priorauth.rules.io.json_schema(), indent=2)"
    )


def _resolve(schema: dict, node: dict) -> dict:
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        return schema["$defs"][name]
    for alt in node.get("anyOf", ()):
        if "$ref" in alt:
            return _resolve(schema, alt)
    return node


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return tp, False


def _enum_of(prop: dict) -> list:
    """A property's enum; for a choice that also reads legacy text (conservative-care
    outcome, format v1) the enum branch of its anyOf, plus null when nullable."""
    if "enum" in prop:
        return prop["enum"]
    branches = prop["anyOf"]
    values = next(b["enum"] for b in branches if "enum" in b)
    nullable = any(b.get("type") == "null" for b in branches)
    return [*values, *([None] if nullable else [])]


def _check_def_against_dataclass(schema: dict, node: dict, cls: type, where: str):
    """The schema object has exactly the dataclass fields, with matching enums."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    props = node["properties"]
    if cls is F.PayerInfo:
        names.discard("profile_key")  # lives at the top level as payer_profile
    if cls is F.CaseFacts:
        names |= {"format_version", "payer_profile"}
    assert set(props) == names, where
    assert node["additionalProperties"] is False, where
    required = {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    if cls is F.CaseFacts:
        required.add("format_version")
    assert set(node.get("required", ())) == required, where
    for name, prop in props.items():
        assert prop.get("description"), f"{where}.{name} has no description"
        if name not in hints:
            continue
        tp, optional = _unwrap_optional(hints[name])
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            want = [m.value for m in tp] + ([None] if optional else [])
            assert _enum_of(prop) == want, f"{where}.{name}"
        elif typing.get_origin(tp) is tuple:
            item_tp = typing.get_args(tp)[0]
            assert prop["type"] == "array", f"{where}.{name}"
            items = prop["items"]
            if dataclasses.is_dataclass(item_tp):
                _check_def_against_dataclass(
                    schema, _resolve(schema, items), item_tp, f"{where}.{name}[]"
                )
            elif isinstance(item_tp, type) and issubclass(item_tp, enum.Enum):
                assert items["enum"] == [m.value for m in item_tp]
            else:
                assert items["type"] == "string"
        elif dataclasses.is_dataclass(tp):
            _check_def_against_dataclass(
                schema, _resolve(schema, prop), tp, f"{where}.{name}"
            )
        else:
            json_type = {
                str: "string",
                bool: "boolean",
                int: "integer",
                float: "number",
                date: "string",
            }[tp]
            types_ = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            assert types_[0] == json_type, f"{where}.{name}"
            assert ("null" in types_) == optional, f"{where}.{name} nullability"
            if tp is date:
                assert prop["format"] == "date"


def test_schema_matches_the_facts_contract():
    """Independent of io's tables: the schema file versus facts.py's dataclasses."""
    _check_def_against_dataclass(SCHEMA, SCHEMA, F.CaseFacts, "request")


def _extra(extras: list, name: str) -> Any:
    """A constraint (max_length, ge, le) from a field type's Annotated extras."""
    found = [getattr(e, name) for e in extras if getattr(e, name, None) is not None]
    assert len(found) == 1, (name, extras)
    return found[0]


def _choice_in(tp: Any) -> type[enum.Enum] | None:
    """The enum of a choice; for a choice that also reads legacy text (conservative
    care outcome, format v1) the enum branch of the union."""
    for t in [tp, *(unwrap(a)[0] for a in typing.get_args(tp))]:
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return t
    return None


def _model_walk(model: type, schema_node: dict, where: str):
    """The format's pydantic models versus the schema file, field by field."""
    node = _resolve(SCHEMA, schema_node)
    fields = model.model_fields
    assert set(fields) == set(node["properties"]), where
    required = [name for name, f in fields.items() if f.is_required()]
    assert required == node.get("required", []), where
    for name, annotation in field_types(model).items():
        prop = node["properties"][name]
        path = f"{where}.{name}"
        tp, extras = unwrap(annotation)
        if is_model(tp):
            _model_walk(tp, prop, path)
            continue
        if typing.get_origin(tp) is tuple:
            assert prop["maxItems"] == _extra(extras, "max_length"), path
            tp, extras = unwrap(typing.get_args(tp)[0])
            if is_model(tp):
                _model_walk(tp, prop["items"], f"{path}[]")
                continue
            prop = prop["items"]
        choice = _choice_in(tp)
        if choice is not None:
            enum_values = _enum_of(prop)
            assert [v for v in enum_values if v is not None] == [
                m.value for m in choice
            ], path
        elif tp is str:
            assert prop["maxLength"] == _extra(extras, "max_length"), path
        elif tp in (int, float):
            bounds = (_extra(extras, "ge"), _extra(extras, "le"))
            assert (prop["minimum"], prop["maximum"]) == bounds, path


def test_schema_and_format_models_agree():
    _model_walk(Request, SCHEMA, "request")


def test_format_models_mirror_the_dataclasses():
    """Each model converts to its dataclass: the same fields, the same defaults."""
    for model in [Request, *object_models()]:
        cls = model.facts_class
        names = [f.name for f in dataclasses.fields(cls)]
        if cls is F.PayerInfo:
            names.remove("profile_key")  # the top-level payer_profile
        if cls is F.CaseFacts:
            names += ["format_version", "payer_profile"]
        assert set(model.model_fields) == set(names), model
        for f in dataclasses.fields(cls):
            if f.name not in model.model_fields:
                continue
            info = model.model_fields[f.name]
            if f.default is not dataclasses.MISSING:
                assert info.get_default() == f.default, (model, f.name)
            elif f.default_factory is not dataclasses.MISSING:
                made = info.get_default(call_default_factory=True)
                made = made.to_facts() if is_model(type(made)) else made
                assert made == f.default_factory(), (model, f.name)
            else:
                assert info.is_required(), (model, f.name)


def test_parser_rejects_every_key_the_schema_does_not_list():
    for name, node in [("request", SCHEMA), *SCHEMA["$defs"].items()]:
        assert node["additionalProperties"] is False, name


# ------------------------------------------------------------ a tiny validator


def _schema_errors(value: Any, node: dict, path: str = "", root: dict | None = None):
    """Enough of JSON Schema 2020-12 for this schema: $ref, type, enum, const,
    properties, required, additionalProperties, items, maxItems, maxLength,
    pattern, minimum/maximum, format date, anyOf, allOf, if/then."""
    root = root or node
    errs: list[str] = []
    if "$ref" in node:
        errs += _schema_errors(value, _resolve(root, node), path, root)
    if "anyOf" in node:
        if all(_schema_errors(value, alt, path, root) for alt in node["anyOf"]):
            errs.append(f"{path}: matches no anyOf branch")
    for sub in node.get("allOf", ()):
        errs += _schema_errors(value, sub, path, root)
    if "if" in node and not _schema_errors(value, node["if"], path, root):
        errs += _schema_errors(value, node.get("then", {}), path, root)
    if "const" in node and (value != node["const"] or isinstance(value, bool)):
        errs.append(f"{path}: const")
    if "enum" in node and value not in node["enum"]:
        errs.append(f"{path}: enum")
    if "type" in node:
        allowed = node["type"] if isinstance(node["type"], list) else [node["type"]]
        checks = {
            "null": lambda v: v is None,
            "boolean": lambda v: isinstance(v, bool),
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int)
            and not isinstance(v, bool)
            or isinstance(v, float)
            and v.is_integer(),
            "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "array": lambda v: isinstance(v, list),
            "object": lambda v: isinstance(v, dict),
        }
        if not any(checks[t](value) for t in allowed):
            return [*errs, f"{path}: type"]
    if isinstance(value, str):
        if len(value) > node.get("maxLength", len(value)):
            errs.append(f"{path}: maxLength")
        if "pattern" in node and not re.search(node["pattern"], value):
            errs.append(f"{path}: pattern")
        if node.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                errs.append(f"{path}: format")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in node and value < node["minimum"]:
            errs.append(f"{path}: minimum")
        if "maximum" in node and value > node["maximum"]:
            errs.append(f"{path}: maximum")
    if isinstance(value, list):
        if len(value) > node.get("maxItems", len(value)):
            errs.append(f"{path}: maxItems")
        for i, item in enumerate(value):
            errs += _schema_errors(item, node.get("items", {}), f"{path}[{i}]", root)
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key in node.get("required", ()):
            if key not in value:
                errs.append(f"{path}.{key}: required")
        for key, item in value.items():
            if key in props:
                errs += _schema_errors(item, props[key], f"{path}.{key}", root)
            elif node.get("additionalProperties") is False:
                errs.append(f"{path}.{key}: additional")
    return errs


def test_tiny_validator_rejects_what_it_should():
    bad = _example("mbb-diagnostic-first-carelon")
    bad["levels"][0]["side"] = "up"
    bad["procedure"]["intent"] = "first"
    bad["levles"] = []
    errs = _schema_errors(bad, SCHEMA)
    assert any(".levels[0].side" in e for e in errs)
    assert any(".levles" in e for e in errs)
    assert any(".procedure" in e and "enum" in e for e in errs)


# ------------------------------------------------------------ bad inputs (table)


def _set(data: dict, dotted: str, value: Any) -> dict:
    """Copy of data with the value at a dotted/indexed path replaced (or deleted)."""
    data = copy.deepcopy(data)
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", dotted)
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    if value is _DELETE:
        del node[key]
    else:
        node[key] = value
    return data


_DELETE = object()
BASE = "mbb-diagnostic-third-same-level-medicare"

BAD_CASES = [
    # (path to change, new value, expected error path, words in the message)
    ("format_version", 2, "format_version", "must be 1"),
    ("format_version", _DELETE, "format_version", "is required"),
    ("format_version", True, "format_version", "must be 1"),
    ("procedure", _DELETE, "procedure", "is required"),
    ("procedure", [], "procedure", "must be an object"),
    ("procedure.type", "epidural", "procedure.type", "must be one of esi_interlaminar"),
    ("procedure.type", _DELETE, "procedure.type", "is required"),
    ("procedure.intent", "first", "procedure.intent", "diagnostic or therapeutic"),
    ("procedure.intent", "maybe", "procedure.intent", "must be one of diagnostic"),
    (
        "procedure.date_of_service",
        "01/19/2027",
        "procedure.date_of_service",
        "YYYY-MM-DD",
    ),
    (
        "procedure.date_of_service",
        "2027-02-30",
        "procedure.date_of_service",
        "YYYY-MM-DD",
    ),
    (
        "procedure.date_of_service",
        "1850-01-01",
        "procedure.date_of_service",
        "from 1900",
    ),
    ("procedure.date_of_service", 20270119, "procedure.date_of_service", "YYYY-MM-DD"),
    ("procedure.guidance", "xray", "procedure.guidance", "must be one of fluoroscopy"),
    ("procedure.sedation", None, "procedure.sedation", "not null"),
    ("procedure.contrast", "yes", "procedure.contrast", "true or false"),
    ("procedure.kx_modifier", 1, "procedure.kx_modifier", "true or false"),
    (
        "procedure.rfa_technique",
        "microwave",
        "procedure.rfa_technique",
        "must be one of",
    ),
    (
        "procedure.other_blocks_same_day",
        ["esi"],
        "procedure.other_blocks_same_day[0]",
        "one of",
    ),
    (
        "procedure.injectate",
        "x" * 5001,
        "procedure.injectate",
        "at most 5000 characters",
    ),
    (
        "procedure.dat_of_service",
        "2027-01-19",
        "procedure.dat_of_service",
        'did you mean "date_of_service"',
    ),
    ("levels", "L4-L5", "levels", "must be a list"),
    ("levels", [{"level": "L4-L5", "side": "left"}] * 11, "levels", "at most 10 items"),
    (
        "levels[0].side",
        "lft",
        "levels[0].side",
        "must be one of left, right, bilateral",
    ),
    ("levels[0].side", _DELETE, "levels[0].side", "is required"),
    ("levels[0].level", "L4-L6", "levels[0].level", "spinal level"),
    ("levels[0].level", "L9-L10", "levels[0].level", "spinal level"),
    ("levels[0].level", 45, "levels[0].level", "spinal level"),
    (
        "levels[0].prior_count",
        -1,
        "levels[0].prior_count",
        "whole number from 0 to 100",
    ),
    ("levels[0].prior_count", 2.5, "levels[0].prior_count", "whole number"),
    ("levels[0].prior_count", "2", "levels[0].prior_count", "whole number"),
    ("levels[0].prior_count", 10**400, "levels[0].prior_count", "from 0 to 100"),
    ("levels[0].siide", "left", "levels[0].siide", 'did you mean "side"'),
    (
        "block_responses[1].pre_score",
        11,
        "block_responses[1].pre_score",
        "number from 0 to 10",
    ),
    (
        "block_responses[1].post_score",
        float("nan"),
        "block_responses[1].post_score",
        "0 to 10",
    ),
    (
        "block_responses[1].percent_relief",
        140,
        "block_responses[1].percent_relief",
        "from 0 to 100",
    ),
    (
        "block_responses[0].levels",
        ["L4-L5", "X"],
        "block_responses[0].levels[1]",
        "spinal level",
    ),
    (
        "block_responses[0].duration_hours",
        True,
        "block_responses[0].duration_hours",
        "number",
    ),
    (
        "clinical.baseline_pain_score",
        10.5,
        "clinical.baseline_pain_score",
        "number from 0 to 10",
    ),
    ("clinical.function_score", -3, "clinical.function_score", "number from 0 to 100"),
    ("clinical.pain_pattern", "Axial", "clinical.pain_pattern", 'did you mean "axial"'),
    ("clinical.radiculopathy", "no", "clinical.radiculopathy", "true or false"),
    ("clinical.onset_date", "2025-13-01", "clinical.onset_date", "YYYY-MM-DD"),
    (
        "clinical.rfa_contraindication",
        "y" * 6000,
        "clinical.rfa_contraindication",
        "5000",
    ),
    ("patient.name", "n" * 201, "patient.name", "at most 200 characters"),
    ("patient.name", None, "patient.name", "not null"),
    ("patient.dob", "12-02-1951", "patient.dob", "YYYY-MM-DD"),
    ("patient.ssn", "000-00-0000", "patient.ssn", 'unknown key "ssn"'),
    ("ordering.npi", "12345", "ordering.npi", "10 digits"),
    ("rendering.npi", 1999990017, "rendering.npi", "10 digits"),
    (
        "facility.place_of_service",
        "ASC",
        "facility.place_of_service",
        "place-of-service",
    ),
    ("payer.state", "Arizona", "payer.state", "two-letter state"),
    ("payer.state", "az", "payer.state", "two-letter state"),
    ("payer.profile_key", "medicare", "payer.profile_key", "payer_profile"),
    ("payer_profile", "Medicare!", "payer_profile", "lowercase profile key"),
    ("diagnoses", ["M47.816", "m47816"], "diagnoses[1]", "ICD-10-CM"),
    ("diagnoses", "M47.816", "diagnoses", "must be a list"),
    (
        "conservative_care[0].kind",
        "Physical Therapy",
        "conservative_care[0].kind",
        "lowercase code",
    ),
    ("conservative_care[0].kind", _DELETE, "conservative_care[0].kind", "is required"),
    (
        "conservative_care[0].duration_weeks",
        5000,
        "conservative_care[0].duration_weeks",
        "0 to 1040",
    ),
    ("imaging[0].modality", "MRI", "imaging[0].modality", "lowercase code such as mri"),
    ("imaging[0].concordant", None, "imaging[0].concordant", "not null"),
    ("history[1].date", _DELETE, "history[1].date", "is required"),
    ("history[1].date", None, "history[1].date", "not null"),
    ("history[1].procedure", "MBB", "history[1].procedure", 'did you mean "mbb"'),
    ("history[1].intent", "repeat", "history[1].intent", "diagnostic or therapeutic"),
    ("history[1].side", "both", "history[1].side", "left, right, bilateral"),
    ("history[1].relief_percent", 101, "history[1].relief_percent", "from 0 to 100"),
    (
        "history[1].relief_duration_days",
        4000,
        "history[1].relief_duration_days",
        "0 to 3650",
    ),
    (
        "history[1].function_improved",
        "true",
        "history[1].function_improved",
        "true or false",
    ),
    (
        "history",
        [{"date": "2026-01-01", "procedure": "mbb"}] * 501,
        "history",
        "at most 500",
    ),
    ("levles", [], "levles", 'unknown key "levles" (did you mean "levels"?)'),
    ("signed", "yes", "signed", "true or false"),
]


@pytest.mark.parametrize(
    ("where", "value", "path", "words"),
    BAD_CASES,
    ids=[f"{c[0]}={str(c[1])[:20]}" for c in BAD_CASES],
)
def test_bad_input_names_the_field(where, value, path, words):
    errors = _errors(_set(_example(BASE), where, value))
    assert path in [p for p, _ in errors], errors
    message = dict(errors)[path]
    assert words in message, (path, message)
    assert len(errors) == 1, errors  # a single problem gives a single error


def test_all_problems_are_reported_at_once():
    data = _example(BASE)
    data["levles"] = []
    data["levels"][0]["side"] = "lft"
    data["procedure"]["date_of_service"] = "2027-1-19"
    data["history"][0]["relief_percent"] = 180
    data["patient"]["dob"] = "yesterday"
    data["clinical"]["baseline_pain_score"] = 12
    errors = _errors(data)
    assert {p for p, _ in errors} == {
        "levles",
        "levels[0].side",
        "procedure.date_of_service",
        "history[0].relief_percent",
        "patient.dob",
        "clinical.baseline_pain_score",
    }


def test_duplicate_level_rows_are_rejected():
    data = _example(BASE)
    data["levels"] = [
        {"level": "L4-L5", "side": "left"},
        {"level": "l4-5", "side": "right"},
    ]
    assert _errors(data) == [
        (
            "levels[1].level",
            "L4-L5 is already requested in levels[0]; use one row with side bilateral",
        )
    ]


def test_typed_level_variants_are_canonicalised():
    pytest.importorskip("priorauth.rules.levels")
    data = _set(_example(BASE), "levels[0].level", "l4-5")
    assert parse_request(data).levels[0].level == "L4-L5"


def test_error_api():
    msg = "must be one of left, right, bilateral"
    err = RequestFormatError([("levels[2].side", msg)])
    assert isinstance(err, ValueError)
    assert err.paths == ["levels[2].side"]
    assert "levels[2].side: must be one of left, right, bilateral" in str(err)
    assert "1 problem in the request" in str(err)


@pytest.mark.parametrize("data", [None, "request", 1, True])
def test_top_level_must_be_an_object(data):
    assert _errors(data) == [
        ("", f"must be an object holding one request (got {io._typename(data)})")
    ]


@pytest.mark.parametrize("data", [[], [MINIMAL], [MINIMAL, MINIMAL]])
def test_a_list_of_requests_is_one_top_level_error(data):
    assert _errors(data) == [
        (
            "",
            "must be an object holding one request, not a list; send each request"
            " as its own file or paste",
        )
    ]


def test_minimal_request_and_defaults():
    facts = parse_request(MINIMAL)
    assert facts == F.CaseFacts(procedure=F.ProcedurePlan(type=F.ProcedureType.MBB))
    assert dump_request(facts) == MINIMAL


def test_payer_profile_maps_to_payer_info():
    data = {**MINIMAL, "payer_profile": "aetna", "payer": {"state": "AZ"}}
    facts = parse_request(data)
    assert facts.payer == F.PayerInfo(profile_key="aetna", state="AZ")
    assert dump_request(facts)["payer_profile"] == "aetna"
    assert dump_request(facts)["payer"] == {"state": "AZ"}


def test_nulls_are_accepted_for_optional_fields():
    data = {
        **MINIMAL,
        "procedure": {
            "type": "rfa",
            "intent": None,
            "guidance": None,
            "kx_modifier": None,
        },
        "clinical": {"onset_date": None, "baseline_pain_score": None},
    }
    facts = parse_request(data)
    assert facts.procedure.intent is None and facts.clinical.onset_date is None


def test_integers_are_accepted_for_number_fields():
    data = {**MINIMAL, "clinical": {"baseline_pain_score": 7}}
    assert parse_request(data).clinical.baseline_pain_score == 7.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b"{", "not valid JSON"),
        (
            b'{"format_version": 1, "format_version": 1, "procedure": {"type": "mbb"}}',
            "duplicate key",
        ),
        (b'{"format_version": 1, "procedure": {"type": "mbb"}, "x": NaN}', "NaN"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[1, 2]", "must be an object"),
        (b"[" * 100000 + b"]" * 100000, ""),
    ],
)
def test_loads_request_errors(text, words):
    with pytest.raises(RequestFormatError) as exc:
        loads_request(text)
    assert exc.value.errors[0][0] == ""
    assert words in exc.value.errors[0][1]


def test_load_request_reads_a_file(tmp_path):
    p = tmp_path / "r.json"
    p.write_text(json.dumps(MINIMAL))
    assert load_request(p) == parse_request(MINIMAL)
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(MINIMAL).encode())  # BOM is tolerated
    assert load_request(str(p)) == parse_request(MINIMAL)


# ------------------------------------------------------------------- hypothesis

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        ["L4-L5", "mbb", "left", "2027-01-19", "M47.816", "", "1999990017"]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
TOP_KEYS = sorted(SCHEMA["properties"])


def _assert_parses_or_format_error(data: Any) -> F.CaseFacts | None:
    try:
        facts = parse_request(data)
    except RequestFormatError as exc:
        assert exc.errors, "an error with no problems listed"
        for path, message in exc.errors:
            assert isinstance(path, str) and isinstance(message, str) and message
        str(exc)
        return None
    assert isinstance(facts, F.CaseFacts)
    assert parse_request(dump_request(facts)) == facts
    return facts


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=20), json_values, max_size=6))
def test_fuzz_arbitrary_dicts(data):
    _assert_parses_or_format_error(data)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"format_version": st.sampled_from([1, 1, 2, "1", None])},
        optional={k: json_values for k in TOP_KEYS if k != "format_version"},
    )
)
def test_fuzz_dicts_with_real_keys(data):
    _assert_parses_or_format_error(data)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


EXAMPLE_DATA = [json.loads(p.read_text()) for p in EXAMPLES]

mutation_values = (
    json_values
    | st.just("x" * 100_000)
    | st.just(10**400)
    | st.just(-(10**400))
    | st.just([{}] * 1000)
    | st.just(float("inf"))
)


@st.composite
def mutated_examples(draw):
    data = copy.deepcopy(draw(st.sampled_from(EXAMPLE_DATA)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["delete", "replace", "replace", "add_key"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(mutation_values))
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=15))] = draw(json_values)
    return data


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_examples())
def test_fuzz_mutated_examples(data):
    facts = _assert_parses_or_format_error(data)
    if facts is not None:
        # Whatever the parser accepts, the published schema accepts too
        # (typed level variants like "l4-5" are the one leniency).
        errs = _schema_errors(data, SCHEMA)
        assert all("level" in e for e in errs), errs


# Strategies for valid CaseFacts (kept here; tests/strategies.py belongs to others).
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
_levels = st.sampled_from(io.CANONICAL_LEVELS)
_score = st.none() | st.floats(0, 10, allow_nan=False)
_pct = st.none() | st.floats(0, 100, allow_nan=False)


def _opt(strategy):
    return st.none() | strategy


@st.composite
def _plan(draw):
    ptype = draw(st.sampled_from(F.ProcedureType))
    return F.ProcedurePlan(
        type=ptype,
        intent=draw(_opt(st.sampled_from(io.INTENTS_BY_TYPE[ptype]))),
        date_of_service=draw(_opt(_dates)),
        guidance=draw(_opt(st.sampled_from(F.Guidance))),
        contrast=draw(st.booleans()),
        contrast_contraindication=draw(_text),
        sedation=draw(st.sampled_from(F.Sedation)),
        sedation_justification=draw(_text),
        rfa_technique=draw(_opt(st.sampled_from(F.RfaTechnique))),
        injectate=draw(_text),
        other_blocks_same_day=tuple(
            draw(st.lists(st.sampled_from(F.ProcedureType), max_size=3))
        ),
        kx_modifier=draw(_opt(st.booleans())),
    )


@st.composite
def _prior(draw):
    ptype = draw(st.sampled_from(F.ProcedureType))
    return F.PriorProcedure(
        date=draw(_dates),
        procedure=ptype,
        intent=draw(_opt(st.sampled_from(io.INTENTS_BY_TYPE[ptype]))),
        levels=tuple(draw(st.lists(_levels, max_size=3))),
        side=draw(_opt(st.sampled_from(F.Side))),
        relief_percent=draw(_pct),
        relief_duration_hours=draw(_opt(st.floats(0, 8760))),
        relief_duration_days=draw(_opt(st.floats(0, 3650))),
        adl_improvement_percent=draw(_pct),
        function_improved=draw(_opt(st.booleans())),
        medication_reduced=draw(_opt(st.booleans())),
        scale=draw(_text),
        agent=draw(_text),
        kx_billed=draw(_opt(st.booleans())),
    )


_code = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_npi = st.just("") | st.from_regex(r"[0-9]{10}", fullmatch=True)

case_facts = st.builds(
    F.CaseFacts,
    procedure=_plan(),
    levels=st.lists(
        st.builds(
            F.LevelRequest,
            level=_levels,
            side=st.sampled_from(F.Side),
            prior_count=_opt(st.integers(0, 100)),
        ),
        max_size=4,
        unique_by=lambda r: r.level,
    ).map(tuple),
    patient=st.builds(
        F.Patient, name=_text, dob=_opt(_dates), sex=_text, member_id=_text
    ),
    payer=st.builds(
        F.PayerInfo,
        profile_key=st.just("") | st.sampled_from([k.value for k in F.PayerKind]),
        plan_name=_text,
        state=st.just("") | st.from_regex(r"[A-Z]{2}", fullmatch=True),
    ),
    ordering=st.builds(F.Provider, name=_text, credentials=_text, npi=_npi),
    rendering=st.builds(F.Provider, name=_text, credentials=_text, npi=_npi),
    facility=st.builds(
        F.Facility,
        name=_text,
        npi=_npi,
        place_of_service=st.sampled_from(["", "11", "22", "24"]),
    ),
    block_responses=st.lists(
        st.builds(
            F.BlockResponse,
            date=_opt(_dates),
            agent=_text,
            scale=_text,
            pre_score=_score,
            post_score=_score,
            percent_relief=_pct,
            duration_hours=_opt(st.floats(0, 8760)),
            levels=st.lists(_levels, max_size=3).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    clinical=st.builds(
        F.Clinical,
        onset_date=_opt(_dates),
        pain_pattern=_opt(st.sampled_from(F.PainPattern)),
        radiculopathy=st.booleans(),
        baseline_pain_scale=_text,
        baseline_pain_score=_score,
        function_score=_opt(st.floats(0, 100)),
        rfa_contraindication=_text,
    ),
    conservative_care=st.lists(
        st.builds(
            F.ConservativeCare,
            kind=_code,
            start=_opt(_dates),
            end=_opt(_dates),
            duration_weeks=_opt(st.floats(0, 1040)),
            outcome=_text,
        ),
        max_size=2,
    ).map(tuple),
    imaging=st.lists(
        st.builds(
            F.Imaging,
            modality=_code,
            date=_opt(_dates),
            levels=st.lists(_levels, max_size=2).map(tuple),
            findings=_text,
            concordant=st.booleans(),
            shows_hnp=st.booleans(),
        ),
        max_size=2,
    ).map(tuple),
    diagnoses=st.lists(
        st.from_regex(r"[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", fullmatch=True),
        max_size=3,
    ).map(tuple),
    history=st.lists(_prior(), max_size=3).map(tuple),
    signed=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(case_facts)
def test_round_trip_of_generated_facts(facts):
    dumped = dump_request(facts)
    assert parse_request(dumped) == facts
    text = json.dumps(dumped)
    assert loads_request(text) == facts
    assert _schema_errors(json.loads(text), SCHEMA) == []


def test_the_example_in_the_format_doc_parses():
    text = (ROOT / "docs" / "request-format.md").read_text()
    block = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    facts = loads_request(block)
    assert facts.procedure.type is F.ProcedureType.MBB
    assert len(facts.history) == 2


def test_payer_county_parses_round_trips_and_is_bounded():
    data = _example(BASE)
    data["payer"] = {**data.get("payer", {}), "state": "VA", "county": "Fairfax County"}
    facts = parse_request(data)
    assert (facts.payer.state, facts.payer.county) == ("VA", "Fairfax County")
    assert dump_request(facts)["payer"]["county"] == "Fairfax County"
    assert parse_request(dump_request(facts)) == facts
    data["payer"]["county"] = "x" * 81
    assert [p for p, _ in _errors(data)] == ["payer.county"]
    data["payer"]["county"] = 7
    assert [p for p, _ in _errors(data)] == ["payer.county"]
