"""The JSON request format: parse it into ``CaseFacts`` and dump it back.

Stdlib only, no Django (this package is pure Python). The format is documented in
``docs/request-format.md`` and ``docs/request.schema.json``; the schema is generated
from the field tables below by :func:`json_schema` (a test keeps the file in step).

Public API:

- ``parse_request(data: dict) -> CaseFacts``
- ``loads_request(text: str | bytes) -> CaseFacts``
- ``load_request(path) -> CaseFacts``
- ``dump_request(facts: CaseFacts) -> dict`` (``parse_request(dump_request(x)) == x``)
- ``RequestFormatError(ValueError)`` with ``.errors: list[tuple[str, str]]`` of
  ``(field_path, message)``; every problem in the request is reported at once.
  Paths are dotted and indexed (``levels[2].side``); ``""`` is the whole request.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import json
import math
import os
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from .facts import (
    BlockResponse,
    CareOutcome,
    CaseFacts,
    Clinical,
    ConservativeCare,
    Facility,
    Guidance,
    Imaging,
    Intent,
    LevelRequest,
    PainPattern,
    Patient,
    PayerInfo,
    PayerKind,
    PriorProcedure,
    ProcedurePlan,
    ProcedureType,
    Provider,
    Rationale,
    RfaTechnique,
    Sedation,
    Side,
)

try:  # Level names are validated and canonicalised by rules.levels when present.
    from . import levels as _levels_mod
except ImportError:  # pragma: no cover - depends on the other module existing
    _levels_mod = None

__all__ = [
    "FORMAT_VERSION",
    "RequestFormatError",
    "dump_request",
    "json_schema",
    "load_request",
    "loads_request",
    "parse_request",
]

FORMAT_VERSION = 1

# Limits (also published in the schema).
NAME_MAX = 200  # names, short labels
TEXT_MAX = 5000  # free text
CODE_MAX = 64  # identifiers (member ID), lowercase codes
MAX_LEVELS = 10
MAX_HISTORY = 500
MAX_LIST = 50  # block responses, conservative care, imaging
MAX_DIAGNOSES = 25
MAX_LEVEL_REFS = 10  # levels named inside a block response, imaging study, history row
MAX_FILE_BYTES = 10 * 1024 * 1024

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

# Which intents each procedure type accepts (None = not stated is always accepted).
INTENTS_BY_TYPE: dict[ProcedureType, tuple[Intent, ...]] = {
    ProcedureType.ESI_INTERLAMINAR: (Intent.THERAPEUTIC,),
    ProcedureType.ESI_TRANSFORAMINAL: (Intent.THERAPEUTIC,),
    ProcedureType.ESI_CAUDAL: (Intent.THERAPEUTIC,),
    ProcedureType.FACET_IA: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
    ProcedureType.MBB: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
    ProcedureType.RFA: (Intent.FIRST, Intent.REPEAT),
    ProcedureType.SI_JOINT: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
    ProcedureType.TRIGGER_POINT: (Intent.DIAGNOSTIC, Intent.THERAPEUTIC),
}

_SEGMENTS = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    "S1",
)
# Every canonical level: adjacent real segments, plus "caudal".
CANONICAL_LEVELS: tuple[str, ...] = (
    *(f"{a}-{b}" for a, b in zip(_SEGMENTS, _SEGMENTS[1:], strict=False)),
    "caudal",
)
_LEVEL_RE = re.compile("|".join(CANONICAL_LEVELS))
_LEVEL_PATTERN = "^(?:" + _LEVEL_RE.pattern + ")$"


class RequestFormatError(ValueError):
    """The request does not follow the format; ``errors`` lists every problem."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__(self.errors)

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.errors]

    def __str__(self) -> str:
        n = len(self.errors)
        head = f"{n} problem{'s' if n != 1 else ''} in the request:"
        lines = [f"  {p or '(request)'}: {m}" for p, m in self.errors]
        return "\n".join([head, *lines])


_BAD = object()  # a value that failed validation (its error is already recorded)
_MISSING = object()

Errors = list[tuple[str, str]]


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _typename(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list | tuple):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


# --------------------------------------------------------------------------- fields


class _Field:
    """One JSON value: how to parse it, dump it and describe it in the schema."""

    expect = "a value"

    def __init__(self, description: str, *, nullable: bool = False):
        self.description = description
        self.nullable = nullable

    def parse(self, value: Any, path: str, errs: Errors) -> Any:
        if value is None:
            if self.nullable:
                return None
            errs.append((path, f"must be {self.expect}, not null"))
            return _BAD
        return self._parse(value, path, errs)

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        raise NotImplementedError

    def dump(self, value: Any) -> Any:
        return None if value is None else self._dump(value)

    def _dump(self, value: Any) -> Any:
        return value

    def schema(self) -> dict:
        s = self._schema()
        if self.nullable:
            s = _nullable_schema(s)
        return {"description": self.description, **s}

    def _schema(self) -> dict:
        raise NotImplementedError


