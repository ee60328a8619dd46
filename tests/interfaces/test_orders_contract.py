"""The orders' contract, through its interface alone: local, over the wire, and served by another process."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domains.cart.interface import cart
from domains.catalog.interface import ProductDTO, catalog
from domains.orders.interface import (
    CancellationReason,
    CartEmptyError,
    OrderDTO,
    OrderNotFoundError,
    OrderStatus,
    PaymentTokenInvalidError,
    ProductOutOfStockError,
    orders,
)
from shared.money import Money
from tests.interfaces.conftest import Serve
from tests.reliability.processes import wait_until


@pytest.fixture(autouse=True)
def _served(serve: Serve) -> None:
    serve(orders)


def stocked(on_hand: int, price: str = "6.00") -> ProductDTO:
    product = catalog.create_product(
        sku=f"O-{uuid.uuid4().hex[:10]}",
        name="Genmaicha",
        description="",
        price=Money(amount=Decimal(price), currency="EUR"),
    )
    return catalog.set_stock(product_id=product.id, on_hand=on_hand)


def shopper_with(product: ProductDTO, quantity: int) -> uuid.UUID:
    customer = uuid.uuid4()
    cart.add_item(customer_id=customer, product_id=product.id, quantity=quantity)
    return customer


def settled(order: OrderDTO) -> OrderDTO:
    """The order once its saga has run (payment captured or refused), polled with a deadline."""
    return wait_until(
        lambda: (now := orders.get_order(order_id=order.id)).status != OrderStatus.PENDING_PAYMENT and now,
        timeout=20,
        what=f"order {order.id} to be settled",
    )


def test_a_placed_order_is_priced_from_the_catalog_and_confirmed_once_paid() -> None:
    tea = stocked(5, price="6.00")
    customer = shopper_with(tea, 2)

    placed = orders.place_order(customer_id=customer, payment_token="tok_visa")
    confirmed = settled(placed)

    assert (placed.customer_id, placed.total) == (customer, Money(amount=Decimal("12.00"), currency="EUR"))
    assert [(line.product_id, line.quantity, line.unit_price) for line in placed.lines] == [
        (tea.id, 2, Money(amount=Decimal("6.00"), currency="EUR"))
    ]
    assert (confirmed.status, confirmed.lines, confirmed.total) == (OrderStatus.CONFIRMED, placed.lines, placed.total)
    assert orders.get_orders(order_ids=(placed.id, uuid.uuid4())) == (confirmed,)
    assert catalog.get_product(product_id=tea.id).available == 3


def test_a_declined_payment_cancels_the_order_and_frees_the_stock() -> None:
    tea = stocked(4)
    customer = shopper_with(tea, 1)

    cancelled = settled(orders.place_order(customer_id=customer, payment_token="tok_chargeDeclined"))

    assert (cancelled.status, cancelled.cancellation_reason) == (
        OrderStatus.CANCELLED,
        CancellationReason.PAYMENT_DECLINED,
    )
    # Catalog releases the units when orders.OrderCancelled reaches it: at once in process, a
    # moment later when catalog runs elsewhere (tests/blackbox/test_interface_contracts.py).
    wait_until(
        lambda: catalog.get_product(product_id=tea.id).available == 4,
        timeout=20,
        what=f"the unit reserved for order {cancelled.id} to be released",
    )


def test_nothing_is_ordered_from_an_empty_cart_with_a_bad_token_or_short_stock() -> None:
    tea = stocked(1)
    customer, greedy = uuid.uuid4(), shopper_with(tea, 3)

    with pytest.raises(CartEmptyError) as empty:
        orders.place_order(customer_id=customer, payment_token="tok_visa")
    with pytest.raises(PaymentTokenInvalidError) as bad_token:
        orders.place_order(customer_id=greedy, payment_token="visa please")
    with pytest.raises(ProductOutOfStockError) as short:
        orders.place_order(customer_id=greedy, payment_token="tok_visa")

    assert empty.value == CartEmptyError(customer_id=customer)
    assert bad_token.value == PaymentTokenInvalidError(payment_token="visa please")
    assert short.value == ProductOutOfStockError(product_id=tea.id, sku=tea.sku, requested=3, available=1)
    assert catalog.get_product(product_id=tea.id).available == 1


def test_an_unknown_order_is_not_found() -> None:
    missing = uuid.uuid4()

    with pytest.raises(OrderNotFoundError) as raised:
        orders.get_order(order_id=missing)

    assert raised.value == OrderNotFoundError(order_id=missing)
    assert orders.get_orders(order_ids=(missing,)) == ()
