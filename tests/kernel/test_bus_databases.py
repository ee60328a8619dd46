"""The bus with a database per domain: each domain's outbox and inbox in its own database, events crossing by feed.

Three real databases (tests/kernel/bus_databases.py) stand for the databases of three
domains: the sample domain publishes into its own, and subscribers of "orders" and
"notifications" receive in theirs (shared.bus.database_feed).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from functools import partial

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction
from django.test import Client, override_settings

from shared.bus.bus import Bus
from shared.bus.celery_transport import CeleryTransport
from shared.bus.database_feed import FEED_PREFIX
from shared.bus.models import Delivery, DeliveryStatus, EventOrigin, FeedCursor, StoredEvent
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Subscription
from shared.bus.tasks import deliver
from tests.kernel.bus_databases import (
    ALIASES,
    NOTIFICATIONS,
    ORDERS,
    PUBLISHER,
    Effects,
    database_files,
    databases,
)
from tests.kernel.conftest import BusFactory, FakeClock
from tests.kernel.sample import Pinged

pytestmark = pytest.mark.django_db

__all__ = ["database_files", "databases"]  # fixtures

SUBSCRIBERS = ("sample.record", "orders.record", "notifications.record")


@pytest.fixture
def effects() -> Effects:
    return Effects()


@pytest.fixture
def bus(make_bus: BusFactory, effects: Effects, databases: dict) -> Bus:
    return make_bus(*(effects.subscription(s) for s in SUBSCRIBERS))


def deliveries(alias: str) -> list[tuple[str, str, int]]:
    return sorted(Delivery.objects.using(alias).values_list("subscriber", "status", "attempts"))


def groups(alias: str) -> list[str]:
    return sorted(Group.objects.using(alias).values_list("name", flat=True))


def sweep_every_database(bus: Bus) -> dict[str, int]:
    counts: dict[str, int] = {}
    for alias in ALIASES:
        for what, n in bus.on(alias).sweep(limit=100).items():
            counts[what] = counts.get(what, 0) + n
    return counts


def test_an_event_reaches_subscribers_in_other_databases_once_when_the_publisher_commits(
    bus: Bus, effects: Effects
) -> None:
    with transaction.atomic(using=PUBLISHER):
        event_id = bus.publish(Pinged(n=1))
        assert effects.seen == []  # nothing runs before the publisher's transaction commits

    assert sorted(effects.seen) == [("notifications.record", 1), ("orders.record", 1), ("sample.record", 1)]
    assert deliveries(PUBLISHER) == [("sample.record", DeliveryStatus.DONE, 1)]
    assert deliveries(ORDERS) == [("orders.record", DeliveryStatus.DONE, 1)]
    assert deliveries(NOTIFICATIONS) == [("notifications.record", DeliveryStatus.DONE, 1)]
    assert list(StoredEvent.objects.using(PUBLISHER).values_list("id", "origin")) == [(event_id, EventOrigin.LOCAL)]
    for alias in (ORDERS, NOTIFICATIONS):
        assert list(StoredEvent.objects.using(alias).values_list("id", "origin", "feed")) == [
            (event_id, EventOrigin.REMOTE, f"{FEED_PREFIX}{PUBLISHER}")
        ]
        assert list(FeedCursor.objects.using(alias).values_list("feed", "position")) == [
            (f"{FEED_PREFIX}{PUBLISHER}", 1)
        ]
    assert (groups(PUBLISHER), groups(ORDERS), groups(NOTIFICATIONS)) == (
        ["sample.record 1"],
        ["orders.record 1"],
        ["notifications.record 1"],
    )

    assert sweep_every_database(bus) == {"done": 0, "failed": 0, "dead": 0, "received": 0}
    assert len(effects.seen) == 3  # exactly once: the sweep found nothing more to take in or run


def test_a_rolled_back_publish_reaches_no_database(bus: Bus, effects: Effects) -> None:
    def use_case() -> None:
        with transaction.atomic(using=PUBLISHER):
            bus.publish(Pinged(n=1))
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError, match="the use case failed"):
        use_case()

    sweep_every_database(bus)

    assert effects.seen == []
    for alias in ALIASES:
        assert (StoredEvent.objects.using(alias).count(), deliveries(alias), groups(alias)) == (0, [], [])


def test_an_event_whose_pull_failed_after_commit_is_taken_in_by_the_next_sweep(bus: Bus, effects: Effects) -> None:
    # Another process holds the write lock of orders' database while the publisher commits:
    # orders' pull right after commit fails (the same as the process dying between the commits).
    holder = sqlite3.connect(connections[ORDERS].settings_dict["NAME"])
    holder.execute("BEGIN IMMEDIATE")
    try:
        with transaction.atomic(using=PUBLISHER):
            bus.publish(Pinged(n=7))
    finally:
        holder.rollback()
        holder.close()

    assert sorted(effects.seen) == [("notifications.record", 7), ("sample.record", 7)]
    assert (deliveries(ORDERS), FeedCursor.objects.using(ORDERS).count()) == ([], 0)

    assert bus.on(ORDERS).sweep(limit=100)["received"] == 1
    assert sorted(effects.seen) == [("notifications.record", 7), ("orders.record", 7), ("sample.record", 7)]
    assert deliveries(ORDERS) == [("orders.record", DeliveryStatus.DONE, 1)]

    assert sweep_every_database(bus)["received"] == 0
    assert len(effects.seen) == 3


def test_a_failed_handler_rolls_back_its_effect_in_its_own_database_and_is_retried_there(
    make_bus: BusFactory, databases: dict, clock: FakeClock
) -> None:
    effects = Effects(failures_left=1)
    bus = make_bus(effects.subscription("orders.record"))

    bus.publish(Pinged(n=3))

    assert (deliveries(ORDERS), groups(ORDERS)) == ([("orders.record", DeliveryStatus.FAILED, 1)], [])
    clock.advance(60)
    assert bus.on(ORDERS).sweep(limit=100)["done"] == 1
    assert (deliveries(ORDERS), groups(ORDERS)) == ([("orders.record", DeliveryStatus.DONE, 2)], ["orders.record 3"])
    assert deliveries(PUBLISHER) == []  # the publisher's database holds the event, not orders' deliveries


@dataclasses.dataclass
class Broker:
    """Takes the relay's messages as the Celery sender would send them: (task kwargs)."""

    messages: list[dict[str, object]] = dataclasses.field(default_factory=list)

    def send(self, delivery_id: int, *, database: str = "default") -> None:
        self.messages.append({"delivery_id": delivery_id, "database": database})


