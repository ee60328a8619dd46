"""Orders use cases: the implementation bound to `domains.orders.interface.orders`.

Placing an order is the first step of the checkout saga (domains.orders.saga); the
steps after it run on events.
"""

from __future__ import annotations

import re
from uuid import UUID

from django.db import IntegrityError

from domains.cart.interface import CartLineDTO, cart
from domains.catalog.interface import (
    InsufficientStockError,
    ProductNotForSaleError,
    ProductNotFoundError,
    ReservationDTO,
    ReservationStatus,
    StockLineDTO,
    catalog,
)
from domains.orders import checkouts, references, selectors
from domains.orders.interface import (
    PAYMENT_TOKEN_PATTERN,
    CartCurrenciesDifferError,
    CartEmptyError,
    CheckoutInProgressError,
    CheckoutInterruptedError,
    OrderDTO,
    OrderLineDTO,
    OrderPlaced,
    OrdersError,
    OrderStatus,
    PaymentTokenInvalidError,
    ProductOutOfStockError,
    ProductUnavailableError,
)
from domains.orders.models import Order, OrderHistory, OrderLine
from shared.bus.runtime import publish
from shared.db import atomic
from shared.money import Money
from shared.references import ReferencePage

PLACED_NOTE = "Placed: prices taken from the catalog, stock reserved, payment requested."


def place_order(*, customer_id: UUID, payment_token: str) -> OrderDTO:
    """Check out the customer's cart (see OrdersApi.place_order).

    Order of steps: read, claim the cart version, reserve, then record. Claiming first
    means that of two submits of one cart only one reserves anything; reserving before
    recording means a refused reservation leaves nothing behind. What a failure after the
    reservation leaves held is released through orders.CheckoutAbandoned, published with
    the decision (domains.orders.checkouts), or by catalog's expiry if even that failed.
    """
    if not re.fullmatch(PAYMENT_TOKEN_PATTERN, payment_token):
        raise PaymentTokenInvalidError(payment_token=payment_token[:100])
    current = cart.get_cart(customer_id=customer_id)
    if not current.lines:
        raise CartEmptyError(customer_id=customer_id)
    checkouts.refuse_repeat_or_concurrent(customer_id=customer_id, cart_version=current.version)
    lines = priced_lines(current.lines)
    order_id = checkouts.claim(customer_id=customer_id, cart_version=current.version)
    try:
        reserve_and_record(order_id=order_id, customer_id=customer_id, payment_token=payment_token, lines=lines)
    finally:
        checkouts.let_go(order_id)
    # As it is now (the saga moves it on through the bus); its lines are the ones just recorded.
    return selectors.order_dto(Order.objects.get(id=order_id), lines=lines)


def reserve_and_record(
    *, order_id: UUID, customer_id: UUID, payment_token: str, lines: tuple[OrderLineDTO, ...]
) -> None:
    """The claimed checkout's steps; whatever stops them abandons the claim, releasing what it held."""
    try:
        reservation = reserve(order_id, lines)
    except OrdersError:
        checkouts.abandon(order_id=order_id, release=False)  # refused by the catalog: nothing is held
        raise
    except BaseException:
        checkouts.abandon_after_failure(order_id)  # the reservation may have been made: release it
        raise
    if reservation.status != ReservationStatus.ACTIVE:
        # Released before we got here: the checkout was abandoned (it took too long) and its release won.
        checkouts.abandon_after_failure(order_id)
        raise CheckoutInterruptedError(order_id=order_id)
    try:
        record(order_id=order_id, customer_id=customer_id, payment_token=payment_token, lines=lines)
    except IntegrityError:
        # The one constraint a fresh order can break: another cart of this customer's was
        # placed meanwhile and waits for its payment. That order stands; this one never existed.
        checkouts.abandon_after_failure(order_id)
        pending = Order.objects.filter(customer_id=customer_id, status=OrderStatus.PENDING_PAYMENT).first()
        if pending is None:
            raise
        raise CheckoutInProgressError(order_id=pending.id) from None
    except CheckoutInterruptedError:
        raise  # whoever abandoned the checkout released its stock
    except BaseException:
        checkouts.abandon_after_failure(order_id)
        raise


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


def reserve(order_id: UUID, lines: tuple[OrderLineDTO, ...]) -> ReservationDTO:
    """Hold the stock, translating the catalog's refusals into what the customer can act on."""
    try:
        return catalog.reserve_stock(
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
    with atomic("orders"):
        if not checkouts.place(order_id):
            raise CheckoutInterruptedError(order_id=order_id)
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

    def abandon_checkouts(self, *, order_ids: tuple[UUID, ...]) -> tuple[UUID, ...]:
        return checkouts.abandon_unless_placed(order_ids)

    def abandon_stalled_checkouts(self, *, limit: int = 100) -> int:
        return checkouts.abandon_stalled(limit=limit)

    def get_orders(self, *, order_ids: tuple[UUID, ...]) -> tuple[OrderDTO, ...]:
        return selectors.get_orders(order_ids=order_ids)

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        return references.page(after=after, limit=limit)
