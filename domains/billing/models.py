"""Billing's private tables. Orders and customers are ids, never keys."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from domains.billing.interface import InvoiceStatus, PaymentStatus
from shared.money import Money


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)
    customer_id = models.UUIDField(db_index=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_token = models.CharField(max_length=100)
    status = models.CharField(
        max_length=10, choices=[(s.value, s.value) for s in PaymentStatus], default=PaymentStatus.PENDING.value
    )
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    provider_reference = models.CharField(max_length=100, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="billing_payment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"payment {self.id} of {self.amount} {self.currency} ({self.status})"

    @property
    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


class Invoice(models.Model):
    """Issued with the payment request; paid or void with its outcome. Numbered by its id."""

    id = models.BigAutoField(primary_key=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="invoice")
    order_id = models.UUIDField(unique=True)
    customer_id = models.UUIDField(db_index=True)
    status = models.CharField(
        max_length=10, choices=[(s.value, s.value) for s in InvoiceStatus], default=InvoiceStatus.OPEN.value
    )
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-issued_at", "-id")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"INV-{self.id:08d}"


class InvoiceLine(models.Model):
    id = models.BigAutoField(primary_key=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"
