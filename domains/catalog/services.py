"""Catalog use cases: the implementation bound to `domains.catalog.interface.catalog`.

Products and categories live here; stock and reservations in `inventory`.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from domains.catalog import inventory, references, selectors
from domains.catalog.interface import (
    CategoryDTO,
    CategoryNotFoundError,
    ProductCreated,
    ProductDTO,
    ProductInvalidError,
    ProductNotFoundError,
    ProductPriceChanged,
    ReservationDTO,
    SkuAlreadyExistsError,
    StockLineDTO,
)
from domains.catalog.models import Category, Product, StockLevel
from shared.bus.runtime import publish
from shared.db import atomic
from shared.money import Money
from shared.references import ReferencePage


def _validated(product: Product) -> Product:
    try:
        product.full_clean(validate_unique=False, exclude=["category"])
    except ValidationError as exc:
        raise ProductInvalidError(field_errors={f: tuple(m) for f, m in exc.message_dict.items()}) from None
    return product


def create_category(*, slug: str, name: str, description: str = "") -> CategoryDTO:
    """Add a category (staff, admin and demo data). Not in the interface: no other domain needs it."""
    category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    return selectors.category_dto(category)


def create_product(
    *, sku: str, name: str, description: str, price: Money, category_id: UUID | None = None, on_hand: int = 0
) -> ProductDTO:
    """Add a product with `on_hand` units in stock (the interface's callers start at none)."""
    inventory.check_on_hand(on_hand)
    if category_id is not None and not Category.objects.filter(id=category_id).exists():
        raise CategoryNotFoundError(category_id=category_id)
    product = _validated(
        Product(
            sku=sku.strip(),
            name=name.strip(),
            description=description,
            category_id=category_id,
            price_amount=price.amount,
            price_currency=price.currency,
        )
    )
    try:
        with atomic("catalog"):
            product.save(force_insert=True)
            StockLevel.objects.create(product=product, on_hand=on_hand)
            publish(ProductCreated(product_id=product.id, sku=product.sku, name=product.name, price=product.price))
    except IntegrityError:
        if Product.objects.filter(sku=product.sku).exists():
            raise SkuAlreadyExistsError(sku=product.sku) from None
        raise
    return selectors.get_product(product_id=product.id)


def change_price(*, product_id: UUID, price: Money) -> ProductDTO:
    with atomic("catalog"):
        try:
            product = Product.objects.select_for_update().get(id=product_id)
        except Product.DoesNotExist:
            raise ProductNotFoundError(product_id=product_id) from None
        old_price = product.price
        if old_price != price:
            product.price_amount, product.price_currency = price.amount, price.currency
            _validated(product).save(update_fields=["price_amount", "price_currency", "updated_at"])
            publish(ProductPriceChanged(product_id=product.id, old_price=old_price, new_price=product.price))
    return selectors.get_product(product_id=product_id)


def discontinue_product(*, product_id: UUID) -> ProductDTO:
    if not Product.objects.filter(id=product_id).update(is_active=False, updated_at=timezone.now()):
        raise ProductNotFoundError(product_id=product_id)
    return selectors.get_product(product_id=product_id)


class CatalogService:
    """Binds the catalog use cases and reads to the CatalogApi protocol."""

    def create_product(
        self, *, sku: str, name: str, description: str, price: Money, category_id: UUID | None = None
    ) -> ProductDTO:
        return create_product(sku=sku, name=name, description=description, price=price, category_id=category_id)

    def change_price(self, *, product_id: UUID, price: Money) -> ProductDTO:
        return change_price(product_id=product_id, price=price)

    def discontinue_product(self, *, product_id: UUID) -> ProductDTO:
        return discontinue_product(product_id=product_id)

    def set_stock(self, *, product_id: UUID, on_hand: int) -> ProductDTO:
        return inventory.set_stock(product_id=product_id, on_hand=on_hand)

    def get_product(self, *, product_id: UUID) -> ProductDTO:
        return selectors.get_product(product_id=product_id)

    def get_products(self, *, product_ids: tuple[UUID, ...]) -> tuple[ProductDTO, ...]:
        return selectors.get_products(product_ids=product_ids)

    def reserve_stock(self, *, order_id: UUID, lines: tuple[StockLineDTO, ...]) -> ReservationDTO:
        return inventory.reserve_stock(order_id=order_id, lines=lines)

    def release_reservation(self, *, order_id: UUID) -> ReservationDTO | None:
        return inventory.release_reservation(order_id=order_id)

    def keep_reservation(self, *, order_id: UUID) -> ReservationDTO | None:
        return inventory.keep_reservation(order_id=order_id)

    def expired_reservations(self, *, limit: int = 100) -> tuple[ReservationDTO, ...]:
        return inventory.expired_reservations(limit=limit)

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        return references.page(after=after, limit=limit)
