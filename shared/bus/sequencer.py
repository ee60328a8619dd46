"""Positions for the outbox, in commit order: what lets a reader resume "after position N" and miss nothing.

Why not the row's own id: ids (or timestamps) are taken when a transaction writes, and
transactions commit in another order. A reader that saw ids 1..7 and resumed after 7
would skip id 6 if id 6's transaction committed after the read; PostgreSQL's sequences
and autoincrement both have that gap.

How positions are given instead: an event is written without a position. After commit
(and whenever a reader asks), `stamp` takes the lock on the outbox's single head row
(`OutboxHead`, SELECT ... FOR UPDATE), gives every committed event still without a
position the next numbers, moves the head and commits. Stampers therefore run one after
another, each sees every event committed before it took the lock, and each commits its
numbers at once. So a reader sees positions only as an unbroken prefix: an event whose
transaction commits late is simply stamped later, with a higher number than anything a
reader has seen. (PostgreSQL's pg_current_xact_id/pg_snapshot_xmin technique reaches the
same without a lock, but ties the feed to PostgreSQL; this works on SQLite too, where
the embedded mode runs, and costs one short transaction per read or batch of publishes.)

The per-key `sequence` (1, 2, 3... for the events of one ordering key) is stamped in the
same pass, so it follows commit order as well and the envelope can carry it.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max

from shared.bus.models import EventOrigin, OutboxHead, StoredEvent

STAMP_BATCH = 1000


def stamp(*, using: str = DEFAULT_DB_ALIAS, batch: int = STAMP_BATCH) -> int:
    """Give committed local events without a position the next positions; return the head.

    Events committed since the last stamp are numbered in the order they were published
    (`occurred_at`, to the microsecond), so the events of one transaction keep their order.

    Stamps at most `batch` events per call; `head()` tells whether more wait.
    """
    with transaction.atomic(using=using):
        head, _ = OutboxHead.objects.using(using).select_for_update().get_or_create(id=1)
        unstamped = list(
            StoredEvent.objects.using(using)
            .filter(origin=EventOrigin.LOCAL, position__isnull=True)
            .order_by("occurred_at", "id")
            .values_list("id", "key")[:batch]
        )
        if not unstamped:
            return head.position
        keys = {key for _, key in unstamped if key}
        last_sequence = dict(
            StoredEvent.objects.using(using)
            .filter(origin=EventOrigin.LOCAL, key__in=keys, sequence__isnull=False)
            .values("key")
            .annotate(last=Max("sequence"))
            .values_list("key", "last")
        )
        stamped = []
        for position, (event_id, key) in enumerate(unstamped, start=head.position + 1):
            sequence = None
            if key:
                sequence = last_sequence[key] = last_sequence.get(key, 0) + 1
            stamped.append(StoredEvent(id=event_id, position=position, sequence=sequence))
        StoredEvent.objects.using(using).bulk_update(stamped, ["position", "sequence"])
        head.position += len(stamped)
        head.save(using=using, update_fields=["position"])
        return head.position


def head(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """The last position stamped (0 for an empty outbox), without stamping."""
    return OutboxHead.objects.using(using).filter(id=1).values_list("position", flat=True).first() or 0
