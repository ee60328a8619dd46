"""Checking a JSON value against a schema of a recorded contract (jsonschema, draft 2020-12).

The formats msgspec writes (uuid, date-time, date, time, duration, decimal) are checked by
decoding the text as the wire would, so "valid here" means "the other side can decode it".
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import jsonschema
import msgspec

_FORMAT_TYPES: dict[str, type] = {
    "uuid": uuid.UUID,
    "date-time": dt.datetime,
    "date": dt.date,
    "time": dt.time,
    "duration": dt.timedelta,
    "decimal": Decimal,
}


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name, type_ in _FORMAT_TYPES.items():
        checker.checks(name, raises=msgspec.ValidationError)(_decodes_as(type_))
    return checker


def _decodes_as(type_: type) -> Any:
    def check(value: object) -> bool:
        if isinstance(value, str):
            msgspec.json.decode(msgspec.json.encode(value), type=type_)
        return True  # formats apply to strings only; the "type" keyword judges the rest

    return check


FORMATS = _format_checker()


class SchemaCheck:
    """A validator for one schema of a contract whose `$ref`s point into the contract's "types"."""

    def __init__(self, schema: Mapping[str, Any], types: Mapping[str, Any]) -> None:
        self._validator = jsonschema.Draft202012Validator({"types": types, "allOf": [schema]}, format_checker=FORMATS)

    def problem(self, value: Any) -> str | None:
        """What is wrong with `value`, at its path (`$.lines[0].quantity: -1 is less than ...`), or None."""
        error = jsonschema.exceptions.best_match(self._validator.iter_errors(value))
        return None if error is None else f"{error.json_path}: {error.message}"
