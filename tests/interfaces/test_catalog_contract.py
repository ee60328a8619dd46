"""The catalog's contract, through its interface alone: local, over the wire, and served by another process."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domains.catalog.interface import (
    MAX_STOCK,
    CategoryNotFoundError,
    InsufficientStockError,
    ProductDTO,
    ProductInvalidError,
    ProductNotForSaleError,
    ProductNotFoundError,
    ReservationInvalidError,
    ReservationStatus,
    SkuAlreadyExistsError,
    StockBelowReservedError,
    StockLineDTO,
    catalog,
)
from shared.money import Money
from tests.interfaces.conftest import Serve


@pytest.fixture(autouse=True)
def _served(serve: Serve) -> None:
    serve(catalog)


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def new_product(*, on_hand: int = 0, sku: str = "") -> ProductDTO:
    product = catalog.create_product(
        sku=sku or f"C-{uuid.uuid4().hex[:10]}", name="Sencha", description="Green tea", price=eur("4.50")
    )
    return catalog.set_stock(product_id=product.id, on_hand=on_hand) if on_hand else product


def test_a_created_product_is_read_back_as_it_was_created() -> None:
    sku = f"C-{uuid.uuid4().hex[:10]}"

    created = catalog.create_product(sku=f"  {sku} ", name=" Sencha ", description="Green tea", price=eur("4.50"))

    assert (created.sku, created.name, created.description, created.price) == (sku, "Sencha", "Green tea", eur("4.50"))
    assert (created.is_active, created.category, created.available) == (True, None, 0)
    assert catalog.get_product(product_id=created.id) == created
    assert catalog.get_products(product_ids=(created.id, uuid.uuid4())) == (created,)


def test_creating_refuses_a_taken_sku_an_unknown_category_and_invalid_fields() -> None:
    taken = new_product()
    category_id = uuid.uuid4()

    with pytest.raises(SkuAlreadyExistsError) as sku_taken:
        catalog.create_product(sku=taken.sku, name="Other", description="", price=eur("1.00"))
    with pytest.raises(CategoryNotFoundError) as no_category:
        catalog.create_product(sku="C-X", name="x", description="", price=eur("1.00"), category_id=category_id)
    with pytest.raises(ProductInvalidError) as invalid:
        catalog.create_product(sku="C-Y", name="", description="", price=eur("-1.00"))

    assert sku_taken.value == SkuAlreadyExistsError(sku=taken.sku)
    assert no_category.value == CategoryNotFoundError(category_id=category_id)
    assert sorted(invalid.value.params["field_errors"]) == ["__all__", "name"]  # the price: a table constraint
    assert catalog.get_products(product_ids=(taken.id,)) == (taken,)


def test_a_price_change_is_read_back_and_an_unknown_product_is_not_found() -> None:
    product = new_product()
    missing = uuid.uuid4()

    changed = catalog.change_price(product_id=product.id, price=eur("5.25"))
    unchanged = catalog.change_price(product_id=product.id, price=eur("5.25"))

    assert changed.price == unchanged.price == eur("5.25")
    assert catalog.get_product(product_id=product.id).price == eur("5.25")
    with pytest.raises(ProductNotFoundError) as raised:
        catalog.change_price(product_id=missing, price=eur("1.00"))
    assert raised.value == ProductNotFoundError(product_id=missing)


def test_stock_is_set_within_its_range_and_never_below_what_is_reserved() -> None:
    product = new_product(on_hand=5)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=product.id, quantity=4),))

    with pytest.raises(StockBelowReservedError) as below:
        catalog.set_stock(product_id=product.id, on_hand=3)
    with pytest.raises(ProductInvalidError):
        catalog.set_stock(product_id=product.id, on_hand=MAX_STOCK + 1)

    assert below.value == StockBelowReservedError(product_id=product.id, on_hand=3, reserved=4)
    assert catalog.set_stock(product_id=product.id, on_hand=6).available == 2


def test_a_reservation_holds_all_lines_or_none_and_releasing_gives_them_back() -> None:
    tea, mug = new_product(on_hand=10), new_product(on_hand=2)
    order_id, short_order = uuid.uuid4(), uuid.uuid4()
    lines = (StockLineDTO(product_id=tea.id, quantity=3), StockLineDTO(product_id=mug.id, quantity=2))

    reservation = catalog.reserve_stock(order_id=order_id, lines=lines)
    again = catalog.reserve_stock(order_id=order_id, lines=lines[:1])
    with pytest.raises(InsufficientStockError) as short:
        catalog.reserve_stock(order_id=short_order, lines=lines)

    assert (reservation.order_id, reservation.status) == (order_id, ReservationStatus.ACTIVE)
    assert sorted(reservation.lines, key=lambda line: line.quantity) == list(lines[::-1])
    assert again == reservation
    assert short.value == InsufficientStockError(product_id=tea.id, sku=tea.sku, requested=3, available=7) or (
        short.value == InsufficientStockError(product_id=mug.id, sku=mug.sku, requested=2, available=0)
    )
    assert [catalog.get_product(product_id=p.id).available for p in (tea, mug)] == [7, 0]

    released = catalog.release_reservation(order_id=order_id)
    twice = catalog.release_reservation(order_id=order_id)

    assert released is not None
    assert released.status == twice.status == ReservationStatus.RELEASED  # type: ignore[union-attr]
    assert [catalog.get_product(product_id=p.id).available for p in (tea, mug)] == [10, 2]
    assert catalog.release_reservation(order_id=uuid.uuid4()) is None


def test_a_reservation_refuses_nothing_unknown_and_discontinued_products() -> None:
    product, gone = new_product(on_hand=5), new_product(on_hand=5)
    missing, order_id = uuid.uuid4(), uuid.uuid4()
    discontinued = catalog.discontinue_product(product_id=gone.id)

    with pytest.raises(ReservationInvalidError):
        catalog.reserve_stock(order_id=order_id, lines=())
    with pytest.raises(ProductNotFoundError) as unknown:
        catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=missing, quantity=1),))
    with pytest.raises(ProductNotForSaleError) as not_for_sale:
        catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=gone.id, quantity=1),))

    assert discontinued.is_active is False
    assert unknown.value == ProductNotFoundError(product_id=missing)
    assert not_for_sale.value == ProductNotForSaleError(product_id=gone.id, sku=gone.sku)
    assert catalog.get_product(product_id=product.id).available == 5
    assert catalog.release_reservation(order_id=order_id) is None


def test_references_name_the_orders_that_hold_reservations() -> None:
    product = new_product(on_hand=3)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=product.id, quantity=1),))

    page = catalog.references(limit=500)

    assert order_id in {reference.target_id for reference in page.references}
    assert {reference.target for reference in page.references} == {"orders.order"}
