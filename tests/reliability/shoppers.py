"""Customers buying from the shop over HTTP, several at once, the way a careful client does.

Each client thread has its own keep-alive connection (httpx) and its own customers, and
goes round them: a customer buys again once its last order is final (and, if it was
confirmed, once the cart let go of what was bought), so no customer ever has two orders
waiting for payment. A purchase is "add a product to the cart, check out with a new
Idempotency-Key"; an answer that says "try again" (a 5xx, a dropped connection, a 409
`idempotency.request_in_flight` or `orders.checkout_in_progress`) is retried with the same
key and body after a short pause, as the README asks of a client, until the shop answers
for good. Every answer is counted by (what was asked, status, code), so the test can hold
the shop to the answers it documents.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from shared.api.errors import PROBLEM_CONTENT_TYPE
from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER

CHECKOUT = "/api/orders/checkout/"
PASSWORD = "a-long-passw0rd!"
FINAL = ("confirmed", "cancelled")
DECLINED_SHARE = 0.1
"""Of the checkouts, this share pays with a card the provider declines: their orders are cancelled."""
TRY_AGAIN_STATUSES = frozenset({500, 502, 503, 504})
TRY_AGAIN_CODES = frozenset({"idempotency.request_in_flight", "orders.checkout_in_progress"})
RETRY_PAUSE_SECONDS = (0.2, 1.0)
LOOK_AGAIN_SECONDS = (1.0, 4.0)
"""How long a client leaves a customer whose order is not final yet before asking again: the first wait after
checking out, doubling up to the second (each look is a request the shop serves, as a customer's would be)."""
GIVE_UP_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 30.0
IDLE_CONNECTION_SECONDS = 1.0
"""How long a client keeps an idle connection for its next request: below the server's keep-alive (gunicorn's
default, 2 s), so that a client never sends on a connection the server is closing at that instant (it would get
no answer, a ReadError, which says nothing about the shop). Browsers retry such a request; this client does not."""
NOT_ANSWERED = "no answer"
GAVE_UP = "{method} {path}: still told to try again after {seconds:g}s; the last answer: {answer}"


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    status: int
    code: str
    body: Any
    at: float


@dataclasses.dataclass(slots=True)
class Customer:
    id: str
    token: str
    last_order: str | None = None
    cart_filled: bool = False
    look_again_at: float = 0.0
    look_again_in: float = LOOK_AGAIN_SECONDS[0]


@dataclasses.dataclass(frozen=True, slots=True)
class Purchase:
    order_id: str
    customer_id: str
    payment_token: str
    answered_at: float


class Answers:
    """Every answer the shop gave, counted by (operation, status, code); the ones that asked for a retry, timed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[tuple[str, int, str]] = Counter()
        self.not_problems: list[tuple[str, int, str]] = []
        self.try_again_at: list[float] = []

    def record(self, operation: str, answer: Answer, *, content_type: str) -> None:
        with self._lock:
            self.counts[(operation, answer.status, answer.code)] += 1
            if answer.status >= 400 and content_type != PROBLEM_CONTENT_TYPE:
                self.not_problems.append((operation, answer.status, content_type))
            if answer.status == 0 or answer.status in TRY_AGAIN_STATUSES or answer.code in TRY_AGAIN_CODES:
                self.try_again_at.append(answer.at)


class StoppedError(Exception):
    """The load was stopped (another client failed, or the test was interrupted): stop retrying."""


class Client:
    """One client thread's connection to the shop."""

    def __init__(self, base_url: str, answers: Answers, *, stop: threading.Event | None = None) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            timeout=REQUEST_TIMEOUT_SECONDS,
            limits=httpx.Limits(keepalive_expiry=IDLE_CONNECTION_SECONDS),
        )
        self.answers = answers
        self.stop = stop or threading.Event()

    def close(self) -> None:
        self.http.close()

    def once(
        self, method: str, path: str, *, operation: str, body: Any = None, token: str = "", headers: Mapping[str, str]
    ) -> Answer:
        all_headers = {**headers, **({"Authorization": f"Bearer {token}"} if token else {})}
        try:
            response = self.http.request(method, path, json=body, headers=all_headers)
        except httpx.TransportError as error:
            answer = Answer(status=0, code=f"{NOT_ANSWERED} ({type(error).__name__})", body=None, at=time.monotonic())
            self.answers.record(operation, answer, content_type="")
            return answer
        content_type = response.headers.get("content-type", "").split(";")[0]
        payload = response.json() if response.content and content_type.endswith("json") else response.text
        code = payload.get("code", "") if isinstance(payload, dict) and response.status_code >= 400 else ""
        answer = Answer(status=response.status_code, code=code, body=payload, at=time.monotonic())
        self.answers.record(operation, answer, content_type=content_type)
        return answer

    def call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: Any = None,
        token: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """The shop's answer for good: a "try again" is retried, the same request, after a pause."""
        started = time.monotonic()
        while True:
            answer = self.once(method, path, operation=operation, body=body, token=token, headers=headers or {})
            told_to_retry = answer.status == 0 or answer.status in TRY_AGAIN_STATUSES or answer.code in TRY_AGAIN_CODES
            if not told_to_retry:
                return answer
            if self.stop.is_set():
                raise StoppedError
            if time.monotonic() - started > GIVE_UP_SECONDS:
                raise AssertionError(
                    GAVE_UP.format(
                        method=method, path=path, seconds=GIVE_UP_SECONDS, answer=(answer.status, answer.body)
                    )
                )
            time.sleep(random.uniform(*RETRY_PAUSE_SECONDS))

    def ok(self, method: str, path: str, *, operation: str, body: Any = None, token: str = "") -> Any:
        answer = self.call(method, path, operation=operation, body=body, token=token)
        assert 200 <= answer.status < 300, (method, path, answer.status, answer.body)
        return answer.body


