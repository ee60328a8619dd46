"""The JSON Schemas msgspec writes, read back as the alternatives a value may take.

A schema such as `{"anyOf": [{"$ref": "#/types/CategoryDTO"}, {"type": "null"}]}` is one
or more alternatives, each of one kind: null, boolean, integer, string, array, tuple, map
or object (a dataclass). The wire allows at most one alternative of each kind in a union
(msgspec refuses `str | UUID` and two dataclasses), so comparing two schemas comes down
to comparing their alternatives kind by kind. Enums and Literals are strings or integers
limited to their values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

REF_PREFIX = "#/types/"
UNKNOWN_REF = "Schema reference {ref!r} names no type of the contract. Regenerate it with `contracts update`."

NULL, BOOLEAN, INTEGER, NUMBER, STRING = "null", "boolean", "integer", "number", "string"
ARRAY, TUPLE, MAP, OBJECT, ANY = "array", "tuple", "map", "object", "any"

KIND_NAMES = {
    NULL: "null",
    BOOLEAN: "a boolean",
    INTEGER: "an integer",
    NUMBER: "a number",
    STRING: "a string",
    ARRAY: "an array",
    TUPLE: "a fixed-length array",
    MAP: "a map",
    OBJECT: "an object",
    ANY: "any value",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Shape:
    """One alternative of a schema: its kind, its own keywords, and the type it came from (if a $ref)."""

    kind: str
    schema: Mapping[str, Any]
    ref: str | None = None


def resolve(schema: Mapping[str, Any], types: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """Follow `$ref`s into `types`; the schema found and the name of the last type followed."""
    name = None
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith(REF_PREFIX) or ref[len(REF_PREFIX) :] not in types:
            raise ValueError(UNKNOWN_REF.format(ref=ref))
        name = ref[len(REF_PREFIX) :]
        schema = types[name]
    return schema, name


def alternatives(schema: Mapping[str, Any], types: Mapping[str, Any]) -> dict[str, Shape]:
    """The alternatives of `schema` by kind (a union flattened, an enum split by value type)."""
    resolved, ref = resolve(schema, types)
    found: dict[str, Shape] = {}
    branches = resolved.get("anyOf") or resolved.get("oneOf")
    if branches:
        for branch in branches:
            for kind, shape in alternatives(branch, types).items():
                found.setdefault(kind, shape)
        return found
    if "enum" in resolved:
        values = resolved["enum"]
        strings = [v for v in values if isinstance(v, str)]
        integers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if strings:
            found[STRING] = Shape(STRING, {"type": STRING, "enum": strings}, ref)
        if integers:
            found[INTEGER] = Shape(INTEGER, {"type": INTEGER, "enum": integers}, ref)
        if None in values:
            found[NULL] = Shape(NULL, {"type": NULL}, ref)
        return found
    kind = _kind(resolved)
    found[kind] = Shape(kind, resolved, ref)
    return found


def _kind(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type")
    if declared == "object":
        return OBJECT if "properties" in schema or "additionalProperties" not in schema else MAP
    if declared == "array":
        return TUPLE if "prefixItems" in schema else ARRAY
    if declared in (NULL, BOOLEAN, INTEGER, NUMBER, STRING):
        return str(declared)
    return ANY
