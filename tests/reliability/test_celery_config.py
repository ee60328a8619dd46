"""The Celery configuration: its recovery promise, and the checks refusing settings that would run work twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from celery import Celery
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from config.celery import RecoveryBounds, create_app, recovery_bounds
from config.celery import app as project_app
from config.checks import (
    COUNTDOWN_TOO_LONG,
    NO_TIME_LIMIT,
    TIME_LIMIT_TOO_LONG,
    TIME_LIMIT_TOO_SHORT,
    VISIBILITY_MISMATCH,
    celery_problems,
)
from shared.bus import tasks
from shared.bus.task_names import DELIVER_TASK, SWEEP_TASK


@pytest.fixture
def app() -> Iterator[Celery]:
    """The project's configuration in an app of its own, so a test may change it."""
    app = create_app(set_as_current=False)
    yield app
    app.close()


def problems(app: Celery) -> list[tuple[str, str]]:
    return [(message.id or "", message.msg) for message in celery_problems(app)]


def test_the_projects_configuration_passes_its_checks_and_promises_bounded_recovery() -> None:
    assert problems(project_app) == []
    assert recovery_bounds() == RecoveryBounds(whole_worker_lost=50, pool_process_lost=8, message_lost_by_broker=900)


def test_the_visibility_timeout_is_the_same_wherever_celery_reads_it() -> None:
    conf = project_app.conf

    assert conf.broker_transport_options["visibility_timeout"] == 45
    assert conf.result_backend_transport_options["visibility_timeout"] == 45
    assert conf.visibility_timeout == 45
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)


@pytest.mark.parametrize(
    ("change", "where", "seconds"),
    [
        pytest.param(
            {"task_annotations": {DELIVER_TASK: {"default_retry_delay": 45}}},
            f"task_annotations[{DELIVER_TASK!r}]['default_retry_delay']",
            45,
            id="worker-lost-retry-delay",
        ),
        pytest.param(
            {"task_annotations": {"billing.charge": {"retry_backoff_max": 600}}},
            "task_annotations['billing.charge']['retry_backoff_max']",
            600,
            id="retry-backoff-max",
        ),
        pytest.param(
            {"beat_schedule": {"report": {"task": "x", "schedule": 60, "options": {"countdown": 3600}}}},
            "beat_schedule['report'] countdown",
            3600,
            id="beat-countdown",
        ),
    ],
)
def test_a_countdown_not_shorter_than_the_visibility_timeout_is_refused(
    app: Celery, change: dict[str, object], where: str, seconds: float
) -> None:
    app.conf.update(change)

    assert problems(app) == [
        ("modulith.E020", COUNTDOWN_TOO_LONG.format(where=where, seconds=seconds, visibility=45)),
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
                value=300,
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
