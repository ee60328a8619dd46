"""Publisher and subscriber in one process, or in two processes with two databases: the same tests run on both.

`topology` is parametrized: "one process" publishes with this process's bus and the
tracking handlers run here after commit (the fast path); "two processes" publishes in a
second Django process (the publisher, with the parcels domain and a database of its own,
started once per session) and this process, the subscriber, pulls its feed over HTTP.
The subscriber's bus there knows no interface at all: tracking decodes v1 with its own
schema and v2 with the parcels contract module, and needs nothing else of the publisher.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import httpx
import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from shared import wire
from shared.bus.bus import Bus
from shared.bus.runtime import build_bus
from shared.bus.subscriptions import Router, Subscription
from shared.bus.transport import InProcessTransport
from shared.correlation import correlation_scope
from shared.events import event_meta
from shared.interfaces import Registry
from tests.events.parcels.interface import parcels
from tests.events.tracking import handlers as tracking
from tests.reliability.processes import ROOT, database_url, free_port, stop_process, wait_until

PEER_SETTINGS = "tests.events.peer_settings"
PEER_READY_SECONDS = 120.0

EVENT_TESTS = [pytest.mark.django_db(transaction=True), pytest.mark.processes, pytest.mark.xdist_group("events-peer")]


@dataclasses.dataclass
class Peer:
    """The second Django process: the publisher, with its own database, serving its feeds (/internal/events/<d>/)."""

    url: str
    token: str
    nudge_prefix: str
    """The key prefix under which the publisher nudges on the Redis at REDIS_URL."""
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])

    def publish(self, events: Sequence[object], *, correlation_id: str) -> list[uuid.UUID]:
        """Publish `events` in one transaction of the publisher's process (through its test door)."""
        body = {
            "correlation_id": correlation_id,
            "events": [
                {"name": event_meta(e).name, "version": event_meta(e).version, "payload": wire.to_primitive(e)}
                for e in events
            ],
        }
        response = httpx.post(
            f"{self.url}/peer/publish/", json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )
        assert response.status_code == 200, f"{response.status_code} {response.text}\n{self.log_tail()}"
        return [uuid.UUID(i) for i in response.json()["event_ids"]]


def _peer_database(tmp: Path) -> tuple[str, object]:
    """A database of the peer's own: a new PostgreSQL database beside the test database, or a SQLite file."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp / 'peer.sqlite3'}", None
    name = f"{connection.settings_dict['NAME']}_peer"
    server = {k: v for k, v in connection.get_connection_params().items() if k != "dbname"}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    test_url = database_url(connection)
    return f"{test_url.rsplit('/', 1)[0]}/{name}", (server, name)


def _drop(database: object) -> None:
    if database is None:
        return
    server, name = database  # type: ignore[misc]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def peer(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Peer]:
    tmp = tmp_path_factory.mktemp("peer")
    with django_db_blocker.unblock():
        url, database = _peer_database(tmp)
    token = uuid.uuid4().hex
    nudge_prefix = f"modulith-test-events-{uuid.uuid4().hex[:12]}:"
    environment = {
        # One database: the peer serves its outbox as one feed (a service with DOMAIN_DATABASES has one per database).
        **{key: value for key, value in os.environ.items() if key != "DOMAIN_DATABASES"},
        "DJANGO_SETTINGS_MODULE": PEER_SETTINGS,
        "DATABASE_URL": url,
        "BUS_FEED_TOKEN": token,
        "BUS_TRANSPORT": "inprocess",
        # The cart runs in the subscriber (this test process): the publisher writes it no deliveries.
        "GATEWAY_REMOTE_DOMAINS": "cart=http://127.0.0.1:9",
        "BUS_NUDGE_REDIS_URL": settings.REDIS_URL,
        "CELERY_KEY_PREFIX": nudge_prefix,
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp / "peer.log"
    with log.open("wb") as out:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, check=True,
        )  # fmt: skip
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    running = Peer(url=f"http://127.0.0.1:{port}", token=token, nudge_prefix=nudge_prefix, log=log, process=process)
    try:
        wait_until(
            lambda: _answers(f"{running.url}/healthz"),
            timeout=PEER_READY_SECONDS,
            what="the publisher's process to serve",
            details=running.log_tail,
        )
        yield running
    finally:
        stop_process(process, grace=10)
        _drop(database)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class OffTransport:
    """After commit, nothing: the process that would have handed the event on died right after committing."""

    def __init__(self, deliverer: object) -> None:
        pass

    def after_commit(self, event_id: uuid.UUID) -> None:
        pass

    def redeliver(self, delivery_ids: list[int]) -> None:
        pass

    def sweep(self, *, limit: int) -> Mapping[str, int]:
        return {}


class Topology(Protocol):
    name: str
    bus: Bus
    """The subscriber's bus, in this process."""

    def publish(self, *events: object, correlation_id: str) -> list[uuid.UUID]:
        """Publish in one transaction of the publisher; the subscriber's handlers run now only on the fast path."""

    def publish_while_subscriber_down(self, *events: object, correlation_id: str) -> list[uuid.UUID]:
        """Publish while no subscriber process runs: nothing is handled until `catch_up`."""

    def catch_up(self) -> dict[str, int]:
        """What a subscriber process does when it runs: its sweep (pull the feeds, retry what is due)."""


