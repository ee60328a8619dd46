"""The publisher's side of the feed: its outbox read in position order, as envelopes.

    read_feed(after=1040, limit=100, wanted={"orders.OrderConfirmed": {1}}, registry=registry)

Only events published here are served (never ones this process received from another
feed). `wanted` names the events and versions the reader subscribes to; other events are
passed over, but `last_position` still moves past them, so a reader never rereads what
it does not want. Each served envelope carries the payload at every wanted older version
this process knows how to make (the event's downcasts).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from shared.bus.envelope import Envelope, FeedPage
from shared.bus.models import EventOrigin, StoredEvent
from shared.bus.sequencer import stamp
from shared.events import event_meta
from shared.interfaces import Registry

MAX_PAGE = 500


def read_feed(
    *,
    after: int,
    limit: int,
    wanted: Mapping[str, Set[int]],
    registry: Registry,
    using: str = DEFAULT_DB_ALIAS,
) -> FeedPage:
    """Up to `limit` wanted events after position `after`, stamping what committed since the last read."""
    head = stamp(using=using)
    rows = list(
        StoredEvent.objects.using(using)
        .filter(origin=EventOrigin.LOCAL, position__gt=after, position__lte=head, name__in=list(wanted))
        .order_by("position")[:limit]
    )
    last_position = rows[-1].position if len(rows) == limit else head
    return FeedPage(
        after=after,
        events=tuple(Envelope.of(row, downcasts=_downcasts(row, wanted[row.name], registry)) for row in rows),
        last_position=max(last_position or after, after),
        head=head,
    )


def _downcasts(row: StoredEvent, versions: Set[int], registry: Registry) -> dict[int, Any]:
    published = registry.event_type(row.name, row.version)
    if published is None:
        return {}
    meta = event_meta(published)
    return {version: meta.payload_as(row.payload, version) for version in versions if version in meta.downcasts}
