"""The outbox writer: an event and its deliveries in two statements of the publisher's transaction.

    INSERT INTO bus_storedevent ...                    the event (the outbox entry feeds read)
    INSERT INTO bus_delivery ... SELECT ... RETURNING  one row per local subscriber, born claimed

Born claimed: the transport that will run the deliveries right after commit takes them
in the same statement that writes them, instead of claiming each one with an UPDATE after
commit. Nobody else can see a row before it commits, and once it has committed it is
already taken, so this claim is as exclusive as the conditional UPDATE it replaces:

  BirthClaim.DELIVERY  (in-process transport) the row is born `processing`, attempt 1,
                       under a lease: the publisher runs the handler after commit. If the
                       process dies first, the lease runs out and the sweep takes it back,
                       exactly as for a handler that died (shared.bus.delivery).
  BirthClaim.RELAY     (Celery transport) the row is born claimed by the relay (token 1,
                       for attempt 0) and trusted for the resend window: the message is sent
                       right after commit. A refused send releases it at once; a process
                       that dies before sending leaves it to be resent after the window.
  BirthClaim.NONE      the row is born pending; the transport or the sweep claims it later.

The ordering promise is kept at birth: a keyed row is born claimed only if no delivery to
the same subscriber with the same key is unfinished (pending, processing or failed); else
it is born pending, and the transport claims it the ordinary way after commit (the older
one may have finished meanwhile: its completion could not see this row before it
committed), or the older one's completion runs it (the Deliverer follows the key).
The check sees what has committed when the INSERT runs. Publishers of one key that
serialize on their aggregate's row (a conditional UPDATE or SELECT ... FOR UPDATE of it
before publishing, as every publisher here does) therefore see each other's rows in
commit order; two transactions that publish the same key without touching a common row
may have their events handled side by side.

Both statements are built once per database vendor and row count (the ORM spent more time
building the same INSERTs than the database spent running them), prepared once per
connection on PostgreSQL (shared.db.prepared), and run on the connection of the alias
given, the database of the publishing domain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from shared.bus.models import UNFINISHED, Delivery, DeliveryStatus, EventOrigin, StoredEvent
from shared.db.prepared import prepared_cursor


class BirthClaim(enum.Enum):
    """Who takes a delivery in the statement that writes it (see the module docstring)."""

    NONE = "none"
    DELIVERY = "delivery"
    RELAY = "relay"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    """What a handler needs of a stored event, in memory: the publisher has it, a worker reads it once."""

    id: uuid.UUID
    name: str
    version: int
    key: str
    payload: Any
    correlation_id: str
    downcasts: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class WrittenDelivery:
    id: int
    subscriber: str
    claimed: bool
    """Born claimed (see BirthClaim); False for one born pending behind an older delivery with its key."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    """A committed event and the deliveries written for it: what a transport hands on after commit."""

    event: EventRecord
    deliveries: tuple[WrittenDelivery, ...]
    using: str


EVENT_COLUMNS = ("id", "name", "version", "key", "payload", "correlation_id", "origin", "occurred_at")


@functools.cache
def _event_sql(vendor: str, quote: Any) -> str:
    table = quote(StoredEvent._meta.db_table)
    columns = ", ".join(quote(c) for c in EVENT_COLUMNS)
    # downcasts and feed have database-side meaning only for received events; written empty here.
    return (
        f"INSERT INTO {table} ({columns}, {quote('downcasts')}, {quote('feed')}) "
        f"VALUES ({', '.join(['%s'] * len(EVENT_COLUMNS))}, %s, '')"
    )


@functools.cache
def _deliveries_sql(vendor: str, quote: Any, *, rows: int, keyed: bool, claim: BirthClaim) -> str:
    """INSERT ... SELECT over a VALUES list of subscribers; each column's value says born claimed or not."""
    table = quote(Delivery._meta.db_table)
    key = quote("key")
    unfinished = ", ".join(f"'{status}'" for status in UNFINISHED)
    blocked = (
        f"EXISTS (SELECT 1 FROM {table} o WHERE o.subscriber = v.column1 AND o.{key} = %(blocking_key)s "
        f"AND o.status IN ({unfinished}))"
    )

    def born(claimed: str, waiting: str) -> str:
        if claimed == waiting or not keyed:
            return claimed
        return f"CASE WHEN {blocked} THEN {waiting} ELSE {claimed} END"

    pending, processing = f"'{DeliveryStatus.PENDING}'", f"'{DeliveryStatus.PROCESSING}'"
    delivering, relaying = claim is BirthClaim.DELIVERY, claim is BirthClaim.RELAY
    values = {
        "event_id": "%(event_id)s",
        "subscriber": "v.column1",
        "key": "%(key)s",
        "status": born(processing if delivering else pending, pending),
        "attempts": born("1" if delivering else "0", "0"),
        "next_attempt_at": "%(now)s",
        "lease_expires_at": born("%(lease)s" if delivering else "NULL", "NULL"),
        "last_error": "''",
        "created_at": "%(now)s",
        "updated_at": "%(now)s",
        "relay_attempts": born("1" if relaying else "0", "0"),
        "relayed_for": born("0" if relaying else "NULL", "NULL"),
        "relay_lease_expires_at": born("%(relay_lease)s" if relaying else "NULL", "NULL"),
    }
    subscribers = ", ".join(f"(%(s{i})s)" for i in range(rows))
    return (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in values)}) "
        f"SELECT {', '.join(values.values())} FROM (VALUES {subscribers}) v "
        "RETURNING id, subscriber, status, relay_attempts"
    )


