"""`manage.py bus`: what an operator sees and does, with the in-process and the Celery transport."""

from __future__ import annotations

import datetime as dt
import io
from functools import partial

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shared.bus.bus import Bus
from shared.bus.celery_transport import CeleryTransport
from shared.bus.feed import read_feed
from shared.bus.management.commands.bus import NO_CURSORS, UNKNOWN_DATABASE, UNKNOWN_DELIVERY
from shared.bus.models import Delivery, DeliveryStatus, FeedCursor
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Subscription
from shared.db import database_aliases, database_for
from tests.kernel.conftest import SETTINGS, BusFactory, FakeClock, Recorder
from tests.kernel.sample import Counted, Pinged
from tests.kernel.test_bus_relay import RecordingSender, Unsent

pytestmark = pytest.mark.django_db(transaction=True)


def bus_command(*args: str) -> str:
    out = io.StringIO()
    call_command("bus", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def dead_delivery(make_bus: BusFactory, recorder: Recorder, clock: FakeClock) -> tuple[Bus, Delivery]:
    """A poison event that exhausted its attempts."""
    recorder.failures_left = SETTINGS.max_attempts
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    event_id = bus.publish(Pinged(n=7))
    for _ in range(SETTINGS.max_attempts - 1):
        clock.advance(SETTINGS.retry_max_seconds)
        bus.deliverer.process_due()
    delivery = Delivery.objects.get(event_id=event_id)
    assert delivery.status == DeliveryStatus.DEAD
    return bus, delivery


def test_list_shows_dead_deliveries_with_their_last_error(dead_delivery: tuple[Bus, Delivery]) -> None:
    bus, delivery = dead_delivery

    with use_bus(bus):
        output = bus_command("list", "--status", "dead")

    header, row = output.splitlines()
    assert header.split() == ["ID", "STATUS", "TRIES", "SUBSCRIBER", "EVENT", "DATABASE", "LAST", "ERROR"]
    assert row.split()[:6] == [
        str(delivery.id),
        "dead",
        "3",
        "sample.record_ping",
        "sample.Pinged.v1",
        database_for("sample"),
    ]
    assert row.endswith("RuntimeError: handler failed on purpose, 0 failures left")


def test_list_says_so_when_nothing_matches() -> None:
    assert bus_command("list") == "No deliveries match.\n"


def test_show_prints_the_event_and_the_full_traceback(dead_delivery: tuple[Bus, Delivery]) -> None:
    bus, delivery = dead_delivery

    with use_bus(bus):
        output = bus_command("show", str(delivery.id))

    assert f"       delivery: {delivery.id}\n" in output
    assert "        payload: {'n': 7}\n" in output
    assert "Traceback (most recent call last):" in output


def test_replay_gives_a_dead_delivery_fresh_attempts_and_delivers_it(
    dead_delivery: tuple[Bus, Delivery], recorder: Recorder
) -> None:
    bus, delivery = dead_delivery
    recorder.failures_left = 0  # the bug was fixed

    with use_bus(bus):
        output = bus_command("replay", str(delivery.id))

    assert output == f"Replayed 1 deliveries.\n  {delivery.id}: done\n"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, 1)


def test_replay_all_takes_every_dead_delivery(dead_delivery: tuple[Bus, Delivery], recorder: Recorder) -> None:
    bus, delivery = dead_delivery
    recorder.failures_left = 0

    with use_bus(bus):
        bus_command("replay", "--all", "--status", "dead")

    assert Delivery.objects.get(id=delivery.id).status == DeliveryStatus.DONE


