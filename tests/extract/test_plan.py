"""`extract plan` on the shop itself: calls, loops, events, tables, settings and blockers, as text and JSON."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from domains.catalog.interface import catalog
from extract.management.commands.extract import BLOCKED, PLAN_WHAT
from extract.planning import BlockerKind, Direction, make_plans, plan
from extract.planning.blockers import SHARED_INTO, SHARED_OUT, SHARED_OUT_FIX, shared_tables
from extract.planning.planner import UNKNOWN_DOMAIN, user_model_without
from extract.planning.render import READY
from shared.money import Money

ROOT = Path(settings.BASE_DIR)


def line_at(path: str, line: int) -> str:
    return (ROOT / path).read_text().splitlines()[line - 1]


@pytest.mark.django_db
def test_every_call_site_points_at_the_line_that_calls_the_operation() -> None:
    plans = make_plans()

    calls = [call for each in plans for call in each.calls]
    assert len(calls) > 0
    for call in calls:
        assert f".{call.operation}" in line_at(call.where.path, call.where.line), call
        assert call.callee != call.caller
        assert each_side_is_the_domain(call, plans)


def each_side_is_the_domain(call: object, plans: tuple) -> bool:
    owner = {id(c): p.domain for p in plans for c in p.calls}[id(call)]
    return (call.callee == owner) == (call.direction is Direction.INBOUND)


@pytest.mark.django_db
def test_orders_plan_lists_what_its_split_touches() -> None:
    orders = plan("orders")

    assert {(c.direction, c.callee, c.operation, c.where.path, c.function) for c in orders.calls} == {
        (Direction.OUTBOUND, "billing", "request_payment", "domains/orders/saga.py", "request_payment"),
        (Direction.OUTBOUND, "cart", "get_cart", "domains/orders/services.py", "place_order"),
        (Direction.OUTBOUND, "catalog", "get_products", "domains/orders/services.py", "priced_lines"),
        (Direction.OUTBOUND, "catalog", "reserve_stock", "domains/orders/services.py", "reserve"),
        (Direction.INBOUND, "orders", "abandon_stalled_checkouts", "config/checkout_sweep.py", "sweep"),
        (Direction.INBOUND, "orders", "abandon_checkouts", "config/checkout_sweep.py", "sweep"),
        (Direction.INBOUND, "orders", "references", "config/integrity.py", "<module>"),
        (Direction.INBOUND, "orders", "get_orders", "config/integrity.py", "<module>"),
    }
    assert orders.calls_in_loops == ()
    assert {(e.direction, e.event, e.subscriber) for e in orders.events} == {
        (Direction.INBOUND, "billing.PaymentCaptured.v1", "orders.confirm_paid_order"),
        (Direction.INBOUND, "billing.PaymentDeclined.v1", "orders.cancel_order_whose_payment_was_declined"),
        (Direction.INBOUND, "billing.PaymentFailed.v1", "orders.cancel_order_whose_payment_failed"),
        (Direction.OUTBOUND, "orders.CheckoutAbandoned.v1", "catalog.release_stock_of_abandoned_checkout"),
        (Direction.OUTBOUND, "orders.OrderCancelled.v1", "catalog.release_stock_for_cancelled_order"),
        (Direction.OUTBOUND, "orders.OrderCancelled.v1", "notifications.tell_customer_why_order_was_cancelled"),
        (Direction.OUTBOUND, "orders.OrderConfirmed.v1", "cart.empty_cart_of_confirmed_order"),
        (Direction.OUTBOUND, "orders.OrderConfirmed.v1", "catalog.commit_stock_for_confirmed_order"),
        (Direction.OUTBOUND, "orders.OrderConfirmed.v1", "notifications.send_order_confirmation"),
        (Direction.OUTBOUND, "orders.OrderPlaced.v1", "catalog.keep_stock_for_placed_order"),
    }
    assert [(t.table, t.kernel) for t in orders.tables] == [
        ("orders_order", False),
        ("orders_checkout", False),
        ("orders_orderline", False),
        ("orders_orderhistory", False),
        ("bus_storedevent", True),
        ("bus_delivery", True),
        ("api_idempotencykey", True),
    ]
    assert [(s.setting, s.environment) for s in orders.settings] == [
        ("ORDERS_CHECKOUT_TIMEOUT_SECONDS", ("ORDERS_CHECKOUT_TIMEOUT_SECONDS",))
    ]
    assert orders.blockers == ()
    assert orders.ready is True


@pytest.mark.django_db
def test_calls_inside_loops_are_named_with_the_loop() -> None:
    looped = plan("catalog").calls_in_loops

    assert [(c.caller, c.operation, c.where.path, c.function) for c in looped] == [
        ("config", "release_reservation", "config/checkout_sweep.py", "sweep"),
        ("config", "keep_reservation", "config/checkout_sweep.py", "sweep"),
    ]
    for call in looped:
        assert line_at(call.loop.path, call.loop.line).lstrip().startswith("for ")
        assert call.loop.line < call.where.line


@pytest.mark.django_db(transaction=True)
def test_rows_that_move_are_counted_per_table() -> None:
    for sku in ("PLAN-1", "PLAN-2"):
        catalog.create_product(sku=sku, name=sku, description="", price=Money(amount=Decimal("3.00"), currency="EUR"))

    rows = {table.table: table.rows for table in plan("catalog").tables}

    assert rows["catalog_product"] == 2
    assert rows["catalog_stocklevel"] == 2
    assert rows["catalog_category"] == 0
    assert rows["bus_storedevent"] == 2  # two catalog.ProductCreated
    assert rows["api_idempotencykey"] == 0
    assert {table.table: table.rows for table in plan("orders").tables}["bus_storedevent"] == 0


def test_the_user_table_is_shared_unless_a_process_without_identity_has_its_own_user_model(db: None) -> None:
    assert user_model_without("identity") == "auth.User"
    assert user_model_without("cart") is None
    assert shared_tables("identity", user_model_without="auth.User") == []

    (blocker,) = shared_tables("identity", user_model_without="identity.User")

    assert blocker.kind is BlockerKind.SHARED_TABLE
    assert blocker.message == SHARED_INTO.format(
        model="admin.LogEntry", field="user", app="django.contrib.admin", target="identity_user", domain="identity"
    )
    assert line_at(blocker.where.path, blocker.where.line).strip().startswith("user = ")


def test_rows_of_the_domain_pointing_at_tables_that_stay_are_blockers(db: None) -> None:
    user = get_user_model().objects.create(email="groups@example.com")
    user.groups.add(Group.objects.create(name="buyers"))

    (blocker,) = shared_tables("identity", user_model_without="auth.User")

    assert blocker.message == SHARED_OUT.format(
        rows=1,
        table="identity_user_groups",
        model="identity.User",
        field="groups",
        target="auth_group",
        app="django.contrib.auth",
    )


def test_plan_command_gives_the_fix_for_rows_pointing_at_tables_that_stay(db: None) -> None:
    user = get_user_model().objects.create(email="fix@example.com")
    user.groups.add(Group.objects.create(name="sellers"))
    text, raw = io.StringIO(), io.StringIO()

    for output, arguments in ((text, ()), (raw, ("--format", "json"))):
        with pytest.raises(CommandError) as blocked:
            call_command("extract", "plan", "identity", *arguments, stdout=output)
        assert str(blocked.value) == BLOCKED.format(domains="identity", count=1)

    fix = SHARED_OUT_FIX.format(app="django.contrib.auth", table="identity_user_groups", target="auth_group")
    (blocker,) = json.loads(raw.getvalue())["blockers"]
    assert (blocker["kind"], blocker["fix"]) == ("shared_table", fix)
    assert "Empty identity_user_groups, or recreate the auth_group rows the service needs there" in blocker["fix"]
    lines = text.getvalue().splitlines()
    at = lines.index(f"  [shared_table] {blocker['where']['path']}:{blocker['where']['line']}: {blocker['message']}")
    assert lines[at + 1] == f"      fix: {fix}"
    assert Group.objects.get().user_set.get() == user  # the plan only reads


@pytest.mark.django_db
def test_plan_command_prints_the_plan_as_text() -> None:
    out = io.StringIO()

    call_command("extract", "plan", "orders", stdout=out)

    text = out.getvalue()
    assert text.startswith(f"Extraction plan for orders: {READY}\n")
    assert "  outbound orders -> catalog.reserve_stock" in text
    assert "  publishes orders.OrderPlaced.v1" in text
    assert "  orders_order                     0 rows\n" in text
    assert "  ORDERS_CHECKOUT_TIMEOUT_SECONDS    env ORDERS_CHECKOUT_TIMEOUT_SECONDS" in text
    assert text.rstrip().endswith("Blockers: 0")


@pytest.mark.django_db
def test_plan_command_prints_every_domain_as_a_table_and_json() -> None:
    table, raw = io.StringIO(), io.StringIO()

    call_command("extract", "plan", "--all", stdout=table)
    call_command("extract", "plan", "--all", "--format", "json", stdout=raw)

    lines = table.getvalue().splitlines()
    assert lines[0].split() == [
        "domain", "calls", "in", "calls", "out", "in", "loops", "events", "out", "events", "in",
        "tables", "rows", "settings", "blockers", "ready",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[2:]] == list(settings.DOMAINS)
    assert all(line.split()[-1] == "yes" for line in lines[2:])
    data = json.loads(raw.getvalue())
    assert [each["domain"] for each in data["domains"]] == list(settings.DOMAINS)
    orders = next(each for each in data["domains"] if each["domain"] == "orders")
    assert orders["ready"] is True
    assert orders["blockers"] == []
    assert {"direction": "outbound", "event": "orders.OrderPlaced.v1", "publisher": "orders",
            "subscriber": "catalog.keep_stock_for_placed_order"} in orders["events"]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["plan", "shipping"], UNKNOWN_DOMAIN.format(domain="shipping", domains=", ".join(settings.DOMAINS))),
        (["plan"], PLAN_WHAT),
        (["plan", "orders", "--all"], PLAN_WHAT),
    ],
    ids=["unknown-domain", "nothing-named", "both"],
)
def test_plan_command_says_what_to_name(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("extract", *arguments, stdout=io.StringIO())

    assert str(refused.value) == message
    assert BLOCKED not in str(refused.value)
