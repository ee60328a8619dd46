"""The two statements of a delivery attempt: the claim, and the completion that also names the next in line.

    claim       UPDATE ... SET processing, attempts + 1 WHERE due, not taken, in key order
                RETURNING the delivery and, by scalar subqueries, its event
    complete    UPDATE ... SET done WHERE still ours (processing, same attempt number)
                RETURNING the next delivery waiting for this one (same subscriber and key)

They run for every delivery, so they are SQL built once per database vendor, not querysets
rebuilt per call (the ORM spent more time building the claim, with its key-order subquery,
than the database spent running it), and prepared once per connection on PostgreSQL
(shared.db.prepared: planning them cost more than running them). Each runs on the
connection of the alias it is given: the database of the subscriber's domain, where its
inbox is.

A claim made on its own (not inside a caller's transaction) commits without waiting for
its WAL record to reach disk (PostgreSQL's synchronous_commit off, for that transaction
alone): a crash can only forget it, and a forgotten claim is one that never happened. The
delivery is then still owed to a worker exactly as before the claim, and the relay's resend
window or the sweep brings it back. Nothing can build on a claim the server forgot: the
attempt's outcome commits in a later transaction, and PostgreSQL's log is flushed in order,
so that commit reaching disk takes the claim with it. That saves a disk flush per delivery
(about 1.6 ms on this project's machine).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from typing import Any

from django.db import connections

from shared.bus.models import RETRYABLE, UNFINISHED, Delivery, DeliveryStatus, StoredEvent
from shared.bus.outbox import EventRecord
from shared.db.prepared import prepared_cursor


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedDelivery:
    """A delivery taken by this process for attempt `attempt`, with its event."""

    id: int
    subscriber: str
    key: str
    attempt: int
    event: EventRecord
    using: str


def _in(statuses: tuple[str, ...]) -> str:
    return ", ".join(f"'{status}'" for status in statuses)


NO_FLUSH_AT_COMMIT = "set_config('synchronous_commit', 'off', true) IS NOT NULL AND "
"""A condition that is always true and, as a side effect, lets this transaction alone commit without a disk flush."""


@functools.cache
def _claim_sql(vendor: str, quote: Any, *, own_transaction: bool = False) -> str:
    table, events, key = quote(Delivery._meta.db_table), quote(StoredEvent._meta.db_table), quote("key")

    def event_column(column: str) -> str:
        return f"(SELECT e.{quote(column)} FROM {events} e WHERE e.id = {table}.event_id)"

    unflushed = NO_FLUSH_AT_COMMIT if own_transaction and vendor == "postgresql" else ""
    return (
        f"UPDATE {table} SET status = '{DeliveryStatus.PROCESSING}', attempts = attempts + 1, "
        "lease_expires_at = %s, updated_at = %s "
        f"WHERE {unflushed}id = %s AND status IN ({_in(RETRYABLE)}) AND next_attempt_at <= %s "
        f"AND ({table}.{key} = '' OR NOT EXISTS (SELECT 1 FROM {table} o WHERE o.subscriber = {table}.subscriber "
        f"AND o.{key} = {table}.{key} AND o.id < {table}.id AND o.status IN ({_in(UNFINISHED)}))) "
        f"RETURNING id, subscriber, {key}, attempts, event_id, "
        + ", ".join(event_column(c) for c in ("name", "version", "payload", "correlation_id", "downcasts"))
    )


@functools.cache
def _complete_sql(vendor: str, quote: Any, *, keyed: bool) -> str:
    table, key = quote(Delivery._meta.db_table), quote("key")
    successor = (
        f"(SELECT MIN(o.id) FROM {table} o WHERE o.subscriber = {table}.subscriber AND o.{key} = {table}.{key} "
        f"AND o.id > {table}.id AND o.status IN ({_in(RETRYABLE)}))"
        if keyed
        else "NULL"
    )
    return (
        f"UPDATE {table} SET status = '{DeliveryStatus.DONE}', completed_at = %s, updated_at = %s, "
        f"lease_expires_at = NULL WHERE id = %s AND status = '{DeliveryStatus.PROCESSING}' AND attempts = %s "
        f"RETURNING {successor}"
    )


def claim(delivery_id: int, *, now: dt.datetime, lease_until: dt.datetime, using: str) -> ClaimedDelivery | None:
    """Take the delivery for its next attempt (one conditional UPDATE); None if it is not ours to run now."""
    connection = connections[using]
    adapt = connection.ops.adapt_datetimefield_value
    # In its own transaction (autocommit) it may skip the flush at commit; inside a caller's
    # transaction that would relax the caller's commit too (see the module docstring).
    own_transaction = not connection.in_atomic_block
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            _claim_sql(connection.vendor, connection.ops.quote_name, own_transaction=own_transaction),
            [adapt(lease_until), adapt(now), delivery_id, adapt(now)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    delivery_id, subscriber, key, attempt, event_id, name, version, payload, correlation_id, downcasts = row
    json = StoredEvent._meta.get_field("payload")
    return ClaimedDelivery(
        id=delivery_id,
        subscriber=subscriber,
        key=key,
        attempt=attempt,
        event=EventRecord(
            id=event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(event_id),
            name=name,
            version=version,
            key=key,
            payload=json.from_db_value(payload, None, connection),
            correlation_id=correlation_id,
            downcasts=json.from_db_value(downcasts, None, connection) or {},
        ),
        using=using,
    )


def complete(delivery: ClaimedDelivery, *, now: dt.datetime) -> tuple[bool, int | None]:
    """Mark the attempt done if it is still ours; (done, the id of the next delivery waiting for this one)."""
    connection = connections[delivery.using]
    at = connection.ops.adapt_datetimefield_value(now)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            _complete_sql(connection.vendor, connection.ops.quote_name, keyed=bool(delivery.key)),
            [at, at, delivery.id, delivery.attempt],
        )
        row = cursor.fetchone()
    if row is None:
        return False, None
    return True, row[0]
