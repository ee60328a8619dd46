"""Running handlers: claim a delivery, run its handler, record the outcome.

The life of a delivery:

    pending --claim--> processing --handler ok--> done
       ^                   |
       |                   +--handler raised--> failed --(backoff elapsed)--> claimed again
       |                   |                       \\--(max attempts)--> dead
       +---- replay -------+--lease expired (process died)--> failed / dead
                           +--taken back (broker redelivered: worker lost)--> failed / dead

A claim is one conditional UPDATE, so two processes never both run a delivery. The
handler's writes and the switch to done commit in one transaction, fenced by the attempt
number taken at claim time: a process that lost its lease rolls its effects back
instead of overwriting a newer attempt.

Ordering promise: for events published with a key (see shared.events), a subscriber
receives them in publish order. A delivery waits while an older delivery to the same
subscriber with the same key is pending, processing or failed. A dead delivery does
not hold the line: the operator sees it and decides.

Taking back early: a broker that redelivers a message because the worker holding it
died (shared.bus.tasks) proves the attempt in processing is over, so the delivery is taken
back at once rather than when its lease expires. If the attempt was in fact still alive
(a clock or configuration gone wrong), nothing is done twice: its fenced UPDATE finds
the row taken and rolls its writes back.

A handler may ask which attempt it serves (`current_attempt()`): one that calls a flaky
outside service raises to be retried with backoff, and on its last attempt records the
failure as a fact of its domain instead of going dead (billing gives up on a payment so).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import traceback
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from shared import wire
from shared.bus.config import BusSettings
from shared.bus.envelope import VERSION_NOT_CARRIED
from shared.bus.models import RETRYABLE, UNFINISHED, Delivery, DeliveryStatus, StoredEvent
from shared.bus.subscriptions import Router, Subscription
from shared.correlation import correlation_scope
from shared.events import event_meta
from shared.interfaces import Registry
from shared.observability.metrics import EVENT_DELIVERIES
from shared.work_context import log_scope

logger = logging.getLogger(__name__)

MAX_ERROR_TEXT = 20_000

NO_SUBSCRIBER = (
    "No subscriber {subscriber!r} is registered in this process. If it was renamed, "
    "subscriber ids must stay stable; if it was removed, replaying this delivery is pointless."
)
UNKNOWN_EVENT = (
    "Event {name} v{version} is not declared by any registered interface in this process; "
    "deploy the publisher's interface version here before replaying."
)
LEASE_EXPIRED = (
    "The process delivering this event stopped or ran past its lease of {seconds:g}s "
    "(BUS_LEASE_SECONDS); the delivery was taken back."
)
WORKER_LOST = (
    "The worker running attempt {attempt} was lost (the broker redelivered its message); "
    "the delivery was taken back. If this repeats, the handler kills its process: see the worker's log."
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryAttempt:
    """Which attempt of a delivery the running handler serves."""

    number: int
    """1 for the first attempt; redeliveries count up."""
    max_attempts: int
    """BUS_MAX_ATTEMPTS when the attempt started: a failure on this attempt makes the delivery dead."""

    @property
    def is_last(self) -> bool:
        return self.number >= self.max_attempts


_current_attempt: ContextVar[DeliveryAttempt | None] = ContextVar("bus_delivery_attempt", default=None)


def current_attempt() -> DeliveryAttempt | None:
    """The attempt the running handler serves, or None when not called by the bus."""
    return _current_attempt.get()


class Outcome(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"
    SKIPPED = "skipped"
    """Not due, already taken by another process, already done, or waiting for an older event."""


class _LeaseLost(Exception):
    """The delivery was reclaimed while its handler ran; the handler's writes are rolled back."""


