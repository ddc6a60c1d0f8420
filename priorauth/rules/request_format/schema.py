"""The published JSON Schema (draft 2020-12), generated from the models.

pydantic writes the schema; a light tidy-up keeps it in the shape it has always been
published in: choices written out where they are used (not as ``$defs`` of their
own), ``"type": ["number", "null"]`` for a nullable value, the ``$defs`` named as
before (``level_request``, ...) and keys in reading order.

Regenerate ``docs/request.schema.json`` (a test checks it is current) with::

    python -m priorauth.rules.request_format.schema > docs/request.schema.json
"""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from .base import FormatModel, field_types, is_model, unwrap
from .request import Request

SCHEMA_ID = "https://priorauth.invalid/schemas/request.schema.json"

_KEY_ORDER = (
    "$schema",
    "$id",
    "title",
    "description",
    "$ref",
    "anyOf",
    "type",
    "const",
    "enum",
    "format",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "maxItems",
    "items",
    "default",
    "additionalProperties",
    "required",
    "properties",
    "allOf",
    "if",
    "then",
    "$defs",
)


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with a description on every property.

    No title repeating each property's name, and a property keeps its description
    even where the object it holds has the same one.
    """

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def handle_ref_overrides(self, json_schema: Any) -> Any:
        return json_schema


def object_models(root: type[FormatModel] = Request) -> list[type[FormatModel]]:
    """The models under ``root``, in the order their fields first name them."""
    found: list[type[FormatModel]] = []

    def visit(annotation: Any) -> None:
        tp, _ = unwrap(annotation)
        if typing.get_origin(tp) is tuple:
            visit(typing.get_args(tp)[0])
        elif is_model(tp) and tp not in found:
            found.append(tp)
            for sub in field_types(tp).values():
                visit(sub)

    for annotation in field_types(root).values():
        visit(annotation)
    return found


def json_schema() -> dict:
    """The JSON Schema of the request format."""
    generated = Request.model_json_schema(schema_generator=_Generator)
    defs = generated.pop("$defs")
    models = object_models()
    names = {m.__name__: m.schema_name for m in models}
    choices = {name: d["enum"] for name, d in defs.items() if "enum" in d}

    def tidy(node: Any) -> Any:
        if isinstance(node, list):
            return [tidy(n) for n in node]
        if not isinstance(node, dict):
            return node
        node = {k: _tidy_value(k, v, tidy) for k, v in node.items()}
        ref = node.pop("$ref", "").removeprefix("#/$defs/")
        if ref in choices:  # a choice: its values, right where it is used
            node = {"type": "string", "enum": list(choices[ref]), **node}
        elif ref:
            node["$ref"] = f"#/$defs/{names[ref]}"
        branches = node.get("anyOf", [])
        if len(branches) == 2 and branches[1] == {"type": "null"}:
            value = branches[0]
            if isinstance(value.get("type"), str):  # one type, or null
                node.pop("anyOf")
                node = {**value, **node, "type": [value["type"], "null"]}
                if "enum" in node:
                    node["enum"] = [*node["enum"], None]
        if isinstance(node.get("description"), str):
            node["description"] = " ".join(node["description"].split())
        return _ordered(node)

    return _ordered(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
            **tidy(generated),
            "$defs": {m.schema_name: tidy(defs[m.__name__]) for m in models},
        }
    )


def _tidy_value(key: str, value: Any, tidy: Any) -> Any:
    if key in ("properties", "$defs"):  # names, kept in their order
        return {name: tidy(sub) for name, sub in value.items()}
    if key in ("enum", "const", "default"):  # values, not schemas
        return value
    return tidy(value)


def _ordered(node: dict) -> dict:
    rank = {k: i for i, k in enumerate(_KEY_ORDER)}
    keys = sorted(node, key=lambda k: rank.get(k, len(rank)))
    return {k: node[k] for k in keys}


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(json_schema(), indent=2))
