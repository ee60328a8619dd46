"""Notifications endpoint: what the shop told the signed-in customer."""

from __future__ import annotations

from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from domains.notifications import selectors
from domains.notifications.http.serializers import NotificationOutputSerializer


class NotificationListView(GenericAPIView):
    """GET: the signed-in customer's notifications, newest first."""

    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.customer_notifications(customer_id=request.user.id))
        found = [selectors.notification_dto(n) for n in page or ()]
        return self.get_paginated_response(NotificationOutputSerializer(found, many=True).data)
