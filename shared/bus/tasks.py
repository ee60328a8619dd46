"""The bus's Celery tasks; config/celery.py finds them by autodiscovery (shared.bus is an installed app).

How long they may run, how often they are retried and when their messages are
acknowledged is the composition root's decision (config/settings.py, CELERY_*), not theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import Task, shared_task, signals
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from shared.bus.runtime import bus_for, default_bus, sweep_every_database
from shared.bus.task_names import DELIVER_TASK, SWEEP_TASK

WORKER_NEEDS_CELERY_TRANSPORT = (
    "A Celery worker runs with BUS_TRANSPORT={value!r}: events its handlers publish would be delivered "
    "inside the worker instead of through the broker. Start workers with BUS_TRANSPORT=celery."
)


def wire_the_bus() -> None:
    """Build the bus in the worker's main process, before the pool forks.

    A broken subscription then stops the worker at start instead of failing every
    message, and pool processes inherit the wiring instead of building it each.
    """
    if settings.BUS_TRANSPORT != "celery":
        raise ImproperlyConfigured(WORKER_NEEDS_CELERY_TRANSPORT.format(value=settings.BUS_TRANSPORT))
    default_bus()


@signals.worker_init.connect
def refuse_to_start_without_the_bus(**kwargs: Any) -> None:
    try:
        wire_the_bus()
    except Exception as exc:
        # Celery logs an exception from a signal handler and carries on; a worker that
        # cannot run the bus must not start consuming.
        raise SystemExit(f"The worker cannot run the event bus: {exc}") from exc


@shared_task(name=DELIVER_TASK, bind=True, ignore_result=True)
def deliver(self: Task, delivery_id: int, database: str = DEFAULT_DB_ALIAS) -> str:
    """Run one delivery through the Deliverer (claim, handler and inbox in one transaction).

    `database` is the alias whose bus tables hold the delivery (its subscriber's domain's
    database, DOMAIN_DATABASES); a message without it, sent with one database, means "default".

    A message that comes back to a worker (kombu restored it after its worker died, or
    Celery re-sent it after a pool process was lost) means the attempt that held it is
    over: the Deliverer takes a delivery still in processing back at once instead of
    waiting for its lease.
    """
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    abandoned = redelivered or self.request.retries > 0
    try:
        return str(bus_for(database).deliverer.deliver(delivery_id, abandoned=abandoned))
    except DatabaseError as exc:
        # The bus's own bookkeeping could not reach the database (a handler's errors never
        # get here: the Deliverer records them). Try again soon rather than wait for the
        # relay's resend window; Celery caps this at the task's max_retries.
        raise self.retry(exc=exc) from exc


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep(limit: int = 500) -> Mapping[str, int]:
    """The periodic catch-up (celery beat runs it every BUS_SWEEP_SECONDS): pull the feeds, retry, resend.

    Every database's bus is swept, each with up to `limit` rows.
    """
    return sweep_every_database(limit=limit)
