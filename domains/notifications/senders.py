"""Senders: how a recorded notification reaches the customer. Pluggable by setting.

    NOTIFICATIONS_SENDER=log      (default) log each message; nothing leaves the process
    NOTIFICATIONS_SENDER=memory   keep each message in memory (tests and demos inspect `sent`)

An email or SMS sender is one more class with `send(message=...)` and one more entry in
SENDERS. Whatever the sender, the notification is recorded in the notifications table
first. A sender may be called again for the same message (delivery is at least once):
use `message.id` to deduplicate, e.g. as the email's Message-ID.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from django.conf import settings

logger = logging.getLogger(__name__)

UNKNOWN_SENDER = "NOTIFICATIONS_SENDER={value!r} is not a sender. Choose one of: {choices}."


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    id: UUID
    recipient: str
    subject: str
    body: str


class NotificationSender(Protocol):
    def send(self, *, message: OutgoingMessage) -> None:
        """Deliver the message or raise; raising makes the bus retry the notification later."""
        ...


class LoggingSender:
    """Writes each message to the log (logger domains.notifications.senders, level INFO)."""

    def send(self, *, message: OutgoingMessage) -> None:
        logger.info(
            "notifications.sent to=%s subject=%r",
            message.recipient,
            message.subject,
            extra={"notification_id": str(message.id), "recipient": message.recipient},
        )


class RecordingSender:
    """Keeps every message in `sent`, in order; the in-memory fake tests read."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self._lock = threading.Lock()

    def send(self, *, message: OutgoingMessage) -> None:
        with self._lock:
            self.sent.append(message)


SENDERS: dict[str, type[NotificationSender]] = {"log": LoggingSender, "memory": RecordingSender}

_sender: NotificationSender | None = None


def current_sender() -> NotificationSender:
    """This process's sender, built from NOTIFICATIONS_SENDER on first use."""
    global _sender
    if _sender is None:
        choice = settings.NOTIFICATIONS_SENDER
        if choice not in SENDERS:
            raise ValueError(UNKNOWN_SENDER.format(value=choice, choices=", ".join(SENDERS)))
        _sender = SENDERS[choice]()
    return _sender


@contextmanager
def use_sender(sender: NotificationSender) -> Iterator[NotificationSender]:
    """Send through `sender` for the duration of a block (tests, a one-off script)."""
    global _sender
    previous, _sender = _sender, sender
    try:
        yield sender
    finally:
        _sender = previous
