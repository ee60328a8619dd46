"""A domain's contract as data: what its interface promises, in JSON Schema from the wire types.

    {
      "format": 1,
      "domain": "catalog",
      "operations": {"get_product": {"idempotent": true,
                                     "parameters": {"product_id": {"kind": "keyword_only", "required": true,
                                                                   "schema": {"type": "string", "format": "uuid"}}},
                                     "returns": {"$ref": "#/types/ProductDTO"}}},
      "events": {"catalog.ProductCreated.v1": {"name": "catalog.ProductCreated", "version": 1,
                                               "key": "product_id", "payload": {"$ref": "#/types/ProductCreated"}}},
      "errors": {"catalog.product_not_found": {"kind": "not_found", "params": {"type": "object", ...}}},
      "types": {"ProductDTO": {"type": "object", "properties": {...}, "required": [...]}, ...}
    }

The schemas are msgspec's (`msgspec.json.schema_components`), the library that also encodes
the wire (shared/wire.py), so a schema describes exactly what travels; datetimes and times
get the format msgspec leaves out (shared/contracts/timestamps.py). DTOs, enums and
events live once under "types" and are referenced as "#/types/<Name>". Docstrings
("description") are left out: rewording a docstring changes no contract.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import msgspec

from shared import wire
from shared.contracts.timestamps import mark_timestamps
from shared.errors import error_params
from shared.events import event_meta
from shared.interfaces import Interface

FORMAT = 1
"""Version of the document's own layout; a snapshot of another format is refused when read."""
TYPES_REF = "#/types/{name}"
KEYWORD_ONLY = "keyword_only"

_SUBSCHEMA_KEYS = ("additionalProperties", "items", "propertyNames", "not")
_SUBSCHEMA_LIST_KEYS = ("anyOf", "oneOf", "allOf", "prefixItems")
_DROPPED_KEYWORDS = ("description", "examples")


def describe(interface: Interface) -> dict[str, Any]:
    """The contract of one interface, as a JSON-ready dict (see the module docstring)."""
    meta = interface.meta
    signatures = {name: meta.signature(name) for name in sorted(meta.operations)}
    errors = sorted(meta.errors, key=lambda cls: str(cls.code))
    annotations: list[Any] = []
    for signature in signatures.values():
        annotations.extend(p.annotation for p in signature.parameters.values())
        annotations.append(_return_type(signature))
    annotations.extend(meta.events)
    for error in errors:
        annotations.extend(error_params(error).values())
    schemas, components = msgspec.json.schema_components(annotations, ref_template=TYPES_REF)
    for annotation, schema in zip(annotations, schemas, strict=True):
        mark_timestamps(annotation, schema, components)
    found = iter(schemas)
    operations = {
        name: _operation(signature, found, idempotent=meta.is_idempotent(name))
        for name, signature in signatures.items()
    }
    events = {}
    for cls in meta.events:
        info = event_meta(cls)
        events[info.wire_id] = {"name": info.name, "version": info.version, "key": info.key, "payload": next(found)}
    described_errors = {}
    for error in errors:
        params = {name: next(found) for name in error_params(error)}
        described_errors[str(error.code)] = {
            "kind": str(error.kind),
            "params": {"type": "object", "properties": params, "required": sorted(params)},
        }
    return {
        "format": FORMAT,
        "domain": meta.name,
        "operations": operations,
        "events": events,
        "errors": described_errors,
        "types": {name: _without_prose(schema) for name, schema in components.items()},
    }


def _return_type(signature: inspect.Signature) -> Any:
    annotation = signature.return_annotation
    return type(None) if annotation is None else annotation


def _operation(signature: inspect.Signature, schemas: Iterable[dict[str, Any]], *, idempotent: bool) -> dict[str, Any]:
    found = iter(schemas)
    parameters: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        described: dict[str, Any] = {
            "kind": KEYWORD_ONLY if parameter.kind is inspect.Parameter.KEYWORD_ONLY else parameter.kind.name.lower(),
            "required": parameter.default is inspect.Parameter.empty,
            "schema": _without_prose(next(found)),
        }
        if parameter.default is not inspect.Parameter.empty:
            described["default"] = wire.to_primitive(parameter.default)
        parameters[parameter.name] = described
    return {"idempotent": idempotent, "parameters": parameters, "returns": _without_prose(next(found))}


def _without_prose(schema: Any) -> Any:
    """`schema` without descriptions, at keyword positions only (a field may be named "description")."""
    if not isinstance(schema, dict):
        return schema
    kept = {key: value for key, value in schema.items() if key not in _DROPPED_KEYWORDS}
    if isinstance(kept.get("properties"), dict):
        kept["properties"] = {name: _without_prose(value) for name, value in kept["properties"].items()}
    for key in _SUBSCHEMA_KEYS:
        if key in kept:
            kept[key] = _without_prose(kept[key])
    for key in _SUBSCHEMA_LIST_KEYS:
        if key in kept:
            kept[key] = [_without_prose(value) for value in kept[key]]
    return kept
