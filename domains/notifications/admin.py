"""Notifications admin: read-only, for support staff answering "did you tell me?"."""

from __future__ import annotations

from django.contrib import admin

from domains.notifications.models import Notification
from shared.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "recipient", "subject", "status")
    list_filter = ("kind", "status", "channel")
    search_fields = ("recipient", "customer_id", "order_id", "subject")
    date_hierarchy = "created_at"
