"""Orders' private tables. Customers (identity) and products (catalog) are ids, never keys.

A line keeps the SKU, name and price the catalog had at checkout: what the customer
agreed to pay stays true whatever the catalog does later.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from domains.orders.interface import CancellationReason, OrderStatus
from shared.money import Money


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.UUIDField()
    status = models.CharField(max_length=20, choices=[(s.value, s.value) for s in OrderStatus])
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_token = models.CharField(
        max_length=100,
        blank=True,
        help_text="The customer's payment method at the provider, passed on to billing; cleared once settled.",
    )
    cancellation_reason = models.CharField(
        max_length=20, blank=True, default="", choices=[(r.value, r.value) for r in CancellationReason]
    )
    placed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-placed_at", "-id")
        indexes = [models.Index(fields=("customer_id", "-placed_at"), name="orders_by_customer")]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_amount__gte=0), name="orders_order_total_not_negative"),
            # A double submit, or a second checkout while a payment is being retried, must
            # not place (and charge) a second order: at most one order waits for payment.
            models.UniqueConstraint(
                fields=("customer_id",),
                condition=models.Q(status="pending_payment"),
                name="orders_one_pending_payment_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"

    @property
    def total(self) -> Money:
        return Money(amount=self.total_amount, currency=self.currency)


class OrderLine(models.Model):
    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product_id = models.UUIDField(db_index=True)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_line_quantity_positive"),
            models.UniqueConstraint(fields=("order", "product_id"), name="orders_line_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderHistory(models.Model):
    """One row per status an order entered: when, and why."""

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=20, choices=[(s.value, s.value) for s in OrderStatus])
    note = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "order history"
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.order_id} -> {self.status} at {self.at:%Y-%m-%d %H:%M:%S}"


class CheckoutStatus(models.TextChoices):
    PLACING = "placing", "placing: stock being reserved, order not recorded yet"
    PLACED = "placed", "placed: the order exists"
    ABANDONED = "abandoned", "abandoned: no order was or will be recorded; its stock is released"
    CANCELLED = "cancelled", "cancelled: the order was cancelled; the cart may be checked out again"


class Checkout(models.Model):
    """A customer's intent to order one version of their cart, claimed before any stock is held.

    At most one live checkout (placing or placed) per (customer, cart version): two submits
    of the same cart, however they race, place one order, and the loser neither reserves
    nor charges. The row is also the fence between the request placing the order and
    anyone stopping it: the order is recorded only if the row still says `placing`, and
    a checkout is abandoned (its stock released by an event in the same transaction)
    only if it still says so.
    """

    order_id = models.UUIDField(primary_key=True, help_text="The id the order gets when it is recorded.")
    customer_id = models.UUIDField()
    cart_version = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.PLACING)
    holder = models.CharField(
        max_length=200, help_text="The process placing the order (host:pid:start), while it is placing."
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-started_at",)
        indexes = [models.Index(fields=("status", "started_at"), name="orders_checkout_by_status")]
        constraints = [
            models.UniqueConstraint(
                fields=("customer_id", "cart_version"),
                condition=models.Q(status__in=("placing", "placed")),
                name="orders_one_live_checkout_per_cart_version",
            ),
        ]

    def __str__(self) -> str:
        return f"checkout of cart v{self.cart_version} of {self.customer_id} ({self.status})"
