"""The Celery transport: a relay sends one message per delivery, Celery workers run it.

    publisher's transaction writes the deliveries already claimed by the relay (shared.bus.outbox)
        -> commit -> Bus._hand_off -> CeleryTransport.run_claimed -> Relay: send `bus.deliver`
    worker: bus.deliver(delivery_id, database) -> Deliverer.deliver (claim, handler + inbox in one transaction)
    periodic sweep (`bus.sweep` task from celery beat, or `manage.py bus work`)
        -> take back expired leases, relay whatever is still owed a message (failed sends,
           due retries, rows whose hand-off never ran because the process died after commit)

The message only says "delivery 42 of database catalog is due" (`database` is left out for
"default", so a message reads as before with one database); the database holds the event, the attempt
count and the outcome. A lost message costs a sweep, a duplicate costs one claim that
finds the row already taken or done. Selected with BUS_TRANSPORT=celery; the Celery app
and the worker settings that make delivery at-least-once live in shared/bus/worker.py
(their knobs in config/settings.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from celery import Celery, current_app
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

from shared.bus.delivery import Deliverer
from shared.bus.outbox import BirthClaim, Published
from shared.bus.relay import Relay, Sender
from shared.bus.task_names import DELIVER_TASK

NO_CELERY_APP = (
    "BUS_TRANSPORT=celery, but the current Celery app has no broker_url. Import the project's "
    "app (config/celery.py, which config/__init__.py does) before the bus is built, and set REDIS_URL."
)


class CelerySender:
    """Sends `bus.deliver(delivery_id)` through `app`'s broker, to `queue` (the app's default if None)."""

    def __init__(self, *, app: Celery, queue: str | None = None) -> None:
        if not app.conf.broker_url:
            raise ImproperlyConfigured(NO_CELERY_APP)
        self._app = app
        self._queue = queue

    def send(self, delivery_id: int, *, database: str = DEFAULT_DB_ALIAS) -> None:
        # By name: the task is defined in shared.bus.tasks and registered where workers run.
        kwargs: dict[str, object] = {"delivery_id": delivery_id}
        if database != DEFAULT_DB_ALIAS:
            kwargs["database"] = database
        self._app.send_task(DELIVER_TASK, kwargs=kwargs, queue=self._queue, ignore_result=True)


class CeleryTransport:
    """Relay committed deliveries to Celery; sweep with the relay.

    The deliveries are written already claimed by the relay (shared.bus.outbox): after
    commit, the only cost is the send.
    """

    birth_claim = BirthClaim.RELAY

    def __init__(self, deliverer: Deliverer, *, sender: Sender | None = None) -> None:
        self._deliverer = deliverer
        self.relay = Relay(
            sender=sender or CelerySender(app=current_app._get_current_object()),
            settings=deliverer.settings,
            clock=deliverer.clock,
            using=deliverer.using,
        )

    def after_commit(self, event_id: uuid.UUID) -> None:
        self.relay.relay_event(event_id)

    def run_claimed(self, published: Published) -> None:
        self.relay.relay_published(published)

    def redeliver(self, delivery_ids: list[int]) -> None:
        self.relay.relay_deliveries(delivery_ids)

    def sweep(self, *, limit: int) -> Mapping[str, int]:
        reclaimed = self._deliverer.reclaim_expired_leases()
        return {"reclaimed": reclaimed, "sent": self.relay.relay_due(limit=limit)}
