"""The orders domain's public face: operations, DTOs, events, errors.

An order's life (driven by the checkout saga in domains.orders.saga):

    place_order ──> pending_payment ──PaymentCaptured──> confirmed
         │                │
         │                └──PaymentDeclined / PaymentFailed──> cancelled
         └── not recorded (refused, failed, or its process died) ──> orders.CheckoutAbandoned
             (no order exists; catalog releases whatever stock was reserved for it)

Errors:
    OrdersError
    ├── OrderNotFoundError           404  no such order (or not the caller's)
    ├── PaymentTokenInvalidError     400  not a token a payment provider issues
    ├── CheckoutInProgressError      409  another checkout of the customer is being placed or waits for its payment
    ├── CartAlreadyOrderedError      409  this version of the cart was already ordered (a repeated submit)
    ├── CheckoutInterruptedError     409  the checkout was stopped before its order was recorded; nothing happened
    ├── CartEmptyError               409  nothing to check out
    ├── ProductOutOfStockError       409  a product in the cart has fewer units than asked for
    ├── ProductUnavailableError      409  a product in the cart is no longer sold
    └── CartCurrenciesDifferError    409  the cart's prices are in more than one currency
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared.errors import DomainError, ErrorKind
from shared.events import event
from shared.interfaces import declare_interface, idempotent
from shared.money import Money
from shared.references import ReferencePage

PAYMENT_TOKEN_PATTERN = r"^tok_[A-Za-z0-9_]{1,60}$"
"""What a payment provider's token looks like: 'tok_' and up to 60 letters, digits or underscores."""

# -- DTOs --------------------------------------------------------------------------


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class CancellationReason(enum.StrEnum):
    PAYMENT_DECLINED = "payment_declined"
    """The payment provider refused the payment (a card declined)."""
    PAYMENT_FAILED = "payment_failed"
    """The payment provider could not be reached or failed, also after retries."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLineDTO:
    product_id: UUID
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDTO:
    id: UUID
    customer_id: UUID
    status: OrderStatus
    total: Money
    lines: tuple[OrderLineDTO, ...]
    cancellation_reason: CancellationReason | None
    placed_at: dt.datetime
    updated_at: dt.datetime


# -- Events ------------------------------------------------------------------------


@event("orders.OrderPlaced", version=1, key="order_id")
class OrderPlaced:
    """Stock is reserved and payment is due."""

    order_id: UUID
    customer_id: UUID
    total: Money
    lines: tuple[OrderLineDTO, ...]


@event("orders.CheckoutAbandoned", version=1, key="order_id")
class CheckoutAbandoned:
    """No order `order_id` was recorded, and none ever will be: release what was reserved for it.

    Published in the same transaction that decides so (a refused or failed checkout, or the
    sweep stopping one whose process died), so the release cannot be lost with the request.
    """

    order_id: UUID
    customer_id: UUID


@event("orders.OrderConfirmed", version=1, key="order_id")
class OrderConfirmed:
    """Paid: the reserved stock is sold, the customer's cart no longer holds what was bought."""

    order_id: UUID
    customer_id: UUID
    total: Money
    lines: tuple[OrderLineDTO, ...]


@event("orders.OrderCancelled", version=1, key="order_id")
class OrderCancelled:
    """Not paid: the reserved stock is free again; `detail` says why, for the customer."""

    order_id: UUID
    customer_id: UUID
    reason: CancellationReason
    detail: str


# -- Errors ------------------------------------------------------------------------


class OrdersErrorCode(enum.StrEnum):
    ORDER_NOT_FOUND = "orders.order_not_found"
    PAYMENT_TOKEN_INVALID = "orders.payment_token_invalid"
    CHECKOUT_IN_PROGRESS = "orders.checkout_in_progress"
    CART_ALREADY_ORDERED = "orders.cart_already_ordered"
    CHECKOUT_INTERRUPTED = "orders.checkout_interrupted"
    CART_EMPTY = "orders.cart_empty"
    PRODUCT_OUT_OF_STOCK = "orders.product_out_of_stock"
    PRODUCT_UNAVAILABLE = "orders.product_unavailable"
    CART_CURRENCIES_DIFFER = "orders.cart_currencies_differ"


class OrdersError(DomainError):
    """Base of the orders domain's errors."""


class OrderNotFoundError(OrdersError):
    code = OrdersErrorCode.ORDER_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Order {order_id} does not exist. List your orders at /api/orders/."
    order_id: UUID


class PaymentTokenInvalidError(OrdersError):
    code = OrdersErrorCode.PAYMENT_TOKEN_INVALID
    kind = ErrorKind.INVALID
    message = (
        "{payment_token!r} is not a payment token. Pass the token the payment provider issued for the "
        "customer's payment method, such as 'tok_visa'."
    )
    payment_token: str


class CheckoutInProgressError(OrdersError):
    code = OrdersErrorCode.CHECKOUT_IN_PROGRESS
    kind = ErrorKind.CONFLICT
    message = (
        "Your order {order_id} is still being placed or waiting for its payment, so no other order was placed. "
        "Follow it at /api/orders/{order_id}/ and check out again once it is confirmed or cancelled."
    )
    order_id: UUID


