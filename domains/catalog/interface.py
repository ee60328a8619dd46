"""The catalog domain's public face: operations, DTOs, events, errors.

Errors:
    CatalogError
    ├── ProductNotFoundError        404  no product with that id
    ├── CategoryNotFoundError       404  no category with that id
    ├── SkuAlreadyExistsError       409  SKUs are unique
    ├── ProductInvalidError         400  a field of the product is out of range
    ├── ProductNotForSaleError      409  the product is deactivated; it cannot be reserved
    ├── InsufficientStockError      409  fewer units available than requested
    ├── StockBelowReservedError     409  on-hand stock cannot drop under what is reserved
    └── ReservationInvalidError     400  a reservation asks for nothing, or for silly quantities
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

MAX_STOCK = 1_000_000
"""Most units of one product the shop may hold; also the most one reservation line may ask for."""
MAX_RESERVATION_LINES = 100

# -- DTOs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryDTO:
    id: UUID
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductDTO:
    id: UUID
    sku: str
    name: str
    description: str
    price: Money
    is_active: bool
    category: CategoryDTO | None
    available: int
    """Units on hand that no reservation holds: what can be sold right now."""
    created_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StockLineDTO:
    product_id: UUID
    quantity: int


class ReservationStatus(enum.StrEnum):
    ACTIVE = "active"
    """Units are held for the order; nobody else can buy them (until `expires_at`, if the order is not recorded)."""
    COMMITTED = "committed"
    """The order was confirmed: the units left the stock for good."""
    RELEASED = "released"
    """The order was cancelled: the units are available again."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservationDTO:
    order_id: UUID
    status: ReservationStatus
    lines: tuple[StockLineDTO, ...]
    expires_at: dt.datetime | None
    """When an active reservation lapses unless its order was recorded by then; None once it was."""


# -- Events ------------------------------------------------------------------------


@event("catalog.ProductCreated", version=1, key="product_id")
class ProductCreated:
    product_id: UUID
    sku: str
    name: str
    price: Money


@event("catalog.ProductPriceChanged", version=1, key="product_id")
class ProductPriceChanged:
    product_id: UUID
    old_price: Money
    new_price: Money


# -- Errors ------------------------------------------------------------------------


class CatalogErrorCode(enum.StrEnum):
    PRODUCT_NOT_FOUND = "catalog.product_not_found"
    CATEGORY_NOT_FOUND = "catalog.category_not_found"
    SKU_ALREADY_EXISTS = "catalog.sku_already_exists"
    PRODUCT_INVALID = "catalog.product_invalid"
    PRODUCT_NOT_FOR_SALE = "catalog.product_not_for_sale"
    INSUFFICIENT_STOCK = "catalog.insufficient_stock"
    STOCK_BELOW_RESERVED = "catalog.stock_below_reserved"
    RESERVATION_INVALID = "catalog.reservation_invalid"


class CatalogError(DomainError):
    """Base of the catalog domain's errors."""


class ProductNotFoundError(CatalogError):
    code = CatalogErrorCode.PRODUCT_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Product {product_id} does not exist. List products at /api/catalog/products/."
    product_id: UUID


class CategoryNotFoundError(CatalogError):
    code = CatalogErrorCode.CATEGORY_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Category {category_id} does not exist. List categories at /api/catalog/categories/."
    category_id: UUID


class SkuAlreadyExistsError(CatalogError):
    code = CatalogErrorCode.SKU_ALREADY_EXISTS
    kind = ErrorKind.CONFLICT
    message = "A product with SKU {sku!r} already exists. SKUs are unique; choose another."
    sku: str


class ProductInvalidError(CatalogError):
    code = CatalogErrorCode.PRODUCT_INVALID
    kind = ErrorKind.INVALID
    message = "The product data is invalid: {field_errors}. Correct these fields and retry."
    field_errors: dict[str, tuple[str, ...]]


class ProductNotForSaleError(CatalogError):
    code = CatalogErrorCode.PRODUCT_NOT_FOR_SALE
    kind = ErrorKind.CONFLICT
    message = "Product {product_id} ({sku}) is no longer sold. Remove it from the order and try again."
    product_id: UUID
    sku: str


class InsufficientStockError(CatalogError):
    code = CatalogErrorCode.INSUFFICIENT_STOCK
    kind = ErrorKind.CONFLICT
    message = (
        "Only {available} of product {product_id} ({sku}) are in stock, {requested} were requested. "
        "Ask for at most {available}."
    )
    product_id: UUID
    sku: str
    requested: int
    available: int