def _nullable_schema(s: dict) -> dict:
    s = dict(s)
    if "$ref" in s:
        return {"anyOf": [{"$ref": s.pop("$ref")}, {"type": "null"}], **s}
    if "anyOf" in s:
        return {**s, "anyOf": [*s["anyOf"], {"type": "null"}]}
    s["type"] = [s["type"], "null"]
    if "enum" in s:
        s["enum"] = [*s["enum"], None]
    return s


class _Str(_Field):
    def __init__(
        self,
        description: str,
        max_len: int = NAME_MAX,
        *,
        pattern: str | None = None,
        expect: str | None = None,
        nullable: bool = False,
    ):
        super().__init__(description, nullable=nullable)
        self.max_len = max_len
        self.pattern = re.compile(pattern) if pattern else None
        self.expect = expect or f"a string of at most {max_len} characters"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if not isinstance(value, str):
            errs.append((path, f"must be {self.expect} (got {_typename(value)})"))
            return _BAD
        if len(value) > self.max_len:
            if self.pattern:
                msg = f"must be {self.expect} or empty (got {len(value)} characters)"
            else:
                msg = f"must be at most {self.max_len} characters (got {len(value)})"
            errs.append((path, msg))
            return _BAD
        if self.pattern and value and not self.pattern.fullmatch(value):
            errs.append((path, f"must be {self.expect} or empty (got {value[:40]!r})"))
            return _BAD
        return value

    def _schema(self) -> dict:
        s: dict[str, Any] = {"type": "string", "maxLength": self.max_len}
        if self.pattern:
            s["pattern"] = f"^(?:{self.pattern.pattern})?$"
        return s


class _Date(_Field):
    expect = "a date YYYY-MM-DD"
    _re = re.compile(r"\d{4}-\d{2}-\d{2}")

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if not isinstance(value, str) or not self._re.fullmatch(value):
            shown = repr(value[:40]) if isinstance(value, str) else _typename(value)
            errs.append((path, f"must be a date YYYY-MM-DD (got {shown})"))
            return _BAD
        try:
            d = date.fromisoformat(value)
        except ValueError:
            errs.append((path, f"must be a date YYYY-MM-DD (no such date: {value})"))
            return _BAD
        if not DATE_MIN <= d <= DATE_MAX:
            errs.append(
                (path, f"must be a date YYYY-MM-DD from {DATE_MIN} to {DATE_MAX}")
            )
            return _BAD
        return d

    def _dump(self, value: date) -> str:
        return value.isoformat()

    def _schema(self) -> dict:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


class _Num(_Field):
    def __init__(
        self,
        description: str,
        lo: float,
        hi: float,
        *,
        integer: bool = False,
        nullable: bool = True,
    ):
        super().__init__(description, nullable=nullable)
        self.lo, self.hi, self.integer = lo, hi, integer
        kind = "a whole number" if integer else "a number"
        self.expect = f"{kind} from {_fmt_num(lo)} to {_fmt_num(hi)}"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        ok_type = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            errs.append((path, f"must be {self.expect} (got {_typename(value)})"))
            return _BAD
        if isinstance(value, float) and not math.isfinite(value):
            errs.append((path, f"must be {self.expect} (got {value})"))
            return _BAD
        if not self.lo <= value <= self.hi:  # int comparison: no overflow on huge ints
            shown = value if abs(value) < 1e15 else "a huge number"
            errs.append((path, f"must be {self.expect} (got {shown})"))
            return _BAD
        return int(value) if self.integer else float(value)

    def _dump(self, value: float) -> Any:
        if not self.integer and float(value).is_integer():
            return int(value)
        return value

    def _schema(self) -> dict:
        return {
            "type": "integer" if self.integer else "number",
            "minimum": self.lo,
            "maximum": self.hi,
        }


class _Bool(_Field):
    expect = "true or false"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if not isinstance(value, bool):
            errs.append((path, f"must be true or false (got {_typename(value)})"))
            return _BAD
        return value

    def _schema(self) -> dict:
        return {"type": "boolean"}


