"""A sample domain interface that uses every type the wire format supports."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol
from uuid import UUID

from shared.errors import DomainError, ErrorKind
from shared.events import event
from shared.interfaces import Interface, idempotent
from shared.money import Money


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Everything:
    id: UUID
    amount: Decimal
    price: Money
    at: dt.datetime
    on: dt.date
    clock: dt.time
    wait: dt.timedelta
    color: Color
    size: Size
    mode: Literal["fast", "slow"]
    flag: bool
    blob: bytes
    note: str | None
    parts: tuple[Part, ...]
    tags: list[str]
    labels: frozenset[str]
    counts: dict[str, int]
    by_id: dict[UUID, Part]
    spare: Part | None = None


@event("sample.ThingHappened", version=1, key="thing_id")
class ThingHappened:
    thing_id: UUID
    detail: Everything


@event("sample.Pinged", version=1)
class Pinged:
    n: int


@event("sample.Counted", version=1, key="stream")
class Counted:
    stream: str
    n: int


class SampleErrorCode(enum.StrEnum):
    THING_NOT_FOUND = "sample.thing_not_found"


class ThingNotFoundError(DomainError):
    code = SampleErrorCode.THING_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Thing {thing_id} does not exist (looked in {places})."
    thing_id: UUID
    places: tuple[str, ...]


class SampleApi(Protocol):
    def get_thing(self, *, thing_id: UUID) -> Everything: ...

    @idempotent
    def count(self, *, color: Color | None = None) -> int: ...


def make_sample_interface() -> Interface:
    """A fresh proxy per test, so that bindings never leak between tests."""
    return Interface("sample", SampleApi, events=(ThingHappened, Pinged, Counted), errors=(ThingNotFoundError,))
