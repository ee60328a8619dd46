"""Failing handlers: isolated from the publisher, retried with backoff, dead after the limit.

The handlers here write their effects as Group rows (auth's tables), which must commit or roll
back with the delivery. A delivery's transaction is on its subscriber's database, so the
sample domain is placed in the database of auth's tables: identity's with DOMAIN_DATABASES,
"default" with one database. Its deliveries are read there (`deliveries()`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connections
from django.db.models import QuerySet
from django.test import override_settings

from shared.bus.bus import Bus
from shared.bus.delivery import NO_SUBSCRIBER, WORKER_LOST, DeliveryAttempt, Outcome, current_attempt
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.subscriptions import Subscription
from shared.db import atomic, database_for
from shared.db.router import home_alias
from tests.kernel.conftest import SETTINGS, BusFactory, FakeClock, Recorder, StreamRecorder
from tests.kernel.sample import Counted, Pinged

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def sample_beside_its_effects() -> Iterator[str]:
    """The sample domain in the database of auth's tables, where its handlers' Group rows are: the alias."""
    alias = home_alias("auth")
    assert alias is not None
    with override_settings(DOMAIN_DATABASES={**settings.DOMAIN_DATABASES, "sample": alias}):
        yield alias


@pytest.fixture
def make_bus(make_bus: BusFactory, sample_beside_its_effects: str) -> BusFactory:
    """The bus of the sample domain's database: its `deliverer` runs the deliveries written there."""

    def make(*subscriptions: Subscription, **wiring: object) -> Bus:
        return make_bus(*subscriptions, **wiring).on(sample_beside_its_effects)

    return make


def deliveries() -> QuerySet[Delivery]:
    """The sample domain's deliveries, in its database."""
    return Delivery.objects.using(database_for("sample"))


class HandsNothingOn:
    """A transport that does nothing after commit: the rows wait, as behind a process that died."""

    def __init__(self, deliverer: object) -> None:
        pass

    def after_commit(self, event_id: object) -> None:
        pass


def abandoned_delivery(bus: Bus, clock: FakeClock, *, attempts: int) -> Delivery:
    """A delivery whose process claimed attempt `attempts`, then died mid-handler with its lease still running."""
    dying = Bus(
        registry=bus.registry,
        router=bus.router,
        transport=HandsNothingOn,
        settings=lambda: SETTINGS,
        clock=clock,
        using=bus.using,
    )
    with atomic("sample"):
        event_id = dying.publish(Pinged(n=1))
        deliveries().filter(event_id=event_id).update(
            status=DeliveryStatus.PROCESSING, attempts=attempts, lease_expires_at=clock.now + SETTINGS.lease
        )
    return deliveries().get(event_id=event_id)


