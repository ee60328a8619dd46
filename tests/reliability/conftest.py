"""A real Redis, real Celery workers on the test database, and a bus in the test process that publishes to them.

Isolation: every test session gets its own key prefix on the Redis at REDIS_URL (queues,
unacknowledged messages, control channels all carry it), so two test runs on one Redis
never take each other's messages. Tests that stop Redis start their own redis-server.
The long-lived worker is started once per session; the tests that use it share one
xdist worker (xdist_group "celery").
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from pytest_django import DjangoDbBlocker

from shared.bus.bus import Bus
from shared.bus.celery_transport import CelerySender, CeleryTransport
from shared.bus.config import BusSettings
from shared.bus.models import Delivery
from shared.bus.relay import Sender
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Router, discover_subscriptions
from shared.bus.worker import create_app
from shared.interfaces import Registry, registry
from tests.reliability.probe import handlers as probe_handlers
from tests.reliability.probe import settings as worker_settings
from tests.reliability.probe.interface import probe
from tests.reliability.probe.switches import Switches
from tests.reliability.processes import Worker, database_url, start_worker, wait_until

CELERY_TESTS = [
    pytest.mark.django_db(transaction=True),  # the worker must see what the test commits
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.processes,
    pytest.mark.xdist_group("celery"),
]

# What the workers run with (probe/settings.py); the test process's bus must agree.
BUS_SETTINGS = BusSettings(
    max_attempts=worker_settings.BUS_MAX_ATTEMPTS,
    retry_base_seconds=worker_settings.BUS_RETRY_BASE_SECONDS,
    retry_max_seconds=worker_settings.BUS_RETRY_MAX_SECONDS,
    lease_seconds=worker_settings.BUS_LEASE_SECONDS,
    relay_lease_seconds=worker_settings.BUS_RELAY_LEASE_SECONDS,
    relay_resend_seconds=worker_settings.BUS_RELAY_RESEND_SECONDS,
)


@dataclasses.dataclass
class CelerySession:
    redis_url: str
    prefix: str
    database_url: str
    log_dir: Path
    app: Celery
    """Publishes to the session's Redis under the session's prefix."""
    switches: Switches

    def worker_env(self, *, redis_url: str | None = None, prefix: str | None = None) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_url or self.redis_url,
            "CELERY_KEY_PREFIX": prefix or self.prefix,
        }

    def queue_length(self, queue: str) -> int:
        return int(redis.Redis.from_url(self.redis_url).llen(f"{self.prefix}{queue}"))

    def unacknowledged(self) -> int:
        return int(redis.Redis.from_url(self.redis_url).hlen(f"{self.prefix}unacked"))


@pytest.fixture(scope="session")
def celery_session(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CelerySession]:
    prefix = f"modulith-test-{uuid.uuid4().hex[:12]}:"
    with django_db_blocker.unblock():
        url = database_url(connection)
    session = CelerySession(
        redis_url=settings.REDIS_URL,
        prefix=prefix,
        database_url=url,
        log_dir=tmp_path_factory.mktemp("celery"),
        app=create_app(broker_url=settings.REDIS_URL, key_prefix=prefix, set_as_current=False),
        switches=Switches(redis_url=settings.REDIS_URL, prefix=prefix),
    )
    yield session
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(scope="session")
def session_worker(celery_session: CelerySession) -> Iterator[Worker]:
    """The long-lived worker (two pool processes) on the session's default queue."""
    worker = start_worker(env=celery_session.worker_env(), log_dir=celery_session.log_dir)
    yield worker
    worker.stop()


def probe_bus(*, sender: Sender, bus_settings: Callable[[], BusSettings] = lambda: BUS_SETTINGS) -> Bus:
    """The bus the workers run (the domains' subscriptions and the probe's), relaying through `sender`."""
    bus_registry = Registry()
    for interface in (*registry.interfaces(), probe):
        bus_registry.register(interface)
    subscriptions = [
        *discover_subscriptions(app.name for app in apps.get_app_configs()),
        *probe_handlers.SUBSCRIPTIONS,
    ]
    return Bus(
        registry=bus_registry,
        router=Router(subscriptions),
        transport=partial(CeleryTransport, sender=sender),
        settings=bus_settings,
    )


@pytest.fixture
def celery_bus(celery_session: CelerySession, session_worker: Worker) -> Iterator[Bus]:
    """This process's bus for the test: publishes reach the session worker through the session's Redis."""
    with use_bus(probe_bus(sender=CelerySender(app=celery_session.app))) as bus:
        yield bus


def effects(prefix: str) -> int:
    """How many effect rows the probe's handlers wrote whose name starts with `prefix`."""
    return Group.objects.filter(name__startswith=prefix).count()


def settled(delivery: Delivery, status: str, *, timeout: float = 10.0) -> Delivery:
    """`delivery` once it reads `status` (refreshed), after its handler's effect was seen.

    The effects are auth Group rows, which live beside identity's users: with a database per
    domain (CI's `make test-wire`) that is another database than the probe's deliveries, so
    a handler's effect commits a moment before its delivery is marked, not with it.
    """

    def reached() -> bool:
        delivery.refresh_from_db()
        return delivery.status == status

    wait_until(reached, timeout=timeout, what=f"delivery {delivery.id} to be {status}")
    return delivery


def bus_command(*args: str) -> str:
    """What `manage.py bus *args` prints."""
    out = io.StringIO()
    call_command("bus", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def token() -> str:
    return uuid.uuid4().hex[:12]
