"""Catalog reads, returning DTOs."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from domains.catalog.interface import ProductDTO, ProductNotFoundError
from domains.catalog.models import Product


def product_dto(product: Product) -> ProductDTO:
    return ProductDTO(
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=product.price,
        is_active=product.is_active,
        created_at=product.created_at,
    )


def get_product(*, product_id: UUID) -> ProductDTO:
    try:
        return product_dto(Product.objects.get(id=product_id))
    except Product.DoesNotExist:
        raise ProductNotFoundError(product_id=product_id) from None


def get_products(*, product_ids: tuple[UUID, ...]) -> tuple[ProductDTO, ...]:
    return tuple(product_dto(p) for p in Product.objects.filter(id__in=product_ids))


def active_products(*, search: str = "") -> QuerySet[Product]:
    """Active products for browsing, optionally matching `search` in name, SKU or description."""
    products = Product.objects.filter(is_active=True)
    if search:
        products = products.filter(Q(name__icontains=search) | Q(sku__iexact=search) | Q(description__icontains=search))
    return products.order_by("name", "id")
