"""The Celery configuration: its recovery promise, and the checks refusing settings that would run work twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import Celery, Task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from config.celery import app as project_app
from shared.bus import tasks
from shared.bus.celery_checks import (
    BACKOFF_TOO_LONG_HINT,
    COUNTDOWN_TOO_LONG,
    COUNTDOWN_TOO_LONG_HINT,
    NO_TIME_LIMIT,
    RETRY_COUNTDOWN_TOO_LONG_HINT,
    RETRY_DELAY_TOO_LONG_HINT,
    TIME_LIMIT_TOO_LONG,
    TIME_LIMIT_TOO_SHORT,
    VISIBILITY_MISMATCH,
    WORKER_REFUSES_TO_START,
    celery_problems,
)
from shared.bus.task_names import DELIVER_TASK, SWEEP_TASK
from shared.bus.worker import RECOVERY_PROMISE_SECONDS, RecoveryBounds, create_app, recovery_bounds

NOW = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
"""When the checks run, for beat entries with an eta."""
SLOW_TASK = "billing.charge"


@pytest.fixture
def app() -> Iterator[Celery]:
    """The project's configuration in an app of its own, so a test may change it."""
    app = create_app(set_as_current=False)
    yield app
    app.close()


def problems(app: Celery) -> list[tuple[str, str]]:
    return [(message.id or "", message.msg) for message in celery_problems(app, now=NOW)]


def problems_with_hints(app: Celery) -> list[tuple[str, str, str | None]]:
    return [(message.id or "", message.msg, message.hint) for message in celery_problems(app, now=NOW)]


def test_the_projects_configuration_passes_its_checks_and_promises_bounded_recovery() -> None:
    assert problems(project_app) == []
    assert recovery_bounds() == RecoveryBounds(
        whole_worker_lost=50, pool_process_lost=8, message_lost_by_broker=31, processing_abandoned=41
    )
    assert max(dataclasses.astuple(recovery_bounds())) <= RECOVERY_PROMISE_SECONDS


def test_the_visibility_timeout_is_the_same_wherever_celery_reads_it() -> None:
    conf = project_app.conf

    assert conf.broker_transport_options["visibility_timeout"] == 45
    assert conf.result_backend_transport_options["visibility_timeout"] == 45
    assert conf.visibility_timeout == 45
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)


def register(app: Celery, **options: Any) -> None:
    """A task of this app only (`shared=False`), as a domain's tasks.py would declare it."""

    @app.task(name=SLOW_TASK, shared=False, **options)
    def charge() -> None:
        raise AssertionError("never run: only its settings are checked")


def keep_the_projects_annotations(*more: object) -> list[object]:
    """task_annotations as a list: the project's own entries (bus.deliver's and bus.sweep's), then `more`."""
    return [dict(project_app.conf.task_annotations), *more]


class SlowRetries:
    """An annotation object: Celery asks it about each task (annotate) and about all of them (annotate_any)."""

    def annotate(self, task: Task) -> dict[str, object] | None:
        return {"default_retry_delay": 90} if task.name == SLOW_TASK else None


class LongBackoffForAll:
    def annotate(self, task: Task) -> None:
        return None

    def annotate_any(self) -> dict[str, object]:
        return {"retry_backoff_max": 120}


def retry_delay_hint(task: str) -> str:
    return RETRY_DELAY_TOO_LONG_HINT.format(task=task)


def test_a_publish_tries_the_broker_once_with_short_timeouts_and_leaves_the_rest_to_the_sweep() -> None:
    conf = project_app.conf

    assert conf.task_publish_retry is False
    transport = conf.broker_transport_options
    assert (transport["max_retries"], transport["socket_connect_timeout"], transport["socket_timeout"]) == (0, 1, 2)


