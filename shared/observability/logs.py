"""Log lines: readable in development, one JSON object per line in production, extra fields kept.

    LOG_FORMAT=readable
        2026-12-03 11:42:36 WARNING [9b2c...] shared.bus.delivery bus.delivery.failed domain=catalog
            user_id=3f2a... attempt=2 delivery_id=42
    LOG_FORMAT=json
        {"timestamp": "2026-12-03T11:42:36.183Z", "level": "warning", "correlation_id": "9b2c...",
         "domain": "catalog", "user_id": "3f2a...", "logger": "shared.bus.delivery",
         "event": "bus.delivery.failed", "attempt": 2, "delivery_id": 42}

Every line carries the correlation id (shared.correlation) and the domain and user id of
the work it belongs to (shared.work_context), read here from their context
variables: a JSON line always has the keys (null when unknown: a line outside any request,
delivery or task), a readable one shows them when known. Lines written inside a Celery
task also carry `task` and `task_id`.

Code logs with the standard library (`logger.warning("bus.delivery.failed", extra={...})`);
structlog's ProcessorFormatter only renders the records, so nothing here changes how code
logs. Every field passed in `extra=` reaches the line: a dead delivery's line names the
delivery, which a plain `%(message)s` format silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import structlog

from shared.work_context import current_log_context

READABLE = "readable"
JSON = "json"
FORMATS = (READABLE, JSON)

UNKNOWN_FORMAT = "LOG_FORMAT={value!r} is not a log format. Use one of: {formats}."

_DROPPED = ("request",)
"""Record attributes that are not facts to log: Django's HttpRequest on django.request records."""
_LEADING = ("timestamp", "level", "correlation_id", "domain", "user_id", "logger", "event")
_CONTEXT = ("domain", "user_id", "task", "task_id")
"""Shown first among a readable line's fields, when known."""


def _drop_objects(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for name in _DROPPED:
        event.pop(name, None)
    return event


def _add_log_context(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The domain and user id (always, None when unknown), and the task when in one; `extra=` wins."""
    context = current_log_context()
    event.setdefault("domain", context.domain or None)
    event.setdefault("user_id", context.user_id or None)
    if context.task:
        event.setdefault("task", context.task)
        event.setdefault("task_id", context.task_id)
    return event


def _render_readable(logger: Any, method: str, event: MutableMapping[str, Any]) -> str:
    """`timestamp LEVEL [correlation id] logger message domain=.. user_id=.. key=value ...`, then the traceback."""
    known = [f"{name}={event[name]}" for name in _CONTEXT if event.get(name)]
    others = [f"{name}={event[name]}" for name in sorted(event) if name not in (*_LEADING, *_CONTEXT, "exception")]
    extras = " ".join(known + others)
    head = (
        f"{event.get('timestamp', '')} {str(event.get('level', '')).upper()} "
        f"[{event.get('correlation_id') or '-'}] {event.get('logger', '')} {event.get('event', '')}"
    )
    line = f"{head} {extras}" if extras else head
    exception = event.get("exception")
    return f"{line}\n{exception}" if exception else line


def formatter(output: str = READABLE) -> logging.Formatter:
    """The logging.Formatter of settings.LOGGING (`"()": "shared.observability.logs.formatter"`)."""
    if output not in FORMATS:
        raise ValueError(UNKNOWN_FORMAT.format(value=output, formats=", ".join(FORMATS)))
    if output == JSON:
        timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp")
        renderer: Any = structlog.processors.JSONRenderer(sort_keys=False)
    else:
        timestamper = structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False, key="timestamp")
        renderer = _render_readable
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            timestamper,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _add_log_context,
            _drop_objects,
            structlog.processors.format_exc_info,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _in_order, renderer],
    )


def _in_order(logger: Any, method: str, event: MutableMapping[str, Any]) -> dict[str, Any]:
    """The leading fields first (JSON keeps insertion order), then the extras by name."""
    leading = {name: event[name] for name in _LEADING if name in event}
    return {**leading, **{name: event[name] for name in sorted(event) if name not in leading}}
