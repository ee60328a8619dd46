"""The cart's contract, through its interface alone: local, over the wire, and served by another process."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domains.cart.interface import (
    MAX_QUANTITY,
    CartDTO,
    CartItemNotFoundError,
    CartProductUnavailableError,
    CartQuantityInvalidError,
    CartQuantityLimitError,
    cart,
)
from domains.catalog.interface import ProductDTO, catalog
from shared.money import Money
from tests.interfaces.conftest import Serve


@pytest.fixture(autouse=True)
def _served(serve: Serve) -> None:
    serve(cart)


def on_sale() -> ProductDTO:
    product = catalog.create_product(
        sku=f"K-{uuid.uuid4().hex[:10]}",
        name="Matcha",
        description="",
        price=Money(amount=Decimal("12.00"), currency="EUR"),
    )
    return catalog.set_stock(product_id=product.id, on_hand=50)


def quantities(of: CartDTO) -> list[tuple[uuid.UUID, int]]:
    return [(line.product_id, line.quantity) for line in of.lines]


def test_a_new_customers_cart_is_empty() -> None:
    customer = uuid.uuid4()

    assert cart.get_cart(customer_id=customer) == CartDTO(customer_id=customer, lines=(), version=0)


def test_adding_adds_up_in_the_order_first_added_and_every_change_moves_the_version() -> None:
    customer, tea, mug = uuid.uuid4(), on_sale(), on_sale()

    first = cart.add_item(customer_id=customer, product_id=tea.id, quantity=2)
    second = cart.add_item(customer_id=customer, product_id=mug.id, quantity=1)
    third = cart.add_item(customer_id=customer, product_id=tea.id, quantity=3)

    assert quantities(third) == [(tea.id, 5), (mug.id, 1)]
    assert first.version < second.version < third.version
    assert cart.get_cart(customer_id=customer) == third


def test_adding_refuses_bad_quantities_products_not_for_sale_and_lines_over_the_limit() -> None:
    customer, tea = uuid.uuid4(), on_sale()
    missing = uuid.uuid4()
    cart.add_item(customer_id=customer, product_id=tea.id, quantity=MAX_QUANTITY - 1)
    before = cart.get_cart(customer_id=customer)

    with pytest.raises(CartQuantityInvalidError) as zero:
        cart.add_item(customer_id=customer, product_id=tea.id, quantity=0)
    with pytest.raises(CartProductUnavailableError) as unknown:
        cart.add_item(customer_id=customer, product_id=missing, quantity=1)
    with pytest.raises(CartQuantityLimitError) as over:
        cart.add_item(customer_id=customer, product_id=tea.id, quantity=2)

    assert zero.value == CartQuantityInvalidError(quantity=0, maximum=MAX_QUANTITY)
    assert unknown.value == CartProductUnavailableError(product_id=missing)
    assert over.value == CartQuantityLimitError(
        product_id=tea.id, in_cart=MAX_QUANTITY - 1, adding=2, maximum=MAX_QUANTITY, room=1
    )
    assert cart.get_cart(customer_id=customer) == before


def test_a_quantity_is_set_a_line_removed_and_removing_again_is_an_error() -> None:
    customer, tea, mug = uuid.uuid4(), on_sale(), on_sale()
    cart.add_item(customer_id=customer, product_id=tea.id, quantity=1)
    cart.add_item(customer_id=customer, product_id=mug.id, quantity=1)

    assert quantities(cart.set_quantity(customer_id=customer, product_id=tea.id, quantity=7)) == [
        (tea.id, 7),
        (mug.id, 1),
    ]
    assert quantities(cart.remove_item(customer_id=customer, product_id=mug.id)) == [(tea.id, 7)]
    with pytest.raises(CartItemNotFoundError) as again:
        cart.remove_item(customer_id=customer, product_id=mug.id)
    with pytest.raises(CartItemNotFoundError):
        cart.set_quantity(customer_id=customer, product_id=mug.id, quantity=2)

    assert again.value == CartItemNotFoundError(product_id=mug.id)
    assert quantities(cart.get_cart(customer_id=customer)) == [(tea.id, 7)]


def test_clearing_empties_the_cart() -> None:
    customer, tea = uuid.uuid4(), on_sale()
    cart.add_item(customer_id=customer, product_id=tea.id, quantity=1)

    cleared = cart.clear(customer_id=customer)

    assert cleared.lines == ()
    assert cart.get_cart(customer_id=customer) == cleared


def test_references_name_the_customers_and_products_in_carts() -> None:
    customer, tea = uuid.uuid4(), on_sale()
    cart.add_item(customer_id=customer, product_id=tea.id, quantity=1)

    page = cart.references(limit=500)

    assert {(r.target, r.target_id) for r in page.references} >= {
        ("identity.user", customer),
        ("catalog.product", tea.id),
    }
