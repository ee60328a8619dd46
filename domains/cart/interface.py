"""The cart domain's public face: operations, DTOs, errors. It publishes no events.

A cart holds product ids and quantities only. Prices are the catalog's, read whenever
they are shown and again at checkout, so a cart can never fix a price.

Errors:
    CartError
    ├── CartProductUnavailableError   404  the product does not exist or is no longer sold
    ├── CartItemNotFoundError         404  the product is not in the cart
    ├── CartQuantityInvalidError      400  a quantity below 1 or above MAX_QUANTITY
    ├── CartQuantityLimitError        409  adding would take a line above MAX_QUANTITY
    └── CartFullError                 409  the cart already holds MAX_LINES products
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared.errors import DomainError, ErrorKind
from shared.interfaces import declare_interface, idempotent
from shared.references import ReferencePage

MAX_QUANTITY = 99
"""Most units of one product a cart line may hold: enough for any household, not for a reseller."""
MAX_LINES = 50
"""Most distinct products one cart may hold."""

# -- DTOs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CartLineDTO:
    product_id: UUID
    quantity: int
    added_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CartDTO:
    customer_id: UUID
    lines: tuple[CartLineDTO, ...]
    """In the order the products were first added."""
    version: int
    """Goes up with every change to the cart (and when an order takes out what it bought); 0 for a
    cart never used. Orders places at most one order per version: two submits of the same cart are
    one intent, however they race."""


# -- Errors ------------------------------------------------------------------------


class CartErrorCode(enum.StrEnum):
    PRODUCT_UNAVAILABLE = "cart.product_unavailable"
    ITEM_NOT_FOUND = "cart.item_not_found"
    QUANTITY_INVALID = "cart.quantity_invalid"
    QUANTITY_LIMIT = "cart.quantity_limit"
    CART_FULL = "cart.cart_full"


class CartError(DomainError):
    """Base of the cart domain's errors."""


class CartProductUnavailableError(CartError):
    code = CartErrorCode.PRODUCT_UNAVAILABLE
    kind = ErrorKind.NOT_FOUND
    message = "Product {product_id} is not for sale. Pick a product from /api/catalog/products/."
    product_id: UUID


class CartItemNotFoundError(CartError):
    code = CartErrorCode.ITEM_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Product {product_id} is not in your cart. Add it with POST /api/cart/items/ first."
    product_id: UUID


class CartQuantityInvalidError(CartError):
    code = CartErrorCode.QUANTITY_INVALID
    kind = ErrorKind.INVALID
    message = "{quantity} is not a quantity a cart line can hold. Use a whole number from 1 to {maximum}."
    quantity: int
    maximum: int


class CartQuantityLimitError(CartError):
    code = CartErrorCode.QUANTITY_LIMIT
    kind = ErrorKind.CONFLICT
    message = (
        "Your cart already holds {in_cart} of product {product_id}; adding {adding} would exceed the limit "
        "of {maximum} per product. Add at most {room}."
    )
    product_id: UUID
    in_cart: int
    adding: int
    maximum: int
    room: int


class CartFullError(CartError):
    code = CartErrorCode.CART_FULL
    kind = ErrorKind.CONFLICT
    message = "Your cart already holds {maximum} different products. Check out or remove some before adding more."
    maximum: int


# -- Operations --------------------------------------------------------------------


class CartApi(Protocol):
    @idempotent
    def get_cart(self, *, customer_id: UUID) -> CartDTO:
        """The customer's cart; empty (no lines) when they never added anything."""
        ...

    def add_item(self, *, customer_id: UUID, product_id: UUID, quantity: int) -> CartDTO:
        """Add `quantity` units (1 to MAX_QUANTITY) of an active product, on top of those in the cart.

        Raises CartQuantityInvalidError, CartProductUnavailableError, CartQuantityLimitError,
        CartFullError. Not idempotent: adding twice adds twice.
        """
        ...

    @idempotent
    def set_quantity(self, *, customer_id: UUID, product_id: UUID, quantity: int) -> CartDTO:
        """Set the units of a product already in the cart (1 to MAX_QUANTITY).

        Raises CartQuantityInvalidError, CartItemNotFoundError.
        """
        ...

    @idempotent
    def remove_item(self, *, customer_id: UUID, product_id: UUID) -> CartDTO:
        """Take a product out of the cart. Raises CartItemNotFoundError."""
        ...

    @idempotent
    def clear(self, *, customer_id: UUID) -> CartDTO:
        """Empty the cart."""
        ...

    @idempotent
    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        """The ids of other domains' entities carts hold (customers, products)."""
        ...


cart: CartApi = declare_interface(
    "cart",
    CartApi,
    errors=(
        CartProductUnavailableError,
        CartItemNotFoundError,
        CartQuantityInvalidError,
        CartQuantityLimitError,
        CartFullError,
    ),
)
