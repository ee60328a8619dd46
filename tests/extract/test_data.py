"""`extract data`: a domain's rows copied to another database and back, in batches, resumable, verified.

The other database is a SQLite file migrated once per session; on CI the test database is
PostgreSQL, so the checksums are shown equal across the two engines.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections, models
from django.db.utils import ConnectionDoesNotExist
from django.utils import timezone

from domains.catalog.interface import catalog
from domains.orders.interface import CheckoutAbandoned
from extract.copying import CopyError, Sides, close_database, copy_domain, open_database
from extract.copying.copier import BAD_BATCH, NOT_INSTALLED, NOT_VERIFIED, TABLES_MISSING
from extract.copying.databases import BAD_URL, TARGET_ALIAS
from extract.copying.report import DRY_RUN, RESUMED, VERIFIED
from extract.management.commands.extract import UNKNOWN_DOMAIN
from extract.rows import row_sets
from shared.api.models import IdempotencyKey
from shared.bus.models import Delivery, StoredEvent
from shared.bus.runtime import publish
from shared.bus.sequencer import stamp
from shared.db.transactions import atomic, database_for
from shared.money import Money

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("extract-data")]

OTHER = "copy_other"
ABANDONED = uuid.UUID("00000000-0000-4000-8000-00000000abcd")
CATALOG_TABLES = (
    "catalog_category",
    "catalog_reservation",
    "catalog_pricehistory",
    "catalog_product",
    "catalog_stocklevel",
    "catalog_reservationline",
    "bus_storedevent",
    "bus_delivery",
    "api_idempotencykey",
)
"""Parents before children: the order rows are copied in."""


@pytest.fixture(scope="session")
def other_database(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker) -> str:
    """The URL of a second database with the shop's schema (what a service's database has after migrate)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('other-database') / 'other.sqlite3'}"
    with django_db_blocker.unblock():
        open_database(url, alias=OTHER)
        call_command("migrate", database=OTHER, verbosity=0)
        close_database(OTHER)
    return url


@pytest.fixture
def other(other_database: str) -> Iterator[str]:
    """The second database as connection alias OTHER, emptied of catalog's rows."""
    open_database(other_database, alias=OTHER)
    with connections[OTHER].cursor() as cursor:
        for table in reversed(CATALOG_TABLES):
            cursor.execute(f"DELETE FROM {table}")
    yield OTHER
    close_database(OTHER)


@pytest.fixture
def shop(django_capture_on_commit_callbacks: Callable[..., ContextManager[list]]) -> None:
    """Catalog rows here: products, a price change (an event and its delivery), and idempotency keys of two domains."""
    price = Money(amount=Decimal("4.50"), currency="EUR")
    products = [
        catalog.create_product(sku=f"COPY-{number}", name=f"Copied {number}", description="", price=price)
        for number in range(4)
    ]
    catalog.change_price(product_id=products[-1].id, price=Money(amount=Decimal("2.50"), currency="EUR"))
    # Handed to catalog's subscriber when orders' transaction commits (with catalog in a database of its
    # own, by catalog's bus pulling orders' outbox): the test's transaction never commits, so run that here.
    with django_capture_on_commit_callbacks(using=database_for("orders"), execute=True), atomic("orders"):
        publish(CheckoutAbandoned(order_id=ABANDONED, customer_id=uuid.uuid4()))
    now = timezone.now()
    for domain, endpoint in (("catalog", "POST /api/catalog/products/"), ("orders", "POST /api/orders/checkout/")):
        IdempotencyKey.objects.using(database_for(domain)).create(
            owner="user:1", key=endpoint, fingerprint="0" * 64, endpoint=endpoint, created_at=now, expires_at=now
        )


def rows(alias: str) -> dict[str, list[tuple]]:
    """The compared columns of catalog's rows (an event's place in a feed, a delivery's number: each database's own)."""
    return {
        each.table: list(
            each.queryset(alias).order_by(*(each.natural_key or ("pk",))).values_list(*(f.attname for f in each.fields))
        )
        for each in row_sets("catalog")
    }


