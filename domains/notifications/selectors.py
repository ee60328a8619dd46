"""Notifications reads, returning DTOs (or querysets to the domain's own HTTP layer)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from domains.notifications.interface import (
    MAX_LISTED,
    NotificationDTO,
    NotificationKind,
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