class _Enum(_Field):
    def __init__(self, description: str, cls: type[enum.Enum], *, nullable=False):
        super().__init__(description, nullable=nullable)
        self.cls = cls
        self.values = [m.value for m in cls]
        self.expect = "one of " + ", ".join(self.values)

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if not isinstance(value, str) or value not in self.values:
            shown = repr(value[:40]) if isinstance(value, str) else _typename(value)
            hint = ""
            if isinstance(value, str) and len(value) <= 40:
                close = difflib.get_close_matches(value.lower(), self.values, n=1)
                if close:
                    hint = f'; did you mean "{close[0]}"?'
            errs.append((path, f"must be {self.expect} (got {shown}){hint}"))
            return _BAD
        return self.cls(value)

    def _dump(self, value: enum.Enum) -> str:
        return value.value

    def _schema(self) -> dict:
        return {"type": "string", "enum": list(self.values)}


class _CareOutcomeField(_Enum):
    """A conservative-care outcome: one of the choices, or (format v1) free text.

    Free text is read with the pre-December-2026 keyword logic
    (``rules.care.outcome_from_text``, applied by ``ConservativeCare``): the text is
    kept as the note and a row that cannot be read for sure is marked for review.
    """

    def __init__(self, description: str, max_len: int):
        super().__init__(description, CareOutcome, nullable=True)
        self.max_len = max_len
        self.expect = "one of " + ", ".join(self.values) + " (or text, format v1)"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if isinstance(value, str) and value in self.values:
            return self.cls(value)
        if not isinstance(value, str) or len(value) > self.max_len:
            shown = "a longer text" if isinstance(value, str) else _typename(value)
            errs.append((path, f"must be {self.expect} (got {shown})"))
            return _BAD
        return value  # legacy text: ConservativeCare reads it

    def _schema(self) -> dict:
        return {
            "anyOf": [
                {"type": "string", "enum": list(self.values)},
                {"type": "string", "maxLength": self.max_len},
            ]
        }


class _Const(_Field):
    def __init__(self, description: str, value: int):
        super().__init__(description)
        self.value = value
        self.expect = f"{value}"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if isinstance(value, bool) or value != self.value:
            shown = repr(value)[:40] if isinstance(value, int | float | str) else None
            errs.append(
                (path, f"must be {self.value} (got {shown or _typename(value)})")
            )
            return _BAD
        return value

    def _schema(self) -> dict:
        return {"const": self.value}


class _Level(_Field):
    """A spinal level; canonicalised by ``rules.levels.normalize_level`` if present."""

    expect = "a spinal level like L4-L5, L5-S1, C5-C6, T12-L1 or caudal"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if not isinstance(value, str) or len(value) > 20:
            shown = repr(value[:40]) if isinstance(value, str) else _typename(value)
            errs.append((path, f"must be {self.expect} (got {shown})"))
            return _BAD
        normalize = getattr(_levels_mod, "parse_level", None)
        if normalize is not None:  # accepts typed variants such as "l4-5"
            try:
                canonical = normalize(value)
            except ValueError as exc:  # levels.LevelError is a ValueError
                # The same words as the form and rules.validation give.
                errs.append((path, str(exc)))
                return _BAD
            if isinstance(canonical, str):
                value = canonical
        # Without rules.levels only the canonical spelling is accepted.
        if not _LEVEL_RE.fullmatch(value):
            errs.append((path, f"must be {self.expect} (got {value[:40]!r})"))
            return _BAD
        return value

    def _schema(self) -> dict:
        return {"type": "string", "maxLength": 20, "pattern": _LEVEL_PATTERN}


class _List(_Field):
    def __init__(self, description: str, item: _Field, max_items: int):
        super().__init__(description)
        self.item, self.max_items = item, max_items
        self.expect = f"a list of at most {max_items} items"

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        if not isinstance(value, list | tuple):
            errs.append((path, f"must be a list (got {_typename(value)})"))
            return _BAD
        if len(value) > self.max_items:
            errs.append(
                (path, f"must have at most {self.max_items} items (got {len(value)})")
            )
            return _BAD
        out = [self.item.parse(v, f"{path}[{i}]", errs) for i, v in enumerate(value)]
        return _BAD if any(v is _BAD for v in out) else tuple(out)

    def _dump(self, value: tuple) -> list:
        return [self.item.dump(v) for v in value]

    def _schema(self) -> dict:
        item = self.item.schema()
        item.pop("description", None)
        return {"type": "array", "maxItems": self.max_items, "items": item}


