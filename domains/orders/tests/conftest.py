"""Orders test data. Catalog, cart and billing are fakes of their recorded contracts (see the root
conftest); here they answer as those domains would, from what each test puts on the shelf and in
the cart. How the real domains answer together is tests/flows' business."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import uuid
from decimal import Decimal

import pytest

from domains.billing.interface import (
    InvoiceDTO,
    InvoiceLineDTO,
    InvoiceStatus,
    PayableItemDTO,
    PaymentDTO,
    PaymentStatus,
)
from domains.cart.interface import CartDTO, CartLineDTO
from domains.catalog.interface import (
    InsufficientStockError,
    ProductDTO,
    ProductNotForSaleError,
    ProductNotFoundError,
    ReservationDTO,
    ReservationStatus,
    StockLineDTO,
)
from shared.contracts import Fakes
from shared.money import Money

_skus = itertools.count(1)
NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
RESERVATION_TTL = dt.timedelta(minutes=15)


class Shop:
    """The other domains as orders sees them: products on a shelf, customers' carts, payments asked for."""

    def __init__(self) -> None:
        self.products: dict[uuid.UUID, ProductDTO] = {}
        self.carts: dict[uuid.UUID, list[CartLineDTO]] = {}
        self.cart_versions: dict[uuid.UUID, int] = {}
        self.reservations: dict[uuid.UUID, ReservationDTO] = {}

    # -- what a test sets up ------------------------------------------------------------

    def stock(
        self, *, name: str = "Sencha Uji, 100 g", price: str = "9.90", available: int = 20, currency: str = "EUR"
    ) -> ProductDTO:
        product = ProductDTO(
            id=uuid.uuid4(),
            sku=f"ORD-{next(_skus):04d}",
            name=name,
            description="",
            price=Money(amount=Decimal(price), currency=currency),
            is_active=True,
            category=None,
            available=available,
            created_at=NOW,
        )
        self.products[product.id] = product
        return product

    def change(self, product: ProductDTO, **changes: object) -> ProductDTO:
        """The catalog changed the product (repriced it, discontinued it...)."""
        self.products[product.id] = dataclasses.replace(product, **changes)
        return self.products[product.id]

    def fill_cart(self, customer_id: uuid.UUID, *lines: tuple[ProductDTO, int]) -> None:
        """Add to the customer's cart: a new version of it, as the cart's contract says of every change."""
        cart = self.carts.setdefault(customer_id, [])
        cart.extend(CartLineDTO(product_id=p.id, quantity=quantity, added_at=NOW) for p, quantity in lines)
        self.cart_versions[customer_id] = self.cart_versions.get(customer_id, 0) + 1

    # -- the answers of the fakes --------------------------------------------------------------

    def get_cart(self, *, customer_id: uuid.UUID) -> CartDTO:
        return CartDTO(
            customer_id=customer_id,
            lines=tuple(self.carts.get(customer_id, ())),
            version=self.cart_versions.get(customer_id, 0),
        )

    def get_products(self, *, product_ids: tuple[uuid.UUID, ...]) -> tuple[ProductDTO, ...]:
        return tuple(self.products[product_id] for product_id in product_ids if product_id in self.products)

    def reserve_stock(self, *, order_id: uuid.UUID, lines: tuple[StockLineDTO, ...]) -> ReservationDTO:
        """All lines or none, refusing as the catalog's contract says (the first product short of stock)."""
        if order_id in self.reservations:
            return self.reservations[order_id]
        for line in lines:
            product = self.products.get(line.product_id)
            if product is None:
                raise ProductNotFoundError(product_id=line.product_id)
            if not product.is_active:
                raise ProductNotForSaleError(product_id=product.id, sku=product.sku)
            if product.available < line.quantity:
                raise InsufficientStockError(
                    product_id=product.id, sku=product.sku, requested=line.quantity, available=product.available
                )
        for line in lines:
            self.change(
                self.products[line.product_id], available=self.products[line.product_id].available - line.quantity
            )
        self.reservations[order_id] = ReservationDTO(
            order_id=order_id, status=ReservationStatus.ACTIVE, lines=lines, expires_at=NOW + RESERVATION_TTL
        )
        return self.reservations[order_id]

    def release_reservation(self, *, order_id: uuid.UUID) -> ReservationDTO | None:
        """Give the units back; an order that reserved nothing yet never will (a released tombstone)."""
        reservation = self.reservations.get(order_id)
        if reservation is None:
            self.reservations[order_id] = ReservationDTO(
                order_id=order_id, status=ReservationStatus.RELEASED, lines=(), expires_at=None
            )
            return None
        if reservation.status is not ReservationStatus.ACTIVE:
            return reservation
        for line in reservation.lines:
            self.change(
                self.products[line.product_id], available=self.products[line.product_id].available + line.quantity
            )
        self.reservations[order_id] = dataclasses.replace(
            reservation, status=ReservationStatus.RELEASED, expires_at=None
        )
        return self.reservations[order_id]

    def request_payment(
        self,
        *,
        order_id: uuid.UUID,
        customer_id: uuid.UUID,
        amount: Money,
        payment_token: str,
        items: tuple[PayableItemDTO, ...],
    ) -> PaymentDTO:
        """A pending payment: billing charges after its own commit and answers with an event, which tests publish."""
        lines = tuple(
            InvoiceLineDTO(
                description=item.description,
                quantity=item.quantity,
                unit_price=item.unit_price,
                line_total=item.unit_price.times(item.quantity),
            )
            for item in items
        )
        invoice = InvoiceDTO(number="INV-00000001", status=InvoiceStatus.OPEN, total=amount, lines=lines, issued_at=NOW)
        return PaymentDTO(
            id=uuid.uuid4(),
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            status=PaymentStatus.PENDING,
            failure_reason="",
            attempts=0,
            invoice=invoice,
            created_at=NOW,
            updated_at=NOW,
        )


@pytest.fixture(autouse=True)
def shop(fakes: Fakes) -> Shop:
    shop = Shop()
    fakes.cart.get_cart.answers(shop.get_cart)
    fakes.catalog.get_products.answers(shop.get_products)
    fakes.catalog.reserve_stock.answers(shop.reserve_stock)
    fakes.catalog.release_reservation.answers(shop.release_reservation)
    fakes.billing.request_payment.answers(shop.request_payment)
    return shop


@pytest.fixture
def tea(shop: Shop) -> ProductDTO:
    return shop.stock()


@pytest.fixture
def mug(shop: Shop) -> ProductDTO:
    return shop.stock(name="Stoneware mug, 350 ml", price="18.00", available=3)