def abandoned_sequence() -> int | None:
    """The per-key sequence of orders' CheckoutAbandoned here: stamped when it arrived from orders' own
    database (DOMAIN_DATABASES), not yet when published into this one; a copy keeps it as it is."""
    return StoredEvent.objects.using(here()).get(name="orders.CheckoutAbandoned").sequence


def here() -> str:
    """Catalog's database in this process: "default", or its own with DOMAIN_DATABASES."""
    return database_for("catalog")


def test_copy_makes_the_other_database_hold_the_same_rows_and_verifies(shop: None, other: str, tmp_path: Path) -> None:
    report = copy_domain("catalog", sides=Sides(source="", target=other), checkpoint=tmp_path / "c.json", batch_size=2)

    assert report.verified is True
    assert report.resumed is False
    assert {table.table: (table.source_rows, table.copied, table.deleted) for table in report.tables} == {
        "catalog_category": (0, 0, 0),
        "catalog_product": (4, 4, 0),
        "catalog_stocklevel": (4, 4, 0),
        "catalog_reservation": (1, 1, 0),  # the abandoned checkout's release, recorded for an order never seen
        "catalog_reservationline": (0, 0, 0),
        "catalog_pricehistory": (0, 0, 0),
        "bus_storedevent": (6, 6, 0),  # four ProductCreated, one ProductPriceChanged, orders' CheckoutAbandoned
        "bus_delivery": (2, 2, 0),  # to record_price_change (not yet run) and release_stock_of_abandoned_checkout
        "api_idempotencykey": (1, 1, 0),
    }
    assert rows(other) == rows(here())
    assert not (tmp_path / "c.json").exists()
    events = StoredEvent.objects.using(other).values_list("name", "origin", "position", "sequence")
    assert sorted(events) == [
        ("catalog.ProductCreated", "local", None, None),
        ("catalog.ProductCreated", "local", None, None),
        ("catalog.ProductCreated", "local", None, None),
        ("catalog.ProductCreated", "local", None, None),
        ("catalog.ProductPriceChanged", "local", None, None),
        ("orders.CheckoutAbandoned", "remote", None, abandoned_sequence()),
    ]  # the other side's outbox numbers catalog's events; orders' arrives as received


def test_the_other_sides_outbox_numbers_the_domains_events_in_publish_order(
    shop: None, other: str, tmp_path: Path
) -> None:
    copy_domain("catalog", sides=Sides(source="", target=other), checkpoint=tmp_path / "c.json")

    head = stamp(using=other)

    assert head == 5
    published = StoredEvent.objects.using(here()).filter(name__startswith="catalog.").order_by("occurred_at", "id")
    numbered = StoredEvent.objects.using(other).filter(origin="local").order_by("position")
    assert list(numbered.values_list("id", flat=True)) == list(published.values_list("id", flat=True))


def test_copy_back_makes_this_database_what_the_other_holds(shop: None, other: str, tmp_path: Path) -> None:
    copy_domain("catalog", sides=Sides(source="", target=other), checkpoint=tmp_path / "to.json")
    with connections[other].cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET name = 'Renamed in the service' WHERE sku = 'COPY-0'")
        cursor.execute(
            "DELETE FROM catalog_stocklevel WHERE product_id IN (SELECT id FROM catalog_product WHERE sku = 'COPY-1')"
        )
        cursor.execute("DELETE FROM catalog_product WHERE sku = 'COPY-1'")

    report = copy_domain("catalog", sides=Sides(source=other, target=""), checkpoint=tmp_path / "back.json")

    assert report.verified is True
    changed = {table.table: (table.copied, table.deleted) for table in report.tables if table.copied or table.deleted}
    assert changed == {
        "catalog_reservation": (1, 0),
        "catalog_product": (3, 1),
        "catalog_stocklevel": (3, 1),
        "bus_storedevent": (6, 0),
        "bus_delivery": (2, 0),
        "api_idempotencykey": (1, 0),
    }
    assert rows(here()) == rows(other)
    names = sorted(name for _, _, name, *_ in rows(here())["catalog_product"])
    assert names == ["Copied 2", "Copied 3", "Renamed in the service"]


def model_of(table: str) -> type[models.Model]:
    return next(each.model for each in row_sets("catalog") if each.table == table)


