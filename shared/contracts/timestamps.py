"""Formats for datetimes and times, which msgspec's JSON Schema leaves out.

msgspec writes `"format": "date-time"` only for a datetime annotated to require a time
zone; a plain `datetime` field becomes `{"type": "string"}`, like a `str`. A contract
could then not tell `created_at: datetime` from `created_at: str`, nor check that a
fake's answer holds a timestamp. `mark_timestamps` walks the Python types beside their
schemas and adds the format wherever a datetime ("date-time") or a time ("time") travels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared import wire
from shared.contracts.shapes import ARRAY, BOOLEAN, INTEGER, MAP, NULL, OBJECT, STRING, alternatives

FORMATS = {dt.datetime: "date-time", dt.time: "time"}
_STRING_TYPES = (str, uuid.UUID, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta, bytes)
_UNIONS = (typing.Union, types.UnionType)


def mark_timestamps(annotation: Any, schema: dict[str, Any], components: Mapping[str, dict[str, Any]]) -> None:
    """Add the missing formats to `schema` (the schema of `annotation`) and the components it refers to."""
    _mark(annotation, schema, components, seen=set())


def _mark(tp: Any, schema: dict[str, Any], components: Mapping[str, dict[str, Any]], seen: set[str]) -> None:
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        schema = components[name]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in FORMATS:
        schema.setdefault("format", FORMATS[tp])
    elif origin is typing.Annotated:
        _mark(args[0], schema, components, seen)
    elif origin in _UNIONS:
        branches = schema.get("anyOf", [])
        for arg in args:
            branch = _branch_for(arg, branches, components)
            if branch is not None:
                _mark(arg, branch, components, seen)
    elif origin in (tuple, list, frozenset):
        if "prefixItems" in schema:
            for arg, item in zip(args, schema["prefixItems"], strict=False):
                _mark(arg, item, components, seen)
        elif isinstance(schema.get("items"), dict) and args:
            _mark(args[0], schema["items"], components, seen)
    elif origin is dict and isinstance(schema.get("additionalProperties"), dict):
        _mark(args[1], schema["additionalProperties"], components, seen)
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
        properties = schema.get("properties", {})
        for field, field_type in wire.field_types(tp).items():
            if field in properties:
                _mark(field_type, properties[field], components, seen)


def _branch_for(tp: Any, branches: list[dict[str, Any]], components: Mapping[str, Any]) -> dict[str, Any] | None:
    """The branch of a union's anyOf that describes `tp`: the one of the same kind (the wire allows one per kind)."""
    kind = _kind_of(tp)
    for branch in branches:
        if kind in alternatives(branch, components):
            return branch
    return None


def _kind_of(tp: Any) -> str | None:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _kind_of(typing.get_args(tp)[0])
    if origin in (tuple, list, frozenset):
        return ARRAY  # fixed-length tuples carry no datetime in practice; they fall back to no mark
    if origin is dict:
        return MAP
    if tp is type(None):
        return NULL
    if tp is bool:
        return BOOLEAN
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return OBJECT
    if tp in _STRING_TYPES or (isinstance(tp, type) and issubclass(tp, enum.StrEnum)):
        return STRING
    if tp is int or (isinstance(tp, type) and issubclass(tp, enum.IntEnum)):
        return INTEGER
    return None
