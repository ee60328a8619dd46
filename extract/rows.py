"""Which rows move with a domain: all of its own tables, and its rows of the kernel's tables.

    the domain's tables       every row (many-to-many tables included)
    bus_storedevent           the events it published (its outbox) and those delivered to its subscribers
    bus_delivery              the deliveries to its subscribers (its inbox: what its handlers have done)
    api_idempotencykey        the Idempotency-Keys of requests to its routes (/api/<domain>/...)

The planner counts them and `extract data` copies them, from this one list. Tables come in
an order where a row's foreign keys point at tables earlier in the list, so each batch can
commit on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.apps import apps
from django.db import models

from shared.api.models import IdempotencyKey
from shared.bus.models import Delivery, StoredEvent

DOMAINS_PACKAGE = "domains"


@dataclasses.dataclass(frozen=True, slots=True)
class RowSet:
    model: type[models.Model]
    kernel: bool
    selection: str
    """Which rows: 'all', or the filter a kernel table's rows are chosen by, in words."""
    lookup: models.Q

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def queryset(self, using: str) -> models.QuerySet:
        return self.model._base_manager.using(using).filter(self.lookup)


def domain_installed(domain: str) -> bool:
    return apps.is_installed(f"{DOMAINS_PACKAGE}.{domain}")


def row_sets(domain: str) -> tuple[RowSet, ...]:
    """The domain's rows, parents before children; () when the domain's app is not installed here."""
    if not domain_installed(domain):
        return ()
    own = dependency_order(apps.get_app_config(domain).get_models(include_auto_created=True))
    subscribers = models.Q(subscriber__startswith=f"{domain}.")
    inbox_events = Delivery.objects.filter(subscribers).values("event_id")
    return (
        *(RowSet(model=model, kernel=False, selection="all", lookup=models.Q()) for model in own),
        RowSet(
            model=StoredEvent,
            kernel=True,
            selection=f"published by {domain} (name {domain}.*) or delivered to its subscribers",
            lookup=models.Q(name__startswith=f"{domain}.") | models.Q(id__in=inbox_events),
        ),
        RowSet(model=Delivery, kernel=True, selection=f"to subscribers {domain}.*", lookup=subscribers),
        RowSet(
            model=IdempotencyKey,
            kernel=True,
            selection=f"requests to /api/{domain}/",
            lookup=models.Q(endpoint__regex=rf"^[A-Z]+ /api/{domain}/"),
        ),
    )


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