def test_after_a_copy_the_targets_next_row_takes_a_key_past_the_copied_ones(
    shop: None, other: str, tmp_path: Path
) -> None:
    history = model_of("catalog_pricehistory")
    product_id = uuid.uuid4()
    history._base_manager.using(other).create(
        id=1000, product_id=product_id, old_amount=Decimal("4.50"), new_amount=Decimal("2.50"), currency="EUR"
    )  # the service's own counter ran on while it held the domain

    copy_domain("catalog", sides=Sides(source=other, target=""), checkpoint=tmp_path / "back.json")
    written_here = history._base_manager.create(
        product_id=product_id, old_amount=Decimal("2.50"), new_amount=Decimal("3.00"), currency="EUR"
    )

    assert written_here.id == 1001
    assert sorted(history._base_manager.values_list("id", flat=True)) == [1000, 1001]


def test_kernel_rows_are_matched_by_their_natural_key_and_other_domains_rows_are_left_alone(
    shop: None, other: str, tmp_path: Path
) -> None:
    copy_domain("catalog", sides=Sides(source="", target=other), checkpoint=tmp_path / "to.json")
    event = StoredEvent.objects.using(here()).filter(name="orders.CheckoutAbandoned").get()
    now = timezone.now()
    theirs = Delivery.objects.using(here()).create(
        event=event, subscriber="notifications.probe", next_attempt_at=now, created_at=now, updated_at=now
    )
    catalog_deliveries = sorted(
        Delivery.objects.using(here()).filter(subscriber__startswith="catalog.").values_list("subscriber")
    )
    with connections[other].cursor() as cursor:  # the service numbered catalog's delivery as this side numbers theirs
        cursor.execute("UPDATE bus_delivery SET id = %s WHERE id = (SELECT min(id) FROM bus_delivery)", [theirs.id])

    report = copy_domain("catalog", sides=Sides(source=other, target=""), checkpoint=tmp_path / "back.json")

    assert report.verified is True
    assert Delivery.objects.using(here()).values_list("subscriber", "event_id").get(id=theirs.id) == (
        "notifications.probe",
        event.id,
    )
    catalog_deliveries_after = Delivery.objects.using(here()).filter(subscriber__startswith="catalog.")
    assert sorted(catalog_deliveries_after.values_list("subscriber")) == catalog_deliveries
    assert rows(here()) == rows(other)


class Interrupt(Exception):
    """Stands for the process dying mid-copy."""


class InterruptAfter:
    def __init__(self, batches: int) -> None:
        self.left = batches

    def begin(self, table: str, *, total: int, done: int) -> None:
        pass

    def advance(self, table: str, rows: int) -> None:
        self.left -= 1
        if self.left == 0:
            raise Interrupt


def test_an_interrupted_copy_resumes_from_its_checkpoint(shop: None, other: str, tmp_path: Path) -> None:
    checkpoint = tmp_path / "resume.json"
    sides = Sides(source="", target=other)
    with pytest.raises(Interrupt):
        copy_domain("catalog", sides=sides, checkpoint=checkpoint, batch_size=1, progress=InterruptAfter(3))
    saved = json.loads(checkpoint.read_text())
    assert saved["copied"] == ["catalog_category", "catalog_reservation", "catalog_pricehistory"]
    assert list(saved["after"]) == ["catalog_reservation", "catalog_product"]
    assert len(rows(other)["catalog_product"]) == 2  # the third batch was the reservation's one row

    report = copy_domain("catalog", sides=sides, checkpoint=checkpoint, batch_size=1)

    assert report.resumed is True
    assert report.verified is True
    assert {table.table: table.copied for table in report.tables}["catalog_product"] == 2
    assert rows(other) == rows(here())
    assert not checkpoint.exists()


class ChangeSourceOnce:
    def __init__(self) -> None:
        self.done = False

    def begin(self, table: str, *, total: int, done: int) -> None:
        if table == "catalog_stocklevel" and not self.done:
            self.done = True
            with connections[here()].cursor() as cursor:
                cursor.execute("UPDATE catalog_product SET name = 'Changed meanwhile' WHERE sku = 'COPY-2'")

    def advance(self, table: str, rows: int) -> None:
        pass


