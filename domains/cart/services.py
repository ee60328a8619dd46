"""Cart use cases: the implementation bound to `domains.cart.interface.cart`.

Every write locks the customer's cart row first, so two tabs adding at once cannot
push a line past MAX_QUANTITY or the cart past MAX_LINES, and counts up the cart's
version (`_changed`): checkout orders each version at most once.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domains.cart import references, selectors
from domains.cart.interface import (
    MAX_LINES,
    MAX_QUANTITY,
    CartDTO,
    CartFullError,
    CartItemNotFoundError,
    CartProductUnavailableError,
    CartQuantityInvalidError,
    CartQuantityLimitError,
)
from domains.cart.models import Cart, CartItem
from domains.catalog.interface import ProductNotFoundError, catalog
from shared.db import atomic
from shared.references import ReferencePage


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise CartQuantityInvalidError(quantity=quantity, maximum=MAX_QUANTITY)


def _locked_cart(customer_id: UUID) -> Cart:
    """The customer's cart, created on first use, locked until the transaction ends."""
    Cart.objects.get_or_create(customer_id=customer_id)
    return Cart.objects.select_for_update().get(customer_id=customer_id)


def _changed(cart: Cart) -> None:
    """Record a change to a locked cart: a new version, so a checkout of the old one is a different intent."""
    cart.version += 1
    cart.save(update_fields=["version", "updated_at"])


def _check_for_sale(product_id: UUID) -> None:
    try:
        product = catalog.get_product(product_id=product_id)
    except ProductNotFoundError:
        raise CartProductUnavailableError(product_id=product_id) from None
    if not product.is_active:
        raise CartProductUnavailableError(product_id=product_id)


def add_item(*, customer_id: UUID, product_id: UUID, quantity: int) -> CartDTO:
    _check_quantity(quantity)
    _check_for_sale(product_id)  # before the transaction: no lock is held while the catalog answers
    with atomic("cart"):
        cart = _locked_cart(customer_id)
        item = cart.items.filter(product_id=product_id).first()
        if item is None:
            if cart.items.count() >= MAX_LINES:
                raise CartFullError(maximum=MAX_LINES)
            CartItem.objects.create(cart=cart, product_id=product_id, quantity=quantity)
        else:
            if item.quantity + quantity > MAX_QUANTITY:
                raise CartQuantityLimitError(
                    product_id=product_id,
                    in_cart=item.quantity,
                    adding=quantity,
                    maximum=MAX_QUANTITY,
                    room=MAX_QUANTITY - item.quantity,
                )
            item.quantity += quantity
            item.save(update_fields=["quantity"])
        _changed(cart)
    return selectors.get_cart(customer_id=customer_id)


def set_quantity(*, customer_id: UUID, product_id: UUID, quantity: int) -> CartDTO:
    _check_quantity(quantity)
    with atomic("cart"):
        cart = _locked_cart(customer_id)
        if not cart.items.filter(product_id=product_id).update(quantity=quantity):
            raise CartItemNotFoundError(product_id=product_id)
        _changed(cart)
    return selectors.get_cart(customer_id=customer_id)


def remove_item(*, customer_id: UUID, product_id: UUID) -> CartDTO:
    with atomic("cart"):
        cart = _locked_cart(customer_id)
        deleted, _ = cart.items.filter(product_id=product_id).delete()
        if not deleted:
            raise CartItemNotFoundError(product_id=product_id)
        _changed(cart)
    return selectors.get_cart(customer_id=customer_id)


def clear(*, customer_id: UUID) -> CartDTO:
    with atomic("cart"):
        cart = _locked_cart(customer_id)
        cart.items.all().delete()
        _changed(cart)
    return selectors.get_cart(customer_id=customer_id)


def take_out(*, customer_id: UUID, bought: Iterable[tuple[UUID, int]]) -> None:
    """Take bought units out of the cart: a line bought in full goes, one topped up since keeps the rest."""
    with atomic("cart"):
        cart = Cart.objects.select_for_update().filter(customer_id=customer_id).first()
        if cart is None:
            return
        units: dict[UUID, int] = {}
        for product_id, quantity in bought:
            units[product_id] = units.get(product_id, 0) + quantity
        gone, kept = [], []
        for item in cart.items.filter(product_id__in=units):  # one read, one delete, one update at most
            if item.quantity <= units[item.product_id]:
                gone.append(item.id)
            else:
                item.quantity -= units[item.product_id]
                kept.append(item)
        if gone:
            CartItem.objects.filter(id__in=gone).delete()
        if kept:
            CartItem.objects.bulk_update(kept, ["quantity"])
        _changed(cart)


class CartService:
    """Binds the cart use cases and reads to the CartApi protocol."""

    def get_cart(self, *, customer_id: UUID) -> CartDTO:
        return selectors.get_cart(customer_id=customer_id)

    def add_item(self, *, customer_id: UUID, product_id: UUID, quantity: int) -> CartDTO:
        return add_item(customer_id=customer_id, product_id=product_id, quantity=quantity)

    def set_quantity(self, *, customer_id: UUID, product_id: UUID, quantity: int) -> CartDTO:
        return set_quantity(customer_id=customer_id, product_id=product_id, quantity=quantity)

    def remove_item(self, *, customer_id: UUID, product_id: UUID) -> CartDTO:
        return remove_item(customer_id=customer_id, product_id=product_id)

    def clear(self, *, customer_id: UUID) -> CartDTO:
        return clear(customer_id=customer_id)

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        return references.page(after=after, limit=limit)