def test_a_failing_handler_does_not_fail_the_publisher_and_its_writes_roll_back(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    recorder.failures_left = 1
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))

    with atomic("sample"):
        event_id = bus.publish(Pinged(n=1))
        Group.objects.create(name="the publisher's own write")

    delivery = deliveries().get(event_id=event_id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error.startswith("Traceback (most recent call last):")
    assert "RuntimeError: handler failed on purpose, 0 failures left" in delivery.last_error
    assert delivery.next_attempt_at == clock.now + dt.timedelta(seconds=2)
    assert list(Group.objects.values_list("name", flat=True)) == ["the publisher's own write"]


def test_retries_back_off_exponentially_and_end_dead_after_the_configured_attempts(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    recorder.failures_left = 99
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    event_id = bus.publish(Pinged(n=1))

    def state() -> tuple[str, int, dt.timedelta]:
        d = deliveries().get(event_id=event_id)
        return d.status, d.attempts, d.next_attempt_at - clock.now

    assert state() == ("failed", 1, dt.timedelta(seconds=2))
    clock.advance(1.9)
    assert bus.deliverer.process_due()[Outcome.FAILED] == 0  # not due yet
    clock.advance(0.1)
    assert bus.deliverer.process_due()[Outcome.FAILED] == 1
    assert state() == ("failed", 2, dt.timedelta(seconds=4))
    clock.advance(4)
    assert bus.deliverer.process_due()[Outcome.DEAD] == 1
    assert state()[:2] == ("dead", SETTINGS.max_attempts)
    clock.advance(3600)
    assert bus.deliverer.process_due() == dict.fromkeys(Outcome, 0)
    assert len(recorder.seen) == SETTINGS.max_attempts
    assert Group.objects.count() == 0


def test_a_retry_that_succeeds_completes_the_delivery_once(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    recorder.failures_left = 1
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    event_id = bus.publish(Pinged(n=1))

    clock.advance(2)
    bus.deliverer.process_due()
    bus.deliverer.process_due()

    delivery = deliveries().get(event_id=event_id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 2)
    assert Group.objects.count() == 1


def test_a_handler_sees_which_attempt_it_serves_and_can_give_up_quietly_on_the_last(
    make_bus: BusFactory, clock: FakeClock
) -> None:
    seen: list[DeliveryAttempt | None] = []

    def flaky_until_the_last_attempt(event: Pinged) -> None:
        attempt = current_attempt()
        seen.append(attempt)
        if attempt is None or not attempt.is_last:
            raise RuntimeError("the outside service is down")
        Group.objects.create(name="gave up and recorded it")

    bus = make_bus(Subscription(id="sample.flaky", event=Pinged, handler=flaky_until_the_last_attempt))
    event_id = bus.publish(Pinged(n=1))
    for _ in range(SETTINGS.max_attempts - 1):
        clock.advance(3600)
        bus.deliverer.process_due()

    assert seen == [DeliveryAttempt(number=n, max_attempts=SETTINGS.max_attempts) for n in (1, 2, 3)]
    assert [a.is_last for a in seen if a is not None] == [False, False, True]
    assert deliveries().get(event_id=event_id).status == DeliveryStatus.DONE
    assert list(Group.objects.values_list("name", flat=True)) == ["gave up and recorded it"]
    assert current_attempt() is None


def test_a_delivery_abandoned_mid_handler_is_taken_back_after_its_lease(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    event_id = abandoned_delivery(bus, clock, attempts=1).event_id
    assert recorder.seen == []

    clock.advance(SETTINGS.lease_seconds - 1)
    assert bus.deliverer.reclaim_expired_leases() == 0
    clock.advance(2)
    counts = bus.deliverer.process_due()

    assert counts[Outcome.DONE] == 1
    delivery = deliveries().get(event_id=event_id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 2)
    assert recorder.seen == [Pinged(n=1)]


def sweep_after_the_lease(bus: Bus, clock: FakeClock, delivery_id: int) -> Outcome:
    """The first attempt's lease expires and the sweep runs the delivery again."""
    clock.advance(SETTINGS.lease_seconds + 1)
    return Outcome.DONE if bus.deliverer.process_due()[Outcome.DONE] == 1 else Outcome.SKIPPED


def broker_redelivers_early(bus: Bus, clock: FakeClock, delivery_id: int) -> Outcome:
    """The broker hands the message to another worker although the first still runs (a clock or setting gone wrong)."""
    return bus.deliverer.deliver(delivery_id, abandoned=True)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "overtake",
    [pytest.param(sweep_after_the_lease, id="lease-expired"), pytest.param(broker_redelivers_early, id="taken-back")],
)
def test_a_handler_overtaken_by_a_newer_attempt_cannot_complete_and_its_effect_lands_once(
    make_bus: BusFactory, clock: FakeClock, overtake: Callable[[Bus, FakeClock, int], Outcome]
) -> None:
    """The fencing token: a stale attempt's writes roll back instead of landing twice."""
    calls: list[int] = []
    overtaking: list[Outcome] = []

    def in_another_process(delivery_id: int) -> None:
        try:
            overtaking.append(overtake(bus, clock, delivery_id))
        finally:
            connections.close_all()

    def slow_then_overtaken(event: Pinged) -> None:
        calls.append(event.n)
        Group.objects.create(name=f"effect {len(calls)}")
        if len(calls) == 1:
            other = threading.Thread(target=in_another_process, args=(deliveries().get(subscriber="sample.slow").id,))
            other.start()
            other.join(timeout=30)

    bus = make_bus(Subscription(id="sample.slow", event=Pinged, handler=slow_then_overtaken))
    event_id = bus.publish(Pinged(n=1))

    delivery = deliveries().get(event_id=event_id)
    assert overtaking == [Outcome.DONE]
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 2)
    assert calls == [1, 1]
    assert list(Group.objects.values_list("name", flat=True)) == ["effect 2"]


def test_a_delivery_for_a_subscriber_this_process_lacks_fails_with_an_explanation(
    make_bus: BusFactory, clock: FakeClock
) -> None:
    bus = make_bus()
    event_id = bus.publish(Pinged(n=1))
    orphan = deliveries().create(
        event_id=event_id,
        subscriber="sample.renamed_away",
        next_attempt_at=clock.now,
        created_at=clock.now,
        updated_at=clock.now,
    )

    assert bus.deliverer.deliver(orphan.id) is Outcome.FAILED

    orphan.refresh_from_db()
    assert NO_SUBSCRIBER.format(subscriber="sample.renamed_away") in orphan.last_error


def test_keyed_events_reach_a_subscriber_in_publish_order_even_across_a_retry(
    make_bus: BusFactory, clock: FakeClock
) -> None:
    streams = StreamRecorder(fail_once={("a", 1)})
    handled = streams.handled
    bus = make_bus(Subscription(id="sample.ordered", event=Counted, handler=streams.handle))

    bus.publish(Counted(stream="a", n=1))  # fails, will retry in 2 s
    bus.publish(Counted(stream="a", n=2))  # must wait for n=1
    bus.publish(Counted(stream="b", n=1))  # another key: not held up

    assert handled == [("b", 1)]
    waiting = deliveries().get(event__payload__n=2)
    assert waiting.status == DeliveryStatus.PENDING

    clock.advance(2)
    bus.deliverer.process_due()

    assert handled == [("b", 1), ("a", 1), ("a", 2)]
    assert set(deliveries().values_list("status", flat=True)) == {DeliveryStatus.DONE}


@pytest.mark.postgres
def test_a_keyed_event_written_while_the_older_one_finishes_elsewhere_runs_after_commit(
    make_bus: BusFactory, clock: FakeClock
) -> None:
    """The older delivery's completion cannot see the newer one before it commits; the publisher looks after commit."""
    streams = StreamRecorder(fail_once={("a", 1)})
    bus = make_bus(Subscription(id="sample.ordered", event=Counted, handler=streams.handle))
    bus.publish(Counted(stream="a", n=1))  # fails, will retry in 2 s
    clock.advance(2)

    def retry_elsewhere() -> None:
        try:
            bus.deliverer.process_due()  # another process runs n=1's retry, done before n=2 commits
        finally:
            connections.close_all()

    with atomic("sample"):
        bus.publish(Counted(stream="a", n=2))  # written waiting: n=1 is unfinished
        other = threading.Thread(target=retry_elsewhere)
        other.start()
        other.join(timeout=30)
        assert streams.handled == [("a", 1)]

    assert streams.handled == [("a", 1), ("a", 2)]
    assert set(deliveries().values_list("status", flat=True)) == {DeliveryStatus.DONE}


def test_a_dead_delivery_does_not_hold_back_later_events_with_its_key(make_bus: BusFactory, clock: FakeClock) -> None:
    handled: list[int] = []

    def handle(event: Counted) -> None:
        if event.n == 1:
            raise RuntimeError("poison")
        handled.append(event.n)

    bus = make_bus(Subscription(id="sample.ordered", event=Counted, handler=handle))
    bus.publish(Counted(stream="a", n=1))
    bus.publish(Counted(stream="a", n=2))
    for _ in range(SETTINGS.max_attempts):
        clock.advance(SETTINGS.retry_max_seconds)
        bus.deliverer.process_due()

    assert deliveries().get(event__payload__n=1).status == DeliveryStatus.DEAD
    assert handled == [2]


@pytest.mark.postgres
def test_two_processes_delivering_the_same_row_at_once_run_the_handler_once(
    make_bus: BusFactory, clock: FakeClock
) -> None:
    entered, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def handler(event: Pinged) -> None:
        runs.append(event.n)
        entered.set()
        assert release.wait(timeout=30)

    bus = make_bus(Subscription(id="sample.blocking", event=Pinged, handler=handler))
    event_id = make_bus().publish(Pinged(n=1))  # stored by a bus with no subscriber yet
    delivery = deliveries().create(
        event_id=event_id,
        subscriber="sample.blocking",
        next_attempt_at=clock.now,
        created_at=clock.now,
        updated_at=clock.now,
    )
    outcomes: list[Outcome] = []

    def deliver() -> None:
        try:
            outcomes.append(bus.deliverer.deliver(delivery.id))
        finally:
            connections.close_all()

    first = threading.Thread(target=deliver)
    first.start()
    assert entered.wait(timeout=30)
    second = threading.Thread(target=deliver)
    second.start()
    second.join(timeout=30)
    release.set()
    first.join(timeout=30)

    assert sorted(outcomes) == [Outcome.DONE, Outcome.SKIPPED]
    assert runs == [1]


def test_a_message_back_from_the_broker_takes_back_an_attempt_whose_worker_died(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    delivery = abandoned_delivery(bus, clock, attempts=1)  # a worker killed mid-handler, its lease still running

    assert bus.deliverer.deliver(delivery.id) is Outcome.SKIPPED  # an ordinary duplicate waits for the lease
    assert bus.deliverer.deliver(delivery.id, abandoned=True) is Outcome.DONE

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 2)
    assert delivery.last_error == WORKER_LOST.format(attempt=1)
    assert recorder.seen == [Pinged(n=1)]
    assert Group.objects.count() == 1


def test_a_worker_lost_on_the_last_attempt_ends_dead_without_running_the_handler_again(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    delivery = abandoned_delivery(bus, clock, attempts=SETTINGS.max_attempts)

    assert bus.deliverer.deliver(delivery.id, abandoned=True) is Outcome.DEAD

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, SETTINGS.max_attempts)
    assert delivery.last_error == WORKER_LOST.format(attempt=SETTINGS.max_attempts)
    assert recorder.seen == []
    assert Group.objects.count() == 0
