"""The relay: committed deliveries reach the broker once in normal operation, and eventually whatever happens.

The broker is faked at its boundary (a Sender that records); tests/reliability runs the
same relay against a real Redis and real Celery workers.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connections, transaction

from shared.bus.bus import Bus
from shared.bus.celery_transport import CeleryTransport
from shared.bus.delivery import Deliverer, reset_for_replay
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.relay import Relay
from shared.bus.subscriptions import Subscription
from tests.kernel.conftest import SETTINGS, BusFactory, FakeClock, Recorder, StreamRecorder
from tests.kernel.sample import Counted, Pinged
from tests.kernel.test_bus_publishing import Boom, publish_then_fail

pytestmark = pytest.mark.django_db(transaction=True)


class BrokerDown(ConnectionError):
    pass


class RecordingSender:
    """A broker that takes every message (or refuses while `down`), and remembers the order."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.down = False
        self._lock = threading.Lock()

    def send(self, delivery_id: int, *, database: str = "default") -> None:
        if self.down:
            raise BrokerDown("connection refused")
        with self._lock:
            self.sent.append(delivery_id)


class Unsent:
    """A transport that relays nothing after commit: the rows wait for a sweep."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer

    def after_commit(self, event_id: object) -> None:
        pass


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def relayed(make_bus: BusFactory, sender: RecordingSender) -> Callable[..., Bus]:
    """A bus whose transport relays to `sender` (what BUS_TRANSPORT=celery does, minus Celery)."""
    return partial(make_bus, transport=partial(CeleryTransport, sender=sender))


def relay_of(bus: Bus) -> Relay:
    assert isinstance(bus.transport, CeleryTransport)
    return bus.transport.relay


def relay_state(delivery_id: int) -> tuple[int, int | None, dt.datetime | None]:
    return (
        Delivery.objects.filter(id=delivery_id)
        .values_list("relay_attempts", "relayed_for", "relay_lease_expires_at")
        .get()
    )


def test_after_commit_each_delivery_is_sent_once_and_trusted_until_the_resend_window(
    relayed: Callable[..., Bus], sender: RecordingSender, recorder: Recorder, clock: FakeClock
) -> None:
    bus = relayed(
        Subscription(id="sample.first", event=Pinged, handler=recorder.handle),
        Subscription(id="sample.second", event=Pinged, handler=recorder.handle),
    )

    with transaction.atomic():
        event_id = bus.publish(Pinged(n=1))
        assert sender.sent == []

    ids = list(Delivery.objects.filter(event_id=event_id).order_by("id").values_list("id", flat=True))
    assert sender.sent == ids
    assert [relay_state(i) for i in ids] == [(1, 0, clock.now + SETTINGS.relay_resend)] * 2
    assert recorder.seen == []  # the handlers run in a worker, not in the publisher
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 0}


def test_a_rolled_back_publish_sends_nothing(relayed: Callable[..., Bus], sender: RecordingSender) -> None:
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=print))

    with pytest.raises(Boom):
        publish_then_fail(bus, Pinged(n=1))

    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 0}
    assert sender.sent == []
    assert not Delivery.objects.exists()


def test_a_send_the_broker_refuses_is_released_at_once_and_sent_by_the_next_sweep(
    relayed: Callable[..., Bus], sender: RecordingSender
) -> None:
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=print))
    sender.down = True

    event_id = bus.publish(Pinged(n=1))  # the publisher does not notice

    delivery = Delivery.objects.get(event_id=event_id)
    assert relay_state(delivery.id) == (1, 0, None)
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 0}  # still down
    sender.down = False
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 1}
    assert sender.sent == [delivery.id]


def test_a_relay_that_died_after_claiming_is_replaced_after_its_lease_and_cannot_overwrite_the_new_claim(
    relayed: Callable[..., Bus], sender: RecordingSender, clock: FakeClock
) -> None:
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=print), transport=Unsent)
    event_id = bus.publish(Pinged(n=1))
    delivery_id = Delivery.objects.get(event_id=event_id).id
    stalled, other = (Relay(sender=sender, settings=lambda: SETTINGS, clock=clock) for _ in range(2))

    stale_claims = stalled.claim(limit=10)
    assert [c.token for c in stale_claims] == [1]
    assert other.relay_due() == 0  # the claim holds while its lease runs
    clock.advance(SETTINGS.relay_lease_seconds)
    fresh_claims = other.claim(limit=10)
    assert [c.token for c in fresh_claims] == [2]

    assert stalled.send(stale_claims) == 1  # it wakes up and sends: a duplicate the inbox absorbs
    assert relay_state(delivery_id) == (2, 0, clock.now + SETTINGS.relay_lease)  # but records nothing
    assert other.send(fresh_claims) == 1
    assert relay_state(delivery_id) == (2, 0, clock.now + SETTINGS.relay_resend)
    assert sender.sent == [delivery_id, delivery_id]


def test_a_message_the_broker_lost_is_sent_again_after_the_resend_window(
    relayed: Callable[..., Bus], sender: RecordingSender, clock: FakeClock
) -> None:
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=print))
    event_id = bus.publish(Pinged(n=1))
    delivery_id = Delivery.objects.get(event_id=event_id).id

    clock.advance(SETTINGS.relay_resend_seconds - 1)
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 0}
    clock.advance(1)
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 1}
    assert sender.sent == [delivery_id, delivery_id]
    assert relay_state(delivery_id) == (2, 0, clock.now + SETTINGS.relay_resend)


def test_a_failed_attempt_is_owed_a_new_message_once_its_retry_is_due(
    relayed: Callable[..., Bus], sender: RecordingSender, recorder: Recorder, clock: FakeClock
) -> None:
    recorder.failures_left = 1
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=recorder.handle))
    event_id = bus.publish(Pinged(n=1))
    delivery_id = Delivery.objects.get(event_id=event_id).id

    assert str(bus.deliverer.deliver(delivery_id)) == "failed"  # what the worker does with the message
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 0}  # backoff: not due yet
    clock.advance(SETTINGS.retry_base_seconds)
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 1}
    assert relay_state(delivery_id) == (2, 1, clock.now + SETTINGS.relay_resend)
    assert str(bus.deliverer.deliver(delivery_id)) == "done"
    assert sender.sent == [delivery_id, delivery_id]


def test_a_keyed_delivery_is_not_sent_while_an_older_one_with_its_key_is_unfinished(
    relayed: Callable[..., Bus], sender: RecordingSender, clock: FakeClock
) -> None:
    streams = StreamRecorder(fail_once={("a", 1)})
    bus = relayed(Subscription(id="sample.ordered", event=Counted, handler=streams.handle))
    a1, a2, b1 = (
        Delivery.objects.get(event_id=bus.publish(Counted(stream=stream, n=n))).id
        for stream, n in (("a", 1), ("a", 2), ("b", 1))
    )
    assert sender.sent == [a1, b1]  # a2 waits for a1

    bus.deliverer.deliver(a1)  # fails, retries in 2 s
    clock.advance(SETTINGS.retry_base_seconds)
    bus.transport.sweep(limit=100)
    assert sender.sent == [a1, b1, a1]  # the retry of a1, still not a2
    bus.deliverer.deliver(a1)  # done: the worker goes on to a2 by itself

    assert streams.handled == [("a", 1), ("a", 2)]
    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 0}
    assert Delivery.objects.get(id=a2).relay_attempts == 0


def test_a_dead_delivery_does_not_hold_back_the_next_one_with_its_key(
    relayed: Callable[..., Bus], sender: RecordingSender
) -> None:
    bus = relayed(Subscription(id="sample.ordered", event=Counted, handler=print))
    first, second = (Delivery.objects.get(event_id=bus.publish(Counted(stream="a", n=n))).id for n in (1, 2))
    Delivery.objects.filter(id=first).update(status=DeliveryStatus.DEAD)

    assert bus.transport.sweep(limit=100) == {"reclaimed": 0, "sent": 1}
    assert sender.sent == [first, second]


def test_a_replayed_dead_delivery_gets_a_fresh_message(
    relayed: Callable[..., Bus], sender: RecordingSender, clock: FakeClock
) -> None:
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=print))
    delivery_id = Delivery.objects.get(event_id=bus.publish(Pinged(n=1))).id
    Delivery.objects.filter(id=delivery_id).update(status=DeliveryStatus.DEAD, attempts=SETTINGS.max_attempts)

    replayed = reset_for_replay([delivery_id], statuses=[DeliveryStatus.DEAD], now=clock.now)
    bus.transport.redeliver(replayed)

    assert sender.sent == [delivery_id, delivery_id]
    assert relay_state(delivery_id)[:2] == (2, 0)


@pytest.mark.postgres
def test_a_relay_skips_rows_another_relay_has_locked_instead_of_waiting(
    relayed: Callable[..., Bus], sender: RecordingSender, clock: FakeClock
) -> None:
    bus = relayed(Subscription(id="sample.first", event=Pinged, handler=print), transport=Unsent)
    first, second = (Delivery.objects.get(event_id=bus.publish(Pinged(n=n))).id for n in (1, 2))
    claimed: list[list[int]] = []

    def other_relay() -> None:
        try:
            relay = Relay(sender=sender, settings=lambda: SETTINGS, clock=clock)
            claimed.append([c.delivery_id for c in relay.claim(limit=10)])
        finally:
            connections.close_all()

    with transaction.atomic():
        Delivery.objects.select_for_update().get(id=first)  # a relay in the middle of its claim
        thread = threading.Thread(target=other_relay)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive()

    assert claimed == [[second]]


@pytest.mark.postgres
def test_several_relays_at_once_send_every_delivery_exactly_once(
    relayed: Callable[..., Bus], sender: RecordingSender, clock: FakeClock
) -> None:
    bus = relayed(
        Subscription(id="sample.first", event=Pinged, handler=print),
        Subscription(id="sample.ordered", event=Counted, handler=print),
        transport=Unsent,
    )
    for n in range(120):
        bus.publish(Pinged(n=n))
        bus.publish(Counted(stream=f"s{n % 7}", n=n))
    start = threading.Barrier(4)

    def relay_until_nothing_is_owed() -> None:
        try:
            relay = Relay(sender=sender, settings=lambda: SETTINGS, clock=clock)
            start.wait(timeout=10)
            while relay.relay_due(limit=9):
                pass
        finally:
            connections.close_all()

    relays = [threading.Thread(target=relay_until_nothing_is_owed) for _ in range(4)]
    for thread in relays:
        thread.start()
    for thread in relays:
        thread.join(timeout=60)

    unkeyed = list(Delivery.objects.filter(key="").values_list("id", flat=True))
    heads = [Delivery.objects.filter(key=f"s{k}").order_by("id").values_list("id", flat=True)[0] for k in range(7)]
    assert len(unkeyed) == 120
    assert sorted(sender.sent) == sorted(unkeyed + heads)  # once each; the rest of each key waits for its head


@pytest.mark.postgres
def test_a_keyed_delivery_written_while_the_older_one_finishes_in_a_worker_is_sent_after_commit(
    relayed: Callable[..., Bus], sender: RecordingSender
) -> None:
    """The worker's completion cannot see the newer delivery before it commits; the relay looks after commit."""
    streams = StreamRecorder()
    bus = relayed(Subscription(id="sample.ordered", event=Counted, handler=streams.handle))
    a1 = Delivery.objects.get(event_id=bus.publish(Counted(stream="a", n=1))).id

    def worker() -> None:
        try:
            bus.deliverer.deliver(a1)  # done before a2 commits
        finally:
            connections.close_all()

    with transaction.atomic():
        a2 = Delivery.objects.get(event_id=bus.publish(Counted(stream="a", n=2))).id  # written waiting for a1
        running = threading.Thread(target=worker)
        running.start()
        running.join(timeout=30)

    assert sender.sent == [a1, a2]
    assert streams.handled == [("a", 1)]  # a2's message is on its way to a worker
