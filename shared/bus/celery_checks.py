"""System checks of the Celery configuration: nothing may keep a message unacknowledged past the visibility timeout.

kombu puts a message back in its queue when the worker that took it has not
acknowledged it within the visibility timeout. Whatever legitimately holds a message
longer, a countdown or ETA waiting in the worker, or a task still running, is therefore
run a second time while the first is still pending, and again every visibility timeout:
a loop, not a retry.

    E020  a countdown or ETA is longer than the visibility timeout: a task's retry delay
          (default_retry_delay, which Celery also waits before re-sending a task whose pool
          process died; retry_backoff_max or retry_kwargs with autoretry_for), one set in
          task_annotations (a dict, or a list of dicts or annotation objects), or a beat
          entry's countdown or eta
    E021  the hard time limit is missing, not shorter than the visibility timeout or BUS_LEASE_SECONDS,
          or too short for a lost pool process to be noticed before it (then its task is not retried)
    E022  the visibility timeout differs between the places Celery reads it

Delivery retries are not countdowns: a failed delivery waits in the database
(next_attempt_at) and the sweep sends it when due, so BUS_RETRY_MAX_SECONDS may be
as long as you like.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery, Task, current_app
from celery.utils.time import maybe_make_aware
from django.conf import settings
from django.core import checks

POOL_MAINTENANCE_SECONDS = 5.0
"""How often Celery's prefork pool checks for lost processes (celery.concurrency.asynpool, not configurable)."""

WORKER_REFUSES_TO_START = (
    "The worker refuses to start: its Celery configuration could run a task twice or hold a lost one too long "
    "(`python manage.py check` shows the same).\n{problems}"
)

COUNTDOWN_TOO_LONG = (
    "{where} delays a message by {seconds:g}s, not less than the visibility timeout of {visibility:g}s: "
    "kombu would hand the message to a worker again while it waits, and again every {visibility:g}s."
)
COUNTDOWN_TOO_LONG_HINT = (
    "Shorten the delay below CELERY_VISIBILITY_TIMEOUT_SECONDS, or keep long delays in the database "
    "as the bus does (next_attempt_at, sent by the sweep when due)."
)
RETRY_DELAY_TOO_LONG_HINT = (
    "Set default_retry_delay of task {task!r} below CELERY_VISIBILITY_TIMEOUT_SECONDS (in its decorator, or in "
    "task_annotations of the worker settings, shared/bus/worker.py), or max_retries=0 if it must never be sent "
    "again: Celery waits "
    "default_retry_delay before a retry without a countdown and, with task_retry_on_worker_lost, before "
    "re-sending the task after its pool process died."
)
BACKOFF_TOO_LONG_HINT = (
    "Set retry_backoff_max of task {task!r} below CELERY_VISIBILITY_TIMEOUT_SECONDS, or lower its max_retries: "
    "autoretry_for with retry_backoff waits min(retry_backoff_max, retry_backoff x 2^retries) before each retry."
)
RETRY_COUNTDOWN_TOO_LONG_HINT = (
    "Set retry_kwargs['countdown'] of task {task!r} below CELERY_VISIBILITY_TIMEOUT_SECONDS: autoretry_for "
    "waits that long before each retry."
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
    "result_backend_transport_options and visibility_timeout; shared/bus/worker.py does."
)
_TIME_LIMIT_LIMITS = (
    ("the visibility timeout", "run again by another worker while it still runs"),
    ("BUS_LEASE_SECONDS", "taken back by the sweep and run again while it still runs"),
)


def check_celery(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """modulith.E020-E022 for this process's Celery app (the one config/celery.py made current)."""
    return celery_problems(current_app._get_current_object())


def refuse_to_start_with_unsafe_settings(sender: Any = None, **kwargs: Any) -> None:
    """Celery's worker_init: run E020-E022 before the worker consumes anything (connected by worker.create_app).

    Celery runs Django's system checks when a worker starts but only logs what they find,
    so a worker with, say, a time limit beyond the visibility timeout would start and run
    long tasks twice. An exception from a signal handler is logged and ignored as well;
    SystemExit is what stops the worker.
    """
    problems = celery_problems(getattr(sender, "app", None) or current_app._get_current_object())
    if problems:
        listed = "\n".join(f"{problem.id}: {problem.msg} HINT: {problem.hint}" for problem in problems)
        raise SystemExit(WORKER_REFUSES_TO_START.format(problems=listed))


def celery_problems(app: Celery, *, now: dt.datetime | None = None) -> list[checks.CheckMessage]:
    """The problems of `app`'s configuration and of the tasks it registers; `now` dates a beat entry's eta."""
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
            COUNTDOWN_TOO_LONG.format(where=delay.where, seconds=delay.seconds, visibility=visibility),
            hint=delay.hint,
            id="modulith.E020",
        )
        for delay in _delays(app, now=now or app.now())
        if delay.seconds >= visibility
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