class StockBelowReservedError(CatalogError):
    code = CatalogErrorCode.STOCK_BELOW_RESERVED
    kind = ErrorKind.CONFLICT
    message = (
        "Cannot set the stock of product {product_id} to {on_hand}: {reserved} units are reserved for open "
        "orders. Set it to at least {reserved}, or wait until those orders are confirmed or cancelled."
    )
    product_id: UUID
    on_hand: int
    reserved: int


class ReservationInvalidError(CatalogError):
    code = CatalogErrorCode.RESERVATION_INVALID
    kind = ErrorKind.INVALID
    message = (
        "Cannot reserve stock for order {order_id}: {reason}. Reserve between 1 and "
        f"{MAX_RESERVATION_LINES} distinct products, each 1 to {MAX_STOCK} units."
    )
    order_id: UUID
    reason: str


# -- Operations --------------------------------------------------------------------


class CatalogApi(Protocol):
    def create_product(
        self, *, sku: str, name: str, description: str, price: Money, category_id: UUID | None = None
    ) -> ProductDTO:
        """Add a product to the catalog, with no stock yet.

        Raises ProductInvalidError, SkuAlreadyExistsError, CategoryNotFoundError.
        Publishes catalog.ProductCreated.
        """
        ...

    @idempotent
    def change_price(self, *, product_id: UUID, price: Money) -> ProductDTO:
        """Set a product's price. Publishes catalog.ProductPriceChanged when it changes.

        Raises ProductNotFoundError, ProductInvalidError. Idempotent: the same price twice
        changes nothing the second time.
        """
        ...

    @idempotent
    def discontinue_product(self, *, product_id: UUID) -> ProductDTO:
        """Stop selling a product: it leaves the listings and cannot be reserved; orders that
        hold it keep their reservations. Raises ProductNotFoundError. Idempotent.
        """
        ...

    @idempotent
    def set_stock(self, *, product_id: UUID, on_hand: int) -> ProductDTO:
        """Set how many units of a product are on hand (after a stock count or a delivery).

        Raises ProductNotFoundError, ProductInvalidError (negative or above MAX_STOCK),
        StockBelowReservedError.
        """
        ...

    @idempotent
    def get_product(self, *, product_id: UUID) -> ProductDTO:
        """The product with this id, active or not. Raises ProductNotFoundError."""
        ...

    @idempotent
    def get_products(self, *, product_ids: tuple[UUID, ...]) -> tuple[ProductDTO, ...]:
        """The products among `product_ids` that exist, active or not, in no particular order."""
        ...

    @idempotent
    def reserve_stock(self, *, order_id: UUID, lines: tuple[StockLineDTO, ...]) -> ReservationDTO:
        """Hold stock for an order: all lines or none. The units stay unavailable to others
        until the order is confirmed (catalog commits them) or cancelled (catalog releases
        them); if the order is not recorded (orders.OrderPlaced) within
        CATALOG_RESERVATION_TTL_SECONDS, the checkout sweep releases them (`expires_at`).

        Raises ReservationInvalidError, ProductNotFoundError, ProductNotForSaleError,
        InsufficientStockError (naming the first product short of stock). Idempotent per
        order: a second call returns the existing reservation whatever its lines and status
        (a released one stays released: the caller must not count on its stock).
        """
        ...

    @idempotent
    def release_reservation(self, *, order_id: UUID) -> ReservationDTO | None:
        """Give an active reservation's units back; None when the order reserved nothing.

        Idempotent: releasing twice, or releasing a committed reservation, changes nothing.
        Releasing an order that has not reserved yet makes sure it never will: a later
        reserve_stock for it returns the released reservation and holds nothing.
        """
        ...

    @idempotent
    def keep_reservation(self, *, order_id: UUID) -> ReservationDTO | None:
        """The order was recorded: hold its active reservation until it is confirmed or cancelled
        (no expiry any more). None when the order reserved nothing; a finished reservation is
        returned unchanged.
        """
        ...

    @idempotent
    def expired_reservations(self, *, limit: int = 100) -> tuple[ReservationDTO, ...]:
        """Active reservations past their `expires_at`, oldest first: their orders were not recorded in time."""
        ...

    @idempotent
    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        """The ids of other domains' entities the catalog holds (reservations name orders)."""
        ...


catalog: CatalogApi = declare_interface(
    "catalog",
    CatalogApi,
    events=(ProductCreated, ProductPriceChanged),
    errors=(
        ProductNotFoundError,
        CategoryNotFoundError,
        SkuAlreadyExistsError,
        ProductInvalidError,
        ProductNotForSaleError,
        InsufficientStockError,
        StockBelowReservedError,
        ReservationInvalidError,
    ),
)
