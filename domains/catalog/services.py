"""Catalog use cases: the implementation bound to `domains.catalog.interface.catalog`."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from domains.catalog import selectors
from domains.catalog.interface import (
    ProductCreated,
    ProductDTO,
    ProductInvalidError,
    ProductNotFoundError,
    ProductPriceChanged,
    SkuAlreadyExistsError,
)
from domains.catalog.models import Product
from shared.bus.runtime import publish
from shared.money import Money


def _validated(product: Product) -> Product:
    try:
        product.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise ProductInvalidError(field_errors={f: tuple(m) for f, m in exc.message_dict.items()}) from None
    return product


def create_product(*, sku: str, name: str, description: str, price: Money) -> ProductDTO:
    product = _validated(
        Product(
            sku=sku.strip(),
            name=name.strip(),
            description=description,
            price_amount=price.amount,
            price_currency=price.currency,
        )
    )
    try:
        with transaction.atomic():
            product.save(force_insert=True)
            publish(ProductCreated(product_id=product.id, sku=product.sku, name=product.name, price=product.price))
    except IntegrityError:
        if Product.objects.filter(sku=product.sku).exists():
            raise SkuAlreadyExistsError(sku=product.sku) from None
        raise
    return selectors.product_dto(product)


def change_price(*, product_id: UUID, price: Money) -> ProductDTO:
    with transaction.atomic():
        try:
            product = Product.objects.select_for_update().get(id=product_id)
        except Product.DoesNotExist:
            raise ProductNotFoundError(product_id=product_id) from None
        old_price = product.price
        if old_price != price:
            product.price_amount, product.price_currency = price.amount, price.currency
            _validated(product).save(update_fields=["price_amount", "price_currency", "updated_at"])
            publish(ProductPriceChanged(product_id=product.id, old_price=old_price, new_price=product.price))
    return selectors.product_dto(product)


class CatalogService:
    """Binds the catalog use cases and reads to the CatalogApi protocol."""

    def create_product(self, *, sku: str, name: str, description: str, price: Money) -> ProductDTO:
        return create_product(sku=sku, name=name, description=description, price=price)

    def change_price(self, *, product_id: UUID, price: Money) -> ProductDTO:
        return change_price(product_id=product_id, price=price)

    def get_product(self, *, product_id: UUID) -> ProductDTO:
        return selectors.get_product(product_id=product_id)

    def get_products(self, *, product_ids: tuple[UUID, ...]) -> tuple[ProductDTO, ...]:
        return selectors.get_products(product_ids=product_ids)
