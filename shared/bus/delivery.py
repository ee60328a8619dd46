"""Running handlers: claim a delivery, run its handler, record the outcome.

The life of a delivery:

    pending --claim--> processing --handler ok--> done
       ^                   |
       |                   +--handler raised--> failed --(backoff elapsed)--> claimed again
       |                   |                       \\--(max attempts)--> dead
       +---- replay -------+--lease expired (process died)--> failed / dead
                           +--taken back (broker redelivered: worker lost)--> failed / dead

A claim is one conditional UPDATE (shared.bus.attempts), so two processes never both run
a delivery; the in-process transport's first attempt is claimed by the INSERT that writes
the delivery, in the publisher's transaction (shared.bus.outbox), so the publisher runs it
after commit without claiming it again. The handler's writes and the switch to done
commit in one transaction, fenced by the attempt number taken at claim time: a process
that lost its lease rolls its effects back instead of overwriting a newer attempt.

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

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from shared import wire
from shared.bus import attempts
from shared.bus.attempts import ClaimedDelivery
from shared.bus.config import BusSettings
from shared.bus.envelope import VERSION_NOT_CARRIED
from shared.bus.models import RETRYABLE, Delivery, DeliveryStatus
from shared.bus.outbox import EventRecord, Published
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


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Ended:
    """What recording a failed attempt needs of its delivery."""

    id: int
    event_id: uuid.UUID
    event_name: str
    subscriber: str

    @classmethod
    def of(cls, delivery: ClaimedDelivery) -> _Ended:
        return cls(
            id=delivery.id, event_id=delivery.event.id, event_name=delivery.event.name, subscriber=delivery.subscriber
        )


class Deliverer:
    """Runs the handlers of stored deliveries in this process."""

    def __init__(
        self,
        *,
        registry: Registry,
        router: Router,
        settings: Callable[[], BusSettings] = BusSettings.from_django,
        clock: Callable[[], dt.datetime] = timezone.now,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self._registry = registry
        self._router = router
        self._settings = settings
        self._clock = clock
        self._using = using

    @property
    def settings(self) -> Callable[[], BusSettings]:
        """Where this deliverer reads its settings (a relay working beside it uses the same)."""
        return self._settings

    @property
    def clock(self) -> Callable[[], dt.datetime]:
        return self._clock

    @property
    def using(self) -> str:
        """The database alias of the deliveries this deliverer runs (its subscribers' inbox)."""
        return self._using

    def deliver_event(self, event_id: uuid.UUID) -> list[Outcome]:
        """Deliver every due delivery of one event (called right after the publisher commits)."""
        ids = (
            Delivery.objects.using(self._using)
            .filter(event_id=event_id, status__in=RETRYABLE)
            .order_by("id")
            .values_list("id", flat=True)
        )
        return [self.deliver(delivery_id) for delivery_id in list(ids)]

    def run_claimed(self, published: Published) -> list[Outcome]:
        """Run the deliveries the publisher's transaction wrote already claimed for this process (attempt 1).

        The event is in memory, so an attempt costs one statement: the completion in the
        handler's transaction. A delivery born waiting behind an older one with its key is
        claimed now, after commit, in case the older one finished meanwhile: its completion
        could not see this one before it committed. If the older one is still running, its
        completion finds this one (or, if it completed in the instant between, the sweep).
        """
        outcomes = []
        for written in published.deliveries:
            if not written.claimed:
                outcomes.append(self.deliver(written.id))
                continue
            claimed = ClaimedDelivery(
                id=written.id,
                subscriber=written.subscriber,
                key=published.event.key,
                attempt=1,
                event=published.event,
                using=published.using,
            )
            outcomes.append(self._run_and_follow(claimed))
        return outcomes

    def deliver(self, delivery_id: int, *, abandoned: bool = False) -> Outcome:
        """Claim and run one delivery; then release any keyed deliveries that waited for it.

        `abandoned=True` says the process that ran the latest attempt is known to be gone
        (its broker message came back): a delivery still in processing is taken back now,
        as failed (or dead when out of attempts), instead of after its lease.
        """
        if abandoned and self._take_back(delivery_id) is Outcome.DEAD:
            return Outcome.DEAD
        claimed = self._claim(delivery_id)
        if claimed is None:
            return Outcome.SKIPPED
        return self._run_and_follow(claimed)

    def _claim(self, delivery_id: int) -> ClaimedDelivery | None:
        now = self._clock()
        return attempts.claim(delivery_id, now=now, lease_until=now + self._settings().lease, using=self._using)

    def _run_and_follow(self, claimed: ClaimedDelivery) -> Outcome:
        """Run a claimed delivery, then each delivery of its key that waited for it, while they succeed."""
        outcome, successor = self._run(claimed)
        first = outcome
        while outcome is Outcome.DONE and successor is not None:
            next_in_line = self._claim(successor)
            if next_in_line is None:
                break
            outcome, successor = self._run(next_in_line)
        return first

    def _run(self, delivery: ClaimedDelivery) -> tuple[Outcome, int | None]:
        """Run the claimed delivery's handler and record how it ended; the next delivery of its key, if done."""
        settings = self._settings()
        # Every line of the attempt, the handler's and the outcome's, is logged under the
        # event's correlation id and in the subscriber's domain ('catalog.x' is catalog's).
        domain = delivery.subscriber.split(".", 1)[0]
        with correlation_scope(delivery.event.correlation_id), log_scope(domain=domain):
            try:
                subscription = self._router.get(delivery.subscriber)
                if subscription is None:
                    raise LookupError(NO_SUBSCRIBER.format(subscriber=delivery.subscriber))
                event = self._decode(delivery.event, subscription)
                number = DeliveryAttempt(number=delivery.attempt, max_attempts=settings.max_attempts)
                attempt_token = _current_attempt.set(number)
                with transaction.atomic(using=delivery.using):
                    try:
                        subscription.handler(event)
                    finally:
                        _current_attempt.reset(attempt_token)
                    finished, successor = attempts.complete(delivery, now=self._clock())
                    if not finished:
                        raise _LeaseLost
            except _LeaseLost:
                logger.warning(
                    "bus.delivery.lease_lost", extra={"delivery_id": delivery.id, "attempt": delivery.attempt}
                )
                return Outcome.SKIPPED, None
            except Exception:
                retry_at = self._clock() + settings.retry_delay(delivery.attempt)
                outcome = self._end_attempt(
                    _Ended.of(delivery), delivery.attempt, error=traceback.format_exc(), retry_at=retry_at
                )
                return outcome, None
        EVENT_DELIVERIES.labels(delivery.event.name, delivery.subscriber, Outcome.DONE).inc()
        return Outcome.DONE, successor

    def _take_back(self, delivery_id: int) -> Outcome | None:
        """End an attempt whose process died: failed and due now, or dead if it was the last one."""
        delivery = (
            Delivery.objects.using(self._using)
            .select_related("event")
            .filter(id=delivery_id, status=DeliveryStatus.PROCESSING)
            .first()
        )
        if delivery is None:
            return None
        error = WORKER_LOST.format(attempt=delivery.attempts)
        ended = _Ended(
            id=delivery.id, event_id=delivery.event_id, event_name=delivery.event.name, subscriber=delivery.subscriber
        )
        return self._end_attempt(ended, delivery.attempts, error=error, retry_at=self._clock())

    def _decode(self, stored: EventRecord, subscription: Subscription) -> object:
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

    def _end_attempt(self, delivery: _Ended, attempt: int, *, error: str, retry_at: dt.datetime) -> Outcome:
        """Record a failed attempt (fenced by its number): failed until `retry_at`, or dead when out of attempts."""
        now = self._clock()
        dead = attempt >= self._settings().max_attempts
        status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
        Delivery.objects.using(self._using).filter(
            id=delivery.id, status=DeliveryStatus.PROCESSING, attempts=attempt
        ).update(
            status=status,
            last_error=error[-MAX_ERROR_TEXT:],
            next_attempt_at=retry_at,
            lease_expires_at=None,
            updated_at=now,
        )
        EVENT_DELIVERIES.labels(delivery.event_name, delivery.subscriber, status).inc()
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
        expired = Delivery.objects.using(self._using).filter(status=DeliveryStatus.PROCESSING, lease_expires_at__lt=now)
        # Read for the metrics before the updates; a row another sweep takes back meanwhile is counted twice.
        ended = list(expired.values_list("event__name", "subscriber", "attempts"))
        dead = expired.filter(attempts__gte=settings.max_attempts).update(
            status=DeliveryStatus.DEAD, last_error=message, lease_expires_at=None, updated_at=now
        )
        failed = expired.update(
            status=DeliveryStatus.FAILED, last_error=message, lease_expires_at=None, next_attempt_at=now, updated_at=now
        )
        for name, subscriber, tries in ended:
            outcome = Outcome.DEAD if tries >= settings.max_attempts else Outcome.FAILED
            EVENT_DELIVERIES.labels(name, subscriber, outcome).inc()
        return dead + failed

    def due(self, *, limit: int) -> list[int]:
        """Ids of deliveries whose next attempt is due, oldest first."""
        return list(
            Delivery.objects.using(self._using)
            .filter(status__in=RETRYABLE, next_attempt_at__lte=self._clock())
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


def reset_for_replay(
    delivery_ids: Iterable[int] | None,
    *,
    statuses: Iterable[str],
    now: dt.datetime | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[int]:
    """Give failed or dead deliveries a fresh set of attempts, due `now`; returns their ids.

    `delivery_ids=None` selects every delivery in `statuses` of database `using` (ids are
    per database: each domain database numbers its own deliveries). Done deliveries are never
    reset: running a handler twice is exactly what the inbox exists to prevent.
    """
    now = now or timezone.now()
    selected = Delivery.objects.using(using).filter(status__in=list(statuses))
    if delivery_ids is not None:
        selected = selected.filter(id__in=list(delivery_ids))
    with transaction.atomic(using=using):
        ids = list(selected.select_for_update().order_by("id").values_list("id", flat=True))
        Delivery.objects.using(using).filter(id__in=ids).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_expires_at=None,
            relay_lease_expires_at=None,  # a fresh attempt is owed a fresh message
            updated_at=now,
        )
    return ids
