"""Who and where a log line is about: the domain serving the work and the user it serves.

Kept in a ContextVar, like the correlation id (shared.correlation), and read by the log
formatter (shared.observability.logs), so that no log call has to pass them:

    with log_scope(domain="catalog"):      # a bus delivery to a catalog subscriber, a task
        ...
    bind(user_id=principal.id)            # once the request's caller is known (inside a scope)

Who opens a scope, and so where every line carries the fields:

- HTTP: shared.observability.middleware, one scope per request; the domain is the one whose
  route was resolved (`/api/catalog/...` is catalog), the user is bound when the request
  authenticates (a token in shared.api.views, a staff session for /admin/);
- bus deliveries: shared.bus.delivery, the subscriber's domain (`catalog.release_stock` is
  catalog) for the whole attempt; the user of the request that published, when the handler
  runs in that request (in-process), none in a worker (events do not carry users);
- Celery tasks: shared.observability.celery_logs, one scope per task with its name and id;
- remote calls: the serving side is an HTTP request like any other; a client may bind the
  domain it calls for its own lines.

A field is "" when unknown, rendered `-` (readable) or null (JSON). `bind` outside any
scope does nothing, so code that runs both inside and outside requests never leaks a
user into the lines of whatever runs next on the same thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class LogContext:
    domain: str = ""
    user_id: str = ""
    task: str = ""
    """The Celery task being run ('bus.deliver'), with its id in `task_id`."""
    task_id: str = ""


_context: ContextVar[LogContext | None] = ContextVar("log_context", default=None)

NO_CONTEXT = LogContext()


def current_log_context() -> LogContext:
    """The fields of the scope being served; all empty outside any."""
    return _context.get() or NO_CONTEXT


@contextmanager
def log_scope(**fields: Any) -> Iterator[LogContext]:
    """A scope of work: `fields` (domain, user_id, task, task_id) replace the enclosing scope's, others carry over."""
    context = dataclasses.replace(current_log_context(), **_as_text(fields))
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Set fields of the current scope from here on (the scope's end undoes it); nothing outside a scope."""
    context = _context.get()
    if context is not None:
        _context.set(dataclasses.replace(context, **_as_text(fields)))


def _as_text(fields: dict[str, Any]) -> dict[str, str]:
    return {name: "" if value is None else str(value) for name, value in fields.items()}
