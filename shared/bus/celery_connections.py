"""Database connections in Celery workers: kept from one task to the next, as between web requests.

Celery's Django fixup closes every database connection before and after each task
(Celery 5.7 reads neither CONN_MAX_AGE nor CONN_HEALTH_CHECKS), so every task, a bus
delivery included, opened a new PostgreSQL connection: a backend process forked, the
authentication, the catalog caches filled again, and then each statement planned on a
cold connection. In bench.bus_celery that was more than half of a raw task's time in the
pool process. The fixup's one knob is CELERY_DB_REUSE_MAX (close every that many tasks);
`worker_settings` sets it out of reach, and `connect` gives tasks the lifecycle Django
gives requests instead: Django's `close_old_connections` before and after each task
closes a connection that is past CONN_MAX_AGE, broken, or left outside autocommit, and
makes the next query check the connection first (CONN_HEALTH_CHECKS), so a connection the
server dropped while the worker waited is replaced rather than failing the task.

Forked pool processes still close what they inherited from the main process (the
fixup's worker_process_init, untouched). Tasks run eagerly (in the caller's process and
perhaps inside its transaction) are left alone, as the fixup leaves them.
"""

from __future__ import annotations

from typing import Any

from celery import Task, signals
from django.db import close_old_connections

DB_REUSE_MAX = 2**31
"""Celery's CELERY_DB_REUSE_MAX: its fixup closes connections only after this many tasks, that is never."""


def _close_old_connections(sender: Task | None = None, **kwargs: Any) -> None:
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


def connect() -> None:
    """Run Django's connection upkeep around every task of this process's workers (idempotent)."""
    signals.task_prerun.connect(_close_old_connections, weak=False, dispatch_uid="modulith-db-upkeep-prerun")
    signals.task_postrun.connect(_close_old_connections, weak=False, dispatch_uid="modulith-db-upkeep-postrun")
