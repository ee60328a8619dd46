"""One order per version of a cart, and no stock held for a checkout that will never be an order.

A checkout claims its cart version before reserving; whoever stops it (the request itself,
the next submit of the same cart, the sweep) abandons it and publishes
orders.CheckoutAbandoned in that same transaction. Catalog and cart are fakes of their
recorded contracts (conftest.py); that the catalog releases on that event is the catalog's
test, and tests/flows shows it across the real domains.
"""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from domains.catalog.interface import ProductDTO, ReservationStatus, StockLineDTO
from domains.orders import checkouts, saga, services
from domains.orders.interface import CancellationReason, CheckoutInterruptedError, orders
from domains.orders.models import Checkout, CheckoutStatus, Order
from domains.orders.tests.conftest import Shop
from shared.auth.principal import Principal
from shared.bus.models import StoredEvent
from shared.contracts import Fakes
from shared.db import database_for

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/orders/checkout/"
GONE = f"{socket.gethostname()}:4194305:1700000000.00"  # a process above Linux's largest pid: dead


def claimed(shop: Shop, customer_id: uuid.UUID, tea: ProductDTO, quantity: int) -> uuid.UUID:
    """A checkout of the customer's cart that got as far as reserving (its request still running)."""
    version = shop.get_cart(customer_id=customer_id).version
    order_id = checkouts.claim(customer_id=customer_id, cart_version=version)
    shop.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=tea.id, quantity=quantity),))
    return order_id


def its_process_died(order_id: uuid.UUID) -> None:
    """What a killed request leaves: no session holding its fence (PostgreSQL), no process (SQLite)."""
    checkouts.let_go(order_id)
    Checkout.objects.filter(order_id=order_id).update(holder=GONE)


def abandoned_events(order_id: uuid.UUID) -> list[dict]:
    return list(
        StoredEvent.objects.using(database_for("orders"))
        .filter(name="orders.CheckoutAbandoned", key=str(order_id))
        .values_list("payload", flat=True)
    )


def test_submitting_the_same_cart_again_answers_200_with_the_first_order_and_reserves_nothing_more(
    customer_client: APIClient, customer: Principal, fakes: Fakes, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 2))
    first = customer_client.post(CHECKOUT, {"payment_token": "tok_visa"}, format="json")

    again = customer_client.post(CHECKOUT, {"payment_token": "tok_visa"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert (again.json(), again["Location"]) == (first.json(), first["Location"])
    assert Order.objects.filter(customer_id=customer.id).count() == 1
    assert len(fakes.catalog.reserve_stock.calls) == 1
    assert StoredEvent.objects.using(database_for("orders")).filter(name="orders.OrderPlaced").count() == 1


def test_a_submit_while_the_same_cart_is_being_placed_is_409_naming_that_order(
    customer_client: APIClient, customer: Principal, fakes: Fakes, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 2))
    placing = claimed(shop, customer.id, tea, 2)

    response = customer_client.post(CHECKOUT, {"payment_token": "tok_visa"}, format="json")

    assert (response.status_code, response.json()["code"], response.json()["params"]) == (
        409,
        "orders.checkout_in_progress",
        {"order_id": str(placing)},
    )
    assert fakes.catalog.reserve_stock.calls == []  # the loser reserves nothing
    assert list(Checkout.objects.values_list("order_id", "status")) == [(placing, CheckoutStatus.PLACING)]


def test_the_next_submit_of_a_cart_whose_checkout_died_abandons_it_with_its_release_and_places_the_order(
    customer_client: APIClient, customer: Principal, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 2))
    dead = claimed(shop, customer.id, tea, 2)
    its_process_died(dead)

    response = customer_client.post(CHECKOUT, {"payment_token": "tok_visa"}, format="json")

    assert response.status_code == 201
    assert response.json()["id"] != str(dead)
    assert Checkout.objects.get(order_id=dead).status == CheckoutStatus.ABANDONED
    assert abandoned_events(dead) == [{"order_id": str(dead), "customer_id": str(customer.id)}]
    assert list(Order.objects.filter(customer_id=customer.id).values_list("id", flat=True)) == [
        uuid.UUID(response.json()["id"])
    ]


