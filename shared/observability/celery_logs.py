"""Celery workers log through the project's log lines, and each task runs in a scope of its own.

Connected by the kernel's Celery app (shared.bus.worker.create_app):

- Celery does not take over the root logger (its own format would drop the correlation id,
  domain and extra fields): the worker logs through settings.LOGGING, readable or JSON, at
  the level of its `--loglevel`;
- a task message carries the correlation id of the action that sent it (header
  `modulith_correlation_id`), and the task runs under it, or under a new id when it came
  from no action (a beat schedule);
- every line a task writes carries `task` and `task_id`; a bus delivery adds the
  subscriber's domain (shared.bus.delivery);
- with PROMETHEUS_MULTIPROC_DIR set, the interface call tallies of the pool process are
  written out after each task.
"""

from __future__ import annotations

import logging.config
from contextlib import ExitStack
from typing import Any

from celery import Task, signals
from django.conf import settings

from shared.boundaries.domains import domain_of_label
from shared.correlation import correlation_scope, current_correlation_id
from shared.observability.metrics import flush_interface_calls, is_multiprocess
from shared.work_context import log_scope

CORRELATION_HEADER = "modulith_correlation_id"

_scopes: dict[str, ExitStack] = {}


def use_project_logging(loglevel: int | str | None = None, **kwargs: Any) -> None:
    """Celery's setup_logging signal: connected at all, it stops Celery from configuring logging itself.

    The worker's `--loglevel` sets the level, as it would without us (LOG_LEVEL is the web's).
    """
    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


def stamp_correlation_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    correlation_id = current_correlation_id()
    if headers is not None and correlation_id:
        headers[CORRELATION_HEADER] = correlation_id


def open_task_scope(task_id: str = "", task: Task | None = None, **kwargs: Any) -> None:
    scope = ExitStack()
    correlation_id = getattr(task.request, CORRELATION_HEADER, None) if task is not None else None
    scope.enter_context(correlation_scope(correlation_id or ""))
    name = task.name if task is not None else ""
    fields = {"task": name, "task_id": task_id}
    if domain := domain_of_label(name.split(".", 1)[0]):  # a domain's own task ("orders.expire"): its work
        fields["domain"] = domain
    scope.enter_context(log_scope(**fields))
    _scopes[task_id] = scope


def close_task_scope(task_id: str = "", **kwargs: Any) -> None:
    scope = _scopes.pop(task_id, None)
    if scope is not None:
        scope.close()
    if is_multiprocess():
        flush_interface_calls()


def connect() -> None:
    """Connect the receivers above (idempotent: each under a fixed dispatch uid)."""
    signals.setup_logging.connect(use_project_logging, weak=False, dispatch_uid="modulith-logging")
    signals.before_task_publish.connect(stamp_correlation_id, weak=False, dispatch_uid="modulith-correlation")
    signals.task_prerun.connect(open_task_scope, weak=False, dispatch_uid="modulith-task-scope-open")
    signals.task_postrun.connect(close_task_scope, weak=False, dispatch_uid="modulith-task-scope-close")
