"""Orders use cases: the implementation bound to `domains.orders.interface.orders`.

Placing an order is the first step of the checkout saga (domains.orders.saga); the
steps after it run on events.
"""

from __future__ import annotations

import re
import uuid
from uuid import UUID

from django.db import IntegrityError, transaction

from domains.cart.interface import CartLineDTO, cart
from domains.catalog.interface import (
    InsufficientStockError,
    ProductNotForSaleError,
    ProductNotFoundError,
    StockLineDTO,
    catalog,
)
from domains.orders import references, selectors
from domains.orders.interface import (
    PAYMENT_TOKEN_PATTERN,
    CartCurrenciesDifferError,
    CartEmptyError,
    CheckoutInProgressError,
    OrderDTO,
    OrderLineDTO,
    OrderPlaced,
    OrderStatus,
    PaymentTokenInvalidError,
    ProductOutOfStockError,
    ProductUnavailableError,
)
from domains.orders.models import Order, OrderHistory, OrderLine
from shared.bus.runtime import publish
from shared.money import Money
from shared.references import ReferencePage

PLACED_NOTE = "Placed: prices taken from the catalog, stock reserved, payment requested."


def place_order(*, customer_id: UUID, payment_token: str) -> OrderDTO:
    """Check out the customer's cart (see OrdersApi.place_order).

    Order of steps: read, reserve, then store. Reserving before storing means a refused
    reservation leaves nothing behind; storing failing after a reservation is compensated
    by releasing it at once, so no stock stays held for an order that does not exist.
    """
    if not re.fullmatch(PAYMENT_TOKEN_PATTERN, payment_token):
        raise PaymentTokenInvalidError(payment_token=payment_token[:100])
    check_no_checkout_in_progress(customer_id)
    cart_lines = cart.get_cart(customer_id=customer_id).lines
    if not cart_lines:
        raise CartEmptyError(customer_id=customer_id)
    lines = priced_lines(cart_lines)
    order_id = uuid.uuid4()
    reserve(order_id, lines)
    try:
        record(order_id=order_id, customer_id=customer_id, payment_token=payment_token, lines=lines)
    except IntegrityError:
        # The one constraint a fresh order can break: another checkout of this customer's
        # committed first (a double submit). That order stands; this one never existed.
        catalog.release_reservation(order_id=order_id)
        latest = Order.objects.filter(customer_id=customer_id).order_by("-placed_at").first()
        if latest is None:
            raise
        raise CheckoutInProgressError(order_id=latest.id) from None
    except BaseException:
        catalog.release_reservation(order_id=order_id)
        raise
    return selectors.get_order(order_id=order_id)  # read after commit: in-process, the saga has moved it on


def check_no_checkout_in_progress(customer_id: UUID) -> None:
    pending = Order.objects.filter(customer_id=customer_id, status=OrderStatus.PENDING_PAYMENT).first()
    if pending is not None:
        raise CheckoutInProgressError(order_id=pending.id)


def priced_lines(cart_lines: tuple[CartLineDTO, ...]) -> tuple[OrderLineDTO, ...]:
    """The cart's lines at the catalog's prices of this moment; never a price from the client."""
    products = {p.id: p for p in catalog.get_products(product_ids=tuple(line.product_id for line in cart_lines))}
    lines = []
    for line in cart_lines:
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            raise ProductUnavailableError(product_id=line.product_id)
        lines.append(
            OrderLineDTO(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit_price=product.price,
                quantity=line.quantity,
                line_total=product.price.times(line.quantity),
            )
        )
    currencies = sorted({line.unit_price.currency for line in lines})
    if len(currencies) > 1:
        raise CartCurrenciesDifferError(currencies=tuple(currencies))
    return tuple(lines)


def reserve(order_id: UUID, lines: tuple[OrderLineDTO, ...]) -> None:
    """Hold the stock, translating the catalog's refusals into what the customer can act on."""
    try:
        catalog.reserve_stock(
            order_id=order_id,
            lines=tuple(StockLineDTO(product_id=line.product_id, quantity=line.quantity) for line in lines),
        )
    except InsufficientStockError as exc:
        raise ProductOutOfStockError(
            product_id=exc.params["product_id"],
            sku=exc.params["sku"],
            requested=exc.params["requested"],
            available=exc.params["available"],
        ) from None
    except (ProductNotFoundError, ProductNotForSaleError) as exc:
        raise ProductUnavailableError(product_id=exc.params["product_id"]) from None


def record(*, order_id: UUID, customer_id: UUID, payment_token: str, lines: tuple[OrderLineDTO, ...]) -> None:
    total = Money.zero(lines[0].unit_price.currency)
    for line in lines:
        total += line.line_total
    with transaction.atomic():
        order = Order.objects.create(
            id=order_id,
            customer_id=customer_id,
            status=OrderStatus.PENDING_PAYMENT,
            total_amount=total.amount,
            currency=total.currency,
            payment_token=payment_token,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price_amount=line.unit_price.amount,
                quantity=line.quantity,
            )
            for line in lines
        )
        OrderHistory.objects.create(order=order, status=OrderStatus.PENDING_PAYMENT, note=PLACED_NOTE)
        publish(OrderPlaced(order_id=order_id, customer_id=customer_id, total=total, lines=lines))


class OrdersService:
    """Binds the orders use cases and reads to the OrdersApi protocol."""

    def place_order(self, *, customer_id: UUID, payment_token: str) -> OrderDTO:
        return place_order(customer_id=customer_id, payment_token=payment_token)

    def get_order(self, *, order_id: UUID) -> OrderDTO:
        return selectors.get_order(order_id=order_id)

    def get_orders(self, *, order_ids: tuple[UUID, ...]) -> tuple[OrderDTO, ...]:
        return selectors.get_orders(order_ids=order_ids)

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        return references.page(after=after, limit=limit)
