"""Bus tables: the events written in the publisher's transaction, and one delivery per subscriber.

`Delivery` is both the outbox's work queue and the inbox: the pair (event, subscriber)
is unique, and a delivery reaches DONE in the same transaction as the handler's effects,
so a redelivered event never runs a handler's effect twice.

With a broker transport (Celery), `Delivery` also carries the relay's state: which
attempt a message was last sent for, under which claim, and until when the relay trusts
that message (see shared.bus.relay).

The outbox is the log other processes read (shared.bus.feed): each event published here
gets a `position` once it has committed, in commit order, so a reader that has seen
everything up to position N asks for "after N" and misses nothing (shared.bus.sequencer
says how). Events received from another process's feed are stored here too
(origin=remote), beside the subscriber's tables, with the subscriber's `FeedCursor`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shared.correlation import MAX_CORRELATION_ID_LENGTH


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    PROCESSING = "processing", "processing"
    DONE = "done", "done"
    FAILED = "failed", "failed (will retry)"
    DEAD = "dead", "dead (needs an operator)"


UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.PROCESSING, DeliveryStatus.FAILED)
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
NOT_DONE = (*UNFINISHED, DeliveryStatus.DEAD)
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
    position = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="Place in this outbox's feed, in commit order (local events)."
    )
    sequence = models.PositiveIntegerField(
        null=True, blank=True, help_text="1, 2, 3... per ordering key, in commit order, stamped with the position."
    )
    downcasts = models.JSONField(
        default=dict, blank=True, help_text="Received events: the payload at older versions, by version."
    )
    feed = models.CharField(
        max_length=300, blank=True, default="", help_text="Received events: the feed they came from."
    )

    class Meta:
        ordering = ("occurred_at",)
        indexes = [
            models.Index(fields=("origin", "position"), name="bus_event_unstamped"),
            models.Index(fields=("key", "sequence"), name="bus_event_key_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.name}.v{self.version} {self.id}"


class Delivery(models.Model):
    id = models.BigAutoField(primary_key=True)
    # No index of its own: the (event, subscriber) unique constraint's index starts with it.
    event = models.ForeignKey(StoredEvent, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
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
        # Partial indexes: done rows, nearly all of the table, are in none of them, so
        # completing a delivery adds to no index but the primary key and the constraint's,
        # and the indexes stay the size of the backlog however large the table grows.
        indexes = [
            models.Index(fields=("next_attempt_at",), name="bus_delivery_due", condition=Q(status__in=RETRYABLE)),
            models.Index(
                fields=("lease_expires_at",), name="bus_delivery_leased", condition=Q(status=DeliveryStatus.PROCESSING)
            ),
            # The ordering promise (older unfinished with the key), the next in line, and `bus stats`.
            models.Index(
                fields=("subscriber", "key", "id"), name="bus_delivery_not_done", condition=Q(status__in=NOT_DONE)
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.id} of {self.event_id} to {self.subscriber} ({self.status})"


class OutboxHead(models.Model):
    """The last position stamped in this database's outbox; its row lock serializes the stamping."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"outbox head at {self.position}"


class FeedCursor(models.Model):
    """How far one subscriber has taken one publisher's feed in, kept in the subscriber's database.

    It moves in the same transaction that stores the events it passed (and their delivery
    rows), so a crash either keeps both or neither: nothing is skipped, and what is read
    twice is dropped by the (event, subscriber) uniqueness of the inbox.
    """

    feed = models.CharField(max_length=300)
    subscriber = models.CharField(max_length=200)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("feed", "subscriber"), name="bus_cursor_once_per_subscriber")]

    def __str__(self) -> str:
        return f"{self.subscriber} at {self.position} of {self.feed}"
