"""Output shape of the notifications API."""

from __future__ import annotations

from rest_framework import serializers


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order_id = serializers.UUIDField(allow_null=True)
    kind = serializers.CharField()
    recipient = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
