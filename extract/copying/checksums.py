"""An order-independent checksum of rows, equal on PostgreSQL and SQLite for equal rows.

Each row becomes canonical JSON (values as Django reads them, decimals at their field's
places, datetimes in UTC, JSON with sorted keys), is hashed with SHA-256, and the hashes
are added modulo 2**256: the sum does not depend on the order rows are read in, and a row
twice counts twice (unlike XOR).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models

MODULUS = 2**256
CHUNK = 2000


class Checksum:
    """Rows added one by one: `count` and `hexdigest` describe the set, whatever the order."""

    def __init__(self, fields: Sequence[models.Field]) -> None:
        self.fields = tuple(fields)
        self.count = 0
        self._total = 0

    def add(self, row: Sequence[Any]) -> None:
        canonical = json.dumps(
            [_canonical(field, value) for field, value in zip(self.fields, row, strict=True)],
            sort_keys=True,
            separators=(",", ":"),
        )
        self._total = (self._total + int.from_bytes(hashlib.sha256(canonical.encode()).digest(), "big")) % MODULUS
        self.count += 1

    def add_all(self, rows: Iterable[Sequence[Any]]) -> Checksum:
        for row in rows:
            self.add(row)
        return self

    @property
    def hexdigest(self) -> str:
        return f"{self._total:064x}"


def rows_of(queryset: models.QuerySet, fields: Sequence[models.Field]) -> Iterable[tuple[Any, ...]]:
    return queryset.order_by().values_list(*(field.attname for field in fields)).iterator(chunk_size=CHUNK)


def table_checksum(queryset: models.QuerySet, fields: Sequence[models.Field]) -> tuple[int, str]:
    """(row count, checksum as 64 hex digits) of the rows of `queryset`, over `fields`."""
    checksum = Checksum(fields).add_all(rows_of(queryset, fields))
    return checksum.count, checksum.hexdigest


def _canonical(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.DecimalField) and isinstance(value, decimal.Decimal):
        return str(value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value