def _claimed(claim: BirthClaim, status: str, relay_attempts: int) -> bool:
    if claim is BirthClaim.DELIVERY:
        return status == DeliveryStatus.PROCESSING
    return claim is BirthClaim.RELAY and relay_attempts == 1


class OutboxWriter:
    """Writes events and their deliveries with statements built once (see the module docstring)."""

    def __init__(self) -> None:
        fields = StoredEvent._meta
        self._id = fields.get_field("id")
        self._payload = fields.get_field("payload")
        self._downcasts = fields.get_field("downcasts")
        self._event_id = Delivery._meta.get_field("event").target_field  # type: ignore[attr-defined]

    def write(
        self,
        event: EventRecord,
        *,
        occurred_at: dt.datetime,
        subscribers: Sequence[str],
        claim: BirthClaim,
        lease_until: dt.datetime,
        relay_lease_until: dt.datetime,
        using: str,
    ) -> tuple[WrittenDelivery, ...]:
        """Insert `event` and one delivery per subscriber on `using`'s connection, in its current transaction."""
        connection = connections[using]
        quote = connection.ops.quote_name
        with prepared_cursor(connection) as cursor:
            cursor.execute(
                _event_sql(connection.vendor, quote),
                [
                    self._id.get_db_prep_value(event.id, connection),
                    event.name,
                    event.version,
                    event.key,
                    self._payload.get_db_prep_save(event.payload, connection),
                    event.correlation_id,
                    EventOrigin.LOCAL.value,
                    connection.ops.adapt_datetimefield_value(occurred_at),
                    self._downcasts.get_db_prep_save({}, connection),
                ],
            )
            if not subscribers:
                return ()
            cursor.execute(
                _deliveries_sql(connection.vendor, quote, rows=len(subscribers), keyed=bool(event.key), claim=claim),
                self._delivery_params(event, occurred_at, subscribers, lease_until, relay_lease_until, connection),
            )
            rows = cursor.fetchall()
        return tuple(
            WrittenDelivery(id=delivery_id, subscriber=subscriber, claimed=_claimed(claim, status, relay_attempts))
            for delivery_id, subscriber, status, relay_attempts in sorted(rows)
        )

    def _delivery_params(
        self,
        event: EventRecord,
        now: dt.datetime,
        subscribers: Sequence[str],
        lease_until: dt.datetime,
        relay_lease_until: dt.datetime,
        connection: BaseDatabaseWrapper,
    ) -> dict[str, object]:
        adapt = connection.ops.adapt_datetimefield_value
        return {
            "event_id": self._event_id.get_db_prep_value(event.id, connection),
            "key": event.key,
            # The same value again: bound on the server, one parameter gets one type, and the
            # column written (text) and the column compared (varchar) would give it two.
            "blocking_key": event.key,
            "now": adapt(now),
            "lease": adapt(lease_until),
            "relay_lease": adapt(relay_lease_until),
            **{f"s{i}": subscriber for i, subscriber in enumerate(subscribers)},
        }
