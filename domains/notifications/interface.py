"""The notifications domain's public face: operations, DTOs, errors. It publishes no events.

A notification that cannot be delivered is recorded as undeliverable, never raised to
whoever caused it.

Errors:
    NotificationsError
    └── NotificationNotFoundError   404  no such notification (or not the caller's)
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared.errors import DomainError, ErrorKind
from shared.interfaces import declare_interface, idempotent
from shared.references import ReferencePage

MAX_LISTED = 100


class NotificationKind(enum.StrEnum):
    ORDER_CONFIRMED = "order_confirmed"
    ORDER_CANCELLED = "order_cancelled"


class NotificationStatus(enum.StrEnum):
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"
    """Nobody to send it to (the customer is unknown to identity); kept so support can see it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationDTO:
    id: UUID
    customer_id: UUID
    order_id: UUID | None
    kind: NotificationKind
    recipient: str
    subject: str
    body: str
    status: NotificationStatus
    created_at: dt.datetime
    sent_at: dt.datetime | None


class NotificationsErrorCode(enum.StrEnum):
    NOTIFICATION_NOT_FOUND = "notifications.notification_not_found"


class NotificationsError(DomainError):
    """Base of the notifications domain's errors."""


class NotificationNotFoundError(NotificationsError):
    code = NotificationsErrorCode.NOTIFICATION_NOT_FOUND
    kind = ErrorKind.NOT_FOUND
    message = "Notification {notification_id} does not exist. List your notifications at /api/notifications/."
    notification_id: UUID


class NotificationsApi(Protocol):
    @idempotent
    def get_notifications(self, *, customer_id: UUID, limit: int = MAX_LISTED) -> tuple[NotificationDTO, ...]:
        """The customer's most recent notifications (at most `limit`, capped at MAX_LISTED), newest first."""
        ...

    @idempotent
    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        """The ids of other domains' entities notifications hold (customers, orders)."""
        ...


notifications: NotificationsApi = declare_interface(
    "notifications", NotificationsApi, errors=(NotificationNotFoundError,)
)
