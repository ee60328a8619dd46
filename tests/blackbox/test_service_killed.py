"""An extracted service SIGKILLed mid-flow: every checkout still ends as promised.

In the placement with the catalog in a service of its own (tests/blackbox/deployments.py),
customers check out over HTTP while the catalog service's web and worker processes are
SIGKILLed together and, a moment later, started again, as a supervisor would. Checkout
reserves stock through catalog's interface over HTTP, so while catalog is down a checkout
answers 503 (the client retries it with the same Idempotency-Key, as the README says); a
reservation catalog made just before it died, whose answer never arrived, is released when
the abandoned checkout's event reaches catalog after its restart.

Afterwards, read through the API alone: every order the clients were told of is
confirmed; each has exactly one captured payment; every product's available units are its
initial units minus those confirmed orders bought (so no reservation still holds a unit);
the clients were only ever told documented things.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.blackbox.deployments import Deployment
from tests.blackbox.shop import Shopper, eventually, new_product, register, settled_order, staff
from tests.extract.services import relaunch, wait_ready
from tests.reliability.processes import wait_until

pytestmark = [
    pytest.mark.processes,
    pytest.mark.postgres,
    pytest.mark.xdist_group("blackbox"),
    pytest.mark.placements("catalog"),
]

logger = logging.getLogger(__name__)

KILLED = "catalog"
CUSTOMERS = 6
PURCHASES_EACH = 8
KILL_AFTER = 12
"""Checkouts placed before the kill; the rest run into the outage and after it."""
DOWN_SECONDS = 3.0
ON_HAND = 100
RETRY_FOR_SECONDS = 90.0
TRY_AGAIN = {409, 503}
"""Statuses that tell a client to send the same request again (README "Checkout"): in flight, or unavailable."""
DOCUMENTED = {(200, ""), (201, ""), (409, "idempotency.request_in_flight"), (409, "orders.checkout_in_progress")}
UNAVAILABLE_CODES = {"kernel.service_unavailable", "server.unavailable"}


class Buyer:
    """One customer buying a unit at a time; each request sent again (a checkout with its key) until answered."""

    def __init__(self, shopper: Shopper, products: list[dict[str, Any]], answers: Counter[tuple[int, str]]) -> None:
        self.shopper = shopper
        self.products = products
        self.answers = answers
        self.orders: list[tuple[str, str]] = []
        """(order id, product id) of each order placed."""

    def buy(self, index: int) -> None:
        """Add one unit of a product to the cart, then check out: each request sent again while told to retry."""
        product = self.products[index % len(self.products)]
        self.send("/api/cart/items/", {"product_id": product["id"], "quantity": 1})
        placed = self.send("/api/orders/checkout/", {"payment_token": "tok_visa"}, key=str(uuid.uuid4()))
        self.orders.append((placed["id"], product["id"]))

    def send(self, path: str, body: dict[str, Any], *, key: str = "") -> Any:
        headers = {"Authorization": f"Bearer {self.shopper.token}", **({"Idempotency-Key": key} if key else {})}
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while True:
            answer = httpx.post(f"{self.shopper.base_url}{path}", json=body, headers=headers, timeout=30.0)
            payload = answer.json()
            code = payload.get("code", "") if answer.status_code >= 400 else ""
            self.answers[(answer.status_code, code)] += 1
            if answer.status_code in (200, 201):
                return payload
            if answer.status_code not in TRY_AGAIN or time.monotonic() > deadline:
                raise AssertionError(f"POST {path} answered {answer.status_code}: {answer.text[:2000]}")
            time.sleep(float(answer.headers.get("Retry-After", "1")))


def kill_and_restart(deployment: Deployment) -> None:
    """SIGKILL the service's web and worker at once, leave it down a moment, start both again."""
    processes = [p for p in deployment.processes if p.name.startswith(f"{KILLED} ")]
    assert sorted(p.name for p in processes) == [f"{KILLED} web", f"{KILLED} worker"]
    for process in processes:
        os.killpg(process.process.pid, signal.SIGKILL)
        process.process.wait(timeout=30)
    time.sleep(DOWN_SECONDS)
    restarted = [relaunch(process) for process in processes]
    deployment.processes[:] = [p for p in deployment.processes if p not in processes] + restarted
    wait_ready(restarted)


def test_checkouts_through_a_killed_and_restarted_catalog_service_end_as_promised(deployment: Deployment) -> None:
    assert deployment.placement.extracted == (KILLED,)
    staff_member = staff(deployment.url)
    products = [new_product(staff_member, name=f"Kill-{i}", price="5.00", on_hand=ON_HAND) for i in range(4)]
    answers: Counter[tuple[int, str]] = Counter()
    buyers = [Buyer(register(deployment.url, full_name=f"Buyer {i}"), products, answers) for i in range(CUSTOMERS)]
    placed = threading.Event()

    def shop(buyer: Buyer) -> None:
        for index in range(PURCHASES_EACH):
            buyer.buy(index)
            if sum(len(b.orders) for b in buyers) >= KILL_AFTER:
                placed.set()

    with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
        shopping = [pool.submit(shop, buyer) for buyer in buyers]
        wait_until(placed.is_set, timeout=RETRY_FOR_SECONDS, what=f"{KILL_AFTER} checkouts before the kill")
        kill_and_restart(deployment)
        for future in shopping:
            future.result()

    orders = {order_id: (buyer, product_id) for buyer in buyers for order_id, product_id in buyer.orders}
    assert len(orders) == CUSTOMERS * PURCHASES_EACH
    settled = {order_id: settled_order(buyer.shopper, order_id) for order_id, (buyer, _) in orders.items()}
    assert {order["status"] for order in settled.values()} == {"confirmed"}
    for buyer in buyers:
        payments = buyer.shopper.get("/api/billing/payments/", params={"page_size": 100})["results"]
        assert sorted((p["order_id"], p["status"]) for p in payments) == sorted(
            (order_id, "captured") for order_id, _ in buyer.orders
        )
    # From the orders' own lines: an add to the cart that was answered 503 and sent again may have added twice.
    sold: Counter[str] = Counter()
    for order in settled.values():
        for line in order["lines"]:
            sold[line["product_id"]] += line["quantity"]
    for product in products:
        eventually(
            lambda product=product: staff_member.get(f"/api/catalog/products/{product['id']}/"),
            until=lambda read, product=product: read["available"] == ON_HAND - sold[product["id"]],
            what=f"product {product['id']}: {ON_HAND} - {sold[product['id']]} sold available, nothing held",
        )
    logger.info("answers while catalog was killed and restarted: %s", dict(answers))
    assert sum(count for (status, _), count in answers.items() if status == 503) > 0, (
        f"No client was told the catalog was unavailable: the kill struck between requests. Answers: {answers}"
    )
    undocumented = {
        answer: count
        for answer, count in answers.items()
        if answer not in DOCUMENTED and not (answer[0] == 503 and answer[1] in UNAVAILABLE_CODES)
    }
    assert undocumented == {}