def tracking_bus(registry: Registry, *subscriptions: Subscription) -> Bus:
    return Bus(registry=registry, router=Router(subscriptions or tracking.SUBSCRIPTIONS), transport=InProcessTransport)


class OneProcess:
    name = "one process"

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def _publish(self, bus: Bus, events: Sequence[object], correlation_id: str) -> list[uuid.UUID]:
        with correlation_scope(correlation_id), transaction.atomic():
            return [bus.publish(e) for e in events]

    def publish(self, *events: object, correlation_id: str) -> list[uuid.UUID]:
        return self._publish(self.bus, events, correlation_id)

    def publish_while_subscriber_down(self, *events: object, correlation_id: str) -> list[uuid.UUID]:
        down = Bus(registry=self.bus.registry, router=self.bus.router, transport=OffTransport)
        return self._publish(down, events, correlation_id)

    def catch_up(self) -> dict[str, int]:
        return self.bus.sweep_every_database(limit=100)


class TwoProcesses:
    name = "two processes"

    def __init__(self, peer: Peer, bus: Bus, *, publishers: Sequence[str] = ("parcels",)) -> None:
        self.peer = peer
        self.bus = bus
        self.publishers = publishers

    def placement(self) -> override_settings:
        """This process's view: the publishing domains run in the peer, at its URL."""
        remote = dict.fromkeys(self.publishers, self.peer.url)
        return override_settings(GATEWAY_REMOTE_DOMAINS=remote, BUS_FEED_TOKEN=self.peer.token)

    def publish(self, *events: object, correlation_id: str) -> list[uuid.UUID]:
        return self.peer.publish(events, correlation_id=correlation_id)

    publish_while_subscriber_down = publish

    def catch_up(self) -> dict[str, int]:
        with self.placement():
            return self.bus.sweep_every_database(limit=100)


def parcels_registry() -> Registry:
    registry = Registry()
    registry.register(parcels)
    return registry


@pytest.fixture(params=["one process", "two processes"])
def topology(request: pytest.FixtureRequest) -> Topology:
    """Parcels publishes, tracking subscribes; in two processes the subscriber's bus knows no interface."""
    if request.param == "one process":
        return OneProcess(tracking_bus(parcels_registry()))
    return TwoProcesses(request.getfixturevalue("peer"), tracking_bus(Registry()))


@pytest.fixture(params=["one process", "two processes"])
def shop_topology(request: pytest.FixtureRequest) -> Topology:
    """The shop's own wiring: orders publishes (here, or in the peer), the other domains' handlers run here."""
    if request.param == "one process":
        return OneProcess(build_bus())
    return TwoProcesses(request.getfixturevalue("peer"), build_bus(), publishers=("orders",))


def effects(handler: str, parcel_id: uuid.UUID) -> list[str]:
    """The effect rows one tracking handler wrote for a parcel, oldest first, without the prefix."""
    prefix = f"tracking {handler} {parcel_id} "
    names = Group.objects.filter(name__startswith=prefix).order_by("id").values_list("name", flat=True)
    return [name.removeprefix(prefix).rsplit(" ", 1)[0] for name in names]
