"""Admin base classes for rows a domain's own code writes: shown to staff, never edited there.

Orders, payments, reservations and notifications change only through their domain's
services, which publish the events and keep the other domains in step; an admin edit
would bypass all of that.

The kernel's tables (the bus's, the idempotency keys) are in every domain's database with
DOMAIN_DATABASES: their pages (OneDatabaseAdmin) show one database at a time, "default"
unless the "database" filter names another (`?database=orders`), and a row's page stays in
the database of the list it was opened from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.html import format_html

from shared.db import database_aliases


def pretty_json(value: object) -> str:
    """A JSON value as indented text in a <pre>, escaped: how the admin shows stored payloads and bodies."""
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


DATABASE = "database"
"""The query parameter naming the database whose kernel tables a page shows."""


def database_of(request: HttpRequest) -> str:
    """The alias a page shows: its `database` parameter, or the list's it was opened from, else "default"."""
    alias = request.GET.get(DATABASE) or QueryDict(request.GET.get("_changelist_filters", "")).get(DATABASE)
    return alias if alias in database_aliases() else DEFAULT_DB_ALIAS


class DatabaseFilter(admin.SimpleListFilter):
    """Which database's kernel tables to list (each domain's own, with DOMAIN_DATABASES)."""

    title = "database"
    parameter_name = DATABASE

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(alias, alias) for alias in database_aliases() if alias != DEFAULT_DB_ALIAS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset  # the admin's get_queryset already reads from the chosen database

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        listed = list(super().choices(changelist))
        listed[0] = {**listed[0], "display": DEFAULT_DB_ALIAS}  # no parameter is "default", not every database
        return iter(listed)


class OneDatabaseAdmin(ReadOnlyAdmin):
    """Rows of the database the request names (see database_of)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).using(database_of(request))

    def get_list_filter(self, request: HttpRequest) -> Any:
        extra = (DatabaseFilter,) if len(database_aliases()) > 1 else ()
        return (*extra, *super().get_list_filter(request))


class ReadOnlyInline(admin.TabularInline):
    """Lists the rows of `fields`, read-only; subclasses set `model` and `fields`."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
