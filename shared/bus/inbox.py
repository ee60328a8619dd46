"""The subscriber's side of a feed: take a page of envelopes into this database's inbox, and move the cursors.

Everything happens in one transaction on the subscriber's database: the received events
are stored (origin=remote), one delivery row per subscriber that wants the event and
has not passed it yet, and each of those subscribers' cursors moves to the end of the
page. A crash keeps all of it or none; a page read twice (two pullers, a retry after a
timeout) stores nothing twice, because an event is stored once by its id and a delivery
once per (event, subscriber). The deliveries then run exactly like local ones (the
Deliverer: handler and "done" in one transaction), so the inbox is the same table
whether an event came from this process or from another.

Each subscriber has its own cursor per feed, starting at 0: a subscriber deployed after
events were published reads them from the start of the feed, and one that was down
resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from shared.bus.envelope import FeedPage
from shared.bus.models import Delivery, EventOrigin, FeedCursor, StoredEvent
from shared.bus.subscriptions import Subscription


class Inbox:
    """Takes feed pages into one database for the subscribers that run here."""

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS, clock: Callable[[], dt.datetime] = timezone.now) -> None:
        self._using = using
        self._clock = clock

    def positions(self, feed: str, subscribers: Sequence[str]) -> dict[str, int]:
        """Each subscriber's cursor on `feed` (0 for one that has read nothing yet)."""
        known = dict(
            FeedCursor.objects.using(self._using)
            .filter(feed=feed, subscriber__in=subscribers)
            .values_list("subscriber", "position")
        )
        return {subscriber: known.get(subscriber, 0) for subscriber in subscribers}

    def take_in(self, feed: str, page: FeedPage, subscriptions: Sequence[Subscription]) -> list[uuid.UUID]:
        """Store the page's events for subscriptions that have not passed them; returns those given deliveries."""
        now = self._clock()
        with transaction.atomic(using=self._using):
            cursors = self._locked_cursors(feed, [s.id for s in subscriptions], now=now)
            deliveries: list[Delivery] = []
            stored: dict[uuid.UUID, StoredEvent] = {}
            for envelope in page.events:
                takers = [
                    s
                    for s in subscriptions
                    if s.name == envelope.name
                    and s.version in envelope.versions
                    and envelope.position > cursors[s.id].position
                ]
                if not takers:
                    continue
                stored[envelope.event_id] = StoredEvent(
                    id=envelope.event_id,
                    name=envelope.name,
                    version=envelope.version,
                    key=envelope.key,
                    sequence=envelope.sequence,
                    payload=envelope.payload,
                    downcasts={str(version): payload for version, payload in envelope.downcasts.items()},
                    correlation_id=envelope.correlation_id,
                    occurred_at=envelope.occurred_at,
                    origin=EventOrigin.REMOTE,
                    feed=feed,
                )
                deliveries.extend(
                    Delivery(
                        event_id=envelope.event_id,
                        subscriber=s.id,
                        key=envelope.key,
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                    for s in takers
                )
            StoredEvent.objects.using(self._using).bulk_create(stored.values(), ignore_conflicts=True)
            self._add_downcasts([e for e in stored.values() if e.downcasts])
            Delivery.objects.using(self._using).bulk_create(deliveries, ignore_conflicts=True)
            moved = [c for c in cursors.values() if c.position < page.last_position]
            for cursor in moved:
                cursor.position, cursor.updated_at = page.last_position, now
            FeedCursor.objects.using(self._using).bulk_update(moved, ["position", "updated_at"])
        return list(stored)

    def _add_downcasts(self, received: Sequence[StoredEvent]) -> None:
        """An event stored earlier for another subscriber gains the older versions a newer one asked for."""
        if not received:
            return
        kept = dict(
            StoredEvent.objects.using(self._using)
            .filter(id__in=[e.id for e in received])
            .values_list("id", "downcasts")
        )
        for event in received:
            missing = {v: p for v, p in event.downcasts.items() if v not in kept.get(event.id, {})}
            if missing:
                StoredEvent.objects.using(self._using).filter(id=event.id).update(
                    downcasts={**kept[event.id], **missing}
                )

    def _locked_cursors(self, feed: str, subscribers: Sequence[str], *, now: dt.datetime) -> Mapping[str, FeedCursor]:
        """The subscribers' cursors, created at 0 where missing, locked until the transaction ends."""
        FeedCursor.objects.using(self._using).bulk_create(
            (FeedCursor(feed=feed, subscriber=s, position=0, updated_at=now) for s in subscribers),
            ignore_conflicts=True,
        )
        locked = FeedCursor.objects.using(self._using).select_for_update().filter(feed=feed, subscriber__in=subscribers)
        return {cursor.subscriber: cursor for cursor in locked}