class _Obj(_Field):
    """A JSON object mapped onto a frozen dataclass (keys = attribute names)."""

    expect = "an object"

    def __init__(
        self,
        name: str,
        cls: type,
        description: str,
        fields: dict[str, _Field],
        *,
        required: tuple[str, ...] = (),
        check: Callable[[dict, str, Errors], None] | None = None,
        extra_schema: dict | None = None,
        hints: dict[str, str] | None = None,
        def_description: str | None = None,
    ):
        super().__init__(description)
        self.name, self.cls, self.fields = name, cls, fields
        self.hints = hints or {}
        self.def_description = def_description or description
        self.required = required
        self.check = check
        self.extra_schema = extra_schema or {}

    def parse_fields(self, value: Any, path: str, errs: Errors) -> dict | None:
        if not isinstance(value, dict):
            errs.append((path, f"must be an object (got {_typename(value)})"))
            return None
        n_before = len(errs)
        allowed = list(self.fields)
        for key in value:
            if key not in self.fields:
                skey = (key if isinstance(key, str) else repr(key))[:60]
                msg = f'unknown key "{skey}"'
                close = difflib.get_close_matches(skey, allowed, n=1, cutoff=0.6)
                if skey in self.hints:
                    msg += f" ({self.hints[skey]})"
                elif close:
                    msg += f' (did you mean "{close[0]}"?)'
                else:
                    msg += "; allowed keys: " + ", ".join(allowed)
                errs.append((_key_path(path, skey), msg))
        out: dict[str, Any] = {}
        for key, fld in self.fields.items():
            p = _key_path(path, key)
            if key not in value:
                if key in self.required:
                    errs.append((p, f"is required (must be {fld.expect})"))
                continue
            out[key] = fld.parse(value[key], p, errs)
        if self.check is not None:  # sees only the fields that parsed
            self.check({k: v for k, v in out.items() if v is not _BAD}, path, errs)
        return out if len(errs) == n_before else None

    def _parse(self, value: Any, path: str, errs: Errors) -> Any:
        kwargs = self.parse_fields(value, path, errs)
        return _BAD if kwargs is None else self.cls(**kwargs)

    def dump_fields(self, value: Any) -> dict:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self.cls):
            if f.name not in self.fields:
                continue
            v = getattr(value, f.name)
            if f.name not in self.required and v == _default_of(f):
                continue
            out[f.name] = self.fields[f.name].dump(v)
        return out

    def _dump(self, value: Any) -> dict:
        return self.dump_fields(value)

    def _schema(self) -> dict:
        return {"$ref": f"#/$defs/{self.name}"}

    def definition(self) -> dict:
        d: dict[str, Any] = {
            "title": self.cls.__name__,
            "description": self.def_description,
            "type": "object",
            "additionalProperties": False,
        }
        if self.required:
            d["required"] = list(self.required)
        d["properties"] = {k: f.schema() for k, f in self.fields.items()}
        d.update(self.extra_schema)
        return d


