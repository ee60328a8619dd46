"""The catalog domain's public face: operations, DTOs, events, errors."""

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

# -- DTOs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductDTO:
    id: UUID
    sku: str
    name: str
    description: str
    price: Money
    is_active: bool
    created_at: dt.datetime


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
    SKU_ALREADY_EXISTS = "catalog.sku_already_exists"
    PRODUCT_INVALID = "catalog.product_invalid"


class CatalogError(DomainError):
    """Base of the catalog domain's errors."""


class ProductNotFoundError(CatalogError):
    code = CatalogErrorCode.PRODUCT_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Product {product_id} does not exist. List products at /api/catalog/products/."
    product_id: UUID


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


# -- Operations --------------------------------------------------------------------


class CatalogApi(Protocol):
    def create_product(self, *, sku: str, name: str, description: str, price: Money) -> ProductDTO:
        """Add a product to the catalog.

        Raises ProductInvalidError, SkuAlreadyExistsError. Publishes catalog.ProductCreated.
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
    def get_product(self, *, product_id: UUID) -> ProductDTO:
        """The product with this id, active or not. Raises ProductNotFoundError."""
        ...

    @idempotent
    def get_products(self, *, product_ids: tuple[UUID, ...]) -> tuple[ProductDTO, ...]:
        """The products among `product_ids` that exist, in no particular order."""
        ...


catalog: CatalogApi = declare_interface(
    "catalog",
    CatalogApi,
    events=(ProductCreated, ProductPriceChanged),
    errors=(ProductNotFoundError, SkuAlreadyExistsError, ProductInvalidError),
)
