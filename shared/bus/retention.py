"""Retention: deleting finished bus rows, in batches, so the bus's tables stay the size of its recent work.

    python manage.py bus prune --older-than 7d [--dry-run] [--dead] [--batch 1000]

What goes: deliveries done (and, with `--dead`, dead) before the cutoff, then events
stored before the cutoff that no delivery refers to any more. What never goes: pending,
processing and failed deliveries (work still owed: let it finish, or replay it), dead
ones unless asked (an operator has not decided yet), and the inbox's feed cursors.

The outbox is also this service's feed (shared.bus.feed): a local event pruned here can
no longer be read by a subscriber service whose cursor is behind it. So only events that
already have a feed position go, and `--older-than` must be longer than any subscriber
service may stay down (7 days is a safe default for a shop that notices an outage within
hours).

Each batch is one DELETE of at most `batch` rows by primary key, in its own transaction,
oldest first: the bus keeps working between batches, and no lock is held for long.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Exists, OuterRef

from shared.bus.models import Delivery, DeliveryStatus, EventOrigin, StoredEvent


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Pruned:
    """Rows deleted (or, on a dry run, that would be)."""

    deliveries: int
    events: int


def prune(
    *, before: dt.datetime, statuses: Sequence[str], batch: int, dry_run: bool, using: str = DEFAULT_DB_ALIAS
) -> Pruned:
    """Delete deliveries finished with `statuses` before `before`, then the events left without deliveries."""
    unfinished = set(statuses) - {DeliveryStatus.DONE, DeliveryStatus.DEAD}
    if unfinished:
        raise ValueError(f"Only done and dead deliveries may be pruned, not {sorted(unfinished)}.")
    deliveries = Delivery.objects.using(using).filter(status__in=list(statuses), updated_at__lt=before)
    events = (
        StoredEvent.objects.using(using)
        .filter(occurred_at__lt=before)
        .exclude(origin=EventOrigin.LOCAL, position__isnull=True)  # not yet in the feed
        .filter(~Exists(Delivery.objects.using(using).filter(event_id=OuterRef("id"))))
    )
    if dry_run:
        kept_by_deliveries = Delivery.objects.using(using).exclude(id__in=deliveries.values("id"))
        would_go = (
            StoredEvent.objects.using(using)
            .filter(occurred_at__lt=before)
            .exclude(origin=EventOrigin.LOCAL, position__isnull=True)
            .filter(~Exists(kept_by_deliveries.filter(event_id=OuterRef("id"))))
        )
        return Pruned(deliveries=deliveries.count(), events=would_go.count())
    return Pruned(
        deliveries=_delete_in_batches(Delivery, deliveries.values_list("id", flat=True), batch=batch, using=using),
        events=_delete_in_batches(StoredEvent, events.values_list("id", flat=True), batch=batch, using=using),
    )


def _delete_in_batches(model: type[Delivery] | type[StoredEvent], ids: object, *, batch: int, using: str) -> int:
    """DELETE ... WHERE id IN (the next `batch` ids), one transaction each, until none is left."""
    table = connections[using].ops.quote_name(model._meta.db_table)
    deleted = 0
    while True:
        with transaction.atomic(using=using):
            chunk = list(ids.order_by("pk")[:batch])  # type: ignore[attr-defined]
            if not chunk:
                return deleted
            field = model._meta.pk
            with connections[using].cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                    [field.get_db_prep_value(i, connections[using]) for i in chunk],
                )
                deleted += cursor.rowcount
