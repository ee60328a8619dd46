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

Claiming is one statement: an UPDATE of the rows a SELECT ... FOR UPDATE SKIP LOCKED
picks (on PostgreSQL), so relays running at once take disjoint rows without waiting for
each other; it bumps `relay_attempts`, the fencing token, sets the lease and RETURNs the
tokens. It is written in SQL because it runs after every commit that publishes: the ORM
spent several times the database's own time building the same query (bench.bus_celery). Recording "sent" (or
releasing after a failed send) is fenced by that token: a relay that stalled past its
lease and wakes up after another relay re-claimed the row changes nothing. It may
still have sent a duplicate; that is what at-least-once means, and the Deliverer's inbox
makes the duplicate harmless.

SQLite has no row locks, so the claim there has no FOR UPDATE: one UPDATE statement is
atomic and holds the database's write lock while it runs, so relays claim one after
another instead of side by side, and still never claim the same row twice.

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

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q

from shared.bus.config import BusSettings
from shared.bus.models import RETRYABLE, UNFINISHED, Delivery
from shared.bus.outbox import Published

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, delivery_id: int, *, database: str = DEFAULT_DB_ALIAS) -> None:
        """Hand one delivery (of the bus tables in database alias `database`) to the broker; raise if it refused."""


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: int
    token: int
    """`relay_attempts` right after this claim: the fencing token for recording the outcome."""


def owed_a_message(connection: BaseDatabaseWrapper) -> str:
    """SQL condition on the delivery table aliased `d`: due now, in key order, and no message covers it.

    A message covers a row when a relay claimed it for its current attempt and that
    claim's lease (or, once sent, the trust in its queued message) has not run out.
    Its parameters come from `owed_a_message_params`.
    """
    quote = connection.ops.quote_name
    table, key = quote(Delivery._meta.db_table), quote("key")
    return f"""
        d.status IN ({", ".join(["%s"] * len(RETRYABLE))}) AND d.next_attempt_at <= %s
        AND (d.{key} = '' OR NOT EXISTS (
            SELECT 1 FROM {table} o
            WHERE o.subscriber = d.subscriber AND o.{key} = d.{key} AND o.id < d.id
            AND o.status IN ({", ".join(["%s"] * len(UNFINISHED))})))
        AND (d.relay_lease_expires_at IS NULL OR d.relay_lease_expires_at <= %s
             OR d.relayed_for IS NULL OR d.relayed_for <> d.attempts)
    """


def owed_a_message_params(now: dt.datetime, connection: BaseDatabaseWrapper) -> list[object]:
    at = connection.ops.adapt_datetimefield_value(now)
    return [*map(str, RETRYABLE), at, *map(str, UNFINISHED), at]


def _claim_sql(connection: BaseDatabaseWrapper, *, scope: str, limit: int) -> str:
    table = connection.ops.quote_name(Delivery._meta.db_table)
    lock = "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    owed = owed_a_message(connection)
    return f"""
        UPDATE {table}
        SET relay_attempts = relay_attempts + 1, relayed_for = attempts, relay_lease_expires_at = %s
        WHERE id IN (
            SELECT d.id FROM {table} d WHERE {scope} AND {owed} ORDER BY d.id LIMIT {int(limit)} {lock}
        )
        RETURNING id, relay_attempts
    """


class Relay:
    """Claims deliveries owed a message, sends them through `sender`, records what was sent."""

    def __init__(
        self,
        *,
        sender: Sender,
        settings: Callable[[], BusSettings],
        clock: Callable[[], dt.datetime],
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self._sender = sender
        self._settings = settings
        self._clock = clock
        self._using = using

    def relay_event(self, event_id: uuid.UUID) -> int:
        """Send the deliveries of a freshly committed event; returns how many were sent."""
        return self.send(self.claim(event_id=event_id))

    def relay_published(self, published: Published) -> int:
        """Send the deliveries a publisher's transaction wrote claimed for the relay; returns how many were sent.

        They were born with token 1 and trusted for the resend window (shared.bus.outbox), so
        a successful send records nothing: sending is the whole cost after commit. Those born
        waiting behind an older delivery with their key go through the ordinary claim.
        """
        claims = [Claim(delivery_id=d.id, token=1) for d in published.deliveries if d.claimed]
        sent = self.send(claims, record_sent=False)
        waiting = [d.id for d in published.deliveries if not d.claimed]
        # Born behind an older delivery with their key: claimed now, after commit, in case
        # the older one finished meanwhile (its worker could not see these before they committed).
        return sent + (self.relay_deliveries(waiting) if waiting else 0)

    def relay_deliveries(self, delivery_ids: Iterable[int]) -> int:
        """Send these deliveries, if they are owed a message (after a replay, say)."""
        return self.send(self.claim(delivery_ids=delivery_ids))

    def relay_due(self, *, limit: int | None = None) -> int:
        """The sweep: send whatever is owed a message, oldest first, at most `limit` rows."""
        return self.send(self.claim(limit=limit))

    def claim(
        self,
        *,
        event_id: uuid.UUID | None = None,
        delivery_ids: Iterable[int] | None = None,
        limit: int | None = None,
    ) -> list[Claim]:
        """Take up to `limit` deliveries owed a message (of one event, or among some ids) under a lease."""
        now = self._clock()
        settings = self._settings()
        connection = connections[self._using]
        scope, scope_params = "1 = 1", []
        if event_id is not None:
            event_field = Delivery._meta.get_field("event").target_field  # type: ignore[attr-defined]
            scope, scope_params = "d.event_id = %s", [event_field.get_db_prep_value(event_id, connection)]
        elif delivery_ids is not None:
            ids = [int(i) for i in delivery_ids]
            if not ids:
                return []
            scope, scope_params = f"d.id IN ({', '.join(['%s'] * len(ids))})", ids
        lease = connection.ops.adapt_datetimefield_value(now + settings.relay_lease)
        with connection.cursor() as cursor:
            cursor.execute(
                _claim_sql(connection, scope=scope, limit=limit or settings.relay_batch),
                [lease, *scope_params, *owed_a_message_params(now, connection)],
            )
            claimed = sorted(cursor.fetchall())
        return [Claim(delivery_id=delivery_id, token=token) for delivery_id, token in claimed]

    def send(self, claims: Sequence[Claim], *, record_sent: bool = True) -> int:
        """Send claimed deliveries in order; stop at the first refusal and release the rest."""
        sent: list[Claim] = []
        for index, claim in enumerate(claims):
            try:
                self._sender.send(claim.delivery_id, database=self._using)
            except Exception:
                # The broker is down or refused: the next sweep tries again, so do not wait
                # for the lease. Trying the rest now would only pay the same timeout again.
                logger.exception(
                    "bus.relay.send_failed", extra={"delivery_id": claim.delivery_id, "unsent": len(claims) - index}
                )
                self._record(claims[index:], relay_lease_expires_at=None)
                break
            sent.append(claim)
        if record_sent:
            self._record(sent, relay_lease_expires_at=self._clock() + self._settings().relay_resend)
        return len(sent)

    def _record(self, claims: Sequence[Claim], *, relay_lease_expires_at: dt.datetime | None) -> int:
        """Set the lease of claims still held (fenced by their token); stale claims change nothing."""
        if not claims:
            return 0
        held = reduce(or_, (Q(id=c.delivery_id, relay_attempts=c.token) for c in claims))
        return Delivery.objects.using(self._using).filter(held).update(relay_lease_expires_at=relay_lease_expires_at)