@dataclasses.dataclass(frozen=True, slots=True)
class _Delay:
    where: str
    """Which setting (of which task, annotation or beat entry) sets the delay."""
    seconds: float
    hint: str = COUNTDOWN_TOO_LONG_HINT


def _delays(app: Celery, *, now: dt.datetime) -> Iterator[_Delay]:
    """Every delay the configuration or a registered task puts on a message, each named for where to change it."""
    annotated: set[tuple[str, str]] = set()
    for task, option, delay in _annotated_delays(app):
        annotated.add((task, option))
        yield delay
    for task, option, delay in _task_delays(app):
        # An annotation overrides the task's own value, and was judged above under its own name.
        if not {(task, option), ("*", option)} & annotated:
            yield delay
    for name, entry in (app.conf.beat_schedule or {}).items():
        options = entry.get("options") or {}
        if options.get("countdown") is not None:
            yield _Delay(f"beat_schedule[{name!r}] countdown", float(options["countdown"]))
        if options.get("eta") is not None:
            eta = options["eta"]
            eta = maybe_make_aware(dt.datetime.fromisoformat(eta) if isinstance(eta, str) else eta, app.timezone)
            yield _Delay(f"beat_schedule[{name!r}] eta", max(0.0, (eta - now).total_seconds()))


def _annotated_delays(app: Celery) -> Iterator[tuple[str, str, _Delay]]:
    """(task name or "*", option, delay) for each delay in task_annotations: a dict, or a list of dicts or objects.

    An annotation object (one with `annotate(task)`) is only asked about the tasks
    registered here, which Celery has already annotated: `_task_delays` sees its values.
    """
    listed = isinstance(app.conf.task_annotations, list | tuple)
    for index, annotation in enumerate(app.annotations):  # Celery's own reading of the setting
        where = f"task_annotations[{index}]" if listed else "task_annotations"
        if isinstance(annotation, Mapping):
            entries = [(task, f"{where}[{task!r}]", options) for task, options in annotation.items()]
        elif callable(getattr(annotation, "annotate_any", None)):
            entries = [("*", f"{where}.annotate_any()", annotation.annotate_any() or {})]
        else:
            entries = []
        for task, prefix, options in entries:
            for option in ("default_retry_delay", "retry_backoff_max"):
                if isinstance(options, Mapping) and options.get(option) is not None:
                    yield task, option, _Delay(f"{prefix}[{option!r}]", float(options[option]))


def _task_delays(app: Celery) -> Iterator[tuple[str, str, _Delay]]:
    """(task name, option, delay) for the longest delay each registered task may wait before it is sent again.

    Celery's own tasks (celery.*) are left out: the project sends none of them (no
    canvas, no result backend to clean up).
    """
    app.autodiscover_tasks(force=True)  # as a worker does: shared_task tasks register when their module is imported
    for name, task in sorted(app.tasks.items()):
        if name.startswith("celery."):
            continue
        if task.max_retries != 0 and task.default_retry_delay is not None:
            yield (
                name,
                "default_retry_delay",
                _Delay(
                    f"default_retry_delay of task {name!r}",
                    float(task.default_retry_delay),
                    RETRY_DELAY_TOO_LONG_HINT.format(task=name),
                ),
            )
        if getattr(task, "autoretry_for", ()):
            yield from _autoretry_delays(name, task)


def _autoretry_delays(name: str, task: Task) -> Iterator[tuple[str, str, _Delay]]:
    """What autoretry_for waits (celery.app.autoretry): a backoff, retry_kwargs' countdown, or default_retry_delay."""
    retry_kwargs = getattr(task, "retry_kwargs", None) or {}
    max_retries = retry_kwargs.get("max_retries", task.max_retries)
    backoff = float(getattr(task, "retry_backoff", False))
    if max_retries == 0:
        return
    if backoff:
        cap = int(getattr(task, "retry_backoff_max", 600))
        factor = int(max(1.0, backoff))
        # Retry n (counting from 0) waits min(cap, factor x 2^n), jitter only shortens it.
        longest = cap if max_retries is None else min(cap, factor * 2 ** (max_retries - 1))
        where = (
            f"the retry backoff of task {name!r} "
            f"(retry_backoff={factor}, retry_backoff_max={cap}, max_retries={max_retries})"
        )
        yield name, "retry_backoff_max", _Delay(where, float(longest), BACKOFF_TOO_LONG_HINT.format(task=name))
    elif retry_kwargs.get("countdown") is not None:
        yield (
            name,
            "retry_kwargs",
            _Delay(
                f"retry_kwargs['countdown'] of task {name!r}",
                float(retry_kwargs["countdown"]),
                RETRY_COUNTDOWN_TOO_LONG_HINT.format(task=name),
            ),
        )