def test_replay_refuses_a_done_delivery_and_changes_nothing(make_bus: BusFactory, recorder: Recorder) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    delivery = Delivery.objects.get(event_id=bus.publish(Pinged(n=1)))

    with use_bus(bus), pytest.raises(CommandError) as excinfo:
        bus_command("replay", str(delivery.id))

    assert str(excinfo.value).startswith(f"Delivery {delivery.id} is done; only failed or dead deliveries")
    assert recorder.seen == [Pinged(n=1)]
    assert Delivery.objects.get(id=delivery.id).attempts == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("replay", "999999"),
            UNKNOWN_DELIVERY.format(ids=999999, database="default"),
            id="unknown",
        ),
        pytest.param(("replay",), "Name the deliveries to replay (`bus replay 12 13`) or pass --all.", id="no-target"),
        pytest.param(
            ("show", "999999"),
            UNKNOWN_DELIVERY.format(ids=999999, database="default"),
            id="show-unknown",
        ),
        pytest.param(
            ("list", "--database", "nowhere"),
            "Error: argument --database: "
            + UNKNOWN_DATABASE.format(value="nowhere", aliases=", ".join(database_aliases())),
            id="unknown-database",
        ),
        pytest.param(
            ("list", "--limit", "-1"),
            "Error: argument --limit: '-1' is not a whole number of at least 1, such as 50.",
            id="negative-limit",
        ),
        pytest.param(
            ("work", "--batch", "0"),
            "Error: argument --batch: '0' is not a whole number of at least 1, such as 50.",
            id="empty-batch",
        ),
        pytest.param(
            ("work", "--interval", "nan"),
            "Error: argument --interval: 'nan' is not a number of seconds above 0, such as 2 or 0.5.",
            id="nan-interval",
        ),
    ],
)
def test_bad_arguments_say_what_to_do(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        bus_command(*args)

    assert str(excinfo.value) == message


def test_work_once_delivers_due_retries(make_bus: BusFactory, recorder: Recorder, clock: FakeClock) -> None:
    recorder.failures_left = 1
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    event_id = bus.publish(Pinged(n=1))
    clock.advance(SETTINGS.retry_base_seconds)

    with use_bus(bus):
        output = bus_command("work", "--once")

    assert output == "sweep: done=1\n"
    assert Delivery.objects.get(event_id=event_id).status == DeliveryStatus.DONE


def test_stats_shows_the_backlog_per_subscriber_the_oldest_unfinished_and_the_dead(make_bus: BusFactory) -> None:
    bus = make_bus(
        Subscription(id="sample.first", event=Pinged, handler=print),
        Subscription(id="sample.ordered", event=Counted, handler=print),
        transport=Unsent,
    )
    pings = [bus.publish(Pinged(n=n)) for n in range(5)]
    bus.publish(Counted(stream="a", n=1))
    now = timezone.now()
    for event_id, status in zip(pings, ["processing", "failed", "dead", "done"], strict=False):
        Delivery.objects.filter(event_id=event_id).update(status=status, next_attempt_at=now + dt.timedelta(hours=1))
    Delivery.objects.filter(event_id=pings[0]).update(created_at=now - dt.timedelta(seconds=3725))

    assert bus_command("stats").splitlines() == [
        "SUBSCRIBER                            PENDING  PROCESSING  FAILED  DEAD  UNSENT  OLDEST UNFINISHED",
        "sample.first                                1           1       1     1       1  1h02m",
        "sample.ordered                              1           0       0     0       1  0s",
        "total                                       2           1       1     1       2",
        "Dead deliveries need a decision: `bus list --status dead`, `bus show ID`, `bus replay ID`.",
    ]


def test_stats_with_nothing_left_to_do_says_so(make_bus: BusFactory) -> None:
    make_bus(Subscription(id="sample.first", event=Pinged, handler=print)).publish(Pinged(n=1))

    assert bus_command("stats") == "No backlog: every delivery is done.\n"


def test_replay_with_the_celery_transport_sends_the_delivery_to_the_broker_again(make_bus: BusFactory) -> None:
    sender = RecordingSender()
    bus = make_bus(
        Subscription(id="sample.first", event=Pinged, handler=print),
        transport=partial(CeleryTransport, sender=sender),
    )
    delivery = Delivery.objects.get(event_id=bus.publish(Pinged(n=1)))
    Delivery.objects.filter(id=delivery.id).update(status=DeliveryStatus.DEAD, attempts=SETTINGS.max_attempts)

    with use_bus(bus):
        output = bus_command("replay", str(delivery.id))

    assert output == f"Replayed 1 deliveries.\n  {delivery.id}: pending\n"
    assert sender.sent == [delivery.id, delivery.id]


def test_work_once_with_the_celery_transport_relays_what_the_hand_off_missed(make_bus: BusFactory) -> None:
    sender = RecordingSender()
    bus = make_bus(
        Subscription(id="sample.first", event=Pinged, handler=print),
        transport=partial(CeleryTransport, sender=sender),
    )
    sender.down = True
    delivery = Delivery.objects.get(event_id=bus.publish(Pinged(n=1)))
    sender.down = False

    with use_bus(bus):
        assert bus_command("work", "--once") == "sweep: sent=1\n"
        assert bus_command("work", "--once") == "sweep: nothing due\n"

    assert sender.sent == [delivery.id]


def outboxes(positions: dict[str, tuple[int, int]]) -> list[str]:
    """`bus feeds`'s first lines: every database's outbox, (last position, events without one); (0, 0) if not named."""
    return [
        f"Outbox of database {alias!r}: last position {last}, {unstamped} events not yet given a position."
        for alias in database_aliases()
        for last, unstamped in [positions.get(alias, (0, 0))]
    ]


def test_feeds_shows_the_outbox_and_every_cursor_with_its_position(make_bus: BusFactory, clock: FakeClock) -> None:
    bus = make_bus()
    bus.publish(Pinged(n=1))
    read_feed(after=0, limit=10, wanted={"sample.Pinged": {1}}, registry=bus.registry, using=database_for("sample"))
    bus.publish(Pinged(n=2))
    moved = timezone.now() - dt.timedelta(seconds=75)
    catalog = database_for("catalog")
    FeedCursor.objects.using(catalog).create(
        feed="http://orders:8000/internal/events/", subscriber="catalog.x", position=7, updated_at=moved
    )

    assert bus_command("feeds").splitlines() == [
        *outboxes({database_for("sample"): (1, 1)}),
        f"{'FEED':<44} {'SUBSCRIBER':<44} {'DATABASE':<14} {'POSITION':>9}  MOVED",
        f"{'http://orders:8000/internal/events/':<44} {'catalog.x':<44} {catalog:<14} {7:>9}  1m15s ago",
    ]


def test_feeds_without_cursors_says_why_there_may_be_none() -> None:
    assert bus_command("feeds").splitlines() == [*outboxes({}), NO_CURSORS]
