"""Whose work is running: the domain whose code runs now, and the user it serves.

Kept in a ContextVar, like the correlation id (shared.correlation), and read by the log
formatter (shared.observability.logs), so that no log call has to pass them, and by the
table guard (shared.db.guard), which refuses SQL into another domain's tables while a
domain's code runs. A leaf of the kernel: it imports nothing of it, so every part may use it.

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
- interface calls: the proxy enters the called domain for the call (`entering`), when the
  domain runs in this process; its lines, and its SQL, are that domain's until it returns;
- remote calls: the serving side is an HTTP request like any other; a client may bind the
  domain it calls for its own lines.

A field is "" when unknown, rendered `-` (readable) or null (JSON). `bind` outside any
scope does nothing, so code that runs both inside and outside requests never leaks a
user into the lines of whatever runs next on the same thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True, slots=True)
class LogContext:
    domain: str = ""
    user_id: str = ""
    task: str = ""
    """The Celery task being run ('bus.deliver'), with its id in `task_id`."""
    task_id: str = ""


_context: ContextVar[LogContext | None] = ContextVar("log_context", default=None)
_domain: ContextVar[str] = ContextVar("work_domain", default="")
"""The domain apart, in a variable of its own: entering a domain (every local interface call) then
costs a set and a reset of one string, where a new LogContext would cost microseconds."""

NO_CONTEXT = LogContext()
FIELDS = frozenset(field.name for field in dataclasses.fields(LogContext))
UNKNOWN_FIELDS = "Unknown log context field(s): {fields}. A scope has these fields: {known}."


def current_log_context() -> LogContext:
    """The fields of the scope being served; all empty outside any."""
    context = _context.get() or NO_CONTEXT
    domain = _domain.get()
    if context.domain == domain:
        return context
    return LogContext(domain=domain, user_id=context.user_id, task=context.task, task_id=context.task_id)


class log_scope:  # lower case: used as a function, `with log_scope(domain="catalog"):`
    """A scope of work: `fields` (domain, user_id, task, task_id) replace the enclosing scope's, others carry over.

    A class rather than a @contextmanager generator: every request and every delivery opens
    one, and the generator's machinery cost more than the scope itself.
    """

    __slots__ = ("_context", "_domain_token", "_token")

    def __init__(self, **fields: Any) -> None:
        context = current_log_context()
        self._context = _merged(context, fields) if fields else context

    def __enter__(self) -> LogContext:
        self._token = _context.set(self._context)
        self._domain_token = _domain.set(self._context.domain)
        return self._context

    def __exit__(self, *exc_info: object) -> None:
        _domain.reset(self._domain_token)
        _context.reset(self._token)


def bind(**fields: Any) -> None:
    """Set fields of the current scope from here on (the scope's end undoes it); nothing outside a scope."""
    context = _context.get()
    if context is not None:
        context = _merged(current_log_context(), fields)
        _context.set(context)
        _domain.set(context.domain)


def _merged(context: LogContext, fields: dict[str, Any]) -> LogContext:
    """`context` with `fields` replaced (as text): `dataclasses.replace` without its introspection, on every request."""
    unknown = fields.keys() - FIELDS
    if unknown:
        raise TypeError(UNKNOWN_FIELDS.format(fields=", ".join(sorted(unknown)), known=", ".join(sorted(FIELDS))))
    text = _as_text(fields)
    return LogContext(
        domain=text.get("domain", context.domain),
        user_id=text.get("user_id", context.user_id),
        task=text.get("task", context.task),
        task_id=text.get("task_id", context.task_id),
    )


def current_domain() -> str:
    """The domain whose code runs now; "" outside any domain's work (the kernel, a command, a test)."""
    return _domain.get()


def domain_variable() -> ContextVar[str]:
    """The variable `entering` sets: for the one hot-path wrapper that enters a domain in its own frame.

    The interface proxy's measuring wrapper (shared.interfaces.observation) both times a local
    call and enters the called domain; doing both in one frame saves a call per cross-domain call.
    """
    return _domain


def entering(domain: str, method: F) -> F:
    """`method`, run as `domain`'s work: the proxy wraps a local domain's operations with it.

    On the path of every cross-domain call, so it does the least: one ContextVar read, and
    a set and reset only when the call crosses into another domain.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        if _domain.get() == domain:
            return method(*args, **kwargs)
        token = _domain.set(domain)
        try:
            return method(*args, **kwargs)
        finally:
            _domain.reset(token)

    call.__name__ = getattr(method, "__name__", "call")
    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def _as_text(fields: dict[str, Any]) -> dict[str, str]:
    return {name: "" if value is None else str(value) for name, value in fields.items()}