@pytest.mark.parametrize(
    ("change", "where", "seconds", "hint"),
    [
        pytest.param(
            lambda app: app.conf.update(
                task_annotations={**project_app.conf.task_annotations, DELIVER_TASK: {"default_retry_delay": 45}}
            ),
            f"task_annotations[{DELIVER_TASK!r}]['default_retry_delay']",
            45,
            COUNTDOWN_TOO_LONG_HINT,
            id="worker-lost-retry-delay",
        ),
        pytest.param(
            lambda app: app.conf.update(
                task_annotations={**project_app.conf.task_annotations, SLOW_TASK: {"retry_backoff_max": 600}}
            ),
            f"task_annotations[{SLOW_TASK!r}]['retry_backoff_max']",
            600,
            COUNTDOWN_TOO_LONG_HINT,
            id="annotated-retry-backoff-max",
        ),
        pytest.param(
            lambda app: app.conf.update(
                task_annotations=keep_the_projects_annotations({SLOW_TASK: {"default_retry_delay": 300}})
            ),
            f"task_annotations[1][{SLOW_TASK!r}]['default_retry_delay']",
            300,
            COUNTDOWN_TOO_LONG_HINT,
            id="annotations-as-a-list-of-dicts",
        ),
        pytest.param(
            lambda app: (
                register(app, default_retry_delay=5),
                app.conf.update(task_annotations=keep_the_projects_annotations(SlowRetries())),
            ),
            f"default_retry_delay of task {SLOW_TASK!r}",
            90,
            retry_delay_hint(SLOW_TASK),
            id="annotation-object-for-one-task",
        ),
        pytest.param(
            lambda app: app.conf.update(task_annotations=keep_the_projects_annotations(LongBackoffForAll())),
            "task_annotations[1].annotate_any()['retry_backoff_max']",
            120,
            COUNTDOWN_TOO_LONG_HINT,
            id="annotation-object-for-every-task",
        ),
        pytest.param(
            register,
            f"default_retry_delay of task {SLOW_TASK!r}",
            180,
            retry_delay_hint(SLOW_TASK),
            id="a-task-retrying-with-celerys-default-delay",
        ),
        pytest.param(
            lambda app: app.conf.update(
                task_annotations={DELIVER_TASK: project_app.conf.task_annotations[DELIVER_TASK]}
            ),
            f"default_retry_delay of task {SWEEP_TASK!r}",
            180,
            retry_delay_hint(SWEEP_TASK),
            id="the-bus-sweep-without-its-annotation",
        ),
        pytest.param(
            lambda app: register(
                app, default_retry_delay=5, autoretry_for=(ConnectionError,), retry_backoff=2, max_retries=None
            ),
            f"the retry backoff of task {SLOW_TASK!r} (retry_backoff=2, retry_backoff_max=600, max_retries=None)",
            600,
            BACKOFF_TOO_LONG_HINT.format(task=SLOW_TASK),
            id="autoretry-backoff-retrying-forever",
        ),
        pytest.param(
            lambda app: register(
                app, default_retry_delay=5, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8
            ),
            f"the retry backoff of task {SLOW_TASK!r} (retry_backoff=1, retry_backoff_max=600, max_retries=8)",
            128,  # the eighth retry waits 2^7 s
            BACKOFF_TOO_LONG_HINT.format(task=SLOW_TASK),
            id="autoretry-backoff-past-the-timeout-after-retries",
        ),
        pytest.param(
            lambda app: register(
                app, default_retry_delay=5, autoretry_for=(ConnectionError,), retry_kwargs={"countdown": 120}
            ),
            f"retry_kwargs['countdown'] of task {SLOW_TASK!r}",
            120,
            RETRY_COUNTDOWN_TOO_LONG_HINT.format(task=SLOW_TASK),
            id="autoretry-countdown",
        ),
        pytest.param(
            lambda app: app.conf.update(
                beat_schedule={"report": {"task": "x", "schedule": 60, "options": {"countdown": 3600}}}
            ),
            "beat_schedule['report'] countdown",
            3600,
            COUNTDOWN_TOO_LONG_HINT,
            id="beat-countdown",
        ),
        pytest.param(
            lambda app: app.conf.update(
                beat_schedule={"report": {"task": "x", "schedule": 60, "options": {"eta": NOW + dt.timedelta(hours=1)}}}
            ),
            "beat_schedule['report'] eta",
            3600,
            COUNTDOWN_TOO_LONG_HINT,
            id="beat-eta",
        ),
        pytest.param(
            lambda app: app.conf.update(
                beat_schedule={"report": {"task": "x", "schedule": 60, "options": {"eta": "2030-01-01T12:02:00+00:00"}}}
            ),
            "beat_schedule['report'] eta",
            120,
            COUNTDOWN_TOO_LONG_HINT,
            id="beat-eta-as-text",
        ),
    ],
)
def test_a_countdown_not_shorter_than_the_visibility_timeout_is_refused_naming_the_setting_to_change(
    app: Celery, change: Callable[[Celery], object], where: str, seconds: float, hint: str
) -> None:
    change(app)

    assert problems_with_hints(app) == [
        ("modulith.E020", COUNTDOWN_TOO_LONG.format(where=where, seconds=seconds, visibility=45), hint),
    ]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda app: register(app, max_retries=0), id="a-task-never-sent-again"),
        pytest.param(
            lambda app: register(
                app, default_retry_delay=5, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3
            ),
            id="autoretry-backoff-capped-by-few-retries",  # 1, 2, 4 s, though retry_backoff_max is 600
        ),
        pytest.param(
            lambda app: app.conf.update(
                beat_schedule={"report": {"task": "x", "schedule": 60, "options": {"eta": NOW - dt.timedelta(days=1)}}}
            ),
            id="beat-eta-in-the-past",
        ),
    ],
)
def test_delays_that_never_outlast_the_visibility_timeout_pass(app: Celery, change: Callable[[Celery], object]) -> None:
    change(app)

    assert problems_with_hints(app) == []


