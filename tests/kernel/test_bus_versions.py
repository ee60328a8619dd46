"""Versions and placement: a subscriber names an event and a version; the checks refuse what could never arrive."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.test import override_settings

from shared.bus.bus import SUBSCRIPTION_TO_UNPUBLISHED_VERSION, SUBSCRIPTION_WITHOUT_PUBLISHER
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Subscription
from shared.events import BAD_DOWNCAST, event
from tests.kernel.conftest import BusFactory, Recorder
from tests.kernel.sample import Pinged


@event("sample.Pinged", version=2)
class PingedV2:
    """A subscriber's own schema of a version nobody publishes."""

    n: int
    note: str


def test_a_downcast_to_a_version_that_is_not_older_is_refused_naming_what_to_write() -> None:
    def to_v2(payload: Any) -> Any:
        return payload

    with pytest.raises(TypeError) as excinfo:
        event("sample.Grown", version=2, downcasts={2: to_v2})

    assert str(excinfo.value) == BAD_DOWNCAST.format(name="sample.Grown", version=2, target=2, newest=1)


def test_a_subscription_to_a_version_no_one_publishes_or_downcasts_to_is_reported(
    make_bus: BusFactory, recorder: Recorder
) -> None:
    bus = make_bus(Subscription(id="sample.read_v2", event=PingedV2, handler=recorder.handle))

    assert bus.undeclared_subscriptions() == [
        SUBSCRIPTION_TO_UNPUBLISHED_VERSION.format(id="sample.read_v2", name="sample.Pinged", version=2, versions="v1")
    ]


@pytest.mark.django_db
def test_check_e011_fails_when_a_subscribed_events_publisher_runs_nowhere_in_the_placement(
    make_bus: BusFactory, recorder: Recorder
) -> None:
    bus = make_bus(Subscription(id="notifications.hear_ping", event=Pinged, handler=recorder.handle))

    with use_bus(bus):
        found = [m for m in checks.run_checks(tags=["modulith"]) if m.id == "modulith.E011"]

    assert [m.msg for m in found] == [
        SUBSCRIPTION_WITHOUT_PUBLISHER.format(id="notifications.hear_ping", wire_id="sample.Pinged.v1", domain="sample")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "remote",
    [
        pytest.param({"sample": "http://sample:8000"}, id="the publisher runs in another service"),
        pytest.param({"notifications": "http://notifications:8000"}, id="the subscriber runs in another service"),
    ],
)
def test_check_e011_passes_when_the_publisher_or_the_subscriber_is_placed_in_another_service(
    make_bus: BusFactory, recorder: Recorder, remote: dict[str, str]
) -> None:
    bus = make_bus(Subscription(id="notifications.hear_ping", event=Pinged, handler=recorder.handle))

    with use_bus(bus), override_settings(GATEWAY_REMOTE_DOMAINS=remote):
        found = [m for m in checks.run_checks(tags=["modulith"]) if m.id == "modulith.E011"]

    assert found == []