class CartAlreadyOrderedError(OrdersError):
    code = OrdersErrorCode.CART_ALREADY_ORDERED
    kind = ErrorKind.CONFLICT
    message = (
        "Your cart, as it is now, was already ordered as order {order_id}, so no second order was placed. "
        "Follow it at /api/orders/{order_id}/; change the cart to order again."
    )
    order_id: UUID


class CheckoutInterruptedError(OrdersError):
    code = OrdersErrorCode.CHECKOUT_INTERRUPTED
    kind = ErrorKind.CONFLICT
    message = (
        "Checkout {order_id} was stopped before the order was recorded (it took too long), so nothing was "
        "ordered, held or charged. Check out again."
    )
    order_id: UUID


class CartEmptyError(OrdersError):
    code = OrdersErrorCode.CART_EMPTY
    kind = ErrorKind.CONFLICT
    message = "Your cart is empty, so there is nothing to check out. Add products with POST /api/cart/items/ first."
    customer_id: UUID


class ProductOutOfStockError(OrdersError):
    code = OrdersErrorCode.PRODUCT_OUT_OF_STOCK
    kind = ErrorKind.CONFLICT
    message = (
        "The order was not placed: product {product_id} ({sku}) has only {available} in stock and your cart "
        "asks for {requested}. Lower the quantity with PATCH /api/cart/items/{product_id}/ and check out again."
    )
    product_id: UUID
    sku: str
    requested: int
    available: int


class ProductUnavailableError(OrdersError):
    code = OrdersErrorCode.PRODUCT_UNAVAILABLE
    kind = ErrorKind.CONFLICT
    message = (
        "The order was not placed: product {product_id} in your cart is no longer sold. Remove it with "
        "DELETE /api/cart/items/{product_id}/ and check out again."
    )
    product_id: UUID


class CartCurrenciesDifferError(OrdersError):
    code = OrdersErrorCode.CART_CURRENCIES_DIFFER
    kind = ErrorKind.CONFLICT
    message = (
        "The order was not placed: your cart holds prices in {currencies}, and one order is paid in one "
        "currency. Check out the products of each currency separately."
    )
    currencies: tuple[str, ...]


# -- Operations --------------------------------------------------------------------


class OrdersApi(Protocol):
    @idempotent
    def place_order(self, *, customer_id: UUID, payment_token: str) -> OrderDTO:
        """Turn the customer's cart into an order: prices read from the catalog now, stock
        reserved, then payment requested by the saga (`payment_token` names the customer's
        payment method at the provider). Returns the order as it is when the call returns
        (usually pending_payment): the saga moves it on through the bus, and the call never
        waits for it.

        Idempotent per version of the cart: the first call places the order, any other call
        for the same cart version places nothing and raises CartAlreadyOrderedError naming
        it (or CheckoutInProgressError while it is still being placed). A cart whose order
        was cancelled may be ordered again.

        Raises PaymentTokenInvalidError, CartEmptyError, CartAlreadyOrderedError,
        CheckoutInProgressError (one order at a time is placed or waits for its payment),
        ProductUnavailableError, ProductOutOfStockError, CartCurrenciesDifferError,
        CheckoutInterruptedError; on any of them no order is stored and nothing stays
        reserved. Publishes orders.OrderPlaced, or orders.CheckoutAbandoned when stock may
        have been reserved for an order that was not recorded.
        """
        ...

    @idempotent
    def get_order(self, *, order_id: UUID) -> OrderDTO:
        """The order with this id. Raises OrderNotFoundError."""
        ...

    @idempotent
    def get_orders(self, *, order_ids: tuple[UUID, ...]) -> tuple[OrderDTO, ...]:
        """The orders among `order_ids` that exist, in no particular order."""
        ...

    @idempotent
    def abandon_checkouts(self, *, order_ids: tuple[UUID, ...]) -> tuple[UUID, ...]:
        """Make sure none of `order_ids` becomes an order unless it already is one; returns those that
        are not orders and now never will be (a checkout still placing one is stopped, and
        orders.CheckoutAbandoned published for it). For whoever holds stock or anything else for
        an order that may never have been recorded (catalog's expired reservations).
        """
        ...

    @idempotent
    def abandon_stalled_checkouts(self, *, limit: int = 100) -> int:
        """Stop checkouts whose process died, or that ran past ORDERS_CHECKOUT_TIMEOUT_SECONDS,
        before their order was recorded; publishes orders.CheckoutAbandoned for each. Returns
        how many. Run periodically (`manage.py checkout_sweep`, or celery beat).
        """
        ...

    @idempotent
    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        """The ids of other domains' entities orders hold (customers, products)."""
        ...


orders: OrdersApi = declare_interface(
    "orders",
    OrdersApi,
    events=(OrderPlaced, CheckoutAbandoned, OrderConfirmed, OrderCancelled),
    errors=(
        OrderNotFoundError,
        PaymentTokenInvalidError,
        CheckoutInProgressError,
        CartAlreadyOrderedError,
        CheckoutInterruptedError,
        CartEmptyError,
        ProductOutOfStockError,
        ProductUnavailableError,
        CartCurrenciesDifferError,
    ),
)
