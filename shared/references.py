"""Cross-domain references: rows of one domain that name another domain's entity by id.

Domains never hold foreign keys into each other, so the database cannot keep such a
reference valid: an order line may name a product that was deleted since. Instead every
domain lists the references it holds through its interface, a page at a time:

    def references(self, *, after: str = "", limit: int = 500) -> ReferencePage: ...

and the composition root (`manage.py find_dangling_references`) asks each target domain
which of the named ids still exist. A domain implements the operation by declaring its
sources and handing them to `page_references`:

    SOURCES = (
        ReferenceSource(source="orders.OrderLine", target="catalog.product",
                        rows=lambda: OrderLine.objects.values_list("id", "product_id")),
    )

Targets are named "<domain>.<entity>" ("identity.user", "catalog.product", "orders.order").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

BAD_CURSOR = (
    "Reference cursor {cursor!r} was not made by this domain. Pass the next_cursor of the previous page, or ''."
)
BAD_LIMIT = "limit must be between 1 and {maximum}, got {limit}."
MAX_PAGE = 5_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """One row (`source`, `source_id`) naming entity `target_id` of another domain."""

    source: str
    source_id: str
    target: str
    target_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferencePage:
    references: tuple[Reference, ...]
    next_cursor: str
    """Pass it as `after` to get the next page; '' when this was the last one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceSource:
    """A domain's column that holds another domain's ids. Stays inside the domain (holds a queryset)."""

    source: str
    target: str
    rows: Callable[[], QuerySet[Any, tuple[Any, Any]]]
    """values_list(primary key, referencing column) without NULLs; paging orders it by primary key."""


def page_references(sources: Sequence[ReferenceSource], *, after: str, limit: int) -> ReferencePage:
    """Up to `limit` references from `sources`, in source order then primary-key order.

    The cursor is "<source index>:<last primary key>", so a page costs one indexed range
    query per source it touches, however large the tables grow.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(BAD_LIMIT.format(maximum=MAX_PAGE, limit=limit))
    index, last_pk = _parse_cursor(after, len(sources))
    found: list[Reference] = []
    while index < len(sources):
        source = sources[index]
        rows = source.rows().order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        for pk, target_id in rows[: limit - len(found)]:
            found.append(Reference(source=source.source, source_id=str(pk), target=source.target, target_id=target_id))
            last_pk = str(pk)
        if len(found) == limit:
            return ReferencePage(references=tuple(found), next_cursor=f"{index}:{last_pk}")
        index, last_pk = index + 1, None
    return ReferencePage(references=tuple(found), next_cursor="")


def _parse_cursor(cursor: str, source_count: int) -> tuple[int, str | None]:
    if not cursor:
        return 0, None
    index_text, separator, last_pk = cursor.partition(":")
    if not separator or not index_text.isdigit() or not last_pk or int(index_text) >= source_count:
        raise ValueError(BAD_CURSOR.format(cursor=cursor))
    return int(index_text), last_pk