def register_customers(client: Client, count: int) -> list[Customer]:
    customers = []
    for _ in range(count):
        email = f"c-{uuid.uuid4().hex[:12]}@example.com"
        user = client.ok(
            "POST",
            "/api/identity/register/",
            operation="register",
            body={"email": email, "password": PASSWORD, "full_name": "Cy Shopper"},
        )
        token = client.ok(
            "POST", "/api/identity/token/", operation="log in", body={"email": email, "password": PASSWORD}
        )["access_token"]
        customers.append(Customer(id=user["id"], token=token))
    return customers


def add_products(client: Client, staff_token: str, *, count: int, on_hand: int) -> dict[str, int]:
    """`count` products with `on_hand` units each; their ids and stock."""
    products = {}
    for number in range(count):
        body = {
            "sku": f"FAULT-{uuid.uuid4().hex[:8]}-{number}",
            "name": f"Loose-leaf tea no. {number}",
            "price": {"amount": f"{4 + number % 37}.50", "currency": "EUR"},
            "on_hand": on_hand,
        }
        product = client.ok("POST", "/api/catalog/products/", operation="add product", body=body, token=staff_token)
        products[product["id"]] = on_hand
    return products


class Shopping:
    """Client threads buying until `target` checkouts were placed (or `seconds` passed)."""

    def __init__(self, *, base_url: str, customers: Sequence[Customer], product_ids: Sequence[str], threads: int):
        self.base_url = base_url
        self.product_ids = list(product_ids)
        self.threads = threads
        self.slices = [list(customers[i::threads]) for i in range(threads)]
        self.answers = Answers()
        self.purchases: list[Purchase] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def placed(self) -> int:
        return len(self.purchases)

    def run(self, *, target: int, seconds: float, on_progress: Callable[[int], None] = lambda placed: None) -> float:
        """Buy until `target` orders were placed; returns the seconds it took. `on_progress` runs on this thread."""
        started = time.monotonic()
        deadline = started + seconds
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="shopper") as pool:
            try:
                futures = [pool.submit(self._shop, number, target, deadline) for number in range(self.threads)]
                while not all(future.done() for future in futures):
                    on_progress(self.placed)
                    time.sleep(0.1)
            finally:
                self._stop.set()
            failures = [future.exception() for future in futures if future.exception() is not None]
        if failures:
            raise next((f for f in failures if not isinstance(f, StoppedError)), failures[0])
        return time.monotonic() - started

    def _shop(self, number: int, target: int, deadline: float) -> None:
        client = Client(self.base_url, self.answers, stop=self._stop)
        rng = random.Random(number)
        try:
            for customer in itertools.cycle(self.slices[number]):
                if self.placed >= target or self._stop.is_set():
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"Only {self.placed} of {target} checkouts placed in time.")
                if customer.look_again_at > time.monotonic():
                    time.sleep(0.01)
                elif self._ready(client, customer):
                    self._buy(client, customer, rng)
                else:
                    customer.look_again_in = min(2 * customer.look_again_in, LOOK_AGAIN_SECONDS[1])
                    customer.look_again_at = time.monotonic() + customer.look_again_in
        except BaseException:
            self._stop.set()
            raise
        finally:
            client.close()

    def _ready(self, client: Client, customer: Customer) -> bool:
        """No order of the customer's is waiting for payment, and a confirmed one's units left the cart."""
        if customer.last_order is None:
            return True
        order = client.ok("GET", f"/api/orders/{customer.last_order}/", operation="read order", token=customer.token)
        if order["status"] not in FINAL:
            return False
        if order["status"] == "cancelled":
            return True  # the cart is as it was: buy it again
        cart = client.ok("GET", "/api/cart/", operation="read cart", token=customer.token)
        customer.cart_filled = cart["item_count"] > 0
        return not customer.cart_filled

    def _buy(self, client: Client, customer: Customer, rng: random.Random) -> None:
        if not customer.cart_filled:
            item = {"product_id": rng.choice(self.product_ids), "quantity": rng.randint(1, 3)}
            answer = client.call("POST", "/api/cart/items/", operation="add to cart", body=item, token=customer.token)
            assert answer.status == 201, (answer.status, answer.body)
            customer.cart_filled = True
        payment_token = "tok_chargeDeclined" if rng.random() < DECLINED_SHARE else "tok_visa"
        key = str(uuid.uuid4())
        answer = client.call(
            "POST",
            CHECKOUT,
            operation="check out",
            body={"payment_token": payment_token},
            token=customer.token,
            headers={IDEMPOTENCY_KEY_HEADER: key},
        )
        assert answer.status in (200, 201), (answer.status, answer.body)
        customer.last_order = answer.body["id"]
        customer.look_again_in = LOOK_AGAIN_SECONDS[0]
        customer.look_again_at = time.monotonic() + customer.look_again_in
        with self._lock:
            self.purchases.append(
                Purchase(
                    order_id=answer.body["id"],
                    customer_id=customer.id,
                    payment_token=payment_token,
                    answered_at=answer.at,
                )
            )
