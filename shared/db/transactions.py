"""The per-domain counterparts of `transaction.atomic`, `on_commit` and `connection`."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def database_for(domain: str) -> str:
    """The alias of `domain`'s database: its own when DOMAIN_DATABASES lists it, else "default".

    Kernel parts ask with the domain they serve (the publisher of an event, the subscriber
    of a delivery, the domain of a view); any other name is "default".
    """
    return getattr(settings, "DOMAIN_DATABASES", {}).get(domain, DEFAULT_DB_ALIAS)


def database_aliases() -> tuple[str, ...]:
    """Every alias a domain's tables or the kernel's live in: "default", then each domain's own database.

    What reads the bus's or the idempotency keys' tables for the whole shop asks each of these.
    """
    return tuple(dict.fromkeys((DEFAULT_DB_ALIAS, *getattr(settings, "DOMAIN_DATABASES", {}).values())))


def atomic(domain: str, *, savepoint: bool = True, durable: bool = False) -> transaction.Atomic:
    """`transaction.atomic` on `domain`'s database: the one transaction of a use case of that domain.

    A bare `transaction.atomic()` opens on "default"; with the domain in a database of its
    own, its `select_for_update` would then run outside any transaction, and its writes
    would commit apart from its outbox rows. Check modulith.E043 refuses it in domains/.
    """
    return transaction.atomic(using=database_for(domain), savepoint=savepoint, durable=durable)


def on_commit(domain: str, func: Callable[[], object], *, robust: bool = False) -> None:
    """Run `func` once `domain`'s current transaction commits (at once outside one)."""
    transaction.on_commit(func, using=database_for(domain), robust=robust)


def connection_for(domain: str) -> BaseDatabaseWrapper:
    """The connection to `domain`'s database, for the raw SQL the ORM cannot say."""
    return connections[database_for(domain)]
