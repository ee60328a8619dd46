"""The table guard: while a domain's code runs, SQL on another domain's tables raises, is logged, or passes (off)."""

from __future__ import annotations

import logging
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings

from domains.catalog.interface import catalog
from shared.db.guard import BAD_MODE, TableGuard, TableOwnershipError, check_guard_mode, install, tables_in
from shared.db.transactions import connection_for
from shared.money import Money
from shared.observability.celery_logs import close_task_scope, open_task_scope
from shared.work_context import current_domain, entering, log_scope

pytestmark = pytest.mark.django_db

ORDERS_COUNT = 'SELECT COUNT(*) FROM "orders_order"'


def scalar(sql: str, params: tuple = (), *, domain: str = "orders") -> object:
    """One value from `domain`'s database: the tables a statement names live there (one each with DOMAIN_DATABASES)."""
    with connection_for(domain).cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_the_suite_runs_with_the_guard_raising_on_every_connection(settings) -> None:  # type: ignore[no-untyped-def]
    guard = install(lambda: {})  # installed once per process: this returns the boundaries app's guard

    assert settings.DOMAIN_TABLE_GUARD == "raise"
    assert guard in connection.execute_wrappers
    opened: list[bool] = []

    def in_a_thread() -> None:  # a new thread opens a new connection: connection_created guards it too
        connections["default"].ensure_connection()
        opened.append(guard in connections["default"].execute_wrappers)
        connections.close_all()

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert opened == [True]


def test_a_domain_touching_another_domains_table_is_refused_and_nothing_runs() -> None:
    before = scalar(ORDERS_COUNT)

    with log_scope(domain="catalog"), pytest.raises(TableOwnershipError) as refused:
        scalar('DELETE FROM "orders_order"')

    assert str(refused.value).startswith(
        "Domain 'catalog' ran SQL on orders_order, owned by domain 'orders': DELETE FROM \"orders_order\" "
        "A domain reads and writes only its own tables. Ask the owner through its interface (domains.orders.interface)"
    )
    assert scalar(ORDERS_COUNT) == before


@pytest.mark.parametrize(
    ("sql", "database"),
    [
        pytest.param('SELECT COUNT(*) FROM "catalog_product"', "catalog", id="its-own-table"),
        pytest.param('SELECT COUNT(*) FROM "bus_storedevent"', "catalog", id="the-bus"),
        # Django's own tables sit beside identity's users (shared/db/router.py).
        pytest.param('SELECT COUNT(*) FROM "django_content_type"', "identity", id="django"),
        pytest.param("SELECT 'orders_order' AS orders_order", "catalog", id="a-name-that-is-no-table"),
    ],
)
def test_what_a_domain_may_touch(sql: str, database: str) -> None:
    with log_scope(domain="catalog"):
        scalar(sql, domain=database)


def test_outside_any_domain_nothing_is_checked() -> None:
    assert current_domain() == ""

    scalar(ORDERS_COUNT)


def test_a_join_into_another_domain_names_every_foreign_table() -> None:
    sql = (
        'SELECT COUNT(*) FROM "catalog_product" JOIN "orders_orderline" ON "orders_orderline"."product_id" = '
        '"catalog_product"."id" JOIN "cart_cart" ON TRUE'
    )

    with (
        log_scope(domain="catalog"),
        pytest.raises(
            TableOwnershipError, match="ran SQL on cart_cart, orders_orderline, owned by domain 'cart', domain 'orders'"
        ),
    ):
        scalar(sql)


def test_log_mode_logs_and_lets_the_statement_run(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.DOMAIN_TABLE_GUARD = "log"

    with caplog.at_level(logging.WARNING, logger="shared.db.guard"), log_scope(domain="catalog"):
        count = scalar(ORDERS_COUNT)

    assert count == scalar(ORDERS_COUNT)
    assert [record.getMessage()[:68] for record in caplog.records] == [
        "Domain 'catalog' ran SQL on orders_order, owned by domain 'orders': "
    ]
    assert caplog.records[0].foreign_tables == ["orders_order"]


def test_off_checks_nothing(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.DOMAIN_TABLE_GUARD = "off"

    with caplog.at_level(logging.WARNING, logger="shared.db.guard"), log_scope(domain="catalog"):
        scalar(ORDERS_COUNT)

    assert caplog.records == []


def test_an_interface_call_runs_as_the_called_domain() -> None:
    """An orders request calling catalog's interface: catalog's SQL is catalog's, not refused as orders'."""
    product = catalog.create_product(
        sku=f"GUARD-{uuid.uuid4().hex[:6]}",
        name="Guarded",
        description="",
        price=Money(amount=Decimal(3), currency="EUR"),
    )
    seen: list[str] = []

    with log_scope(domain="orders"):
        assert catalog.get_product(product_id=product.id).name == "Guarded"
        entering("catalog", lambda: seen.append(current_domain()))()
        seen.append(current_domain())

    assert seen == ["catalog", "orders"]


def test_a_domains_celery_task_runs_as_that_domain() -> None:
    class Task:
        name = "catalog.reindex"
        request = object()

    open_task_scope(task_id="t-1", task=Task())  # type: ignore[arg-type]
    try:
        assert current_domain() == "catalog"
        with pytest.raises(TableOwnershipError):
            scalar(ORDERS_COUNT)
    finally:
        close_task_scope(task_id="t-1")
    assert current_domain() == ""


def test_statements_are_parsed_once_per_text() -> None:
    tables_in.cache_clear()
    guard = TableGuard(lambda: {"orders_order": "orders", "catalog_product": "catalog"})
    sql = "SELECT * FROM \"catalog_product\" WHERE name = 'orders_order'"

    assert guard.foreign_tables(sql, "catalog") == {}
    assert guard.foreign_tables(sql, "catalog") == {}
    assert guard.foreign_tables('SELECT * FROM "catalog_product"', "catalog") == {}  # its own only: no parse at all
    assert tables_in.cache_info().misses == 1
    assert tables_in.cache_info().hits == 0  # the second time, the guard's own answer: not even the parse cache


@override_settings(DOMAIN_TABLE_GUARD="refuse")
def test_e065_an_unknown_mode_is_an_error() -> None:
    errors = check_guard_mode()

    assert [(e.id, e.msg) for e in errors] == [("modulith.E065", BAD_MODE.format(value="refuse"))]
    assert "raise (development and tests), log (production) or off" in errors[0].hint


def test_the_project_sets_a_known_mode() -> None:
    assert check_guard_mode() == []
    call_command("check", fail_level="WARNING")
