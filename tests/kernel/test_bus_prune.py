"""`manage.py bus prune`: finished rows go in batches; work still owed, undecided dead rows and the unread feed stay."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shared.bus.bus import Bus
from shared.bus.management.commands.bus import NOT_A_COUNT, NOT_A_DURATION
from shared.bus.models import Delivery, DeliveryStatus, StoredEvent
from shared.bus.sequencer import stamp
from shared.bus.subscriptions import Subscription
from tests.kernel.conftest import BusFactory, FakeClock
from tests.kernel.sample import Pinged
from tests.kernel.test_bus_relay import Unsent

pytestmark = pytest.mark.django_db(transaction=True)


def bus_command(*args: str) -> str:
    out = io.StringIO()
    call_command("bus", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def bus(make_bus: BusFactory) -> Bus:
    return make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=print), transport=Unsent)


def delivery(bus: Bus, clock: FakeClock, *, n: int, status: str, days_ago: int) -> int:
    """A delivery published, and finished with `status`, `days_ago` days ago; its id."""
    clock.now = timezone.now() - dt.timedelta(days=days_ago)
    event_id = bus.publish(Pinged(n=n))
    Delivery.objects.filter(event_id=event_id).update(status=status, updated_at=clock.now)
    return Delivery.objects.get(event_id=event_id).id


def remaining() -> list[tuple[int, str]]:
    return sorted(Delivery.objects.values_list("event__payload__n", "status"))


def test_prune_deletes_done_deliveries_and_their_events_older_than_asked_in_batches_and_nothing_else(
    bus: Bus, clock: FakeClock
) -> None:
    for n, status, days_ago in (
        (1, DeliveryStatus.DONE, 8),
        (2, DeliveryStatus.DONE, 9),
        (3, DeliveryStatus.PENDING, 8),
        (4, DeliveryStatus.FAILED, 8),
        (5, DeliveryStatus.PROCESSING, 8),
        (6, DeliveryStatus.DEAD, 8),
        (7, DeliveryStatus.DONE, 6),
    ):
        delivery(bus, clock, n=n, status=status, days_ago=days_ago)
    stamp()  # the events are in the feed

    output = bus_command("prune", "--older-than", "7d", "--batch", "1")

    assert output.startswith("Deleted 2 done deliveries and 2 events older than ")
    assert remaining() == [(3, "pending"), (4, "failed"), (5, "processing"), (6, "dead"), (7, "done")]
    assert sorted(StoredEvent.objects.values_list("payload__n", flat=True)) == [3, 4, 5, 6, 7]


def test_dead_deliveries_go_only_when_asked(bus: Bus, clock: FakeClock) -> None:
    delivery(bus, clock, n=1, status=DeliveryStatus.DEAD, days_ago=8)
    delivery(bus, clock, n=2, status=DeliveryStatus.DONE, days_ago=8)
    stamp()

    output = bus_command("prune", "--older-than", "7d", "--dead")

    assert output.startswith("Deleted 2 done and dead deliveries and 2 events older than ")
    assert remaining() == []
    assert not StoredEvent.objects.exists()


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(bus: Bus, clock: FakeClock) -> None:
    delivery(bus, clock, n=1, status=DeliveryStatus.DONE, days_ago=8)
    delivery(bus, clock, n=2, status=DeliveryStatus.DEAD, days_ago=8)
    stamp()

    output = bus_command("prune", "--older-than", "7d", "--dry-run")

    assert output.startswith("Would delete 1 done deliveries and 1 events older than ")
    assert remaining() == [(1, "done"), (2, "dead")]
    assert StoredEvent.objects.count() == 2


def test_an_event_not_yet_in_the_feed_stays_though_its_delivery_goes(bus: Bus, clock: FakeClock) -> None:
    delivery(bus, clock, n=1, status=DeliveryStatus.DONE, days_ago=8)  # no read of the feed has stamped it yet

    output = bus_command("prune", "--older-than", "7d")

    assert output.startswith("Deleted 1 done deliveries and 0 events older than ")
    assert list(StoredEvent.objects.values_list("payload__n", flat=True)) == [1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("prune",), "Error: the following arguments are required: --older-than", id="no-age"),
        pytest.param(
            ("prune", "--older-than", "7x"),
            f"Error: argument --older-than: {NOT_A_DURATION.format(value='7x')}",
            id="unknown-unit",
        ),
        pytest.param(
            ("prune", "--older-than", "0d"),
            f"Error: argument --older-than: {NOT_A_DURATION.format(value='0d')}",
            id="zero-age",
        ),
        pytest.param(
            ("prune", "--older-than", "7d", "--batch", "0"),
            f"Error: argument --batch: {NOT_A_COUNT.format(value='0')}",
            id="empty-batch",
        ),
    ],
)
def test_bad_arguments_say_what_to_write_and_delete_nothing(
    args: tuple[str, ...], message: str, bus: Bus, clock: FakeClock
) -> None:
    delivery(bus, clock, n=1, status=DeliveryStatus.DONE, days_ago=30)

    with pytest.raises(CommandError) as excinfo:
        bus_command(*args)

    assert str(excinfo.value) == message
    assert remaining() == [(1, "done")]
