"""Publishing: the outbox row commits with the publisher's data, delivery follows the commit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from shared.bus.bus import EVENT_NOT_DECLARED, EVENT_NOT_ON_THE_WIRE, Bus
from shared.bus.delivery import Outcome
from shared.bus.models import Delivery, DeliveryStatus, StoredEvent
from shared.bus.subscriptions import Subscription
from shared.correlation import correlation_scope, current_correlation_id
from shared.events import NOT_AN_EVENT, event
from tests.kernel.conftest import BusFactory, Recorder
from tests.kernel.sample import Counted, Pinged

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def publish_then_fail(bus: Bus, event: object) -> None:
    with transaction.atomic():
        bus.publish(event)
        raise Boom


def test_an_event_published_in_a_transaction_is_delivered_only_after_commit(
    make_bus: BusFactory, recorder: Recorder
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))

    with transaction.atomic():
        event_id = bus.publish(Pinged(n=1))
        stored = StoredEvent.objects.get(id=event_id)
        delivery = Delivery.objects.get(event_id=event_id)
        assert (stored.name, stored.version, stored.payload) == ("sample.Pinged", 1, {"n": 1})
        # Written already claimed by this process for its first attempt (shared.bus.outbox), run after commit.
        assert (delivery.subscriber, delivery.status, delivery.attempts) == (
            "sample.record_ping",
            DeliveryStatus.PROCESSING,
            1,
        )
        assert recorder.seen == []

    assert recorder.seen == [Pinged(n=1)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DONE, 1, "")


def test_a_rolled_back_publish_leaves_nothing_and_delivers_nothing(make_bus: BusFactory, recorder: Recorder) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))

    with pytest.raises(Boom):
        publish_then_fail(bus, Pinged(n=1))

    assert recorder.seen == []
    assert StoredEvent.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_rolled_back_savepoint_drops_only_its_own_events(make_bus: BusFactory, recorder: Recorder) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))

    with transaction.atomic():
        bus.publish(Pinged(n=1))
        with pytest.raises(Boom):
            publish_then_fail(bus, Pinged(n=2))

    assert recorder.seen == [Pinged(n=1)]
    assert list(StoredEvent.objects.values_list("payload", flat=True)) == [{"n": 1}]


def test_publish_outside_a_transaction_commits_and_delivers_before_returning(
    make_bus: BusFactory, recorder: Recorder
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))

    event_id = bus.publish(Pinged(n=1))

    assert recorder.seen == [Pinged(n=1)]
    assert Delivery.objects.get(event_id=event_id).status == DeliveryStatus.DONE


def test_every_subscriber_gets_its_own_delivery(make_bus: BusFactory) -> None:
    first, second = Recorder(), Recorder()
    bus = make_bus(
        Subscription(id="sample.first", event=Pinged, handler=first.handle),
        Subscription(id="sample.second", event=Pinged, handler=second.handle),
        Subscription(id="sample.other", event=Counted, handler=second.handle),
    )

    event_id = bus.publish(Pinged(n=1))

    assert first.seen == second.seen == [Pinged(n=1)]
    assert sorted(Delivery.objects.filter(event_id=event_id).values_list("subscriber", "status")) == [
        ("sample.first", "done"),
        ("sample.second", "done"),
    ]


def test_an_event_with_no_subscriber_is_still_stored(make_bus: BusFactory) -> None:
    event_id = make_bus().publish(Pinged(n=1))

    assert StoredEvent.objects.filter(id=event_id).exists()
    assert not Delivery.objects.exists()


def test_a_redelivered_event_does_not_run_the_handler_again(make_bus: BusFactory, recorder: Recorder) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    event_id = bus.publish(Pinged(n=1))
    delivery = Delivery.objects.get(event_id=event_id)

    assert bus.deliverer.deliver(delivery.id) is Outcome.SKIPPED
    bus.transport.after_commit(event_id)

    assert recorder.seen == [Pinged(n=1)]
    assert Group.objects.count() == 1


def test_the_correlation_id_travels_with_the_event_to_the_handler(make_bus: BusFactory) -> None:
    seen: list[str] = []
    bus = make_bus(
        Subscription(
            id="sample.note_correlation", event=Pinged, handler=lambda e: seen.append(current_correlation_id())
        )
    )

    with correlation_scope("req-42"):
        event_id = bus.publish(Pinged(n=1))

    assert StoredEvent.objects.get(id=event_id).correlation_id == "req-42"
    assert seen == ["req-42"]


@event("sample.Undeclared", version=1)
class Undeclared:
    n: int


def test_publishing_an_event_no_interface_declares_says_where_to_declare_it(make_bus: BusFactory) -> None:
    with pytest.raises(TypeError) as excinfo:
        make_bus().publish(Undeclared(n=1))

    assert str(excinfo.value) == EVENT_NOT_DECLARED.format(
        wire_id="sample.Undeclared.v1", type_name="Undeclared", domain="sample"
    )
    assert not StoredEvent.objects.exists()


def test_publishing_something_that_is_not_an_event_is_refused(make_bus: BusFactory) -> None:
    with pytest.raises(TypeError) as excinfo:
        make_bus().publish({"n": 1})

    assert str(excinfo.value) == NOT_AN_EVENT.format(type_name="dict")


@pytest.mark.parametrize(
    ("published", "problem"),
    [
        pytest.param(Pinged(n="one"), "Expected `int`, got `str` - at `$.n`", id="wrong-type"),  # type: ignore[arg-type]
        pytest.param(Pinged(n=True), "Expected `int`, got `bool` - at `$.n`", id="bool-for-int"),
    ],
)
def test_an_event_a_handler_could_not_rebuild_is_refused_and_nothing_is_stored(
    make_bus: BusFactory, recorder: Recorder, published: Pinged, problem: str
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))

    with pytest.raises(TypeError) as excinfo, transaction.atomic():
        bus.publish(published)

    assert str(excinfo.value).startswith(EVENT_NOT_ON_THE_WIRE.split("{problem}")[0].format(wire_id="sample.Pinged.v1"))
    assert problem in str(excinfo.value)
    assert not StoredEvent.objects.exists()
    assert recorder.seen == []
