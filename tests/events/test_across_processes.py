"""The same events, handlers and assertions with publisher and subscriber in one process and in two.

Each test runs twice (see conftest.py): in one process with one database, and with the
publisher in a second Django process and database while this process subscribes over HTTP.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.orders.interface import OrderConfirmed, OrderLineDTO
from shared.bus.models import Delivery, DeliveryStatus, EventOrigin, FeedCursor, StoredEvent
from shared.bus.runtime import nudge_listener
from shared.db import database_for
from shared.interfaces import Registry
from shared.money import Money
from tests.events.conftest import EVENT_TESTS, Peer, Topology, TwoProcesses, effects, tracking_bus
from tests.events.parcels.interface import ParcelShipped

pytestmark = EVENT_TESTS


def shipped(parcel_id: uuid.UUID, step: int = 0) -> ParcelShipped:
    return ParcelShipped(parcel_id=parcel_id, carrier_code="DHL", weight_grams=1200 + step, step=step)


def test_an_event_published_at_v2_reaches_a_v1_subscriber_with_its_own_schema_and_a_v2_one_each_once(
    topology: Topology,
) -> None:
    parcel_id = uuid.uuid4()

    topology.publish(shipped(parcel_id), correlation_id="corr-shipped-1")
    topology.catch_up()

    assert effects("v1", parcel_id) == ["DHL corr-shipped-1"]
    assert effects("v2", parcel_id) == ["0 1200"]
    assert set(
        Delivery.objects.filter(event__payload__parcel_id=str(parcel_id)).values_list("subscriber", "status")
    ) == {("tracking.note_carrier", DeliveryStatus.DONE), ("tracking.note_weight", DeliveryStatus.DONE)}


def test_events_published_while_the_subscriber_is_down_arrive_later_in_order_and_once(topology: Topology) -> None:
    parcel_id = uuid.uuid4()

    topology.publish_while_subscriber_down(*(shipped(parcel_id, step) for step in range(3)), correlation_id="down")
    assert effects("v2", parcel_id) == []
    topology.catch_up()
    topology.catch_up()

    assert effects("v2", parcel_id) == ["0 1200", "1 1201", "2 1202"]
    assert effects("v1", parcel_id) == ["DHL down"] * 3


def test_the_same_feed_read_again_from_the_start_delivers_nothing_twice(topology: Topology) -> None:
    parcel_id = uuid.uuid4()
    topology.publish(shipped(parcel_id), correlation_id="again")
    topology.catch_up()

    FeedCursor.objects.update(position=0)  # as if the cursor's move had been lost: the whole feed comes again
    topology.catch_up()

    assert effects("v1", parcel_id) == ["DHL again"]
    assert effects("v2", parcel_id) == ["0 1200"]


def test_a_subscriber_service_deployed_after_events_were_published_receives_them_from_the_start_of_the_feed(
    peer: Peer,
) -> None:
    topology = TwoProcesses(peer, tracking_bus(Registry()))
    parcel_id = uuid.uuid4()
    topology.publish(shipped(parcel_id, 1), shipped(parcel_id, 2), correlation_id="before-deploy")
    first = topology.bus.router.get("tracking.note_weight")
    assert first is not None

    topology.bus = tracking_bus(Registry(), first)  # only tracking.note_weight is deployed
    topology.catch_up()
    assert effects("v2", parcel_id) == ["1 1201", "2 1202"]
    assert effects("v1", parcel_id) == []

    late = TwoProcesses(peer, tracking_bus(Registry()))  # now tracking.note_carrier is deployed too
    late.catch_up()

    assert effects("v1", parcel_id) == ["DHL before-deploy", "DHL before-deploy"]
    assert effects("v2", parcel_id) == ["1 1201", "2 1202"]
    received = StoredEvent.objects.filter(payload__parcel_id=str(parcel_id))
    assert {(e.origin, e.version, e.downcasts["1"]["carrier"]) for e in received} == {(EventOrigin.REMOTE, 2, "DHL")}


@pytest.mark.redis
def test_a_nudge_from_the_publisher_wakes_a_waiting_subscriber_at_once(peer: Peer) -> None:
    topology = TwoProcesses(peer, tracking_bus(Registry()))
    parcel_id = uuid.uuid4()
    with (
        topology.placement(),
        override_settings(BUS_NUDGE_REDIS_URL=settings.REDIS_URL, CELERY_KEY_PREFIX=peer.nudge_prefix),
    ):
        listener = nudge_listener()
        assert listener is not None
        try:
            assert listener.wait(0.2) is False  # listening now; nothing moved
            topology.publish(shipped(parcel_id), correlation_id="nudged")
            assert listener.wait(10) is True
        finally:
            listener.close()
        topology.bus.pull_feeds()

    assert effects("v2", parcel_id) == ["0 1200"]


def test_the_carts_own_handler_takes_the_bought_units_out_when_orders_confirms_the_order(
    shop_topology: Topology,
) -> None:
    product = catalog.create_product(sku=f"EV-{uuid.uuid4().hex[:8]}", name="Tea", description="", price=eur("4.00"))
    customer_id = uuid.uuid4()
    cart.add_item(customer_id=customer_id, product_id=product.id, quantity=3)
    bought = OrderLineDTO(
        product_id=product.id, sku=product.sku, name="Tea", unit_price=eur("4.00"), quantity=2, line_total=eur("8.00")
    )

    shop_topology.publish(
        OrderConfirmed(order_id=uuid.uuid4(), customer_id=customer_id, total=eur("8.00"), lines=(bought,)),
        correlation_id="shop-confirmed",
    )
    shop_topology.catch_up()

    assert [(line.product_id, line.quantity) for line in cart.get_cart(customer_id=customer_id).lines] == [
        (product.id, 1)
    ]
    assert (
        Delivery.objects.using(database_for("cart")).get(subscriber="cart.empty_cart_of_confirmed_order").status
        == DeliveryStatus.DONE
    )


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")
