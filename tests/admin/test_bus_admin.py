"""Staff see deliveries by status with payload and traceback, replay failed and dead ones, read idempotency keys."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from domains.identity.models import User
from shared.admin import DATABASE
from shared.api.models import IdempotencyKey
from shared.bus.admin import NOT_REPLAYED, REPLAYED
from shared.bus.bus import Bus
from shared.bus.config import BusSettings
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Router, Subscription
from shared.interfaces import Registry
from tests.kernel.bus_databases import ORDERS, database_files, databases
from tests.kernel.sample import Pinged, make_sample_interface

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = reverse("admin:bus_delivery_changelist")

__all__ = ["database_files", "databases"]  # fixtures


class Flaky:
    """A handler that fails while `broken`, with an error that says so."""

    broken = True

    def __call__(self, event: Pinged) -> None:
        if self.broken:
            raise RuntimeError(f"ping {event.n} refused on purpose")


@pytest.fixture
def handler() -> Flaky:
    return Flaky()


@pytest.fixture
def bus(handler: Flaky) -> Iterator[Bus]:
    registry = Registry()
    registry.register(make_sample_interface())
    bus = Bus(
        registry=registry,
        router=Router([Subscription(id="sample.flaky", event=Pinged, handler=handler),
                       Subscription(id="sample.fine", event=Pinged, handler=lambda event: None)]),
        settings=lambda: BusSettings(max_attempts=1),
    )  # fmt: skip
    with use_bus(bus):
        yield bus


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("ops@example.com", "a-long-passw0rd!"))
    return client


def test_deliveries_are_listed_by_status_with_the_last_line_of_their_error(staff: Client, bus: Bus) -> None:
    bus.publish(Pinged(n=7))

    dead = staff.get(CHANGELIST, {"status__exact": "dead"})
    done = staff.get(CHANGELIST, {"status__exact": "done"})

    assert dead.status_code == done.status_code == 200
    assert [d.subscriber for d in dead.context["cl"].result_list] == ["sample.flaky"]
    assert [d.subscriber for d in done.context["cl"].result_list] == ["sample.fine"]
    assert b"RuntimeError: ping 7 refused on purpose" in dead.content


def test_a_delivery_page_shows_its_payload_and_full_traceback(staff: Client, bus: Bus) -> None:
    bus.publish(Pinged(n=8))
    delivery = Delivery.objects.get(subscriber="sample.flaky")

    page = staff.get(reverse("admin:bus_delivery_change", args=[delivery.id]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "<pre>{\n  &quot;n&quot;: 8\n}</pre>" in text
    assert "Traceback (most recent call last):" in text
    assert "RuntimeError: ping 8 refused on purpose" in text
    assert 'name="_save"' not in text


def test_replay_gives_dead_deliveries_a_fresh_attempt_and_leaves_done_ones_alone(
    staff: Client, bus: Bus, handler: Flaky
) -> None:
    bus.publish(Pinged(n=9))
    dead = Delivery.objects.get(subscriber="sample.flaky")
    done = Delivery.objects.get(subscriber="sample.fine")
    done_before = (done.status, done.attempts, done.completed_at)
    handler.broken = False  # the bug is fixed

    response = staff.post(CHANGELIST, {"action": "replay", "_selected_action": [dead.id, done.id]}, follow=True)

    dead.refresh_from_db()
    done.refresh_from_db()
    assert response.status_code == 200
    assert (dead.status, dead.attempts) == (DeliveryStatus.DONE, 1)
    assert (done.status, done.attempts, done.completed_at) == done_before
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        REPLAYED.format(count=1, statuses=f"{dead.id} done"),
        NOT_REPLAYED.format(ids=str(done.id)),
    ]


def test_staff_without_the_change_permission_cannot_replay(bus: Bus) -> None:
    viewer = User.objects.create_user("viewer@example.com", "a-long-passw0rd!", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_delivery"))
    client = Client()
    client.force_login(viewer)
    bus.publish(Pinged(n=10))
    dead = Delivery.objects.get(subscriber="sample.flaky")

    page = client.get(CHANGELIST)
    client.post(CHANGELIST, {"action": "replay", "_selected_action": [dead.id]})

    dead.refresh_from_db()
    assert page.status_code == 200
    assert b'value="replay"' not in page.content
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD, 1)


def test_idempotency_keys_are_readable_with_their_answer_and_cannot_be_changed(staff: Client) -> None:
    now = timezone.now()
    key = IdempotencyKey.objects.create(
        owner=f"user:{uuid.uuid4()}", key=str(uuid.uuid4()), fingerprint="f" * 64,
        endpoint="POST /api/orders/checkout/",
        response_status=201, response_body={"id": "o-1", "status": "confirmed"}, created_at=now,
        expires_at=now + dt.timedelta(days=1),
    )  # fmt: skip

    listing = staff.get(reverse("admin:api_idempotencykey_changelist"), {"q": key.key})
    page = staff.get(reverse("admin:api_idempotencykey_change", args=[key.id]))
    deleted = staff.post(reverse("admin:api_idempotencykey_delete", args=[key.id]), {"post": "yes"})

    assert [k.id for k in listing.context["cl"].result_list] == [key.id]
    assert page.status_code == 200
    assert "&quot;status&quot;: &quot;confirmed&quot;" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert deleted.status_code == 403
    assert IdempotencyKey.objects.filter(id=key.id).exists()


def test_the_deliveries_of_another_database_are_listed_shown_and_replayed_there(
    staff: Client, databases: dict, handler: Flaky
) -> None:
    registry = Registry()
    registry.register(make_sample_interface())
    bus = Bus(
        registry=registry,
        router=Router([Subscription(id="orders.flaky", event=Pinged, handler=handler)]),
        settings=lambda: BusSettings(max_attempts=1),
    )
    with use_bus(bus):
        bus.publish(Pinged(n=11))  # published in PUBLISHER's database, delivered (and dead) in ORDERS'
        dead = Delivery.objects.using(ORDERS).get()
        default_list = staff.get(CHANGELIST, {"status__exact": "dead"})
        orders_list = staff.get(CHANGELIST, {"status__exact": "dead", DATABASE: ORDERS})
        page = staff.get(
            reverse("admin:bus_delivery_change", args=[dead.id]), {"_changelist_filters": f"{DATABASE}={ORDERS}"}
        )
        handler.broken = False
        replay = staff.post(
            f"{CHANGELIST}?{DATABASE}={ORDERS}", {"action": "replay", "_selected_action": [dead.id]}, follow=True
        )

    dead.refresh_from_db()
    assert list(default_list.context["cl"].result_list) == []
    assert [d.subscriber for d in orders_list.context["cl"].result_list] == ["orders.flaky"]
    assert page.status_code == 200
    assert "RuntimeError: ping 11 refused on purpose" in page.content.decode()
    assert f"?{DATABASE}={ORDERS}" in page.content.decode()  # the link to its event stays in ORDERS
    assert [str(m) for m in get_messages(replay.wsgi_request)] == [REPLAYED.format(count=1, statuses=f"{dead.id} done")]
    assert (dead.status, dead.attempts) == (DeliveryStatus.DONE, 1)