def test_rows_changed_during_the_copy_fail_verification_and_the_next_run_starts_over(
    shop: None, other: str, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "changed.json"
    sides = Sides(source="", target=other)

    with pytest.raises(CopyError) as refused:
        copy_domain("catalog", sides=sides, checkpoint=checkpoint, progress=ChangeSourceOnce())

    assert str(refused.value).startswith(NOT_VERIFIED.split("{tables}")[0].format(domain="catalog"))
    assert "catalog_product (4 rows" in str(refused.value)
    assert not checkpoint.exists()
    assert copy_domain("catalog", sides=sides, checkpoint=checkpoint).verified is True


def test_a_dry_run_compares_and_writes_nothing(shop: None, other: str, tmp_path: Path) -> None:
    before = rows(other)

    report = copy_domain("catalog", sides=Sides(source="", target=other), checkpoint=tmp_path / "d.json", dry_run=True)

    assert rows(other) == before
    assert report.verified is False
    assert {table.table: (table.source_rows, table.target_rows) for table in report.tables if not table.verified} == {
        "catalog_reservation": (1, 0),
        "catalog_product": (4, 0),
        "catalog_stocklevel": (4, 0),
        "bus_storedevent": (6, 0),
        "bus_delivery": (2, 0),
        "api_idempotencykey": (1, 0),
    }
    assert not (tmp_path / "d.json").exists()


def test_a_database_without_the_schema_is_refused_before_anything_is_written(shop: None, tmp_path: Path) -> None:
    open_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}", alias="copy_empty")
    try:
        with pytest.raises(CopyError) as refused:
            copy_domain("catalog", sides=Sides(source="", target="copy_empty"), checkpoint=tmp_path / "e.json")
        assert connections["copy_empty"].introspection.table_names() == []
    finally:
        close_database("copy_empty")

    assert str(refused.value) == TABLES_MISSING.format(side="target", tables=", ".join(CATALOG_TABLES))


def test_the_domain_must_be_installed_and_batches_hold_a_row(tmp_path: Path) -> None:
    with pytest.raises(CopyError) as absent:
        copy_domain("shipping", sides=Sides(source="", target=""), checkpoint=tmp_path / "x.json")
    with pytest.raises(CopyError) as empty:
        copy_domain("catalog", sides=Sides(source="", target=""), checkpoint=tmp_path / "x.json", batch_size=0)

    assert str(absent.value) == NOT_INSTALLED.format(domain="shipping")
    assert str(empty.value) == BAD_BATCH.format(size=0)


def test_command_copies_with_progress_and_prints_what_it_verified(
    shop: None, other: str, other_database: str, tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()
    checkpoint = str(tmp_path / "command.json")

    arguments = ("catalog", "--to", other_database, "--checkpoint", checkpoint)
    call_command("extract", "data", *arguments, stdout=out, stderr=err)
    call_command("extract", "data", "catalog", "--to", other_database, "--dry-run", stdout=(dry := io.StringIO()))

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["table", "source", "rows", "target", "rows", "copied", "deleted", "checksums"]
    assert lines[4].split() == ["catalog_product", "4", "4", "4", "0", "equal"]
    assert lines[-1] == VERIFIED.format(tables=9, domain="catalog")
    assert "catalog_product" in err.getvalue()
    assert dry.getvalue().splitlines()[-1] == DRY_RUN.format(differ=0, tables=9)
    assert RESUMED not in out.getvalue()
    with pytest.raises(ConnectionDoesNotExist):
        connections[TARGET_ALIAS]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["shipping", "--to", "sqlite:////tmp/x.sqlite3"],
            UNKNOWN_DOMAIN.format(domain="shipping", domains="identity, catalog, cart, orders, billing, notifications"),
        ),
        (["catalog", "--to", "not a url"], BAD_URL.format(url="not a url")),
    ],
    ids=["unknown-domain", "bad-url"],
)
def test_command_refuses_what_it_cannot_copy(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("extract", "data", *arguments, stdout=io.StringIO(), stderr=io.StringIO())

    assert str(refused.value) == message
