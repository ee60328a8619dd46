"""A Celery worker keeps its database connection from one task to the next, as a web server does between requests."""

from __future__ import annotations

import time

import pytest
from celery import Celery, signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from shared.bus import celery_connections
from shared.bus.tasks import sweep
from shared.bus.worker import create_app

# A server's connection: Django never closes the in-memory SQLite database of a test run.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def around_a_task() -> None:
    """What a worker's pool process signals before and after running `sweep` (the receivers connected here)."""
    signals.task_prerun.send(sender=sweep, task_id="t-1", task=sweep, args=(), kwargs={})
    signals.task_postrun.send(sender=sweep, task_id="t-1", task=sweep, args=(), kwargs={}, retval=None, state="SUCCESS")


def test_celerys_django_fixup_keeps_the_connection_of_a_worker_of_this_app() -> None:
    fixup = DjangoWorkerFixup(create_app(key_prefix="test-connections:", set_as_current=False))
    connection.ensure_connection()
    kept = connection.connection

    fixup.on_task_prerun(sender=sweep)
    fixup.on_task_postrun(sender=sweep)

    assert connection.connection is kept


def test_without_this_apps_settings_celerys_django_fixup_closes_the_connection_around_every_task() -> None:
    fixup = DjangoWorkerFixup(Celery("plain", set_as_current=False))
    connection.ensure_connection()

    fixup.on_task_prerun(sender=sweep)

    assert connection.connection is None


def test_a_connection_is_reused_by_the_next_task_while_it_is_younger_than_conn_max_age() -> None:
    celery_connections.connect()
    connection.ensure_connection()
    kept = connection.connection

    around_a_task()

    assert connection.connection is kept


def test_a_connection_past_conn_max_age_is_closed_around_the_next_task() -> None:
    celery_connections.connect()
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1

    around_a_task()

    assert connection.connection is None
