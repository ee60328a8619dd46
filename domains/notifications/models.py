"""Notifications' private tables. Customers (identity) and orders are ids, never keys."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from domains.notifications.interface import NotificationKind, NotificationStatus


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.UUIDField()
    order_id = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=30, choices=[(k.value, k.value) for k in NotificationKind])
    channel = models.CharField(max_length=20, default="email")
    recipient = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=[(s.value, s.value) for s in NotificationStatus])
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("customer_id", "-created_at"), name="notifications_by_customer")]
        constraints = [
            # One notification of a kind per order, however often its event is delivered.
            models.UniqueConstraint(fields=("kind", "order_id"), name="notifications_once_per_order_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient or self.customer_id} ({self.status})"
