"""Catalog's private tables: categories, products, their stock and the reservations held on it."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone

from domains.catalog.interface import MAX_STOCK, ReservationStatus
from shared.money import Money

MAX_PRICE = Decimal("1000000.00")


class Category(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")

    class Meta:
        verbose_name_plural = "categories"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    price_currency = models.CharField(max_length=3)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0, price_amount__lte=MAX_PRICE), name="catalog_product_price_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def price(self) -> Money:
        return Money(amount=self.price_amount, currency=self.price_currency)


class StockLevel(models.Model):
    """Units of one product: on hand, and how many of those are held by active reservations.

    The constraints are the last line of defence against overselling: whatever a bug or a
    race does, the database refuses a reserved count above what is on hand.
    """

    product = models.OneToOneField(Product, primary_key=True, on_delete=models.CASCADE, related_name="stock")
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0, on_hand__lte=MAX_STOCK), name="catalog_stock_on_hand_range"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0, reserved__lte=models.F("on_hand")),
                name="catalog_stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock held for one order (orders domain, by id).

    Until its order is recorded the reservation expires (`expires_at`); once orders says the
    order was placed it is kept (no expiry) until the order is confirmed or cancelled. A
    released reservation without lines is a tombstone: its order was abandoned before it
    reserved anything, and a late reservation for it must not hold stock.
    """

    id = models.BigAutoField(primary_key=True)
    order_id = models.UUIDField(unique=True)
    status = models.CharField(
        max_length=10,
        choices=[(s.value, s.value) for s in ReservationStatus],
        default=ReservationStatus.ACTIVE.value,
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Released after this unless its order was recorded; empty once it was."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("expires_at",), condition=models.Q(status="active"), name="catalog_reservation_expiring"
            )
        ]

    def __str__(self) -> str:
        return f"reservation for order {self.order_id} ({self.status})"


class ReservationLine(models.Model):
    id = models.BigAutoField(primary_key=True)
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservation_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=("reservation", "product"), name="catalog_reservation_line_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_STOCK), name="catalog_reservation_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class PriceHistory(models.Model):
    """One row per price change, written by the catalog's own subscriber (an audit trail)."""

    id = models.BigAutoField(primary_key=True)
    product_id = models.UUIDField(db_index=True)
    old_amount = models.DecimalField(max_digits=12, decimal_places=2)
    new_amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "price history"
        ordering = ("-changed_at", "-id")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.old_amount} -> {self.new_amount} {self.currency}"
