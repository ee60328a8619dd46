"""System checks of the Celery configuration: nothing may keep a message unacknowledged past the visibility timeout.

kombu puts a message back in its queue when the worker that took it has not
acknowledged it within the visibility timeout. Whatever legitimately holds a message
longer, a countdown or ETA waiting in the worker, or a task still running, is therefore
run a second time while the first is still pending, and again every visibility timeout:
a loop, not a retry.

    E020  a countdown or ETA is longer than the visibility timeout
    E021  the hard time limit is missing, not shorter than the visibility timeout or BUS_LEASE_SECONDS,
          or too short for a lost pool process to be noticed before it (then its task is not retried)
    E022  the visibility timeout differs between the places Celery reads it

Delivery retries are not countdowns: a failed delivery waits in the database
(next_attempt_at) and the sweep sends it when due, so BUS_RETRY_MAX_SECONDS may be
as long as you like.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery
from django.conf import settings
from django.core import checks

from config.celery import POOL_MAINTENANCE_SECONDS
from config.celery import app as default_app

COUNTDOWN_TOO_LONG = (
    "{where} delays a message by {seconds:g}s, not less than the visibility timeout of {visibility:g}s: "
    "kombu would hand the message to a worker again while it waits, and again every {visibility:g}s."
)
COUNTDOWN_TOO_LONG_HINT = (
    "Shorten the delay below CELERY_VISIBILITY_TIMEOUT_SECONDS, or keep long delays in the database "
    "as the bus does (next_attempt_at, sent by the sweep when due)."
)
NO_TIME_LIMIT = "Celery tasks have no hard time limit, so a stuck task keeps its message unacknowledged forever."
TIME_LIMIT_TOO_LONG = (
    "The hard time limit of {limit:g}s is not shorter than {what} ({value:g}s): a task still "
    "running at that point is {consequence}."
)
TIME_LIMIT_TOO_SHORT = (
    "The hard time limit of {limit:g}s is not longer than the time Celery takes to declare a dead pool "
    "process lost ({lost:g}s: the pool's {tick:g}s maintenance tick plus worker_lost_wait): its task would "
    "end as a time-out, not be retried, and its delivery would wait for BUS_LEASE_SECONDS."
)
TIME_LIMIT_HINT = (
    "Set CELERY_TASK_TIME_LIMIT_SECONDS below CELERY_VISIBILITY_TIMEOUT_SECONDS and BUS_LEASE_SECONDS, "
    "leaving a margin for the time a message waits for a free worker process."
)
VISIBILITY_MISMATCH = (
    "The visibility timeout differs between the places Celery reads it: {values}. "
    "With several values the shortest wins, wherever it is read."
)
VISIBILITY_MISMATCH_HINT = (
    "Set one value (CELERY_VISIBILITY_TIMEOUT_SECONDS) for broker_transport_options, "
    "result_backend_transport_options and visibility_timeout; config/celery.py does."
)
_TIME_LIMIT_LIMITS = (
    ("the visibility timeout", "run again by another worker while it still runs"),
    ("BUS_LEASE_SECONDS", "taken back by the sweep and run again while it still runs"),
)


def check_celery(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """modulith.E020-E022 for the project's Celery app."""
    return celery_problems(default_app)


def celery_problems(app: Celery) -> list[checks.CheckMessage]:
    conf = app.conf
    visibilities = {
        "broker_transport_options": (conf.broker_transport_options or {}).get("visibility_timeout"),
        "result_backend_transport_options": (conf.result_backend_transport_options or {}).get("visibility_timeout"),
        "visibility_timeout": conf.visibility_timeout,
    }
    if len(set(visibilities.values())) != 1:
        values = ", ".join(f"{where}={value}" for where, value in visibilities.items())
        return [
            checks.Error(VISIBILITY_MISMATCH.format(values=values), hint=VISIBILITY_MISMATCH_HINT, id="modulith.E022")
        ]
    visibility = float(visibilities["visibility_timeout"])
    problems = [
        checks.Error(
            COUNTDOWN_TOO_LONG.format(where=where, seconds=seconds, visibility=visibility),
            hint=COUNTDOWN_TOO_LONG_HINT,
            id="modulith.E020",
        )
        for where, seconds in _countdowns(conf)
        if seconds >= visibility
    ]
    limit = conf.task_time_limit
    if limit is None:
        return [*problems, checks.Error(NO_TIME_LIMIT, hint=TIME_LIMIT_HINT, id="modulith.E021")]
    for (what, consequence), value in zip(_TIME_LIMIT_LIMITS, (visibility, settings.BUS_LEASE_SECONDS), strict=True):
        if limit >= value:
            problems.append(
                checks.Error(
                    TIME_LIMIT_TOO_LONG.format(limit=limit, what=what, value=value, consequence=consequence),
                    hint=TIME_LIMIT_HINT,
                    id="modulith.E021",
                )
            )
    lost = POOL_MAINTENANCE_SECONDS + conf.worker_lost_wait
    if limit <= lost:
        problems.append(
            checks.Error(
                TIME_LIMIT_TOO_SHORT.format(limit=limit, lost=lost, tick=POOL_MAINTENANCE_SECONDS),
                hint="Raise CELERY_TASK_TIME_LIMIT_SECONDS, or lower CELERY_WORKER_LOST_WAIT_SECONDS.",
                id="modulith.E021",
            )
        )
    return problems


def _countdowns(conf: Mapping[str, Any]) -> Iterator[tuple[str, float]]:
    """Every delay the configuration puts on a message: retry delays, backoff caps, scheduled countdowns."""
    annotations = conf["task_annotations"] or {}
    for task, options in annotations.items() if isinstance(annotations, Mapping) else ():
        for option in ("default_retry_delay", "retry_backoff_max"):
            if options.get(option) is not None:
                yield f"task_annotations[{task!r}][{option!r}]", float(options[option])
    for name, entry in (conf["beat_schedule"] or {}).items():
        countdown = entry.get("options", {}).get("countdown")
        if countdown is not None:
            yield f"beat_schedule[{name!r}] countdown", float(countdown)
