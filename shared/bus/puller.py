"""Pulling: a subscriber process reads each publisher's feed from its cursors and takes the events in.

    for every feed in the placement (shared.bus.placement) with subscribers running here:
        after = the lowest cursor of those subscribers
        page  = feed.read(after, wanted = the names and versions they subscribe to)
        inbox.take_in(page)            # events, deliveries and cursors in one transaction
        hand each new event to the transport (in-process: run the handlers; Celery: relay)
        read again at once while the page ended before the feed's head

Pulls run on the sweep (`bus.sweep` from beat every BUS_SWEEP_SECONDS, or `manage.py bus
work`), and at once when a nudge says a feed moved (shared.bus.nudge). The nudge only
makes delivery prompt: a lost nudge costs at most one sweep interval, and a feed that
cannot be read costs nothing but time, since the cursors stay where they were.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence, Set
from typing import Protocol

from shared.bus.envelope import FeedPage
from shared.bus.inbox import Inbox
from shared.bus.subscriptions import Subscription


class FeedSource(Protocol):
    name: str
    """The feed's name in cursors."""

    def read(self, *, after: int, limit: int, wanted: Mapping[str, Set[int]]) -> FeedPage:
        """The wanted events after position `after` (raise if the feed cannot be read)."""


class Puller:
    """Reads feeds into the inbox and hands new events on."""

    def __init__(self, *, inbox: Inbox, hand_off: Callable[[uuid.UUID], None], page_size: int) -> None:
        self._inbox = inbox
        self._hand_off = hand_off
        self._page_size = page_size

    def pull(self, source: FeedSource, subscriptions: Sequence[Subscription]) -> int:
        """Take in everything `source` has for `subscriptions`; returns how many events were received."""
        wanted: dict[str, set[int]] = {}
        for subscription in subscriptions:
            wanted.setdefault(subscription.name, set()).add(subscription.version)
        received = 0
        while True:
            after = min(self._inbox.positions(source.name, [s.id for s in subscriptions]).values())
            page = source.read(after=after, limit=self._page_size, wanted=wanted)
            for event_id in self._inbox.take_in(source.name, page, subscriptions):
                self._hand_off(event_id)
            received += len(page.events)
            if page.last_position >= page.head or page.last_position <= after:
                return received
