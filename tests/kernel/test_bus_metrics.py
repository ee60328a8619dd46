"""The bus in Prometheus: events published and attempts ended, counted; the backlog read at scrape time."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from shared.bus.bus import Bus
from shared.bus.delivery import Deliverer
from shared.bus.metrics import OutboxCollector
from shared.bus.subscriptions import Subscription
from tests.kernel.conftest import BusFactory, FakeClock, Recorder
from tests.kernel.sample import Pinged
from tests.kernel.test_bus_publishing import Boom, publish_then_fail
from tests.observability.samples import sample

pytestmark = pytest.mark.django_db(transaction=True)


class Idle:
    """A transport that hands nothing on: deliveries stay pending, as behind a stopped worker."""

    def __init__(self, deliverer: Deliverer) -> None:
        pass

    def after_commit(self, event_id: uuid.UUID) -> None:
        pass


def scraped() -> dict[str, dict[tuple[str, ...], float]]:
    return {
        family.name: {tuple(s.labels.values()): s.value for s in family.samples}
        for family in OutboxCollector().collect()
    }


def test_an_event_counts_as_published_when_its_transaction_commits(make_bus: BusFactory, recorder: Recorder) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    before = sample("modulith_events_published_total", event="sample.Pinged")

    with pytest.raises(Boom):
        publish_then_fail(bus, Pinged(n=1))
    bus.publish(Pinged(n=2))

    assert sample("modulith_events_published_total", event="sample.Pinged") == before + 1


def test_every_ended_attempt_is_counted_per_event_subscriber_and_outcome(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    recorder.failures_left = 99
    bus: Bus = make_bus(
        Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle),
        Subscription(id="sample.count_ping", event=Pinged, handler=lambda event: None),
    )

    def ended(subscriber: str, outcome: str) -> float:
        return sample("modulith_event_deliveries_total", event="sample.Pinged", subscriber=subscriber, outcome=outcome)

    before = {
        (s, o): ended(s, o) for s in ("sample.record_ping", "sample.count_ping") for o in ("done", "failed", "dead")
    }
    bus.publish(Pinged(n=1))
    for _ in range(2):  # SETTINGS.max_attempts is 3: two retries after the first failure
        clock.advance(3600)
        bus.deliverer.process_due()

    after = {key: ended(*key) - value for key, value in before.items()}
    assert after == {
        ("sample.record_ping", "done"): 0,
        ("sample.record_ping", "failed"): 2,
        ("sample.record_ping", "dead"): 1,
        ("sample.count_ping", "done"): 1,
        ("sample.count_ping", "failed"): 0,
        ("sample.count_ping", "dead"): 0,
    }


def test_a_scrape_reads_the_backlog_per_subscriber_and_the_age_of_the_oldest(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle), transport=Idle)
    clock.now = timezone.now() - dt.timedelta(seconds=600)
    with transaction.atomic():
        bus.publish(Pinged(n=1))
    clock.now += dt.timedelta(seconds=300)
    bus.publish(Pinged(n=2))

    families = scraped()

    assert families["modulith_outbox_up"] == {(): 1.0}
    assert families["modulith_outbox_backlog"] == {
        ("sample.record_ping", "pending"): 2.0,
        ("sample.record_ping", "processing"): 0.0,
        ("sample.record_ping", "failed"): 0.0,
        ("sample.record_ping", "dead"): 0.0,
        ("sample.record_ping", "unsent"): 2.0,
    }
    [(labels, age)] = families["modulith_outbox_oldest_unfinished_age_seconds"].items()
    assert labels == ("sample.record_ping",)
    assert 600 <= age < 660


def test_a_dead_letter_stays_in_the_backlog_and_no_age_is_reported_without_unfinished_work(
    make_bus: BusFactory, recorder: Recorder, clock: FakeClock
) -> None:
    recorder.failures_left = 99
    bus = make_bus(Subscription(id="sample.record_ping", event=Pinged, handler=recorder.handle))
    bus.publish(Pinged(n=1))
    for _ in range(2):
        clock.advance(3600)
        bus.deliverer.process_due()

    families = scraped()

    assert families["modulith_outbox_backlog"][("sample.record_ping", "dead")] == 1.0
    assert families["modulith_outbox_oldest_unfinished_age_seconds"] == {}


def test_an_empty_outbox_reports_no_backlog() -> None:
    assert scraped() == {
        "modulith_outbox_up": {(): 1.0},
        "modulith_outbox_backlog": {},
        "modulith_outbox_oldest_unfinished_age_seconds": {},
    }
