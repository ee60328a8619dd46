"""The checkout sweep: nothing stays reserved for an order that does not exist, whatever died when.

Each test leaves behind what a crash leaves (a checkout claimed and its stock reserved, then
no request to finish it) and runs `manage.py checkout_sweep --once`, as the loop beside the
server (or celery beat) does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import socket

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from config.celery import CHECKOUT_SWEEP_TASK, app
from config.checkout_sweep import SweepReport, sweep
from config.checks import NOT_POSITIVE, TTL_NOT_ABOVE_TIMEOUT, check_checkout_timings
from domains.cart.interface import cart
from domains.catalog.interface import ProductDTO, ReservationStatus, StockLineDTO, catalog
from domains.catalog.models import Reservation
from domains.orders import checkouts
from domains.orders.models import Checkout, CheckoutStatus
from tests.flows.conftest import Shopper

pytestmark = pytest.mark.django_db(transaction=True)

GONE = f"{socket.gethostname()}:4194305:1700000000.00"  # a process above Linux's largest pid


def run_sweep() -> str:
    out = io.StringIO()
    call_command("checkout_sweep", "--once", stdout=out)
    return out.getvalue()


def dangling() -> list[str]:
    """What `manage.py find_dangling_references` lists (its exit status 1 means some are)."""
    out = io.StringIO()
    with contextlib.suppress(CommandError):
        call_command("find_dangling_references", stdout=out)
    return [line for line in out.getvalue().splitlines() if line.endswith("not found")]


def half_placed(shopper: Shopper, product: ProductDTO, quantity: int) -> str:
    """A checkout that claimed the cart and reserved its stock, whose request has not recorded the order
    (it still holds its fence: this test process)."""
    version = cart.get_cart(customer_id=shopper.id).version
    order_id = checkouts.claim(customer_id=shopper.id, cart_version=version)
    catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=product.id, quantity=quantity),))
    return str(order_id)


def its_process_died(order_id: str) -> None:
    """No session holds its fence any more (PostgreSQL) and its process is gone (SQLite)."""
    checkouts.let_go(order_id)
    Checkout.objects.filter(order_id=order_id).update(holder=GONE)


def status_of_reservation(order_id: str, product: ProductDTO) -> ReservationStatus:
    return catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=product.id, quantity=1),)).status


def test_a_checkout_whose_process_died_is_abandoned_and_its_stock_released_by_the_next_sweep(
    shopper: Shopper, tea: ProductDTO
) -> None:
    shopper.add(tea, 3)
    order_id = half_placed(shopper, tea, 3)
    its_process_died(order_id)
    before = dangling()

    output = run_sweep()

    reservation_id = Reservation.objects.get(order_id=order_id).id
    assert before == [f"catalog.Reservation {reservation_id} -> orders.order {order_id}: not found"]
    assert output == f"checkout sweep: {SweepReport(abandoned=1, released=0, kept=0)}\n"
    assert (status_of_reservation(order_id, tea), catalog.get_product(product_id=tea.id).available) == (
        ReservationStatus.RELEASED,
        10,
    )
    assert dangling() == []
    assert run_sweep() == f"checkout sweep: {SweepReport(abandoned=0, released=0, kept=0)}\n"


@override_settings(CATALOG_RESERVATION_TTL_SECONDS=0)
def test_a_reservation_whose_order_was_never_recorded_is_released_once_it_expires(
    shopper: Shopper, tea: ProductDTO
) -> None:
    shopper.add(tea, 2)
    order_id = half_placed(shopper, tea, 2)  # its request looks alive: only the expiry can tell

    assert sweep() == SweepReport(abandoned=0, released=1, kept=0)
    checkouts.let_go(order_id)
    assert Checkout.objects.get(order_id=order_id).status == CheckoutStatus.ABANDONED
    assert (status_of_reservation(order_id, tea), catalog.get_product(product_id=tea.id).available) == (
        ReservationStatus.RELEASED,
        10,
    )


def test_an_expired_reservation_of_a_recorded_order_is_kept(shopper: Shopper, tea: ProductDTO) -> None:
    shopper.add(tea, 2)
    placed = shopper.checkout("tok_providerError")  # recorded; its payment is retried for a while
    # As if catalog had not heard of the order yet when the reservation expired:
    Reservation.objects.filter(order_id=placed["id"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert sweep() == SweepReport(abandoned=0, released=0, kept=1)
    kept = catalog.reserve_stock(order_id=placed["id"], lines=(StockLineDTO(product_id=tea.id, quantity=2),))
    assert (kept.status, kept.expires_at) == (ReservationStatus.ACTIVE, None)
    assert catalog.get_product(product_id=tea.id).available == 8


def test_celery_beat_runs_the_checkout_sweep_and_never_sends_it_twice() -> None:
    entry = app.conf.beat_schedule["checkout-sweep"]

    assert (entry["task"], entry["schedule"]) == (CHECKOUT_SWEEP_TASK, 5.0)
    app.loader.import_default_modules()
    assert app.tasks[CHECKOUT_SWEEP_TASK].max_retries == 0


@pytest.mark.parametrize(
    ("ttl", "timeout", "sweep_every", "expected"),
    [
        pytest.param(900, 60, 5, [], id="defaults"),
        pytest.param(60, 60, 5, [TTL_NOT_ABOVE_TIMEOUT.format(ttl=60, timeout=60)], id="ttl-not-above-timeout"),
        pytest.param(900, 60, 0, [NOT_POSITIVE.format(name="CHECKOUT_SWEEP_SECONDS", value=0)], id="sweep-never-runs"),
    ],
)
def test_the_checkout_timings_must_nest(ttl: float, timeout: float, sweep_every: float, expected: list[str]) -> None:
    with override_settings(
        CATALOG_RESERVATION_TTL_SECONDS=ttl, ORDERS_CHECKOUT_TIMEOUT_SECONDS=timeout, CHECKOUT_SWEEP_SECONDS=sweep_every
    ):
        problems = check_checkout_timings()

    assert [(problem.id, problem.msg) for problem in problems] == [("modulith.E030", msg) for msg in expected]
