"""The JSON wire format for everything that crosses a domain boundary.

A call through an interface, a stored event and a remote error all travel as JSON, so
the same call can go over HTTP the day a domain becomes a service. The format is
decided by the declared type, never guessed from the value: `loads(data, ProductDTO)`
checks every field and names the path of the first wrong one.

Supported types (checked when an interface is registered, see `boundary_problems`):
str, int, bool, None, UUID, Decimal, datetime, date, time, timedelta, bytes, Enum
(str or int values), Literal, Optional/Union, tuple, list, frozenset, dict with str,
int, UUID or enum keys, and frozen dataclasses made of these.

Two deliberate choices:
- aware datetimes are sent in UTC. JSON timestamps carry offsets in whole minutes
  only, so historic offsets such as +00:19:32 could not survive; the instant always
  does, and `==` on the decoded value holds.
- float is refused: NaN and infinity have no JSON form. Money and measures use Decimal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
import uuid
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from django.core.files.base import File
from django.db.models import Manager, Model, QuerySet
from django.http import HttpRequest

T = TypeVar("T")

_ATOMS: frozenset[object] = frozenset(
    {str, int, bool, type(None), uuid.UUID, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta, bytes}
)
_SEQUENCES: frozenset[object] = frozenset({tuple, list, frozenset})
_KEY_TYPES: frozenset[object] = frozenset({str, int, uuid.UUID})
_UNION_ORIGINS: frozenset[object] = frozenset({typing.Union, types.UnionType})

UNSUPPORTED_TYPE = (
    "{path}: {type_name} cannot cross a process boundary. Use an id (UUID), a primitive or a "
    "frozen dataclass DTO instead."
)
FLOAT_REFUSED = "{path}: float cannot cross the boundary losslessly (NaN, infinity). Use Decimal."
ORM_TYPE_REFUSED = (
    "{path}: {type_name} is a Django ORM or request type and must stay inside its domain. "
    "Return a frozen dataclass DTO built from it instead."
)
MUTABLE_DTO = (
    "{path}: {type_name} is a dataclass but not frozen. DTOs are values: declare it with "
    "@dataclass(frozen=True, slots=True, kw_only=True)."
)
BARE_CONTAINER = "{path}: {type_name} needs its element types spelled out, e.g. tuple[UUID, ...]."
BAD_ENUM = "{path}: enum {type_name} must have only str or int values to cross the boundary."
BAD_KEY = "{path}: dict keys must be str, int, UUID or an enum, not {type_name}."
MISSING_ANNOTATION = "{path}: has no type annotation. Annotate it so it can be checked and serialized."


class WireFormatError(ValueError):
    """Data did not match the declared type; the message names the path, e.g. `$.lines[0].quantity`."""


def _type_name(tp: object) -> str:
    if typing.get_origin(tp) is not None:
        return repr(tp)
    return getattr(tp, "__qualname__", None) or repr(tp)


def _is_django_only_type(tp: type) -> bool:
    """Models, querysets, managers, files and requests: the things that leak a process."""
    return issubclass(tp, Model | QuerySet | Manager | File | HttpRequest)


def boundary_problems(tp: object, path: str) -> list[str]:
    """Return what stops `tp` from crossing a process boundary, one message per problem."""
    return _problems(tp, path, seen=set())


def _problems(tp: object, path: str, seen: set[type]) -> list[str]:
    if tp in _ATOMS:
        return []
    if tp is float:
        return [FLOAT_REFUSED.format(path=path)]
    if tp is typing.Any or tp is object:
        return [UNSUPPORTED_TYPE.format(path=path, type_name="Any")]
    origin = typing.get_origin(tp)
    if origin is not None:
        return _generic_problems(tp, origin, path, seen)
    if tp in _SEQUENCES or tp is dict:
        return [BARE_CONTAINER.format(path=path, type_name=_type_name(tp))]
    if not isinstance(tp, type):
        return [UNSUPPORTED_TYPE.format(path=path, type_name=_type_name(tp))]
    if issubclass(tp, enum.Enum):
        if all(isinstance(member.value, str | int) for member in tp):
            return []
        return [BAD_ENUM.format(path=path, type_name=_type_name(tp))]
    if dataclasses.is_dataclass(tp):
        return _dataclass_problems(tp, path, seen)
    if _is_django_only_type(tp):
        return [ORM_TYPE_REFUSED.format(path=path, type_name=_type_name(tp))]
    return [UNSUPPORTED_TYPE.format(path=path, type_name=_type_name(tp))]


def _generic_problems(tp: object, origin: object, path: str, seen: set[type]) -> list[str]:
    args = typing.get_args(tp)
    if origin in _UNION_ORIGINS:
        return [p for arg in args for p in _problems(arg, path, seen)]
    if origin is typing.Literal:
        if all(isinstance(arg, str | int) for arg in args):
            return []
        return [UNSUPPORTED_TYPE.format(path=path, type_name=repr(tp))]
    if origin is typing.Annotated:
        return _problems(args[0], path, seen)
    if origin in _SEQUENCES:
        element_args = [arg for arg in args if arg is not Ellipsis]
        return [p for arg in element_args for p in _problems(arg, f"{path}[]", seen)]
    if origin is dict:
        key, value = args
        key_ok = key in _KEY_TYPES or (isinstance(key, type) and issubclass(key, enum.Enum))
        problems = [] if key_ok else [BAD_KEY.format(path=path, type_name=_type_name(key))]
        return problems + _problems(value, f"{path}{{}}", seen)
    return [UNSUPPORTED_TYPE.format(path=path, type_name=repr(tp))]


def _dataclass_problems(tp: type, path: str, seen: set[type]) -> list[str]:
    if tp in seen:  # recursive DTOs (a tree of categories) are fine
        return []
    seen.add(tp)
    params = getattr(tp, "__dataclass_params__", None)
    problems = (
        [] if params is not None and params.frozen else [MUTABLE_DTO.format(path=path, type_name=tp.__qualname__)]
    )
    hints = field_types(tp)
    for field in dataclasses.fields(tp):
        field_path = f"{path}.{field.name}"
        if field.name not in hints:
            problems.append(MISSING_ANNOTATION.format(path=field_path))
            continue
        problems.extend(_problems(hints[field.name], field_path, seen))
    return problems


@functools.cache
def field_types(tp: type) -> dict[str, Any]:
    """Resolved annotations of a dataclass (string annotations evaluated once, then cached)."""
    return typing.get_type_hints(tp, include_extras=True)


def dataclasses_in(tp: object) -> set[type]:
    """Every dataclass reachable from `tp` through fields, unions and containers."""
    found: set[type] = set()
    _collect_dataclasses(tp, found)
    return found


def _collect_dataclasses(tp: object, found: set[type]) -> None:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if tp in found:
            return
        found.add(tp)
        for field_type in field_types(tp).values():
            _collect_dataclasses(field_type, found)
        return
    for arg in typing.get_args(tp):
        _collect_dataclasses(arg, found)


@functools.cache
def _contains_datetime(tp: object) -> bool:
    """Whether values of `tp` can hold a datetime (they then need the UTC pass)."""
    return dt.datetime in _reachable_types(tp, set())


def _reachable_types(tp: object, seen: set[object]) -> set[object]:
    if tp in seen:
        return seen
    seen.add(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        for field_type in field_types(tp).values():
            _reachable_types(field_type, seen)
    for arg in typing.get_args(tp):
        if arg is not Ellipsis:
            _reachable_types(arg, seen)
    return seen


def _datetimes_to_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.utcoffset() is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _datetimes_to_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_datetimes_to_text(v) for v in value]
    return value


def to_primitive(value: object) -> Any:
    """JSON-ready builtins (dict, list, str, int, bool, None) for a DTO, event or primitive."""
    if not _contains_datetime(type(value)) and not isinstance(value, dict | list | tuple):
        return msgspec.to_builtins(value)
    return _datetimes_to_text(msgspec.to_builtins(value, builtin_types=(dt.datetime,)))


def from_primitive(data: Any, type_: type[T]) -> T:
    """Rebuild a value of `type_` from builtins, checking every field on the way."""
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as exc:
        raise WireFormatError(f"{_type_name(type_)}: {exc}") from exc


def dumps(value: object) -> bytes:
    """Encode a DTO, event or primitive as JSON bytes."""
    return _ENCODER.encode(to_primitive(value))


def loads(data: bytes | str, type_: type[T]) -> T:
    """Decode JSON into `type_`; WireFormatError names the first field that does not fit."""
    try:
        return _decoder(type_).decode(data)
    except msgspec.ValidationError as exc:
        raise WireFormatError(f"{_type_name(type_)}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise WireFormatError(f"Malformed JSON for {_type_name(type_)}: {exc}") from exc


_ENCODER = msgspec.json.Encoder()


@functools.cache
def _decoder(type_: object) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type_)
