"""The bus's backlog per subscriber: what `manage.py bus stats` shows, and /metrics exports (shared.bus.metrics)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Min, Q

from shared.bus.models import NOT_DONE, UNFINISHED, Delivery, DeliveryStatus
from shared.bus.relay import owed_a_message, owed_a_message_params
from shared.db import database_aliases


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SubscriberBacklog:
    subscriber: str
    pending: int
    processing: int
    failed: int
    """Failed at least once and waiting for a retry."""
    dead: int
    """Out of attempts: an operator decides (`bus show`, `bus replay`)."""
    unsent: int
    """Due now, and no relay has a message for it in the broker (BUS_TRANSPORT=celery)."""
    oldest_unfinished_at: dt.datetime | None
    """When the oldest pending, processing or failed delivery was published."""


def backlog_by_subscriber(*, now: dt.datetime, using: str = DEFAULT_DB_ALIAS) -> list[SubscriberBacklog]:
    """Every subscriber with deliveries not done in database `using`, by subscriber id.

    Done rows are never counted (they only grow).
    """

    def count(status: str) -> Count:
        return Count("id", filter=Q(status=status))

    rows = (
        Delivery.objects.using(using)
        .filter(status__in=NOT_DONE)  # `IN` matches the not-done partial index; `<> 'done'` would not
        .values("subscriber")
        .annotate(
            pending=count(DeliveryStatus.PENDING),
            processing=count(DeliveryStatus.PROCESSING),
            failed=count(DeliveryStatus.FAILED),
            dead=count(DeliveryStatus.DEAD),
            oldest_unfinished_at=Min("created_at", filter=Q(status__in=UNFINISHED)),
        )
        .order_by("subscriber")
    )
    unsent = _unsent_by_subscriber(now=now, using=using)
    return [SubscriberBacklog(**row, unsent=unsent.get(row["subscriber"], 0)) for row in rows]


def backlog_in_every_database(*, now: dt.datetime) -> list[SubscriberBacklog]:
    """`backlog_by_subscriber` of every database alias (shared.db.database_aliases), one row per subscriber.

    A subscriber's deliveries are in its domain's database; rows left in another one (its
    domain moved to a database of its own) are added to the same subscriber's row.
    """
    merged: dict[str, SubscriberBacklog] = {}
    for alias in database_aliases():
        for row in backlog_by_subscriber(now=now, using=alias):
            seen = merged.get(row.subscriber)
            merged[row.subscriber] = row if seen is None else _sum(seen, row)
    return [merged[subscriber] for subscriber in sorted(merged)]


def _sum(a: SubscriberBacklog, b: SubscriberBacklog) -> SubscriberBacklog:
    oldest = [at for at in (a.oldest_unfinished_at, b.oldest_unfinished_at) if at is not None]
    return SubscriberBacklog(
        subscriber=a.subscriber,
        pending=a.pending + b.pending,
        processing=a.processing + b.processing,
        failed=a.failed + b.failed,
        dead=a.dead + b.dead,
        unsent=a.unsent + b.unsent,
        oldest_unfinished_at=min(oldest) if oldest else None,
    )


def _unsent_by_subscriber(*, now: dt.datetime, using: str) -> dict[str, int]:
    """Deliveries owed a message by the relay, by subscriber (the relay's own condition, shared.bus.relay)."""
    connection = connections[using]
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.subscriber, COUNT(*) FROM {table} d WHERE {owed_a_message(connection)} GROUP BY d.subscriber",
            owed_a_message_params(now, connection),
        )
        return dict(cursor.fetchall())