CHECK_IN_A_FRESH_PROCESS = f"""
import sys
import django

django.setup()
from shared.bus.celery_checks import celery_problems
from shared.bus.worker import create_app

app = create_app(set_as_current=False)
app.conf.task_annotations = {{{DELIVER_TASK!r}: {{"default_retry_delay": 1}}}}  # bus.sweep's entry left out
print("shared.bus.tasks imported before the check:", "shared.bus.tasks" in sys.modules)
for problem in celery_problems(app):
    print(problem.id, problem.msg)
"""


@pytest.mark.processes
def test_the_check_finds_shared_tasks_by_autodiscovery_as_a_worker_would() -> None:
    check = subprocess.run(
        [sys.executable, "-c", CHECK_IN_A_FRESH_PROCESS],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert check.stdout.splitlines() == [
        "shared.bus.tasks imported before the check: False",
        "modulith.E020 "
        + COUNTDOWN_TOO_LONG.format(where=f"default_retry_delay of task {SWEEP_TASK!r}", seconds=180, visibility=45),
    ]


def test_a_hard_time_limit_not_shorter_than_the_visibility_timeout_and_the_lease_is_refused(app: Celery) -> None:
    app.conf.update(task_time_limit=400)

    assert problems(app) == [
        (
            "modulith.E021",
            TIME_LIMIT_TOO_LONG.format(
                limit=400,
                what="the visibility timeout",
                value=45,
                consequence="run again by another worker while it still runs",
            ),
        ),
        (
            "modulith.E021",
            TIME_LIMIT_TOO_LONG.format(
                limit=400,
                what="BUS_LEASE_SECONDS",
                value=40,
                consequence="taken back by the sweep and run again while it still runs",
            ),
        ),
    ]


def test_a_hard_time_limit_too_short_to_notice_a_lost_pool_process_is_refused(app: Celery) -> None:
    app.conf.update(task_time_limit=6)

    assert problems(app) == [("modulith.E021", TIME_LIMIT_TOO_SHORT.format(limit=6, lost=7, tick=5))]


def test_no_hard_time_limit_is_refused(app: Celery) -> None:
    app.conf.update(task_time_limit=None)

    assert problems(app) == [("modulith.E021", NO_TIME_LIMIT)]


def test_visibility_timeouts_that_differ_are_refused(app: Celery) -> None:
    app.conf.update(result_backend_transport_options={"visibility_timeout": 3600})

    assert problems(app) == [
        (
            "modulith.E022",
            VISIBILITY_MISMATCH.format(
                values="broker_transport_options=45, result_backend_transport_options=3600, visibility_timeout=45"
            ),
        )
    ]


def test_beat_sends_the_bus_sweep_and_the_bus_defines_it() -> None:
    assert project_app.conf.beat_schedule["bus-sweep"]["task"] == SWEEP_TASK
    assert (tasks.sweep.name, tasks.deliver.name) == (SWEEP_TASK, DELIVER_TASK)


@override_settings(BUS_TRANSPORT="inprocess")
def test_the_bus_cannot_be_wired_into_a_worker_with_the_in_process_transport() -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        tasks.wire_the_bus()

    assert str(excinfo.value) == tasks.WORKER_NEEDS_CELERY_TRANSPORT.format(value="inprocess")


@pytest.mark.processes
def test_a_worker_started_with_the_in_process_transport_exits_before_consuming() -> None:
    worker = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--without-mingle", "--without-gossip"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "BUS_TRANSPORT": "inprocess", "REDIS_URL": "redis://127.0.0.1:1/0"},  # never reached
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert worker.returncode == 1
    assert worker.stderr.strip().splitlines()[-1] == (
        "The worker cannot run the event bus: " + tasks.WORKER_NEEDS_CELERY_TRANSPORT.format(value="inprocess")
    )


def test_a_worker_whose_configuration_fails_the_celery_checks_exits_before_consuming() -> None:
    worker = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--without-mingle", "--without-gossip"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "BUS_TRANSPORT": "celery",
            "CELERY_TASK_TIME_LIMIT_SECONDS": "60",  # beyond the 45 s visibility timeout: E021
            "REDIS_URL": "redis://127.0.0.1:1/0",  # never reached
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert worker.returncode == 1
    output = worker.stderr.strip().splitlines()
    assert WORKER_REFUSES_TO_START.splitlines()[0] in output
    assert any(line.startswith("modulith.E021: ") for line in output), worker.stderr[-2000:]
