"""Whether a Python value is exactly of its declared wire type, before it is encoded.

JSON forgets the difference between a list and a tuple, an int and a bool, a DTO and
a lookalike: `[1, 2]` passed where `tuple[int, ...]` is declared encodes fine and comes
back a tuple on the far side, so a caller's mistake would only show in another process,
as a different value. Every call that crosses an interface (in wire mode, and remotely)
checks its arguments and result here first, and refuses the first value that does not
fit with its path: `catalog.get_products(product_ids): $[0] is a str, not a UUID`.

The rules follow the wire types (shared.wire): exact containers (a list is no tuple), no
bool where int is declared, a date that is no datetime, enum members rather than their
values, dataclasses of exactly the declared class with every field checked in turn.
Checkers are built once per type and cached, so a check costs a few attribute looks per
value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shared import wire

Checker = Callable[[Any, str], str | None]
"""Returns None when the value fits, otherwise what is wrong at `path`."""

NOT_OF_TYPE = "{path} is {actual}, not {expected}"
NOT_ONE_OF = "{path} is {value!r}, not one of {allowed}"
WRONG_LENGTH = "{path} has {actual} items, not {expected}"
UNCHECKABLE = "{path}: {expected} is not a wire type"

_UNION_ORIGINS = (typing.Union, types.UnionType)


def value_problem(value: object, declared: object, path: str = "$") -> str | None:
    """What keeps `value` from being exactly a `declared`, or None when it is one."""
    return checker(declared)(value, path)


def _describe(value: object) -> str:
    return _a(type(value).__name__) if value is not None else "None"


def _a(name: str) -> str:
    """'an int', 'an Order', but 'a UUID' (said 'you')."""
    return f"an {name}" if name[:1] in "aeiouAEIO" else f"a {name}"


def _name(declared: object) -> str:
    return getattr(declared, "__qualname__", None) or repr(declared)


@functools.cache
def checker(declared: object) -> Checker:
    """The cached check for values of one declared type."""
    if declared is bool:
        return _exact_checker((bool,), _a("bool"))
    if declared is int:
        return _int_checker
    if declared is type(None) or declared is None:
        return _none_checker
    if declared is dt.date:
        return _date_checker
    if declared in (str, uuid.UUID, Decimal, dt.datetime, dt.time, dt.timedelta, bytes):
        return _instance_checker(declared)  # type: ignore[arg-type]
    origin = typing.get_origin(declared)
    if origin is not None:
        return _generic_checker(declared, origin)
    if isinstance(declared, type) and issubclass(declared, enum.Enum):
        return _instance_checker(declared)
    if isinstance(declared, type) and dataclasses.is_dataclass(declared):
        return _dataclass_checker(declared)
    return lambda value, path: UNCHECKABLE.format(path=path, expected=_name(declared))


def _int_checker(value: Any, path: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return None
    return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected="an int")


def _none_checker(value: Any, path: str) -> str | None:
    return None if value is None else NOT_OF_TYPE.format(path=path, actual=_describe(value), expected="None")


def _date_checker(value: Any, path: str) -> str | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return None
    return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected="a date")


def _exact_checker(classes: tuple[type, ...], expected: str) -> Checker:
    def check(value: Any, path: str) -> str | None:
        if type(value) in classes:
            return None
        return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected=expected)

    return check


def _instance_checker(cls: type) -> Checker:
    expected = _a(cls.__qualname__)

    def check(value: Any, path: str) -> str | None:
        if isinstance(value, cls):
            return None
        return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected=expected)

    return check


def _generic_checker(declared: object, origin: object) -> Checker:
    args = typing.get_args(declared)
    if origin in _UNION_ORIGINS:
        return _union_checker(declared, args)
    if origin is typing.Annotated:
        return checker(args[0])
    if origin is typing.Literal:
        return _literal_checker(args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence_checker(tuple, args[0])
        return _fixed_tuple_checker(args)
    if origin in (list, frozenset):
        return _sequence_checker(origin, args[0])  # type: ignore[arg-type]
    if origin is dict:
        return _dict_checker(args[0], args[1])
    return lambda value, path: UNCHECKABLE.format(path=path, expected=repr(declared))


def _union_checker(declared: object, args: tuple[Any, ...]) -> Checker:
    arms = tuple(checker(arg) for arg in args)

    def check(value: Any, path: str) -> str | None:
        problems = [arm(value, path) for arm in arms]
        if any(problem is None for problem in problems):
            return None
        return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected=repr(declared))

    return check


def _literal_checker(allowed: tuple[Any, ...]) -> Checker:
    def check(value: Any, path: str) -> str | None:
        if any(type(value) is type(option) and value == option for option in allowed):
            return None
        return NOT_ONE_OF.format(path=path, value=value, allowed=", ".join(repr(a) for a in allowed))

    return check


def _sequence_checker(container: type, item: object) -> Checker:
    check_item = checker(item)
    expected = _a(container.__name__)

    def check(value: Any, path: str) -> str | None:
        if type(value) is not container:
            return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected=expected)
        for index, element in enumerate(value):
            problem = check_item(element, f"{path}[{index}]")
            if problem is not None:
                return problem
        return None

    return check


def _fixed_tuple_checker(items: tuple[Any, ...]) -> Checker:
    checks = tuple(checker(item) for item in items)

    def check(value: Any, path: str) -> str | None:
        if type(value) is not tuple:
            return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected="a tuple")
        if len(value) != len(checks):
            return WRONG_LENGTH.format(path=path, actual=len(value), expected=len(checks))
        for index, (element, check_item) in enumerate(zip(value, checks, strict=True)):
            problem = check_item(element, f"{path}[{index}]")
            if problem is not None:
                return problem
        return None

    return check


def _dict_checker(key: object, item: object) -> Checker:
    check_key, check_item = checker(key), checker(item)

    def check(value: Any, path: str) -> str | None:
        if type(value) is not dict:
            return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected="a dict")
        for name, element in value.items():
            problem = check_key(name, f"{path}{{key {name!r}}}") or check_item(element, f"{path}[{name!r}]")
            if problem is not None:
                return problem
        return None

    return check


def _dataclass_checker(cls: type) -> Checker:
    expected = _a(cls.__qualname__)
    resolved: list[tuple[tuple[str, Checker], ...]] = []

    def check(value: Any, path: str) -> str | None:
        if type(value) is not cls:
            return NOT_OF_TYPE.format(path=path, actual=_describe(value), expected=expected)
        if not resolved:  # on first use: a DTO may refer to itself (a tree of categories)
            resolved.append(tuple((name, checker(annotation)) for name, annotation in wire.field_types(cls).items()))
        for name, check_field in resolved[0]:
            problem = check_field(getattr(value, name), f"{path}.{name}")
            if problem is not None:
                return problem
        return None

    return check
