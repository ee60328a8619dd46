"""The relay: moves committed deliveries from the outbox to a broker, each once in normal operation.

Where its state lives: on `Delivery`, not on `StoredEvent`. The unit of work on the
worker side is one delivery (one event for one subscriber): it fails, retries, dies and
is replayed on its own, it is ordered per (subscriber, key), and once a subscriber's
domain runs as its own service, its deliveries go to that service's queue. One message
per delivery keeps all of that out of the worker, at the price of one message per
subscriber instead of one per event.

A delivery as the relay sees it:

    owed a message --claim--> being sent --sent--> queued in the broker --a worker claims it--> (Deliverer)
         ^                      |  |                    |
         |  send failed --------+  |                    |
         |  (released at once)     |                    |
         +-- relay died: its ------+                    |
         |   lease expires                              |
         +-- not picked up within BUS_RELAY_RESEND_SECONDS (the broker lost it: Redis restarted)
         +-- the attempt failed (the next one is owed a message), or an operator replayed it

A delivery is owed a message when it is pending or failed, due, not held back by the
ordering promise, and either no relay has claimed it for its current attempt
(`relayed_for != attempts`) or the relay's lease on it has run out.

Claiming is one short transaction: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so
relays running at once take disjoint rows without waiting for each other, then an UPDATE
that bumps `relay_attempts`, the fencing token, and sets the lease. Recording "sent" (or
releasing after a failed send) is fenced by that token: a relay that stalled past its
lease and wakes up after another relay re-claimed the row changes nothing. It may
still have sent a duplicate; that is what at-least-once means, and the Deliverer's inbox
makes the duplicate harmless.

SQLite has no row locks; Django drops FOR UPDATE there. The claim transaction begins
with BEGIN IMMEDIATE (config.settings sets transaction_mode), which takes the database's
write lock up front: relays then claim one after another instead of side by side, and
still never claim the same row twice.

Ordering promise: for events published with a key, a delivery is not sent while an
older delivery to the same subscriber with the same key is unfinished (pending,
processing or failed). The Deliverer enforces the same rule when the message arrives,
so a message that overtakes another one is held back there too. A dead delivery does
not hold the line: the operator sees it and decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import reduce
from operator import or_
from typing import Protocol

from django.db import transaction
from django.db.models import F, Q

from shared.bus.config import BusSettings
from shared.bus.delivery import in_key_order
from shared.bus.models import RETRYABLE, Delivery

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, delivery_id: int) -> None:
        """Hand one delivery to the broker; raise if the broker did not take it."""


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: int
    token: int
    """`relay_attempts` right after this claim: the fencing token for recording the outcome."""


def owed_a_message(now: dt.datetime) -> Q:
    """Deliveries due now that no live relay claim or trusted queued message covers."""
    not_covered = (
        Q(relay_lease_expires_at__isnull=True) | Q(relay_lease_expires_at__lte=now) | ~Q(relayed_for=F("attempts"))
    )
    return Q(status__in=RETRYABLE, next_attempt_at__lte=now) & in_key_order() & not_covered


class Relay:
    """Claims deliveries owed a message, sends them through `sender`, records what was sent."""

    def __init__(
        self, *, sender: Sender, settings: Callable[[], BusSettings], clock: Callable[[], dt.datetime]
    ) -> None:
        self._sender = sender
        self._settings = settings
        self._clock = clock

    def relay_event(self, event_id: uuid.UUID) -> int:
        """Send the deliveries of a freshly committed event; returns how many were sent."""
        return self._relay(Q(event_id=event_id))

    def relay_deliveries(self, delivery_ids: Iterable[int]) -> int:
        """Send these deliveries, if they are owed a message (after a replay, say)."""
        return self._relay(Q(id__in=list(delivery_ids)))

    def relay_due(self, *, limit: int | None = None) -> int:
        """The sweep: send whatever is owed a message, oldest first, at most `limit` rows."""
        return self._relay(Q(), limit=limit)

    def _relay(self, scope: Q, *, limit: int | None = None) -> int:
        return self.send(self.claim(scope, limit=limit or self._settings().relay_batch))

    def claim(self, scope: Q, *, limit: int) -> list[Claim]:
        """Take up to `limit` deliveries in `scope` for this relay, under a lease."""
        now = self._clock()
        with transaction.atomic():
            ids = list(
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(scope, owed_a_message(now))
                .order_by("id")
                .values_list("id", flat=True)[:limit]
            )
            if not ids:
                return []
            Delivery.objects.filter(id__in=ids).update(
                relay_attempts=F("relay_attempts") + 1,
                relayed_for=F("attempts"),
                relay_lease_expires_at=now + self._settings().relay_lease,
            )
            tokens = Delivery.objects.filter(id__in=ids).order_by("id").values_list("id", "relay_attempts")
            return [Claim(delivery_id=delivery_id, token=token) for delivery_id, token in tokens]

    def send(self, claims: Sequence[Claim]) -> int:
        """Send claimed deliveries in order; stop at the first refusal and release the rest."""
        sent: list[Claim] = []
        for index, claim in enumerate(claims):
            try:
                self._sender.send(claim.delivery_id)
            except Exception:
                # The broker is down or refused: the next sweep tries again, so do not wait
                # for the lease. Trying the rest now would only pay the same timeout again.
                logger.exception(
                    "bus.relay.send_failed", extra={"delivery_id": claim.delivery_id, "unsent": len(claims) - index}
                )
                self._record(claims[index:], relay_lease_expires_at=None)
                break
            sent.append(claim)
        self._record(sent, relay_lease_expires_at=self._clock() + self._settings().relay_resend)
        return len(sent)

    def _record(self, claims: Sequence[Claim], *, relay_lease_expires_at: dt.datetime | None) -> int:
        """Set the lease of claims still held (fenced by their token); stale claims change nothing."""
        if not claims:
            return 0
        held = reduce(or_, (Q(id=c.delivery_id, relay_attempts=c.token) for c in claims))
        return Delivery.objects.filter(held).update(relay_lease_expires_at=relay_lease_expires_at)