def _default_of(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _MISSING


# --------------------------------------------------------------------------- tables

_NAME = "at most 200 characters"
_TEXT = "Free text, at most 5000 characters."
_NPI = r"[0-9]{10}"
_ICD10 = r"[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_CODE = r"[a-z][a-z0-9_]{0,63}"
_PROFILE = r"[a-z0-9][a-z0-9_.-]{0,63}"


def _intent_check(type_key: str) -> Callable[[dict, str, Errors], None]:
    def check(kw: dict, path: str, errs: Errors) -> None:
        ptype, intent = kw.get(type_key), kw.get("intent")
        if not isinstance(ptype, ProcedureType) or not isinstance(intent, Intent):
            return
        allowed = INTENTS_BY_TYPE[ptype]
        if intent not in allowed:
            names = " or ".join(i.value for i in allowed)
            errs.append(
                (
                    _key_path(path, "intent"),
                    f"must be {names} (or null) for {ptype.value} (got {intent.value})",
                )
            )

    return check


def _intent_schema(type_key: str) -> dict:
    rules = []
    groups: dict[tuple[Intent, ...], list[str]] = {}
    for ptype, intents in INTENTS_BY_TYPE.items():
        groups.setdefault(intents, []).append(ptype.value)
    for intents, types in groups.items():
        rules.append(
            {
                "if": {
                    "properties": {type_key: {"enum": types}},
                    "required": [type_key],
                },
                "then": {"properties": {"intent": {"enum": [*intents, None]}}},
            }
        )
    # StrEnum members serialise as their values.
    return {"allOf": json.loads(json.dumps(rules))}


def _request_check(kw: dict, path: str, errs: Errors) -> None:
    seen: dict[str, int] = {}
    for i, row in enumerate(kw.get("levels", ())):
        if row.level in seen:
            errs.append(
                (
                    f"levels[{i}].level",
                    f"{row.level} is already requested in levels[{seen[row.level]}];"
                    " use one row with side bilateral",
                )
            )
        else:
            seen[row.level] = i


_PATIENT = _Obj(
    "patient",
    Patient,
    "The patient.",
    {
        "name": _Str(f"Full name as on the insurance card, {_NAME}."),
        "dob": _Date("Date of birth.", nullable=True),
        "sex": _Str(f"Sex as recorded by the payer, e.g. female, male; {_NAME}."),
        "member_id": _Str(
            "Payer member ID including any alpha prefix, at most 64 characters.",
            CODE_MAX,
        ),
    },
)


def _provider(role: str) -> _Obj:
    return _Obj(
        "provider",
        Provider,
        f"{role.capitalize()} physician.",
        {
            "name": _Str(f"Physician's full name, {_NAME}."),
            "credentials": _Str(f"Credentials, e.g. MD, DO; {_NAME}."),
            "npi": _Str(
                "National Provider Identifier: 10 digits (the check digit is checked"
                " by rules.validation before a request is evaluated or stored).",
                10,
                pattern=_NPI,
                expect="10 digits",
            ),
        },
        def_description="A physician: name, credentials, NPI.",
    )


_ORDERING = _provider("ordering")
_RENDERING = _provider("rendering")

_FACILITY = _Obj(
    "facility",
    Facility,
    "Where the procedure is done.",
    {
        "name": _Str(f"Facility name, {_NAME}."),
        "npi": _Str("Facility NPI: 10 digits.", 10, pattern=_NPI, expect="10 digits"),
        "place_of_service": _Str(
            "CMS place-of-service code, two digits: 11 office, 19/22 hospital"
            " outpatient department, 24 ambulatory surgical center.",
            2,
            pattern=r"[0-9]{2}",
            expect="a two-digit CMS place-of-service code such as 11, 22 or 24",
        ),
        "opd_exempt": _Bool(
            "The facility is exempt from Medicare hospital outpatient prior"
            " authorization (90 % or more provisional affirmations)."
        ),
    },
)

_PAYER = _Obj(
    "payer",
    PayerInfo,
    "Plan details. The payer profile itself is the top-level payer_profile key.",
    {
        "plan_name": _Str(f"Health plan / product name, {_NAME}."),
        "state": _Str(
            "Two-letter state of service in capitals (Original Medicare picks the MAC,"
            " its LCDs and WISeR from it), e.g. AZ.",
            2,
            pattern=r"[A-Z]{2}",
            expect="a two-letter state code in capitals, e.g. AZ",
        ),
        "county": _Str(
            "County or independent city of service. Needed in Virginia only: Arlington"
            " and Fairfax counties and the cities of Fairfax, Falls Church and"
            " Alexandria are Medicare jurisdiction JL (Novitas), the rest of the state"
            " JM (Palmetto).",
            80,
        ),
    },
    hints={"profile_key": 'the profile goes in the top-level key "payer_profile"'},
)

_PROCEDURE = _Obj(
    "procedure",
    ProcedurePlan,
    "The planned procedure.",
    {
        "type": _Enum("Procedure type.", ProcedureType),
        "intent": _Enum(
            "diagnostic or therapeutic for facet_ia and mbb; first or repeat for rfa;"
            " ESIs are always therapeutic (give therapeutic or leave null).",
            Intent,
            nullable=True,
        ),
        "date_of_service": _Date("Planned date of service.", nullable=True),
        "guidance": _Enum("Image guidance.", Guidance, nullable=True),
        "contrast": _Bool("Contrast will be used (default true)."),
        "contrast_contraindication": _Str(
            f"Why contrast is not used (allergy, pregnancy...). {_TEXT}", TEXT_MAX
        ),
        "sedation": _Enum(
            "Sedation planned (default none; minimal = anxiolysis).", Sedation
        ),
        "sedation_justification": _Str(
            f"Why sedation is medically necessary. {_TEXT}", TEXT_MAX
        ),
        "rfa_technique": _Enum(
            "RFA technique (rfa only).", RfaTechnique, nullable=True
        ),
        "injectate": _Str(f"Drugs and volumes injected. {_TEXT}", TEXT_MAX),
        "other_blocks_same_day": _List(
            "Other block types planned on the same date of service (FAC-025, ESI-016).",
            _Enum("A procedure type.", ProcedureType),
            8,
        ),
        "kx_modifier": _Bool(
            "KX modifier on the claim lines; null lets the engine derive it.",
            nullable=True,
        ),
    },
    required=("type",),
    check=_intent_check("type"),
    extra_schema=_intent_schema("type"),
)

_LEVEL_REQ = _Obj(
    "level_request",
    LevelRequest,
    "One requested level.",
    {
        "level": _Level(
            "Level: two adjacent segments like L4-L5, L5-S1, C5-C6, T12-L1 (a"
            " transforaminal ESI foramen is named by its segment); caudal for a caudal"
            " ESI. Typed variants (L4-5, l4/l5, L5S1) are accepted and canonicalised."
        ),
        "side": _Enum("Side.", Side),
        "prior_count": _Num(
            "Prior injections at this level as typed by staff (null = not entered;"
            " the history ledger is checked against it).",
            0,
            100,
            integer=True,
        ),
    },
    required=("level", "side"),
)

_LEVEL_LIST = _List("Levels named.", _Level("A spinal level."), MAX_LEVEL_REFS)


def _block_check(kw: dict, path: str, errs: Errors) -> None:
    kind = kw.get("procedure")
    if kind is not None and kind not in (ProcedureType.MBB, ProcedureType.FACET_IA):
        errs.append(
            (f"{path}.procedure", f"must be mbb or facet_ia (got {kind.value})")
        )


_BLOCK = _Obj(
    "block_response",
    BlockResponse,
    "Response to a diagnostic block (the one this request builds on).",
    {
        "date": _Date("Date of the block.", nullable=True),
        "agent": _Str(f"Local anesthetic, e.g. lidocaine 2%; {_NAME}."),
        "scale": _Str(f"Pain scale name, e.g. NRS, VAS; {_NAME}."),
        "pre_score": _Num("Pain score before the block, 0-10.", 0, 10),
        "post_score": _Num("Pain score after the block, 0-10.", 0, 10),
        "percent_relief": _Num(
            "Percent relief as typed, 0-100 (checked against the scores).", 0, 100
        ),
        "duration_hours": _Num("How long relief lasted, hours (0-8760).", 0, 8760),
        "levels": _LEVEL_LIST,
        "procedure": _Enum(
            "Which block this was: mbb or facet_ia. Without it, an MBB or RFA request"
            " reads it as an MBB and a facet IA request as an IA block.",
            ProcedureType,
            nullable=True,
        ),
        "side": _Enum("Side of the block.", Side, nullable=True),
    },
    check=_block_check,
)

_CLINICAL = _Obj(
    "clinical",
    Clinical,
    "Clinical presentation and baseline scores.",
    {
        "onset_date": _Date("Pain onset date.", nullable=True),
        "pain_pattern": _Enum("Pain pattern.", PainPattern, nullable=True),
        "radiculopathy": _Bool("Radiculopathy documented."),
        "neurogenic_claudication": _Bool("Neurogenic claudication documented."),
        "post_laminectomy": _Bool("Post-laminectomy syndrome."),
        "acute_zoster": _Bool("Acute herpes zoster."),
        "facet_cyst": _Bool("Facet synovial cyst."),
        "fusion_at_level": _Bool("Fusion at a target segment."),
        "other_causes_excluded": _Bool(
            "Fracture, tumor, infection and deformity were ruled out."
        ),
        "baseline_pain_scale": _Str(f"Baseline pain scale name, e.g. NRS; {_NAME}."),
        "baseline_pain_score": _Num("Baseline pain score, 0-10.", 0, 10),
        "function_scale": _Str(
            f"Function/disability scale, e.g. ODI, NDI, Roland-Morris; {_NAME}."
        ),
        "function_score": _Num("Function/disability score, 0-100.", 0, 100),
        "functional_impairment": _Str(
            f"ADL limitations in plain words. {_TEXT}", TEXT_MAX
        ),
        "rfa_contraindication": _Str(
            f"Why RFA is not possible (therapeutic facet requests). {_TEXT}", TEXT_MAX
        ),
        "rfa_planned": _Bool("RF neurolysis is being considered (Aetna, Carelon)."),
        "changed_approach": _Str(
            f"After a failed ESI: what differs this time (ESI-007). {_TEXT}", TEXT_MAX
        ),
        "continuation_rationale": _Str(
            f"Why ESIs continue beyond 12 months (ESI-013). {_TEXT}", TEXT_MAX
        ),
    },
)

_CARE = _Obj(
    "conservative_care",
    ConservativeCare,
    "One conservative treatment tried.",
    {
        "kind": _Str(
            "Lowercase code: physical_therapy, home_exercise, nsaids, neuropathic,"
            " chiropractic, activity_modification, ...",
            CODE_MAX,
            pattern=_CODE,
            expect="a lowercase code such as physical_therapy, home_exercise, nsaids",
        ),
        "start": _Date("Start date.", nullable=True),
        "end": _Date("End date.", nullable=True),
        "duration_weeks": _Num(
            "Duration in weeks when the dates are not known (0-1040).", 0, 1040
        ),
        "outcome": _CareOutcomeField(
            "How it ended: failed, partial (partial relief, not enough),"
            " not_tolerated, contraindicated, ongoing or improved. Format v1 free"
            " text is still read (failed/intolerant/partial keywords) and kept as"
            " the note; text naming no outcome is marked for review.",
            TEXT_MAX,
        ),
        "note": _Str(
            f"Optional detail, e.g. 16 visits, pain unchanged. {_TEXT}", TEXT_MAX
        ),
        "needs_review": _Bool(
            "The outcome was read from free text and staff have not confirmed it."
        ),
    },
    required=("kind",),
)

_IMAGING = _Obj(
    "imaging",
    Imaging,
    "One imaging or electrodiagnostic study.",
    {
        "modality": _Str(
            "Lowercase code: mri, ct, xray, emg, ...",
            CODE_MAX,
            pattern=_CODE,
            expect="a lowercase code such as mri, ct, xray, emg",
        ),
        "date": _Date("Study date.", nullable=True),
        "levels": _LEVEL_LIST,
        "findings": _Str(f"Key findings at the targeted levels. {_TEXT}", TEXT_MAX),
        "concordant": _Bool("Findings explain the symptoms at the treated level/side."),
        "shows_hnp": _Bool("Shows a disc herniation (Carelon CAR-003)."),
    },
    required=("modality",),
)

_PRIOR = _Obj(
    "prior_procedure",
    PriorProcedure,
    "One row of the patient's procedure history (ledger).",
    {
        "date": _Date("Date of the procedure."),
        "procedure": _Enum("Procedure type.", ProcedureType),
        "intent": _Enum("Intent, as for procedure.intent.", Intent, nullable=True),
        "levels": _LEVEL_LIST,
        "side": _Enum("Side.", Side, nullable=True),
        "relief_percent": _Num("Percent relief, 0-100.", 0, 100),
        "relief_duration_hours": _Num(
            "Relief duration in hours (diagnostic blocks), 0-8760.", 0, 8760
        ),
        "relief_duration_days": _Num(
            "Relief duration in days (therapeutic, ESI, RFA), 0-3650.", 0, 3650
        ),
        "adl_improvement_percent": _Num("ADL improvement percent, 0-100.", 0, 100),
        "function_improved": _Bool("Function improved (Aetna AET-003).", nullable=True),
        "medication_reduced": _Bool(
            "Medication or care use reduced (Aetna AET-003).", nullable=True
        ),
        "scale": _Str(f"Pain scale used, e.g. NRS; {_NAME}."),
        "agent": _Str(f"Agent injected; {_NAME}."),
        "kx_billed": _Bool("KX modifier was billed.", nullable=True),
        "pre_score": _Num("Pain score before the block, 0-10 (same scale).", 0, 10),
        "post_score": _Num(
            "Pain score after the block, 0-10 (relief is computed from both).", 0, 10
        ),
        "builds_on": _Bool(
            "This request builds on this injection (it is one of the blocks whose"
            " response the request relies on)."
        ),
    },
    required=("date", "procedure"),
    check=_intent_check("procedure"),
    extra_schema=_intent_schema("procedure"),
)

_RATIONALE = _Obj(
    "rationale",
    Rationale,
    "The physician's clinical rationale for a criterion the request does not meet"
    " as written (printed in the letter as clinical prose).",
    {
        "code": _Str(
            "Rule ID of the criterion it answers, e.g. DVT-001.",
            7,
            pattern=r"[A-Z]{3}-[0-9]{3}",
            expect="a rule ID such as DVT-001",
        ),
        "level": _Level(
            "The level it answers (absent: the whole request).", nullable=True
        ),
        "text": _Str(f"The rationale, in clinical prose. {_TEXT}", TEXT_MAX),
        "author": _Str(f"Physician who wrote it; {_NAME}."),
    },
    required=("code",),
)

_REQUEST = _Obj(
    "request",
    CaseFacts,
    "A spinal-injection prior-authorization request (priorauth request format v1).",
    {
        "format_version": _Const("Format version; must be 1.", FORMAT_VERSION),
        "payer_profile": _Str(
            "Payer profile key (Policy.key), lowercase. Built-in profiles: "
            + ", ".join(k.value for k in PayerKind)
            + ".",
            CODE_MAX,
            pattern=_PROFILE,
            expect="a lowercase profile key such as medicare, aetna, evicore",
        ),
        "patient": _PATIENT,
        "payer": _PAYER,
        "ordering": _ORDERING,
        "rendering": _RENDERING,
        "facility": _FACILITY,
        "procedure": _PROCEDURE,
        "levels": _List("Requested levels, one row each.", _LEVEL_REQ, MAX_LEVELS),
        "block_responses": _List(
            "Responses to the diagnostic block(s) this request builds on.",
            _BLOCK,
            MAX_LIST,
        ),
        "clinical": _CLINICAL,
        "conservative_care": _List("Conservative treatments tried.", _CARE, MAX_LIST),
        "imaging": _List("Imaging and electrodiagnostic studies.", _IMAGING, MAX_LIST),
        "diagnoses": _List(
            "ICD-10-CM codes with the dot, capitals, e.g. M47.816 (billability is"
            " checked by the rules, not the format).",
            _Str(
                "An ICD-10-CM code.",
                8,
                pattern=_ICD10,
                expect="an ICD-10-CM code with the dot, e.g. M47.816",
            ),
            MAX_DIAGNOSES,
        ),
        "history": _List(
            "The patient's prior procedures (the ledger for counts and frequency).",
            _PRIOR,
            MAX_HISTORY,
        ),
        "signed": _Bool("The letter is signed and dated by a physician (PKT-004)."),
        "rationales": _List(
            "The physician's answers to criteria the request does not meet as written.",
            _RATIONALE,
            MAX_LIST,
        ),
    },
    required=("format_version", "procedure"),
    check=_request_check,
)

# Objects that appear in the schema's $defs, in order.
OBJECT_SPECS: tuple[_Obj, ...] = (
    _PATIENT,
    _PAYER,
    _ORDERING,
    _FACILITY,
    _PROCEDURE,
    _LEVEL_REQ,
    _BLOCK,
    _CLINICAL,
    _CARE,
    _IMAGING,
    _PRIOR,
    _RATIONALE,
)
REQUEST_SPEC = _REQUEST

# --------------------------------------------------------------------------- API

_A_LIST = (
    "must be an object holding one request, not a list; send each request as its"
    " own file or paste"
)


def parse_request(data: Any) -> CaseFacts:
    """Validate a decoded JSON request and build ``CaseFacts``.

    Raises ``RequestFormatError`` listing every problem found.
    """
    if isinstance(data, list):  # e.g. several requests in one file: one clear message
        raise RequestFormatError([("", _A_LIST)])
    if not isinstance(data, dict):
        msg = f"must be an object holding one request (got {_typename(data)})"
        raise RequestFormatError([("", msg)])
    errs: Errors = []
    kwargs = _REQUEST.parse_fields(data, "", errs)
    if kwargs is None or errs:
        raise RequestFormatError(errs or [("", "invalid request")])
    kwargs.pop("format_version", None)
    profile = kwargs.pop("payer_profile", "")
    payer = kwargs.get("payer", PayerInfo())
    kwargs["payer"] = dataclasses.replace(payer, profile_key=profile)
    return CaseFacts(**kwargs)


def dump_request(facts: CaseFacts) -> dict:
    """The JSON-ready dict for ``facts``; values equal to their default are left out."""
    body = _REQUEST.dump_fields(facts)
    out: dict[str, Any] = {"format_version": FORMAT_VERSION}
    if facts.payer.profile_key:
        out["payer_profile"] = facts.payer.profile_key
    for key, value in body.items():
        if key == "payer":
            value = {k: v for k, v in value.items() if k != "profile_key"}
            if not value:
                continue
        out[key] = value
    return out


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            msg = f'duplicate key "{key[:60]}" in a JSON object'
            raise RequestFormatError([("", msg)])
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    msg = f"{name} is not allowed in a request (not valid JSON)"
    raise RequestFormatError([("", msg)])


def loads_request(text: str | bytes) -> CaseFacts:
    """Parse a JSON document (text or UTF-8 bytes) into ``CaseFacts``."""
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_FILE_BYTES:
            raise RequestFormatError([("", f"is larger than {MAX_FILE_BYTES} bytes")])
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            msg = f"must be UTF-8 text ({exc.reason})"
            raise RequestFormatError([("", msg)]) from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        msg = f"is not valid JSON: {exc.msg} at {where}"
        raise RequestFormatError([("", msg)]) from None
    except RecursionError:
        raise RequestFormatError([("", "is nested too deeply")]) from None
    return parse_request(data)


def load_request(path: str | os.PathLike) -> CaseFacts:
    """Read and parse a request JSON file (``OSError`` if it cannot be read)."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    return loads_request(data)


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the request format, from the tables above."""
    defs = {spec.name: spec.definition() for spec in OBJECT_SPECS}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://priorauth.invalid/schemas/request.schema.json",
        **_REQUEST.definition(),
        "title": "priorauth request (format version 1)",
        "$defs": defs,
    }