@override_settings(ORDERS_CHECKOUT_TIMEOUT_SECONDS=60)
def test_the_sweep_abandons_checkouts_whose_process_died_or_that_ran_too_long(shop: Shop, tea: ProductDTO) -> None:
    shoppers = [uuid.uuid4() for _ in range(3)]
    for shopper in shoppers:
        shop.fill_cart(shopper, (tea, 1))
    dead_id, slow_id, fresh_id = (claimed(shop, shopper, tea, 1) for shopper in shoppers)
    its_process_died(dead_id)
    Checkout.objects.filter(order_id=slow_id).update(started_at=timezone.now() - dt.timedelta(seconds=61))

    stopped = orders.abandon_stalled_checkouts()
    again = orders.abandon_stalled_checkouts()

    assert (stopped, again) == (2, 0)
    assert dict(Checkout.objects.values_list("order_id", "status")) == {
        dead_id: CheckoutStatus.ABANDONED,
        slow_id: CheckoutStatus.ABANDONED,
        fresh_id: CheckoutStatus.PLACING,
    }
    assert [len(abandoned_events(order_id)) for order_id in (dead_id, slow_id, fresh_id)] == [1, 1, 0]


def test_an_order_is_not_recorded_once_its_checkout_was_abandoned(
    customer: Principal, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 2))
    lines = services.priced_lines(shop.get_cart(customer_id=customer.id).lines)
    order_id = claimed(shop, customer.id, tea, 2)
    checkouts.abandon(order_id=order_id, release=True)  # the sweep, between this request's reservation and its record

    with pytest.raises(CheckoutInterruptedError) as raised:
        services.record(order_id=order_id, customer_id=customer.id, payment_token="tok_visa", lines=lines)

    assert raised.value.params == {"order_id": order_id}
    assert Order.objects.count() == 0
    assert len(abandoned_events(order_id)) == 1  # its stock is released by the sweep's event, not twice


def test_a_checkout_whose_reservation_arrives_after_it_was_abandoned_records_nothing(
    customer: Principal, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 2))
    version = shop.get_cart(customer_id=customer.id).version
    order_id = checkouts.claim(customer_id=customer.id, cart_version=version)
    checkouts.abandon(order_id=order_id, release=True)  # stopped before its request reached the catalog...
    shop.release_reservation(order_id=order_id)  # ...whose release, delivered, leaves a tombstone
    lines = services.priced_lines(shop.get_cart(customer_id=customer.id).lines)

    with pytest.raises(CheckoutInterruptedError):
        services.reserve_and_record(order_id=order_id, customer_id=customer.id, payment_token="tok_visa", lines=lines)

    assert Order.objects.count() == 0
    assert (shop.reservations[order_id].status, shop.products[tea.id].available) == (ReservationStatus.RELEASED, 20)


def test_abandon_checkouts_names_the_ids_that_are_not_orders_and_never_will_be(
    customer: Principal, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 1))
    placed = orders.place_order(customer_id=customer.id, payment_token="tok_visa").id
    other = uuid.uuid4()
    shop.fill_cart(other, (tea, 1))
    placing, unknown = claimed(shop, other, tea, 1), uuid.uuid4()

    never = orders.abandon_checkouts(order_ids=(placed, placing, unknown))

    assert never == (placing, unknown)
    assert Checkout.objects.get(order_id=placing).status == CheckoutStatus.ABANDONED
    assert orders.abandon_checkouts(order_ids=(placed, placing, unknown)) == (placing, unknown)
    assert [len(abandoned_events(order_id)) for order_id in (placed, placing, unknown)] == [0, 1, 0]


def test_a_cart_whose_order_was_cancelled_can_be_checked_out_again(
    customer_client: APIClient, customer: Principal, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 1))
    declined = customer_client.post(CHECKOUT, {"payment_token": "tok_chargeDeclined"}, format="json").json()
    saga.cancel(order_id=declined["id"], reason=CancellationReason.PAYMENT_DECLINED, detail="Declined.")

    again = customer_client.post(CHECKOUT, {"payment_token": "tok_visa"}, format="json")

    assert again.status_code == 201
    assert again.json()["id"] != declined["id"]
    assert Checkout.objects.get(order_id=declined["id"]).status == CheckoutStatus.CANCELLED
