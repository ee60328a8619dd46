"""Catalog reads, returning DTOs (or querysets to the catalog's own HTTP layer)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import F, Q, QuerySet

from domains.catalog.interface import (
    CategoryDTO,
    ProductDTO,
    ProductNotFoundError,
    ReservationDTO,
    ReservationStatus,
    StockLineDTO,
)
from domains.catalog.models import Category, Product, Reservation, StockLevel


def category_dto(category: Category) -> CategoryDTO:
    return CategoryDTO(id=category.id, slug=category.slug, name=category.name, description=category.description)


def product_dto(product: Product) -> ProductDTO:
    """The DTO of a product fetched with `products()` (its stock is joined, not queried again)."""
    stock = _stock_of(product)
    return ProductDTO(
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=product.price,
        is_active=product.is_active,
        category=category_dto(product.category) if product.category is not None else None,
        available=stock.available if stock is not None else 0,
        created_at=product.created_at,
    )


def _stock_of(product: Product) -> StockLevel | None:
    try:
        return product.stock
    except StockLevel.DoesNotExist:
        return None


def reservation_dto(reservation: Reservation) -> ReservationDTO:
    return ReservationDTO(
        order_id=reservation.order_id,
        status=ReservationStatus(reservation.status),
        lines=tuple(
            StockLineDTO(product_id=line.product_id, quantity=line.quantity) for line in reservation.lines.all()
        ),
        expires_at=reservation.expires_at,
    )


def products() -> QuerySet[Product]:
    """Products with their category and stock joined, which every DTO and listing needs."""
    return Product.objects.select_related("category", "stock")


def get_product(*, product_id: UUID) -> ProductDTO:
    try:
        return product_dto(products().get(id=product_id))
    except Product.DoesNotExist:
        raise ProductNotFoundError(product_id=product_id) from None


def get_products(*, product_ids: tuple[UUID, ...]) -> tuple[ProductDTO, ...]:
    return tuple(product_dto(p) for p in products().filter(id__in=product_ids))


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("name", "id")


class ProductOrdering(enum.StrEnum):
    NAME = "name"
    PRICE = "price"
    PRICE_DESCENDING = "-price"
    NEWEST = "-created_at"


ORDER_BY = {
    ProductOrdering.NAME: ("name", "id"),
    ProductOrdering.PRICE: ("price_amount", "name", "id"),
    ProductOrdering.PRICE_DESCENDING: ("-price_amount", "name", "id"),
    ProductOrdering.NEWEST: ("-created_at", "id"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductQuery:
    """What a shopper filters the catalog by; every field optional."""

    search: str = ""
    category: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    ordering: ProductOrdering = ProductOrdering.NAME


def active_products(*, query: ProductQuery = ProductQuery()) -> QuerySet[Product]:
    """Active products for browsing, filtered by `query`.

    Search matches every word of `query.search` (in any order) against the name, SKU,
    description or category name, so "green tea" finds "Sencha, Japanese green tea".
    """
    found = products().filter(is_active=True)
    for word in query.search.split():
        found = found.filter(
            Q(name__icontains=word)
            | Q(sku__iexact=word)
            | Q(description__icontains=word)
            | Q(category__name__icontains=word)
        )
    if query.category:
        found = found.filter(category__slug=query.category)
    if query.min_price is not None:
        found = found.filter(price_amount__gte=query.min_price)
    if query.max_price is not None:
        found = found.filter(price_amount__lte=query.max_price)
    if query.in_stock:
        found = found.filter(stock__on_hand__gt=F("stock__reserved"))
    return found.order_by(*ORDER_BY[query.ordering])


def get_reservation(*, order_id: UUID) -> ReservationDTO | None:
    reservation = Reservation.objects.prefetch_related("lines").filter(order_id=order_id).first()
    return reservation_dto(reservation) if reservation is not None else None
