"""The database router: each domain's tables in its domain's database, the kernel's where it is used.

Where each app's tables live (DATABASE_ROUTERS = ["shared.db.router.DomainRouter"]):

    a domain (catalog, orders, ...)   database_for(domain): its own alias, or "default"
    bus, api (the kernel's tables)    EVERY database: a domain's outbox, inbox and feed cursors
                                      commit with its own rows, and so do the Idempotency-Keys
                                      of its views; the kernel code passes `using=` itself
    auth, contenttypes, admin         identity's database: its User has many-to-many relations to
                                      auth's groups and permissions, which need content types,
                                      and the admin's log points at the User
    everything else (sessions ...)    "default"

Relations (a ForeignKey followed, an object assigned) hold only between rows of one database:
a cross-domain relation is refused by check modulith.E001 anyway, and one between two
databases could never be enforced by either.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

from shared.db.transactions import database_for

IN_EVERY_DATABASE = frozenset({"bus", "api"})
"""The kernel apps whose tables each domain's database holds for that domain's own use."""
WITH_IDENTITY = frozenset({"auth", "contenttypes", "admin"})
"""Django's apps whose tables must sit beside identity's users (see the module docstring)."""
IDENTITY = "identity"


def home_alias(app_label: str) -> str | None:
    """The one database holding `app_label`'s tables, or None for an app whose tables are in every one."""
    if app_label in IN_EVERY_DATABASE:
        return None
    if app_label in WITH_IDENTITY:
        return database_for(IDENTITY)
    return database_for(app_label)


class DomainRouter:
    """Routes by app label: see the module docstring."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return self._for_instance(hints.get("instance")) or home_alias(model._meta.app_label)

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return self._for_instance(hints.get("instance")) or home_alias(model._meta.app_label)

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return _database_of(obj1) == _database_of(obj2)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        if db != DEFAULT_DB_ALIAS and db not in placed_aliases():
            return None  # a database of no domain (one `extract data` copies into): no opinion, Django's default
        home = home_alias(app_label)
        return home is None or db == home

    @staticmethod
    def _for_instance(instance: Model | None) -> str | None:
        """A related manager of a kernel row (delivery.event) reads from the row's own database."""
        if instance is not None and instance._meta.app_label in IN_EVERY_DATABASE:
            return instance._state.db
        return None


def placed_aliases() -> frozenset[str]:
    """The aliases DOMAIN_DATABASES gives domains."""
    return frozenset(getattr(settings, "DOMAIN_DATABASES", {}).values())


def _database_of(obj: Model) -> str:
    return obj._state.db or home_alias(obj._meta.app_label) or DEFAULT_DB_ALIAS
