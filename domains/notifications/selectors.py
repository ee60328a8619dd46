"""Notifications reads, returning DTOs (or querysets to the domain's own HTTP layer)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from domains.notifications.interface import (
    MAX_LISTED,
    NotificationDTO,
    NotificationKind,
    NotificationNotFoundError,
    NotificationStatus,
)
from domains.notifications.models import Notification


def notification_dto(notification: Notification) -> NotificationDTO:
    return NotificationDTO(
        id=notification.id,
        customer_id=notification.customer_id,
        order_id=notification.order_id,
        kind=NotificationKind(notification.kind),
        recipient=notification.recipient,
        subject=notification.subject,
        body=notification.body,
        status=NotificationStatus(notification.status),
        created_at=notification.created_at,
        sent_at=notification.sent_at,
    )


def customer_notifications(*, customer_id: UUID) -> QuerySet[Notification]:
    return Notification.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")


def get_notifications(*, customer_id: UUID, limit: int = MAX_LISTED) -> tuple[NotificationDTO, ...]:
    limit = max(0, min(limit, MAX_LISTED))
    return tuple(notification_dto(n) for n in customer_notifications(customer_id=customer_id)[:limit])


def get_notification_of(*, notification_id: UUID, customer_id: UUID) -> NotificationDTO:
    """One of the customer's notifications; anyone else's is reported as not existing."""
    notification = Notification.objects.filter(id=notification_id, customer_id=customer_id).first()
    if notification is None:
        raise NotificationNotFoundError(notification_id=notification_id)
    return notification_dto(notification)
