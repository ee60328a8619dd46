"""The bus in the admin: events and their deliveries by status, each with its payload and traceback, and a replay.

Rows are never edited here (the Deliverer owns their state); the one thing staff do is
replay failed or dead deliveries, which is `manage.py bus replay` behind a button: a fresh
set of attempts, handed to the transport (in-process: run now; Celery: sent to the broker).

With DOMAIN_DATABASES every domain's database has bus tables of its own. The pages show
one database at a time, "default" unless the "database" filter names another
(`?database=orders`); a row's page, its links and a replay stay in that database.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from shared.admin import DATABASE, OneDatabaseAdmin, ReadOnlyInline, database_of, pretty_json
from shared.bus.delivery import reset_for_replay
from shared.bus.models import REPLAYABLE, Delivery, StoredEvent
from shared.bus.runtime import bus_for

REPLAYED = "Replayed {count} deliveries; now {statuses}."
NOT_REPLAYED = (
    "Not replayed: {ids}. Only failed or dead deliveries can be replayed (a done one would run its handler "
    "twice, a pending or processing one is already on its way)."
)
REPLAY_PERMISSION = "bus.change_delivery"


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ("id", "subscriber", "status", "attempts", "next_attempt_at", "completed_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).using(database_of(request))


@admin.register(StoredEvent)
class StoredEventAdmin(OneDatabaseAdmin):
    list_display = ("id", "name", "version", "key", "origin", "correlation_id", "occurred_at")
    list_filter = ("name", "origin")
    search_fields = ("=id", "name", "=correlation_id", "=key")
    date_hierarchy = "occurred_at"
    fields = ("id", "name", "version", "key", "origin", "correlation_id", "occurred_at", "payload_json")
    readonly_fields = fields
    inlines = (DeliveryInline,)

    @admin.display(description="payload")
    def payload_json(self, event: StoredEvent) -> str:
        return pretty_json(event.payload)


@admin.register(Delivery)
class DeliveryAdmin(OneDatabaseAdmin):
    list_display = ("id", "subscriber", "event_name", "status", "attempts", "next_attempt_at", "last_error_line")
    list_filter = ("status", "subscriber", "event__name")
    search_fields = ("=id", "subscriber", "=event__id", "=event__correlation_id")
    list_select_related = ("event",)
    fields = (
        "id", "subscriber", "status", "attempts", "next_attempt_at", "created_at", "updated_at", "completed_at",
        "event_link", "event_name", "correlation_id", "payload_json", "traceback",
    )  # fmt: skip
    readonly_fields = fields
    actions = ("replay",)

    @admin.display(description="event", ordering="event__name")
    def event_name(self, delivery: Delivery) -> str:
        return f"{delivery.event.name} v{delivery.event.version}"

    @admin.display(description="event id")
    def event_link(self, delivery: Delivery) -> str:
        url = reverse("admin:bus_storedevent_change", args=[delivery.event_id])
        if delivery._state.db not in (None, DEFAULT_DB_ALIAS):
            url = f"{url}?{urlencode({DATABASE: delivery._state.db})}"
        return format_html('<a href="{}">{}</a>', url, delivery.event_id)

    @admin.display(description="correlation id")
    def correlation_id(self, delivery: Delivery) -> str:
        return delivery.event.correlation_id or "-"

    @admin.display(description="payload")
    def payload_json(self, delivery: Delivery) -> str:
        return pretty_json(delivery.event.payload)

    @admin.display(description="last error")
    def traceback(self, delivery: Delivery) -> str:
        return format_html("<pre>{}</pre>", delivery.last_error) if delivery.last_error else "-"

    @admin.display(description="last error")
    def last_error_line(self, delivery: Delivery) -> str:
        lines = delivery.last_error.strip().splitlines()
        return lines[-1][:120] if lines else ""

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(REPLAY_PERMISSION))

    @admin.action(description="Replay the selected failed or dead deliveries", permissions=("replay",))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        selected = sorted(queryset.values_list("id", flat=True))
        alias = queryset.db
        bus = bus_for(alias)
        replayed = reset_for_replay(selected, statuses=REPLAYABLE, now=bus.deliverer.clock(), using=alias)
        bus.transport.redeliver(replayed)
        if replayed:
            statuses = dict(Delivery.objects.using(alias).filter(id__in=replayed).values_list("id", "status"))
            summary = ", ".join(f"{delivery_id} {statuses[delivery_id]}" for delivery_id in replayed)
            self.message_user(request, REPLAYED.format(count=len(replayed), statuses=summary), messages.SUCCESS)
        skipped = [delivery_id for delivery_id in selected if delivery_id not in set(replayed)]
        if skipped:
            self.message_user(request, NOT_REPLAYED.format(ids=", ".join(map(str, skipped))), messages.WARNING)
