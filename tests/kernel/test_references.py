"""page_references: every reference of every source exactly once, a page at a time, by cursor."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from shared.bus.models import StoredEvent
from shared.references import BAD_CURSOR, MAX_PAGE, Reference, ReferenceSource, page_references

pytestmark = pytest.mark.django_db


def stored(name: str) -> StoredEvent:
    return StoredEvent.objects.create(id=uuid.uuid4(), name=name, version=1, payload={}, occurred_at=timezone.now())


def source(name: str) -> ReferenceSource:
    """A stand-in for a domain's table: stored events of one name, 'referencing' their own ids."""
    return ReferenceSource(
        source=name, target=f"{name}.target", rows=lambda: StoredEvent.objects.filter(name=name).values_list("pk", "id")
    )


def test_pages_walk_every_source_in_order_and_end_with_an_empty_cursor() -> None:
    apples = sorted((stored("apples") for _ in range(3)), key=lambda e: e.pk)
    pears = sorted((stored("pears") for _ in range(2)), key=lambda e: e.pk)
    sources = (source("apples"), source("empty"), source("pears"))

    pages, cursor = [], ""
    while True:
        page = page_references(sources, after=cursor, limit=2)
        pages.append(page.references)
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    expected = [
        Reference(source=name, source_id=str(event.pk), target=f"{name}.target", target_id=event.id)
        for name, events in (("apples", apples), ("pears", pears))
        for event in events
    ]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [reference for page in pages for reference in page] == expected


def test_no_sources_or_no_rows_give_one_empty_last_page() -> None:
    assert page_references((), after="", limit=10).references == ()
    assert page_references((source("nothing"),), after="", limit=10).next_cursor == ""


@pytest.mark.parametrize(
    "cursor",
    ["x", "1", "5:abc", ":abc", "0:"],
    ids=["junk", "no-key", "no-such-source", "no-index", "no-key-after-colon"],
)
def test_a_cursor_this_domain_did_not_make_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError, match="was not made by this domain") as raised:
        page_references((source("apples"),), after=cursor, limit=10)

    assert str(raised.value) == BAD_CURSOR.format(cursor=cursor)


@pytest.mark.parametrize("limit", [0, MAX_PAGE + 1])
def test_a_page_size_out_of_bounds_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match=f"limit must be between 1 and {MAX_PAGE}"):
        page_references((source("apples"),), after="", limit=limit)
