"""The bus: publish inside your transaction, handlers run after it commits."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.utils import timezone

from shared import wire
from shared.bus.config import BusSettings
from shared.bus.delivery import Deliverer
from shared.bus.models import Delivery, StoredEvent
from shared.bus.subscriptions import Router
from shared.bus.transport import InProcessTransport, Transport
from shared.correlation import current_correlation_id
from shared.events import event_meta, ordering_key
from shared.interfaces import Registry
from shared.observability.metrics import EVENTS_PUBLISHED

logger = logging.getLogger(__name__)

EVENT_NOT_DECLARED = (
    "Cannot publish {wire_id}: no registered interface declares it. Add {type_name} to "
    "events=(...) in the declare_interface() call of domain {domain!r}."
)
EVENT_NOT_ON_THE_WIRE = (
    "Cannot publish {wire_id}: {problem}. Give each field a value of its declared type; "
    "handlers rebuild the event from those types, so a value that does not fit could never be delivered."
)
SUBSCRIPTION_TO_UNDECLARED_EVENT = (
    "Subscription {id!r} listens to {wire_id}, which no registered interface declares. "
    "Subscribe only to events listed in another domain's interface."
)


class Bus:
    """Writes events to the outbox in the caller's transaction and delivers them after commit."""

    def __init__(
        self,
        *,
        registry: Registry,
        router: Router,
        transport: Callable[[Deliverer], Transport] = InProcessTransport,
        settings: Callable[[], BusSettings] = BusSettings.from_django,
        clock: Callable[[], dt.datetime] = timezone.now,
    ) -> None:
        self.registry = registry
        self.router = router
        self.deliverer = Deliverer(registry=registry, router=router, settings=settings, clock=clock)
        self.transport = transport(self.deliverer)
        self._clock = clock

    def undeclared_subscriptions(self) -> list[str]:
        """Problems with subscriptions to events no interface declares (a system check reports them)."""
        return [
            SUBSCRIPTION_TO_UNDECLARED_EVENT.format(id=s.id, wire_id=s.wire_id)
            for s in self.router
            if self.registry.event_types().get(s.wire_id) is not s.event
        ]

    def publish(self, event: object) -> uuid.UUID:
        """Store `event` with one delivery per subscriber; hand it to the transport once the transaction commits.

        Inside `transaction.atomic()` the rows are part of the caller's transaction: a
        rollback leaves no trace and delivers nothing. Outside one, the event commits at
        once. The in-process transport then runs the handlers before this returns; the
        Celery transport sends the deliveries to the broker, and a worker runs them. Handler
        failures and an unreachable broker never reach the publisher: the rows stay pending
        and the sweep (`manage.py bus work`, or Celery beat) retries them.
        """
        meta = event_meta(event)
        if self.registry.event_type(meta.name, meta.version) is not type(event):
            raise TypeError(
                EVENT_NOT_DECLARED.format(
                    wire_id=meta.wire_id, type_name=type(event).__qualname__, domain=meta.name.split(".")[0]
                )
            )
        payload = self._payload(event, wire_id=meta.wire_id)
        event_id = uuid.uuid4()
        now = self._clock()
        key = ordering_key(event) or ""
        with transaction.atomic():
            StoredEvent.objects.create(
                id=event_id,
                name=meta.name,
                version=meta.version,
                key=key,
                payload=payload,
                correlation_id=current_correlation_id(),
                occurred_at=now,
            )
            Delivery.objects.bulk_create(
                Delivery(
                    event_id=event_id,
                    subscriber=subscription.id,
                    key=key,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
                for subscription in self.router.for_event(meta.wire_id)
            )
            transaction.on_commit(EVENTS_PUBLISHED.labels(meta.name).inc)
            transaction.on_commit(partial(self._hand_off, event_id))
        return event_id

    @staticmethod
    def _payload(event: object, *, wire_id: str) -> object:
        """The event as stored, refused now if a handler could not rebuild it.

        Dataclasses do not check field types, so `ProductPriceChanged(product_id="x")`
        constructs; stored as is, it would fail to decode on every attempt until dead.
        """
        payload = wire.to_primitive(event)
        try:
            wire.from_primitive(payload, type(event))
        except wire.WireFormatError as exc:
            raise TypeError(EVENT_NOT_ON_THE_WIRE.format(wire_id=wire_id, problem=exc)) from None
        return payload

    def _hand_off(self, event_id: uuid.UUID) -> None:
        try:
            self.transport.after_commit(event_id)
        except Exception:
            # The rows are committed; the sweep (manage.py bus work) will deliver them.
            logger.exception("bus.hand_off_failed", extra={"event_id": str(event_id)})
