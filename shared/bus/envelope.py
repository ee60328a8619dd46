"""The envelope: what crosses a process when an event does.

    {"event_id": "0b6c...", "name": "orders.OrderConfirmed", "version": 1,
     "key": "5f1e...", "sequence": 3, "position": 1042,
     "occurred_at": "2026-12-03T12:00:00+00:00", "correlation_id": "9b2c...",
     "payload": {...}, "downcasts": {"1": {...}}}

`payload` is the event as published, at `version`; `downcasts` holds the payload at the
older versions a reader asked for, computed by the publisher (shared.events). A
subscriber picks the version it declared and decodes it with its own schema: a frozen
dataclass of its own, or the publisher's interface module used as a contract package.
Nothing in an envelope needs the publisher's code to be read.

`key` and `sequence` order events: for one key, sequences follow the publisher's commit
order. `position` is the event's place in the publisher's outbox (its feed), which a
subscriber's cursor remembers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import msgspec

from shared.bus.models import StoredEvent

MALFORMED_PAGE = "The feed answered with a page this process cannot read: {problem}."
VERSION_NOT_CARRIED = (
    "Event {name} {event_id} was received at version {version} (and {downcasts}); a subscriber to v{wanted} "
    "cannot read it. Ask the publisher to declare a downcast to v{wanted}, or subscribe to v{version}."
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    event_id: uuid.UUID
    name: str
    version: int
    key: str
    sequence: int | None
    position: int
    occurred_at: dt.datetime
    correlation_id: str
    payload: Any
    downcasts: dict[int, Any] = dataclasses.field(default_factory=dict)

    @property
    def versions(self) -> frozenset[int]:
        """The versions a subscriber can read this envelope at."""
        return frozenset({self.version, *self.downcasts})

    @classmethod
    def of(cls, stored: StoredEvent, *, downcasts: dict[int, Any]) -> Envelope:
        return cls(
            event_id=stored.id,
            name=stored.name,
            version=stored.version,
            key=stored.key,
            sequence=stored.sequence,
            position=stored.position or 0,
            occurred_at=stored.occurred_at,
            correlation_id=stored.correlation_id,
            payload=stored.payload,
            downcasts=downcasts,
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FeedPage:
    """One read of a feed: the matching events after `after`, and where the next read starts."""

    after: int
    events: tuple[Envelope, ...]
    last_position: int
    """Every position up to here was looked at (matching or not): the next read is after it."""
    head: int
    """The feed's last position when read: a reader with `last_position < head` reads again at once."""


def encode_page(page: FeedPage) -> bytes:
    return msgspec.json.encode(page)


def decode_page(data: bytes) -> FeedPage:
    """A page from its JSON; ValueError saying what is wrong with it."""
    try:
        return msgspec.json.decode(data, type=FeedPage)
    except msgspec.ValidationError as exc:
        raise ValueError(MALFORMED_PAGE.format(problem=exc)) from None
    except msgspec.DecodeError as exc:
        raise ValueError(MALFORMED_PAGE.format(problem=exc)) from None
