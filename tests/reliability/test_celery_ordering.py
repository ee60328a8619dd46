"""The ordering promise under stress: several relays, many keys, relays and handlers failing on purpose.

Promise: events with the same key reach a subscriber in publish order, each handled
once; a keyed delivery is neither sent nor run while an older one with its key is
unfinished. Here four relays (the publisher's after-commit hand-off and three sweeping
relays) send through a broker that refuses some messages and a relay that sometimes dies
right after sending; handlers fail their first tries for some events; two worker
processes run them. The effect rows, numbered by the database as they commit, must
come out in order for every key, once each.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import threading
from collections import Counter, defaultdict

from celery import Celery
from django.contrib.auth.models import Group
from django.db import connections
from django.utils import timezone

from shared.bus.celery_transport import CelerySender
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.relay import Relay
from tests.reliability.conftest import BUS_SETTINGS, CELERY_TESTS, CelerySession, probe_bus
from tests.reliability.probe.handlers import effect_prefix
from tests.reliability.probe.interface import Stepped
from tests.reliability.processes import Worker, wait_until

pytestmark = CELERY_TESTS

STREAMS = 12
STEPS = 8
RELAYS = 3
SETTLED_SECONDS = 120.0
RELAY_PAUSE_SECONDS = 0.05


class BrokerRefusedError(ConnectionError):
    pass


class RelayDiedError(BaseException):
    """The relay's process died right after the broker took a message (nothing of the relay runs after it)."""


@dataclasses.dataclass
class Faults:
    refused: int = 0
    died: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class FaultyBroker:
    """The real broker, except that 1 send in 8 is refused and after 1 in 12 the sending relay dies."""

    def __init__(self, *, app: Celery, seed: int, faults: Faults) -> None:
        self._sender = CelerySender(app=app)
        self._random = random.Random(seed)
        self._faults = faults

    def send(self, delivery_id: int, *, database: str = "default") -> None:
        roll = self._random.random()
        if roll < 1 / 8:
            with self._faults.lock:
                self._faults.refused += 1
            raise BrokerRefusedError("refused on purpose")
        self._sender.send(delivery_id, database=database)
        if roll > 11 / 12:
            with self._faults.lock:
                self._faults.died += 1
            raise RelayDiedError


def sweeping_relay(relay: Relay, stop: threading.Event) -> None:
    """A relay process: sweep, and when it dies, come back (as a supervisor would restart it)."""
    try:
        while not stop.is_set():
            try:
                sent = relay.relay_due(limit=5)
            except RelayDiedError:
                continue
            if not sent:
                stop.wait(RELAY_PAUSE_SECONDS)
    finally:
        connections.close_all()


def test_several_relays_many_keys_and_injected_failures_keep_every_key_in_order_once(
    celery_session: CelerySession, session_worker: Worker, token: str
) -> None:
    faults = Faults()
    plan = random.Random(token)
    fail_times = {
        (f"k{s}", seq): plan.choice([0, 0, 0, 1, BUS_SETTINGS.max_attempts - 1])
        for s in range(STREAMS)
        for seq in range(STEPS)
    }
    stop = threading.Event()
    relays = [
        threading.Thread(
            target=sweeping_relay,
            args=(
                Relay(
                    sender=FaultyBroker(app=celery_session.app, seed=n, faults=faults),
                    settings=lambda: BUS_SETTINGS,
                    clock=timezone.now,
                ),
                stop,
            ),
        )
        for n in range(RELAYS)
    ]
    for relay in relays:
        relay.start()
    publisher = probe_bus(sender=FaultyBroker(app=celery_session.app, seed=RELAYS, faults=faults))
    try:
        for seq in range(STEPS):  # keys interleaved, as independent requests would publish them
            for s in range(STREAMS):
                stream = f"k{s}"
                # When the hand-off dies, the event has committed already: the sweeping relays send it.
                with contextlib.suppress(RelayDiedError):
                    publisher.publish(Stepped(run=token, stream=stream, seq=seq, fail_times=fail_times[stream, seq]))
        effects = Group.objects.filter(name__startswith=effect_prefix("step", token))
        wait_until(
            lambda: effects.count() >= STREAMS * STEPS,
            timeout=SETTLED_SECONDS,
            what=f"{STREAMS * STEPS} effects",
            details=lambda: f"{effects.count()} so far\n{session_worker.log_tail()}",
        )
    finally:
        stop.set()
        for relay in relays:
            relay.join(timeout=30)

    handled: dict[str, list[int]] = defaultdict(list)
    for name in effects.order_by("id").values_list("name", flat=True):  # ids: the order the effects committed in
        _, _, stream, seq, _ = name.split()
        handled[stream].append(int(seq))
    assert handled == {f"k{s}": list(range(STEPS)) for s in range(STREAMS)}
    attempts = Counter(Delivery.objects.filter(subscriber="probe.record_step").values_list("status", "attempts"))
    expected = Counter((DeliveryStatus.DONE, failures + 1) for failures in fail_times.values())
    assert attempts == expected  # every try that failed on purpose was retried, nothing ran once more
    assert (faults.refused > 0, faults.died > 0, max(fail_times.values()) > 0) == (True, True, True)
