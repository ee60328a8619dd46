"""Which rows move with a domain, and how: all of its own tables, and its rows of the kernel's tables.

    the domain's tables       every row, every column (many-to-many tables included)
    bus_storedevent           the events it published (its outbox) and the events its subscribers were
                              handed (what its inbox rows point at); see EVENTS below
    bus_delivery              the deliveries to its subscribers: its inbox, so a handler never runs twice
                              for an event it already handled, whichever process hands it the event again
    api_idempotencykey        the Idempotency-Keys of requests to its routes (/api/<domain>/...)

KEYS: the domain's own tables move whole, so their keys move as they are (and the target's
sequences are moved past them after a copy, so its next row does not collide). The kernel's
deliveries and Idempotency-Keys share their tables with other domains' rows, and their keys
are counters each database keeps for itself: the same number names different rows on the two
sides. They are matched by their natural key instead ((event, subscriber); (owner, key)) and
compared without the counter; a row added to the other side takes that side's next number.

The planner counts them and `extract data` copies them, from this one list. Tables come in
an order where a row's foreign keys point at tables earlier in the list, so each batch can
commit on its own.

EVENTS: a stored event is a fact (id, name, version, key, payload, correlation id, time);
where it sits in a database's feed is that database's bookkeeping. So events are only ever
added, never changed or deleted, and are compared by the fact alone. An event added to the
other side is stamped for that side: the domain's own events join its outbox there
(origin local, no position yet: that database's sequencer numbers them in publish order,
so a subscriber reading its feed from 0 gets the history once, and its inbox drops what it
already handled); another domain's events arrive as received (origin remote), as a feed
would have delivered them. Feed cursors and the outbox head are each database's own and do
not move: a subscriber's cursor starts at 0 on the other side, and its inbox rows (which
do move) make the re-read deliver nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import models

from shared.api.models import IdempotencyKey
from shared.bus.models import Delivery, EventOrigin, StoredEvent
from shared.db.transactions import database_for

DOMAINS_PACKAGE = "domains"
EVENT_FACT = ("id", "name", "version", "key", "payload", "correlation_id", "occurred_at")


@dataclasses.dataclass(frozen=True, slots=True)
class RowSet:
    model: type[models.Model]
    database: str
    """The alias of this process's database that holds these rows: the domain's own (its kernel rows
    included, since its outbox, inbox and Idempotency-Keys commit with its tables)."""
    kernel: bool
    selection: str
    """Which rows: 'all', or the filter a kernel table's rows are chosen by, in words."""
    lookup: models.Q
    compared: tuple[str, ...] = ()
    """The columns (attnames) that are copied and checked; () for every concrete column."""
    append_only: bool = False
    """Rows are added where missing, never updated or deleted (a log of facts)."""
    stamp: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    """For a row added to the other side: the columns beyond `compared`, from the source row."""
    natural_key: tuple[str, ...] = ()
    """The columns (attnames) that say which row is which on both sides, when the primary key cannot: a
    counter each database keeps for itself in a table whose other rows belong to other domains. Rows
    are then matched by these, and a row added to the other side gets that side's next key."""

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def fields(self) -> list[models.Field]:
        """The concrete fields that are copied and compared."""
        every = self.model._meta.concrete_fields
        return [field for field in every if not self.compared or field.attname in self.compared]

    def queryset(self, using: str) -> models.QuerySet:
        return self.model._base_manager.using(using).filter(self.lookup)


def domain_installed(domain: str) -> bool:
    return apps.is_installed(f"{DOMAINS_PACKAGE}.{domain}")


def row_sets(domain: str) -> tuple[RowSet, ...]:
    """The domain's rows, parents before children; () when the domain's app is not installed here."""
    if not domain_installed(domain):
        return ()
    own = dependency_order(apps.get_app_config(domain).get_models(include_auto_created=True))
    database = database_for(domain)
    subscribers = models.Q(subscriber__startswith=f"{domain}.")
    inbox_events = Delivery.objects.filter(subscribers).values("event_id")  # runs in the outer query's database
    return (
        *(RowSet(model=model, database=database, kernel=False, selection="all", lookup=models.Q()) for model in own),
        RowSet(
            model=StoredEvent,
            database=database,
            kernel=True,
            selection=f"published by {domain} or handed to its subscribers; added, never changed",
            lookup=models.Q(name__startswith=f"{domain}.") | models.Q(id__in=inbox_events),
            compared=EVENT_FACT,
            append_only=True,
            stamp=lambda row: stamped_event(row, domain=domain),
        ),
        RowSet(
            model=Delivery,
            database=database,
            kernel=True,
            selection=f"to subscribers {domain}.*",
            lookup=subscribers,
            compared=all_but_key(Delivery),
            natural_key=("event_id", "subscriber"),
        ),
        RowSet(
            model=IdempotencyKey,
            database=database,
            kernel=True,
            selection=f"requests to /api/{domain}/",
            lookup=models.Q(endpoint__regex=rf"^[A-Z]+ /api/{domain}/"),
            compared=all_but_key(IdempotencyKey),
            natural_key=("owner", "key"),
        ),
    )


def all_but_key(model: type[models.Model]) -> tuple[str, ...]:
    """Every concrete column but the primary key (of a kernel table whose key each database counts on its own)."""
    return tuple(field.attname for field in model._meta.concrete_fields if not field.primary_key)


def stamped_event(row: Mapping[str, Any], *, domain: str) -> dict[str, Any]:
    """The bookkeeping of an event added to the other side's database (see EVENTS above)."""
    own = str(row["name"]).startswith(f"{domain}.")
    return {
        "origin": EventOrigin.LOCAL if own else EventOrigin.REMOTE,
        "position": None,
        "sequence": None if own else row["sequence"],
        "downcasts": row["downcasts"],
        "feed": "",
    }


def dependency_order(candidates: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """The models ordered so that every foreign key among them points at an earlier one."""
    pending = list(candidates)
    ordered: list[type[models.Model]] = []
    while pending:
        ready = [model for model in pending if not (_parents(model) & set(pending)) - {model}]
        ready = ready or pending[:1]  # a cycle: take the first, the database defers its constraints
        for model in ready:
            pending.remove(model)
            ordered.append(model)
    return ordered


def _parents(model: type[models.Model]) -> set[type[models.Model]]:
    return {
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and (field.many_to_one or field.one_to_one)
    }
