"""Notifications endpoint: what the shop told the signed-in customer."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from domains.notifications import selectors
from domains.notifications.http.serializers import NotificationOutputSerializer
from domains.notifications.interface import NotificationNotFoundError
from shared.api.access import Authenticated, OwnerOnly
from shared.api.errors import raises
from shared.api.views import DomainAPIView, DomainGenericAPIView


class NotificationListView(DomainGenericAPIView):
    """GET: the signed-in customer's notifications, newest first."""

    permission_classes = (Authenticated,)

    @extend_schema(responses=NotificationOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.customer_notifications(customer_id=request.user.id))
        found = [selectors.notification_dto(n) for n in page or ()]
        return self.get_paginated_response(NotificationOutputSerializer(found, many=True).data)


class NotificationDetailView(DomainAPIView):
    """GET: one of the signed-in customer's notifications."""

    permission_classes = (OwnerOnly,)

    @extend_schema(responses=NotificationOutputSerializer)
    @raises(NotificationNotFoundError)
    def get(self, request: Request, notification_id: UUID) -> Response:
        found = selectors.get_notification_of(notification_id=notification_id, customer_id=request.user.id)
        return Response(NotificationOutputSerializer(found).data)
