"""Integrity without foreign keys: find references to entities of another domain that are gone.

Every domain that holds other domains' ids lists them through its interface
(`references`, see shared.references); every domain whose entities are referenced
answers which ids exist (a bulk get). Both sides are interface calls, so the check
works the same when a domain runs as its own service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from uuid import UUID

from domains.billing.interface import billing
from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.identity.interface import identity
from domains.notifications.interface import notifications
from domains.orders.interface import orders
from shared.references import Reference, ReferencePage

UNKNOWN_TARGET = (
    "{source} {source_id} references {target!r}, which no domain answers for here. "
    "Add an existence check for it to config.integrity.EXISTING."
)


class Holder:
    """A domain that holds other domains' ids, named for the report."""

    def __init__(self, name: str, references: Callable[[], Callable[..., ReferencePage]]) -> None:
        self.name = name
        self._references = references

    def pages(self, *, page_size: int) -> Iterator[ReferencePage]:
        cursor = ""
        while True:
            page = self._references()(after=cursor, limit=page_size)
            yield page
            if not page.next_cursor:
                return
            cursor = page.next_cursor


# Looked up at call time (lambda), not import time: the registry may bind a remote client later.
HOLDERS = (
    Holder("catalog", lambda: catalog.references),
    Holder("cart", lambda: cart.references),
    Holder("orders", lambda: orders.references),
    Holder("billing", lambda: billing.references),
    Holder("notifications", lambda: notifications.references),
)

EXISTING: dict[str, Callable[[tuple[UUID, ...]], set[UUID]]] = {
    "identity.user": lambda ids: {user.id for user in identity.get_users(user_ids=ids)},
    "catalog.product": lambda ids: {product.id for product in catalog.get_products(product_ids=ids)},
    "orders.order": lambda ids: {order.id for order in orders.get_orders(order_ids=ids)},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    checked: int
    dangling: tuple[Reference, ...]


def find_dangling_references(*, page_size: int = 500) -> Report:
    """Check every reference every holder lists, one page (and one existence query per target) at a time."""
    checked = 0
    dangling: list[Reference] = []
    for holder in HOLDERS:
        for page in holder.pages(page_size=page_size):
            checked += len(page.references)
            dangling.extend(missing(page.references))
    return Report(checked=checked, dangling=tuple(dangling))


def missing(references: Iterable[Reference]) -> list[Reference]:
    """The references among `references` whose target does not exist."""
    references = list(references)
    wanted: defaultdict[str, set[UUID]] = defaultdict(set)
    for reference in references:
        if reference.target not in EXISTING:
            raise LookupError(
                UNKNOWN_TARGET.format(source=reference.source, source_id=reference.source_id, target=reference.target)
            )
        wanted[reference.target].add(reference.target_id)
    existing = {target: EXISTING[target](tuple(sorted(ids))) for target, ids in wanted.items()}
    return [r for r in references if r.target_id not in existing[r.target]]
