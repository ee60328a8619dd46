"""The edge forwards a remote domain's routes to its service: headers, bodies, failures, rate limits, schema."""

from __future__ import annotations

import json
import time
import types
import uuid
from decimal import Decimal

import httpx
import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from conftest import principal
from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.identity.access_tokens import issue_access_token
from shared.api import errors
from shared.api.docs import SchemaView
from shared.boundaries.domains import domain_apps
from shared.gateway.forwarding import CHUNK_BYTES, TIMED_OUT_MESSAGE, _body
from shared.gateway.routing import api_urlpatterns, route_table
from shared.gateway.schema import UPSTREAM_TIMEOUT
from shared.money import Money
from shared.placement import Placement, parse_placement
from tests.remote.faults import FaultProxy
from tests.remote.fixtures import REMOTE_TESTS
from tests.remote.servers import DjangoServer

pytestmark = REMOTE_TESTS


def placed(text: str) -> Placement:
    return parse_placement(text, domains=settings.DOMAINS)


def edge(placement: Placement) -> override_settings:
    """This process as the edge of a deployment whose catalog (or other domain) runs elsewhere."""
    module = types.ModuleType("edge_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("api/schema/", SchemaView.as_view(), name="api-schema"),
        *api_urlpatterns(route_table(domain_apps=domain_apps(), placement=placement)),
    ]
    module.handler404 = errors.handler404  # type: ignore[attr-defined]
    module.handler500 = errors.handler500  # type: ignore[attr-defined]
    return override_settings(ROOT_URLCONF=module, DOMAIN_PLACEMENT=placement)


def bearer(*, staff: bool = False) -> str:
    return f"Bearer {issue_access_token(principal(staff=staff)).token}"


def a_product(on_hand: int = 3) -> uuid.UUID:
    product = catalog.create_product(
        sku=f"G-{uuid.uuid4().hex[:8]}",
        name="Kabusecha",
        description="",
        price=Money(amount=Decimal("7.00"), currency="EUR"),
    )
    catalog.set_stock(product_id=product.id, on_hand=on_hand)
    return product.id