class Deliverer:
    """Runs the handlers of stored deliveries in this process."""

    def __init__(
        self,
        *,
        registry: Registry,
        router: Router,
        settings: Callable[[], BusSettings] = BusSettings.from_django,
        clock: Callable[[], dt.datetime] = timezone.now,
    ) -> None:
        self._registry = registry
        self._router = router
        self._settings = settings
        self._clock = clock

    @property
    def settings(self) -> Callable[[], BusSettings]:
        """Where this deliverer reads its settings (a relay working beside it uses the same)."""
        return self._settings

    @property
    def clock(self) -> Callable[[], dt.datetime]:
        return self._clock

    def deliver_event(self, event_id: uuid.UUID) -> list[Outcome]:
        """Deliver every due delivery of one event (called right after the publisher commits)."""
        ids = (
            Delivery.objects.filter(event_id=event_id, status__in=RETRYABLE).order_by("id").values_list("id", flat=True)
        )
        return [self.deliver(delivery_id) for delivery_id in list(ids)]

    def deliver(self, delivery_id: int, *, abandoned: bool = False) -> Outcome:
        """Claim and run one delivery; then release any keyed deliveries that waited for it.

        `abandoned=True` says the process that ran the latest attempt is known to be gone
        (its broker message came back): a delivery still in processing is taken back now,
        as failed (or dead when out of attempts), instead of after its lease.
        """
        if abandoned and self._take_back(delivery_id) is Outcome.DEAD:
            return Outcome.DEAD
        outcome, delivery = self._deliver_one(delivery_id)
        while outcome is Outcome.DONE and delivery is not None and delivery.key:
            successor = (
                Delivery.objects.filter(
                    subscriber=delivery.subscriber, key=delivery.key, id__gt=delivery.id, status__in=RETRYABLE
                )
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
            if successor is None:
                break
            outcome_of_successor, delivery = self._deliver_one(successor)
            if outcome_of_successor is not Outcome.DONE:
                break
        return outcome

    def _deliver_one(self, delivery_id: int) -> tuple[Outcome, Delivery | None]:
        now = self._clock()
        settings = self._settings()
        if not self._claim(delivery_id, now=now, settings=settings):
            return Outcome.SKIPPED, None
        delivery = Delivery.objects.select_related("event").get(id=delivery_id)
        # Every line of the attempt, the handler's and the outcome's, is logged under the
        # event's correlation id and in the subscriber's domain ('catalog.x' is catalog's).
        domain = delivery.subscriber.split(".", 1)[0]
        with correlation_scope(delivery.event.correlation_id), log_scope(domain=domain):
            return self._attempt(delivery, settings), delivery

    def _attempt(self, delivery: Delivery, settings: BusSettings) -> Outcome:
        """Run the claimed delivery's handler and record how it ended."""
        delivery_id, attempt = delivery.id, delivery.attempts
        try:
            subscription = self._router.get(delivery.subscriber)
            if subscription is None:
                raise LookupError(NO_SUBSCRIBER.format(subscriber=delivery.subscriber))
            event = self._decode(delivery.event, subscription)
            attempt_token = _current_attempt.set(DeliveryAttempt(number=attempt, max_attempts=settings.max_attempts))
            with transaction.atomic():
                try:
                    subscription.handler(event)
                finally:
                    _current_attempt.reset(attempt_token)
                finished = Delivery.objects.filter(
                    id=delivery_id, status=DeliveryStatus.PROCESSING, attempts=attempt
                ).update(
                    status=DeliveryStatus.DONE,
                    completed_at=self._clock(),
                    updated_at=self._clock(),
                    lease_expires_at=None,
                )
                if finished != 1:
                    raise _LeaseLost
        except _LeaseLost:
            logger.warning("bus.delivery.lease_lost", extra={"delivery_id": delivery_id, "attempt": attempt})
            return Outcome.SKIPPED
        except Exception:
            retry_at = self._clock() + settings.retry_delay(attempt)
            return self._end_attempt(delivery, attempt, error=traceback.format_exc(), retry_at=retry_at)
        EVENT_DELIVERIES.labels(delivery.event.name, delivery.subscriber, Outcome.DONE).inc()
        return Outcome.DONE

    def _take_back(self, delivery_id: int) -> Outcome | None:
        """End an attempt whose process died: failed and due now, or dead if it was the last one."""
        delivery = (
            Delivery.objects.select_related("event").filter(id=delivery_id, status=DeliveryStatus.PROCESSING).first()
        )
        if delivery is None:
            return None
        error = WORKER_LOST.format(attempt=delivery.attempts)
        return self._end_attempt(delivery, delivery.attempts, error=error, retry_at=self._clock())

    def _claim(self, delivery_id: int, *, now: dt.datetime, settings: BusSettings) -> bool:
        """Take the delivery for this process (one conditional UPDATE); False if it is not ours."""
        claimed = (
            Delivery.objects.filter(id=delivery_id, status__in=RETRYABLE, next_attempt_at__lte=now)
            .filter(in_key_order())
            .update(
                status=DeliveryStatus.PROCESSING,
                attempts=F("attempts") + 1,
                lease_expires_at=now + settings.lease,
                updated_at=now,
            )
        )
        return claimed == 1

    def _decode(self, stored: StoredEvent, subscription: Subscription) -> object:
        """The stored event as the subscriber declared it: its version, decoded with its own schema.

        The payload at that version is the published one, one the envelope brought along
        (an event received from another process's feed), or, for an event published
        here, the publisher's downcast.
        """
        wanted = subscription.version
        if wanted == stored.version:
            payload = stored.payload
        elif str(wanted) in stored.downcasts:
            payload = stored.downcasts[str(wanted)]
        else:
            published = self._registry.event_type(stored.name, stored.version)
            if published is None:
                raise LookupError(UNKNOWN_EVENT.format(name=stored.name, version=stored.version))
            meta = event_meta(published)
            if wanted not in meta.downcasts:
                raise LookupError(
                    VERSION_NOT_CARRIED.format(
                        name=stored.name,
                        event_id=stored.id,
                        version=stored.version,
                        downcasts=sorted(stored.downcasts) or "no older version",
                        wanted=wanted,
                    )
                )
            payload = meta.payload_as(stored.payload, wanted)
        return wire.from_primitive(payload, subscription.event)

    def _end_attempt(self, delivery: Delivery, attempt: int, *, error: str, retry_at: dt.datetime) -> Outcome:
        """Record a failed attempt (fenced by its number): failed until `retry_at`, or dead when out of attempts."""
        now = self._clock()
        dead = attempt >= self._settings().max_attempts
        status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
        Delivery.objects.filter(id=delivery.id, status=DeliveryStatus.PROCESSING, attempts=attempt).update(
            status=status,
            last_error=error[-MAX_ERROR_TEXT:],
            next_attempt_at=retry_at,
            lease_expires_at=None,
            updated_at=now,
        )
        EVENT_DELIVERIES.labels(delivery.event.name, delivery.subscriber, status).inc()
        log = logger.error if dead else logger.warning
        log(
            "bus.delivery.%s",
            status,
            extra={
                "delivery_id": delivery.id,
                "event_id": str(delivery.event_id),
                "subscriber": delivery.subscriber,
                "attempt": attempt,
            },
        )
        return Outcome(status)

    # -- sweeping ------------------------------------------------------------------

    def reclaim_expired_leases(self) -> int:
        """Return deliveries whose process died mid-handler to failed (or dead when out of attempts)."""
        now = self._clock()
        settings = self._settings()
        message = LEASE_EXPIRED.format(seconds=settings.lease_seconds)
        expired = Delivery.objects.filter(status=DeliveryStatus.PROCESSING, lease_expires_at__lt=now)
        # Read for the metrics before the updates; a row another sweep takes back meanwhile is counted twice.
        ended = list(expired.values_list("event__name", "subscriber", "attempts"))
        dead = expired.filter(attempts__gte=settings.max_attempts).update(
            status=DeliveryStatus.DEAD, last_error=message, lease_expires_at=None, updated_at=now
        )
        failed = expired.update(
            status=DeliveryStatus.FAILED, last_error=message, lease_expires_at=None, next_attempt_at=now, updated_at=now
        )
        for name, subscriber, attempts in ended:
            outcome = Outcome.DEAD if attempts >= settings.max_attempts else Outcome.FAILED
            EVENT_DELIVERIES.labels(name, subscriber, outcome).inc()
        return dead + failed

    def due(self, *, limit: int) -> list[int]:
        """Ids of deliveries whose next attempt is due, oldest first."""
        return list(
            Delivery.objects.filter(status__in=RETRYABLE, next_attempt_at__lte=self._clock())
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )

    def process_due(self, *, limit: int = 100) -> dict[Outcome, int]:
        """One sweep: take back expired leases, then deliver what is due. Returns counts."""
        self.reclaim_expired_leases()
        counts = dict.fromkeys(Outcome, 0)
        for delivery_id in self.due(limit=limit):
            counts[self.deliver(delivery_id)] += 1
        return counts


def in_key_order() -> Q:
    """Deliveries not held back by the ordering promise: unkeyed, or no older unfinished one with their key."""
    older_unfinished = Delivery.objects.filter(
        subscriber=OuterRef("subscriber"), key=OuterRef("key"), id__lt=OuterRef("id"), status__in=UNFINISHED
    )
    return Q(key="") | ~Exists(older_unfinished)


def reset_for_replay(
    delivery_ids: Iterable[int] | None, *, statuses: Iterable[str], now: dt.datetime | None = None
) -> list[int]:
    """Give failed or dead deliveries a fresh set of attempts, due `now`; returns their ids.

    `delivery_ids=None` selects every delivery in `statuses`. Done deliveries are never
    reset: running a handler twice is exactly what the inbox exists to prevent.
    """
    now = now or timezone.now()
    selected = Delivery.objects.filter(status__in=list(statuses))
    if delivery_ids is not None:
        selected = selected.filter(id__in=list(delivery_ids))
    with transaction.atomic():
        ids = list(selected.select_for_update().order_by("id").values_list("id", flat=True))
        Delivery.objects.filter(id__in=ids).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_expires_at=None,
            relay_lease_expires_at=None,  # a fresh attempt is owed a fresh message
            updated_at=now,
        )
    return ids
