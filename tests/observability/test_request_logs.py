"""The lines of a request name its domain and its caller; an event's handlers log in their own domain."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import msgspec
import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from domains.cart.interface import cart
from domains.catalog import inventory
from domains.catalog.interface import StockLineDTO, catalog
from domains.catalog.tests.factories import make_product
from shared.auth.principal import Principal
from shared.auth.service_tokens import SERVICE_TOKEN_HEADER
from shared.correlation import CorrelationIdFilter
from shared.observability.logs import JSON, formatter
from shared.remote.credentials import current_credentials

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


def internal_call(client: Client, path: str, body: object, *, audience: str, request_id: str) -> int:
    """POST to the internal endpoint as another service does: a token for `audience`, the caller's request id."""
    token = current_credentials().headers(audience)[SERVICE_TOKEN_HEADER]
    response = client.post(
        path,
        msgspec.json.encode(body),
        content_type="application/json",
        headers={SERVICE_TOKEN_HEADER: token, "X-Request-ID": request_id},
    )
    return response.status_code


def test_a_line_the_domain_writes_while_serving_a_remote_call_names_the_domain_and_the_callers_request_id(
    client: Client, console: io.StringIO
) -> None:
    # given an order whose reservation catalog already committed
    order_id, tea = uuid.uuid4(), make_product(on_hand=5)
    catalog.reserve_stock(order_id=order_id, lines=(StockLineDTO(product_id=tea.id, quantity=1),))
    inventory.commit_reservation(order_id=order_id)

    # when another service asks catalog to release it, under the id of the action it serves
    status = internal_call(client, "/internal/catalog/release_reservation/", {"order_id": str(order_id)},
                           audience="catalog", request_id="req-remote-release")  # fmt: skip

    # then catalog's line about it is catalog's, under the caller's id
    assert status == 200
    assert [(line["correlation_id"], line["domain"], line["event"], line["order_id"]) for line in lines(console)] == [
        ("req-remote-release", "catalog", "catalog.reservation.already_finished", str(order_id))
    ]


def test_the_endpoints_own_lines_about_a_call_name_the_called_domain_and_the_callers_request_id(
    client: Client, console: io.StringIO
) -> None:
    missing = uuid.uuid4()

    refused = internal_call(client, "/internal/catalog/get_product/", {"product_id": str(missing)},
                            audience="orders", request_id="req-remote-refused")  # fmt: skip
    not_found = internal_call(client, "/internal/catalog/get_product/", {"product_id": str(missing)},
                              audience="catalog", request_id="req-remote-404")  # fmt: skip

    assert (refused, not_found) == (403, 404)
    assert [(line["correlation_id"], line["domain"], line["event"]) for line in lines(console)] == [
        ("req-remote-refused", "catalog", "remote.refused"),
        ("req-remote-refused", "catalog", "Forbidden: /internal/catalog/get_product/"),
        ("req-remote-404", "catalog", "Not Found: /internal/catalog/get_product/"),
    ]