def test_with_celery_each_message_names_the_database_of_its_delivery_and_the_task_runs_it_there(
    make_bus: BusFactory, effects: Effects, databases: dict
) -> None:
    broker = Broker()
    bus = make_bus(*(effects.subscription(s) for s in SUBSCRIBERS), transport=partial(CeleryTransport, sender=broker))

    with transaction.atomic(using=PUBLISHER):
        bus.publish(Pinged(n=5))

    ids = {alias: Delivery.objects.using(alias).get().id for alias in ALIASES}
    assert sorted(broker.messages, key=lambda m: str(m["database"])) == [
        {"delivery_id": ids[NOTIFICATIONS], "database": NOTIFICATIONS},
        {"delivery_id": ids[ORDERS], "database": ORDERS},
        {"delivery_id": ids[PUBLISHER], "database": PUBLISHER},
    ]
    assert effects.seen == []  # the workers run them

    with use_bus(bus):
        for message in broker.messages:
            assert deliver.apply(kwargs=message).get() == "done"

    assert sorted(effects.seen) == [("notifications.record", 5), ("orders.record", 5), ("sample.record", 5)]
    for alias, subscriber in ((PUBLISHER, "sample"), (ORDERS, "orders"), (NOTIFICATIONS, "notifications")):
        assert deliveries(alias) == [(f"{subscriber}.record", DeliveryStatus.DONE, 1)]
        assert groups(alias) == [f"{subscriber}.record 5"]


def test_a_message_without_a_database_is_a_delivery_of_the_default_database(
    make_bus: BusFactory, django_capture_on_commit_callbacks
) -> None:
    broker = Broker()
    seen: list[Pinged] = []
    recording = Subscription(id="sample.record", event=Pinged, handler=seen.append)
    bus = make_bus(recording, transport=partial(CeleryTransport, sender=broker))
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(Pinged(n=9))
    [message] = broker.messages

    with use_bus(bus):
        outcome = deliver.apply(kwargs={"delivery_id": message["delivery_id"]}).get()  # as sent before databases

    assert (message["database"], outcome, seen) == ("default", "done", [Pinged(n=9)])


def test_a_domains_http_feed_serves_its_events_from_its_own_database(bus: Bus) -> None:
    """What a subscriber in another service reads: the outbox in the publisher's database, not "default"."""
    with transaction.atomic(using=PUBLISHER):
        event_id = bus.publish(Pinged(n=1))

    with use_bus(bus), override_settings(BUS_FEED_TOKEN="t"):
        answer = Client().get(
            "/internal/events/sample/?after=0&events=sample.Pinged.v1", headers={"Authorization": "Bearer t"}
        )

    assert answer.status_code == 200
    assert [(event["event_id"], event["position"]) for event in answer.json()["events"]] == [(str(event_id), 1)]
    assert not StoredEvent.objects.filter(id=event_id).exists()  # not in "default": in sample's database only
