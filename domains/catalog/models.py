"""Catalog's private tables."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone

from shared.money import Money

MAX_PRICE = Decimal("1000000.00")


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
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