def content(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_a_remote_domains_route_answers_what_its_service_answers(client: Client, shop_service: DjangoServer) -> None:
    product_id = a_product()
    path = f"/api/catalog/products/{product_id}/"

    with edge(placed(f"catalog={shop_service.url}")):
        response = client.get(path, HTTP_X_REQUEST_ID="fwd-1")
    direct = httpx.get(f"{shop_service.url}{path}")

    assert response.streaming is True
    assert response.status_code == 200
    assert json.loads(content(response)) == direct.json()
    assert response["X-Request-ID"] == "fwd-1"


def test_the_request_goes_on_with_its_end_to_end_headers_and_body_and_without_hop_by_hop_ones(
    client: Client, fault_proxy: FaultProxy
) -> None:
    body = {
        "sku": f"G-{uuid.uuid4().hex[:8]}",
        "name": "Hojicha",
        "description": "",
        "price": {"amount": "5.00", "currency": "EUR"},
    }
    key = str(uuid.uuid4())

    with edge(placed(f"catalog={fault_proxy.url}")):
        first = client.post(
            "/api/catalog/products/?via=edge",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=(token := bearer(staff=True)),
            HTTP_IDEMPOTENCY_KEY=key,
            HTTP_X_REQUEST_ID="fwd-2",
            HTTP_CONNECTION="X-Hop",
            HTTP_X_HOP="dropped, named by Connection",
            HTTP_PROXY_AUTHORIZATION="Basic c2VjcmV0",
            HTTP_TE="trailers",
            REMOTE_ADDR="10.1.2.3",
        )
        again = client.post(
            "/api/catalog/products/?via=edge",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=token,
            HTTP_IDEMPOTENCY_KEY=key,
        )

    method, path, headers, sent = fault_proxy.seen[0]
    assert (method, path, json.loads(sent)) == ("POST", "/api/catalog/products/?via=edge", body)
    assert headers["authorization"] == token
    assert headers["idempotency-key"] == key
    assert headers["x-request-id"] == "fwd-2"
    assert headers["content-type"] == "application/json"
    assert (headers["x-forwarded-for"], headers["x-forwarded-host"], headers["x-forwarded-proto"]) == (
        "10.1.2.3",
        "testserver",
        "http",
    )
    assert headers["x-gateway-client-ip"] == "10.1.2.3"
    assert headers["x-service-authorization"].startswith("Bearer ")
    assert not {"x-hop", "proxy-authorization", "te"} & headers.keys()
    assert first.status_code == 201
    assert (again.status_code, json.loads(content(again))["code"]) == (409, "catalog.sku_already_exists")
    assert not first.has_header("Connection")
    assert not first.has_header("Keep-Alive")


def test_an_idempotency_key_is_honoured_by_the_service_behind_the_edge(
    client: Client, shop_service: DjangoServer
) -> None:
    customer = principal()
    cart.add_item(customer_id=customer.id, product_id=a_product(), quantity=1)
    token = f"Bearer {issue_access_token(customer).token}"
    key = str(uuid.uuid4())

    with edge(placed(f"orders={shop_service.url}")):
        checkouts = [
            client.post(
                "/api/orders/checkout/",
                json.dumps({"payment_token": "tok_visa"}),
                content_type="application/json",
                HTTP_AUTHORIZATION=token,
                HTTP_IDEMPOTENCY_KEY=key,
            )
            for _ in range(2)
        ]

    first, again = (json.loads(content(response)) for response in checkouts)
    assert [response.status_code for response in checkouts] == [201, 201]
    assert again == first
    assert (checkouts[0].has_header("Idempotent-Replayed"), checkouts[1]["Idempotent-Replayed"]) == (False, "true")
    assert checkouts[1]["Location"] == checkouts[0]["Location"]


def test_a_request_body_is_read_and_sent_in_chunks_never_whole() -> None:
    payload = b"x" * (CHUNK_BYTES * 3 + 10)
    request = RequestFactory().post("/api/catalog/products/", payload, content_type="application/octet-stream")

    chunks = list(_body(request))

    assert [len(chunk) for chunk in chunks] == [CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 10]
    assert "_body" not in request.__dict__  # Django never read the whole body into memory


def test_a_domain_error_from_the_service_keeps_its_shape_and_the_correlation_id(
    client: Client, shop_service: DjangoServer
) -> None:
    missing = uuid.uuid4()

    with edge(placed(f"catalog={shop_service.url}")):
        response = client.get(f"/api/catalog/products/{missing}/", HTTP_X_REQUEST_ID="fwd-3")

    assert response.status_code == 404
    assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE
    body = json.loads(content(response))
    assert (body["code"], body["correlation_id"], body["params"]) == (
        "catalog.product_not_found",
        "fwd-3",
        {"product_id": str(missing)},
    )


@pytest.mark.parametrize("where", ["dead-url", "empty-registry"])
def test_with_no_live_instance_the_edge_answers_503_in_the_apis_shape_within_a_second(
    client: Client, dead_url: str, where: str
) -> None:
    placement = placed(f"catalog={dead_url}" if where == "dead-url" else "catalog=registry")
    prefix = f"modulith-test-empty-{uuid.uuid4().hex[:8]}:"

    with edge(placement), override_settings(SERVICE_REGISTRY_PREFIX=prefix):
        started = time.monotonic()
        response = client.get("/api/catalog/products/", HTTP_X_REQUEST_ID="fwd-4")
        elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert response.status_code == 503
    assert response["Content-Type"] == errors.PROBLEM_CONTENT_TYPE
    body = response.json()
    assert (body["code"], body["status"], body["correlation_id"]) == ("kernel.service_unavailable", 503, "fwd-4")
    assert body["params"]["domain"] == "catalog"


@override_settings(GATEWAY_FORWARD_TIMEOUT_SECONDS=0.5)
def test_a_service_that_does_not_answer_in_time_is_a_504(client: Client, fault_proxy: FaultProxy) -> None:
    fault_proxy.then("hang")

    with edge(placed(f"catalog={fault_proxy.url}")):
        response = client.get("/api/catalog/products/")
    fault_proxy.release()

    assert response.status_code == 504
    assert response.json()["code"] == "gateway.upstream_timeout"
    assert response.json()["detail"] == TIMED_OUT_MESSAGE.format(domain="catalog", seconds=0.5)


def test_a_forwarded_request_is_counted_once_the_service_trusting_the_edge_only_with_its_token(
    client: Client, limited_service: DjangoServer
) -> None:
    """The service allows 2 anonymous requests an hour and 1 login; the edge its own 120 a minute."""
    with edge(placed(f"catalog={limited_service.url}")):
        through_edge = [client.get("/api/catalog/categories/").status_code for _ in range(4)]
    forged = {"X-Gateway-Counted": "anon", "X-Gateway-Client-IP": f"10.0.{uuid.uuid4().int % 250}.1"}
    direct = [httpx.get(f"{limited_service.url}/api/catalog/categories/", headers=forged).status_code for _ in range(3)]

    assert through_edge == [200, 200, 200, 200]  # counted by the edge; the service trusted its word
    assert direct == [200, 200, 429]  # the same claim without a service token counts as any request


def test_a_scope_only_the_service_knows_is_counted_there_per_client_not_per_edge(
    client: Client, limited_service: DjangoServer
) -> None:
    login = {"email": "nobody@example.com", "password": "wrong-password-1"}
    alice, bob = f"10.7.{uuid.uuid4().int % 250}.1", f"10.8.{uuid.uuid4().int % 250}.2"

    with edge(placed(f"identity={limited_service.url}")):
        attempts = [
            client.post("/api/identity/token/", json.dumps(login), content_type="application/json", REMOTE_ADDR=ip)
            for ip in (alice, alice, bob)
        ]

    assert [response.status_code for response in attempts] == [401, 429, 401]


def test_the_edges_schema_shows_the_operations_of_a_domain_placed_elsewhere(
    client: Client, shop_service: DjangoServer
) -> None:
    local = client.get("/api/schema/?format=json").json()

    with edge(placed(f"catalog={shop_service.url}")):
        merged = client.get("/api/schema/?format=json").json()

    catalog_paths = {
        path: {method: {**op, "responses": {**op["responses"], "504": UPSTREAM_TIMEOUT}} for method, op in item.items()}
        for path, item in local["paths"].items()
        if path.startswith("/api/catalog/")
    }
    assert catalog_paths
    assert {path: item for path, item in merged["paths"].items() if path.startswith("/api/catalog/")} == catalog_paths
    assert not any("{subpath}" in path for path in merged["paths"])
    assert "Not shown" not in merged["info"]["description"]


def test_a_schema_the_service_cannot_give_is_said_missing(client: Client, dead_url: str) -> None:
    with edge(placed(f"catalog={dead_url}")):
        merged = client.get("/api/schema/?format=json").json()

    assert not any(path.startswith("/api/catalog/") for path in merged["paths"])
    assert "**Not shown: the operations of catalog**" in merged["info"]["description"]
