"""The correlation id that ties one user action together across HTTP, the bus and workers.

One id per action, kept in a ContextVar while the action runs:

- HTTP: the gateway takes it from the request's `X-Request-ID` (when it is well formed) or
  creates one, and returns it in the response (shared.gateway.middleware);
- logs: `CorrelationIdFilter` puts it on every record a handler emits, as
  `%(correlation_id)s` (wired in config/settings.py LOGGING);
- bus events: stored with each event when it is published, and set again while its
  handlers run (shared.bus);
- outgoing calls: `outgoing_headers()` adds it to the headers of a call to another
  service, so the far side logs under the same id.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
"""The header that carries the correlation id in and out of every HTTP exchange."""

MAX_CORRELATION_ID_LENGTH = 100
"""Longest id accepted from outside; it must fit the column that stores it with events."""

NO_CORRELATION_ID = "-"
"""What a log record shows when it was not written on behalf of any action."""

# Letters, digits and a few separators that survive logs, headers and URLs unescaped; the
# first character is alphanumeric so an id never reads as an option or a path.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]*")

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


def current_correlation_id() -> str:
    """The id of the action being served, or '' outside of any."""
    return _correlation_id.get()


def new_correlation_id() -> str:
    """128 random bits in hex, the form of a UUID4's hex without building the UUID (every request makes one)."""
    return secrets.token_hex(16)


def is_valid_correlation_id(value: str) -> bool:
    """Whether an id from outside may be adopted as is.

    Anything else is replaced rather than trusted: a caller must not be able to inject
    line breaks or markup into our logs, nor grow the events table with kilobytes of id.
    """
    return len(value) <= MAX_CORRELATION_ID_LENGTH and _SAFE_ID.fullmatch(value) is not None


class correlation_scope:  # lower case: used as a function, `with correlation_scope(cid) as cid:`
    """Run a block on behalf of `correlation_id` (a new one when empty).

    A class rather than a @contextmanager generator: every request opens one, and the
    generator's machinery cost several times the scope itself.
    """

    __slots__ = ("_correlation_id", "_token")

    def __init__(self, correlation_id: str) -> None:
        self._correlation_id = correlation_id or new_correlation_id()

    def __enter__(self) -> str:
        self._token = _correlation_id.set(self._correlation_id)
        return self._correlation_id

    def __exit__(self, *exc_info: object) -> None:
        _correlation_id.reset(self._token)


def outgoing_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """`headers` plus the current correlation id, for a call this action makes to another service.

    A client (the remote interface client, a webhook sender) builds its request headers
    with this, so that the service it calls logs under the same id. Outside any action the
    headers are returned unchanged: the far side then creates an id of its own.
    """
    result = dict(headers or {})
    correlation_id = current_correlation_id()
    if correlation_id:
        result[REQUEST_ID_HEADER] = correlation_id
    return result


class CorrelationIdFilter(logging.Filter):
    """Adds `correlation_id` to every record, so a format can show `%(correlation_id)s`.

    Attach it to handlers (not loggers): a handler's filters see the records that
    propagate to it from every logger, a logger's filters only its own records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id() or NO_CORRELATION_ID
        return True
