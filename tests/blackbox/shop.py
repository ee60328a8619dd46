"""The shop as its customers and staff see it: HTTP requests to one base URL, and nothing else.

Every read and write of the black-box flows goes through here, so they hold wherever the
domains run: all in the monolith, one or all of them in services of their own behind it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.reliability.processes import wait_until

SETTLE_SECONDS = 60.0
FINAL_ORDER_STATUSES = ("confirmed", "cancelled")
PASSWORD = "correct-horse-battery-staple-42"
STAFF_EMAIL = "staff@example.com"
STAFF_PASSWORD = "modulith-demo-2026"  # domains/identity/demo.py, loaded by `manage.py load_demo_data`


class UnexpectedAnswer(AssertionError):
    """The shop answered with another status than the flow expects; the message shows the answer."""


@dataclasses.dataclass
class Shopper:
    """One person's session: a base URL and, once logged in, an access token."""

    base_url: str
    email: str
    token: str = ""

    def request(self, method: str, path: str, *, expect: int | tuple[int, ...] = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = httpx.request(method, f"{self.base_url}{path}", headers=headers, timeout=30.0, **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        if answer.status_code not in expected:
            raise UnexpectedAnswer(f"{method} {path}: {answer.status_code}, expected {expect}: {answer.text[:2000]}")
        return answer.json() if answer.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict[str, Any], **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: dict[str, Any], **kwargs: Any) -> Any:
        return self.request("PUT", path, json=body, **kwargs)

    def log_in(self, password: str) -> Shopper:
        answer = self.post("/api/identity/token/", {"email": self.email, "password": password})
        self.token = answer["access_token"]
        return self


def register(base_url: str, *, full_name: str) -> Shopper:
    """A new customer, registered and logged in."""
    shopper = Shopper(base_url=base_url, email=f"bb-{uuid.uuid4().hex[:12]}@example.com")
    shopper.post(
        "/api/identity/register/", {"email": shopper.email, "password": PASSWORD, "full_name": full_name}, expect=201
    )
    return shopper.log_in(PASSWORD)


def staff(base_url: str) -> Shopper:
    return Shopper(base_url=base_url, email=STAFF_EMAIL).log_in(STAFF_PASSWORD)


def new_product(staff_member: Shopper, *, name: str, price: str, on_hand: int) -> dict[str, Any]:
    """A product staff add over the API, with units on hand."""
    body = {
        "sku": f"BB-{uuid.uuid4().hex[:10]}",
        "name": name,
        "price": {"amount": price, "currency": "EUR"},
        "on_hand": on_hand,
    }
    return staff_member.post("/api/catalog/products/", body, expect=201)


def settled_order(shopper: Shopper, order_id: str) -> dict[str, Any]:
    """The order once the checkout saga finished it (confirmed or cancelled), polled with a deadline."""

    def final() -> dict[str, Any] | None:
        order = shopper.get(f"/api/orders/{order_id}/")
        return order if order["status"] in FINAL_ORDER_STATUSES else None

    return wait_until(final, timeout=SETTLE_SECONDS, what=f"order {order_id} to be confirmed or cancelled")


def eventually(read: Callable[[], Any], *, until: Callable[[Any], bool], what: str) -> Any:
    """What `read` returns once `until` holds for it (an event's effect in another domain), polled with a deadline."""
    return wait_until(
        lambda: (value := read()) is not None and until(value) and value, timeout=SETTLE_SECONDS, what=what
    )
