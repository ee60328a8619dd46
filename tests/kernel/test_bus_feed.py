"""The outbox as a feed: commit-ordered positions, per-key sequences, the envelope, the HTTP endpoint, pulling."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client, override_settings

from shared.bus.bus import Bus
from shared.bus.envelope import MALFORMED_PAGE, decode_page
from shared.bus.feed import read_feed
from shared.bus.feed_view import (
    AFTER_INVALID,
    EVENTS_IN_SEVERAL_DATABASES,
    EVENTS_INVALID,
    EVENTS_MISSING,
    EVENTS_OF_ANOTHER_DOMAIN,
    FEED_NOT_CONFIGURED,
    FEED_TOKEN_WRONG,
    LIMIT_INVALID,
)
from shared.bus.models import FeedCursor, OutboxHead, StoredEvent
from shared.bus.placement import feeds
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Subscription
from shared.correlation import correlation_scope
from tests.kernel.conftest import BusFactory, FakeClock, Recorder
from tests.kernel.sample import Counted, Pinged
from tests.reliability.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "feed-token-for-tests"
PINGS = {"sample.Pinged": {1}}


def test_an_event_that_commits_after_a_later_one_gets_the_later_position_so_a_reader_misses_nothing(
    make_bus: BusFactory,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time, so commits cannot overtake each other")
    bus = make_bus()
    written, commit = threading.Event(), threading.Event()

    def slow_publisher() -> None:
        try:
            with transaction.atomic():
                bus.publish(Pinged(n=1))
                written.set()
                commit.wait(timeout=30)
        finally:
            connections.close_all()

    slow = threading.Thread(target=slow_publisher)
    slow.start()
    assert written.wait(timeout=30)
    bus.publish(Pinged(n=2))  # written after n=1, committed before it

    first = read_feed(after=0, limit=10, wanted=PINGS, registry=bus.registry)
    commit.set()
    slow.join(timeout=30)
    second = read_feed(after=first.last_position, limit=10, wanted=PINGS, registry=bus.registry)

    assert [(e.payload, e.position) for e in first.events] == [({"n": 2}, 1)]
    assert (first.last_position, first.head) == (1, 1)
    assert [(e.payload, e.position) for e in second.events] == [({"n": 1}, 2)]
    assert (second.last_position, second.head) == (2, 2)


def test_positions_follow_commits_and_sequences_count_per_ordering_key(make_bus: BusFactory, clock: FakeClock) -> None:
    bus = make_bus()
    for stream, n in (("a", 1), ("b", 1), ("a", 2)):
        bus.publish(Counted(stream=stream, n=n))
        clock.advance(0.001)
    bus.publish(Pinged(n=9))  # no ordering key: no sequence

    page = read_feed(after=0, limit=10, wanted={"sample.Counted": {1}, "sample.Pinged": {1}}, registry=bus.registry)

    assert [(e.key, e.sequence, e.position) for e in page.events] == [
        ("a", 1, 1),
        ("b", 1, 2),
        ("a", 2, 3),
        ("", None, 4),
    ]
    assert OutboxHead.objects.get().position == 4


def test_a_page_skips_unwanted_events_but_moves_past_them_and_stops_at_the_limit(
    make_bus: BusFactory, clock: FakeClock
) -> None:
    bus = make_bus()
    bus.publish(Counted(stream="a", n=1))
    for n in range(3):
        clock.advance(0.001)
        bus.publish(Pinged(n=n))

    page = read_feed(after=0, limit=2, wanted=PINGS, registry=bus.registry)
    rest = read_feed(after=page.last_position, limit=2, wanted=PINGS, registry=bus.registry)

    assert ([e.payload for e in page.events], page.last_position, page.head) == ([{"n": 0}, {"n": 1}], 3, 4)
    assert ([e.payload for e in rest.events], rest.last_position) == ([{"n": 2}], 4)


@pytest.fixture
def feed_bus(make_bus: BusFactory) -> Bus:
    bus = make_bus()
    with use_bus(bus), override_settings(BUS_FEED_TOKEN=TOKEN):
        yield bus


def get_feed(query: str, token: str | None = TOKEN, *, feed: str = "/internal/events/sample/") -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = Client().get(f"{feed}?{query}", headers=headers)
    return response.status_code, json.loads(response.content)


def test_the_feed_endpoint_serves_envelopes_to_a_caller_with_the_token(feed_bus: Bus) -> None:
    with correlation_scope("corr-feed"):
        event_id = feed_bus.publish(Counted(stream="s", n=7))
    occurred_at = StoredEvent.objects.get(id=event_id).occurred_at

    status, body = get_feed("after=0&limit=5&events=sample.Counted.v1")

    assert status == 200
    assert body == {
        "after": 0,
        "events": [
            {
                "event_id": str(event_id),
                "name": "sample.Counted",
                "version": 1,
                "key": "s",
                "sequence": 1,
                "position": 1,
                "occurred_at": occurred_at.isoformat().replace("+00:00", "Z"),
                "correlation_id": "corr-feed",
                "payload": {"stream": "s", "n": 7},
                "downcasts": {},
            }
        ],
        "last_position": 1,
        "head": 1,
    }


@pytest.mark.parametrize(
    ("token", "status", "code", "detail"),
    [
        pytest.param(None, 401, "bus.feed_token_wrong", FEED_TOKEN_WRONG, id="no token"),
        pytest.param("guess", 401, "bus.feed_token_wrong", FEED_TOKEN_WRONG, id="wrong token"),
    ],
)
def test_the_feed_refuses_a_caller_without_the_token_and_stamps_nothing(
    feed_bus: Bus, token: str | None, status: int, code: str, detail: str
) -> None:
    feed_bus.publish(Pinged(n=1))

    answer = get_feed("after=0&events=sample.Pinged.v1", token=token)

    assert answer == (status, {"code": code, "detail": detail, "field_errors": {}})
    assert list(StoredEvent.objects.values_list("position", flat=True)) == [None]


def test_a_process_without_a_feed_token_serves_its_feed_to_no_one(make_bus: BusFactory) -> None:
    with use_bus(make_bus()), override_settings(BUS_FEED_TOKEN=""):
        answer = get_feed("after=0&events=sample.Pinged.v1", token="")

    assert answer == (403, {"code": "bus.feed_not_configured", "detail": FEED_NOT_CONFIGURED, "field_errors": {}})


@pytest.mark.parametrize(
    ("query", "field_errors"),
    [
        pytest.param(
            "after=-1&limit=0&events=orders.OrderPlaced",
            {
                "after": [AFTER_INVALID.format(value="-1")],
                "limit": [LIMIT_INVALID.format(most=500, value="0")],
                "events": [EVENTS_INVALID.format(value="orders.OrderPlaced")],
            },
            id="every parameter wrong",
        ),
        pytest.param(
            "after=x&limit=501",
            {
                "after": [AFTER_INVALID.format(value="x")],
                "limit": [LIMIT_INVALID.format(most=500, value="501")],
                "events": [EVENTS_MISSING],
            },
            id="no events",
        ),
    ],
)
def test_bad_feed_parameters_are_a_400_naming_each_and_stamp_nothing(
    feed_bus: Bus, query: str, field_errors: dict[str, list[str]]
) -> None:
    feed_bus.publish(Pinged(n=1))

    status, body = get_feed(query)

    assert (status, body["code"], body["field_errors"]) == (400, "request.invalid", field_errors)
    assert list(StoredEvent.objects.values_list("position", flat=True)) == [None]
    assert not OutboxHead.objects.exists()


def test_a_domains_feed_serves_that_domains_events_only(feed_bus: Bus) -> None:
    feed_bus.publish(Pinged(n=1))

    status, body = get_feed("after=0&events=sample.Pinged.v1,orders.OrderPlaced.v1")

    assert (status, body["field_errors"]) == (
        400,
        {"events": [EVENTS_OF_ANOTHER_DOMAIN.format(domain="sample", names="orders.OrderPlaced")]},
    )


def test_the_feed_without_a_domain_serves_events_of_one_database_and_refuses_a_mix(feed_bus: Bus) -> None:
    event_id = feed_bus.publish(Pinged(n=1))
    query = "after=0&events=sample.Pinged.v1,orders.OrderPlaced.v1"

    with override_settings(DOMAIN_DATABASES={"orders": "default"}):
        status, body = get_feed(query, feed="/internal/events/")
    assert (status, [event["event_id"] for event in body["events"]]) == (200, [str(event_id)])

    with override_settings(DOMAIN_DATABASES={"orders": "orders"}):  # orders' outbox numbered apart from sample's
        status, body = get_feed(query, feed="/internal/events/")
    assert (status, body["field_errors"]) == (
        400,
        {"events": [EVENTS_IN_SEVERAL_DATABASES.format(names="orders.OrderPlaced, sample.Pinged")]},
    )


def test_remote_domains_are_read_one_feed_each_even_at_one_url() -> None:
    with override_settings(GATEWAY_REMOTE_DOMAINS={"orders": "http://shop:8000/", "billing": "http://shop:8000"}):
        placements = feeds()

    assert [(p.url, p.domains) for p in placements] == [
        ("http://shop:8000/internal/events/billing/", frozenset({"billing"})),
        ("http://shop:8000/internal/events/orders/", frozenset({"orders"})),
    ]


def test_a_page_that_is_not_a_feed_page_is_refused_saying_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="last_position") as excinfo:
        decode_page(b'{"after": 0, "events": [], "head": 3}')

    assert str(excinfo.value) == MALFORMED_PAGE.format(problem="Object missing required field `last_position`")


def test_a_feed_that_cannot_be_reached_costs_a_pull_and_moves_no_cursor(
    make_bus: BusFactory, recorder: Recorder
) -> None:
    bus = make_bus(Subscription(id="kernel.record_ping", event=Pinged, handler=recorder.handle))
    url = f"http://127.0.0.1:{free_port()}"

    with override_settings(GATEWAY_REMOTE_DOMAINS={"sample": url}, BUS_FEED_TOKEN=TOKEN):
        received = bus.pull_feeds()

    assert received == {f"{url}/internal/events/sample/": 0}
    assert not FeedCursor.objects.exists()
    assert recorder.seen == []


def test_an_event_for_a_subscriber_running_in_another_service_writes_no_delivery_here(
    make_bus: BusFactory, recorder: Recorder
) -> None:
    bus = make_bus(Subscription(id="elsewhere.record_ping", event=Pinged, handler=recorder.handle))

    with override_settings(GATEWAY_REMOTE_DOMAINS={"elsewhere": "http://elsewhere:8000"}):
        event_id = bus.publish(Pinged(n=1))

    assert StoredEvent.objects.filter(id=event_id).exists()
    assert not StoredEvent.objects.get(id=event_id).deliveries.exists()
    assert recorder.seen == []


def test_each_read_of_the_feed_is_idempotent_for_the_inbox(make_bus: BusFactory, recorder: Recorder) -> None:
    publisher = make_bus()
    event_id = publisher.publish(Pinged(n=3))
    page = read_feed(after=0, limit=10, wanted=PINGS, registry=publisher.registry)
    StoredEvent.objects.filter(id=event_id).delete()  # the subscriber's database is another one
    subscriber = make_bus(Subscription(id="kernel.record_ping", event=Pinged, handler=recorder.handle))
    subscriptions = list(subscriber.router)

    first = subscriber.puller._inbox.take_in("http://publisher/internal/events/", page, subscriptions)
    FeedCursor.objects.update(position=0)
    second = subscriber.puller._inbox.take_in("http://publisher/internal/events/", page, subscriptions)

    assert (first, second) == ([event_id], [event_id])
    stored = StoredEvent.objects.get(id=event_id)
    assert (stored.origin, stored.feed, stored.deliveries.count()) == ("remote", "http://publisher/internal/events/", 1)
    assert list(FeedCursor.objects.values_list("subscriber", "position")) == [("kernel.record_ping", 1)]
