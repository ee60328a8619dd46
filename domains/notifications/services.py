"""Notifications use cases: the implementation bound to `domains.notifications.interface.notifications`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from django.db import IntegrityError
from django.utils import timezone

from domains.identity.interface import UserNotFoundError, identity
from domains.notifications import references, selectors
from domains.notifications.interface import NotificationDTO, NotificationKind, NotificationStatus
from domains.notifications.messages import Text
from domains.notifications.models import Notification
from domains.notifications.senders import OutgoingMessage, current_sender
from shared.db import atomic
from shared.references import ReferencePage

logger = logging.getLogger(__name__)

UNKNOWN_CUSTOMER_NAME = "customer"


def notify(
    *, customer_id: UUID, order_id: UUID, kind: NotificationKind, compose: Callable[[str], Text]
) -> NotificationDTO:
    """Record a notification about an order and send it; once per kind and order (a repeat sends nothing).

    `compose(name)` writes the text for the customer's name. A customer identity does not
    know is recorded as undeliverable (and logged) rather than retried: asking again
    will not make them exist. A sender that raises rolls the record back, so the bus
    retries both together.
    """
    try:
        user = identity.get_user(user_id=customer_id)
    except UserNotFoundError:
        logger.warning("notifications.unknown_customer", extra={"customer_id": str(customer_id), "kind": kind})
        user = None
    text = compose(user.full_name or user.email if user is not None else UNKNOWN_CUSTOMER_NAME)
    try:
        with atomic("notifications"):
            notification = Notification.objects.create(
                customer_id=customer_id,
                order_id=order_id,
                kind=kind,
                recipient=user.email if user is not None else "",
                subject=text.subject,
                body=text.body,
                status=NotificationStatus.SENT if user is not None else NotificationStatus.UNDELIVERABLE,
                sent_at=timezone.now() if user is not None else None,
            )
            if user is not None:
                current_sender().send(
                    message=OutgoingMessage(
                        id=notification.id, recipient=user.email, subject=text.subject, body=text.body
                    )
                )
    except IntegrityError:
        # Recorded (and sent) before: one per kind and order is unique in the table, so a
        # repeated call fails the INSERT, sends nothing, and is answered from the row.
        existing = Notification.objects.filter(kind=kind, order_id=order_id).first()
        if existing is None:
            raise
        return selectors.notification_dto(existing)
    return selectors.notification_dto(notification)


class NotificationsService:
    """Binds the notifications reads to the NotificationsApi protocol."""

    def get_notifications(self, *, customer_id: UUID, limit: int = 100) -> tuple[NotificationDTO, ...]:
        return selectors.get_notifications(customer_id=customer_id, limit=limit)

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage:
        return references.page(after=after, limit=limit)
