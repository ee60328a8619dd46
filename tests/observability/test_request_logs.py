"""The lines of a request name its domain and its caller; an event's handlers log in their own domain."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from domains.cart.interface import cart
from domains.catalog.tests.factories import make_product
from shared.auth.principal import Principal
from shared.correlation import CorrelationIdFilter
from shared.observability.logs import JSON, formatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The JSON lines the console handler configured by settings.LOGGING writes, captured from its stream."""
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, CorrelationIdFilter) for f in h.filters)]
    stream, previous_formatter = io.StringIO(), handler.formatter
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    handler.setFormatter(formatter(JSON))
    yield stream
    handler.setStream(previous)  # type: ignore[attr-defined]
    handler.setFormatter(previous_formatter)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_of_a_request_names_the_domain_of_its_route_and_the_authenticated_caller(
    customer_client: APIClient, customer: Principal, console: io.StringIO
) -> None:
    missing = uuid.uuid4()

    customer_client.get(f"/api/orders/{missing}/", headers={"X-Request-ID": "req-orders-404"})
    APIClient().get("/api/catalog/categories/nowhere/", headers={"X-Request-ID": "req-anonymous"})

    assert [(line["correlation_id"], line["domain"], line["user_id"], line["event"]) for line in lines(console)] == [
        ("req-orders-404", "orders", str(customer.id), f"Not Found: /api/orders/{missing}/"),
        ("req-anonymous", None, None, "Not Found: /api/catalog/categories/nowhere/"),
    ]


@pytest.mark.django_db(transaction=True)  # handlers run when the request's transaction commits, inside the request
@override_settings(BILLING_FAKE_PROVIDER_OUTCOME="")
def test_a_handler_run_by_the_request_logs_in_the_subscribers_domain_for_the_same_caller(
    customer_client: APIClient, customer: Principal, console: io.StringIO
) -> None:
    tea = make_product(on_hand=5)
    cart.add_item(customer_id=customer.id, product_id=tea.id, quantity=1)

    response = customer_client.post(
        "/api/orders/checkout/", {"payment_token": "tok_providerErrorOnce"}, format="json",
        headers={"X-Request-ID": "req-checkout"},
    )  # fmt: skip

    assert response.status_code == 201
    failed = [line for line in lines(console) if line["event"] == "bus.delivery.failed"]
    assert [(line["correlation_id"], line["domain"], line["user_id"], line["subscriber"]) for line in failed] == [
        ("req-checkout", "billing", str(customer.id), "billing.charge_requested_payment")
    ]
