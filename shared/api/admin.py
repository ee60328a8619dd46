"""Idempotency keys in the admin, to read: who sent which key to which endpoint, and what they were answered.

Each domain's keys are in its database (DOMAIN_DATABASES): the "database" filter picks which.
"""

from __future__ import annotations

from django.contrib import admin

from shared.admin import OneDatabaseAdmin, pretty_json
from shared.api.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(OneDatabaseAdmin):
    list_display = ("key", "owner", "endpoint", "response_status", "in_flight", "created_at", "expires_at")
    list_filter = ("response_status",)
    search_fields = ("=key", "=owner", "endpoint")
    date_hierarchy = "created_at"
    fields = (
        "key", "owner", "endpoint", "fingerprint", "response_status", "in_flight", "holder", "created_at",
        "locked_until", "expires_at", "response_headers_json", "response_body_json",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(boolean=True, description="in flight")
    def in_flight(self, key: IdempotencyKey) -> bool:
        return key.in_flight

    @admin.display(description="response headers")
    def response_headers_json(self, key: IdempotencyKey) -> str:
        return pretty_json(key.response_headers)

    @admin.display(description="response body")
    def response_body_json(self, key: IdempotencyKey) -> str:
        return pretty_json(key.response_body)
