"""Bus tables: the events written in the publisher's transaction, and one delivery per subscriber.

`Delivery` is both the outbox's work queue and the inbox: the pair (event, subscriber)
is unique, and a delivery reaches DONE in the same transaction as the handler's effects,
so a redelivered event never runs a handler's effect twice.

With a broker transport (Celery), `Delivery` also carries the relay's state: which
attempt a message was last sent for, under which claim, and until when the relay trusts
that message (see shared.bus.relay).
"""

from __future__ import annotations

from django.db import models

from shared.correlation import MAX_CORRELATION_ID_LENGTH


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    PROCESSING = "processing", "processing"
    DONE = "done", "done"
    FAILED = "failed", "failed (will retry)"
    DEAD = "dead", "dead (needs an operator)"


UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.PROCESSING, DeliveryStatus.FAILED)
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
REPLAYABLE = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
"""What an operator may replay: a done delivery would run its handler twice, a pending one is on its way."""


class EventOrigin(models.TextChoices):
    LOCAL = "local", "published here"
    REMOTE = "remote", "received from another service"


class StoredEvent(models.Model):
    id = models.UUIDField(primary_key=True, editable=False)
    name = models.CharField(max_length=200, db_index=True)
    version = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField()
    correlation_id = models.CharField(max_length=MAX_CORRELATION_ID_LENGTH, blank=True, default="")
    origin = models.CharField(max_length=10, choices=EventOrigin.choices, default=EventOrigin.LOCAL)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ("occurred_at",)

    def __str__(self) -> str:
        return f"{self.name}.v{self.version} {self.id}"


class Delivery(models.Model):
    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(StoredEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    key = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # Relay state (broker transports only; see shared.bus.relay).
    relay_attempts = models.PositiveIntegerField(default=0, help_text="Relay claims so far: the fencing token.")
    relayed_for = models.PositiveIntegerField(
        null=True, blank=True, help_text="`attempts` when the relay last claimed the row: its message is for the next."
    )
    relay_lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Until then, the row is being sent or its message is trusted to be queued."
    )

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=("event", "subscriber"), name="bus_delivery_once_per_subscriber"),
        ]
        indexes = [
            models.Index(fields=("status", "next_attempt_at"), name="bus_delivery_due"),
            models.Index(fields=("subscriber", "key", "status"), name="bus_delivery_ordering"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.id} of {self.event_id} to {self.subscriber} ({self.status})"
