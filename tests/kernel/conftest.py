"""A bus wired with the sample interface and handlers that record what they saw."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from shared.bus.bus import Bus
from shared.bus.config import BusSettings
from shared.bus.delivery import Deliverer
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Router, Subscription
from shared.bus.transport import InProcessTransport, Transport
from shared.interfaces import Registry
from tests.kernel.sample import Counted, Pinged, make_sample_interface

SETTINGS = BusSettings(max_attempts=3, retry_base_seconds=2, retry_max_seconds=600, lease_seconds=60)


class FakeClock:
    """A clock tests move by hand, so that backoff and leases need no sleeping."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclasses.dataclass
class Recorder:
    """Handlers under test: record every call, write a row, and fail while told to."""

    seen: list[object] = dataclasses.field(default_factory=list)
    failures_left: int = 0

    def handle(self, event: object) -> None:
        self.seen.append(event)
        # A real side effect in the database, which must commit or roll back with the delivery. Group is
        # auth's, in identity's database with DOMAIN_DATABASES: a test of that rollback places the sample
        # domain there too (tests/kernel/test_bus_failures.py), or its delivery commits apart.
        Group.objects.create(name=f"{uuid.uuid4().hex} {event!r}"[:150])
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError(f"handler failed on purpose, {self.failures_left} failures left")


@dataclasses.dataclass
class StreamRecorder:
    """A handler of keyed events that records (stream, n) in the order handled; the first try of `fail_once` fails."""

    fail_once: set[tuple[str, int]] = dataclasses.field(default_factory=set)
    handled: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def handle(self, event: Counted) -> None:
        if (event.stream, event.n) in self.fail_once:
            self.fail_once.discard((event.stream, event.n))
            raise RuntimeError("first attempt fails")
        self.handled.append((event.stream, event.n))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def sample_registry() -> Registry:
    registry = Registry()
    registry.register(make_sample_interface())
    return registry


BusFactory = Callable[..., Bus]


@pytest.fixture
def make_bus(sample_registry: Registry, clock: FakeClock) -> BusFactory:
    def make(*subscriptions: Subscription, transport: Callable[[Deliverer], Transport] = InProcessTransport) -> Bus:
        return Bus(
            registry=sample_registry,
            router=Router(subscriptions),
            transport=transport,
            settings=lambda: SETTINGS,
            clock=clock,
        )

    return make


@pytest.fixture
def installed(make_bus: BusFactory, recorder: Recorder) -> Iterator[Bus]:
    """The sample bus as this process's bus, with one recording subscriber per sample event."""
    bus = make_bus(
        Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle),
        Subscription(id="sample.record_count", event=Counted, handler=recorder.handle),
    )
    with use_bus(bus):
        yield bus
