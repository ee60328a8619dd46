"""The internal endpoint, in process: who may call it, what it decodes, what it answers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

import jwt
import msgspec
import pytest
from django.test import Client, override_settings

from domains.catalog.interface import ProductDTO, catalog
from domains.catalog.models import Product
from shared import wire
from shared.api.errors import PROBLEM_CONTENT_TYPE
from shared.auth.service_tokens import (
    INVALID,
    MISSING,
    SERVICE_TOKEN_HEADER,
    SERVICE_TOKEN_TYPE,
    UNKNOWN_KID,
    WRONG_AUDIENCE,
    WRONG_TYPE,
)
from shared.db.transactions import connection_for
from shared.interfaces import interface_of
from shared.keyfiles import generate_private_key
from shared.money import Money
from shared.placement import parse_placement
from shared.remote.credentials import ServiceCredentials, current_credentials
from shared.remote.server import (
    ARGUMENTS_INVALID,
    METHOD_NOT_ALLOWED,
    NO_SUCH_DOMAIN,
    NO_SUCH_OPERATION,
    NOT_SERVED_HERE,
    REQUEST_ID_REQUIRED,
    REQUEST_ID_REUSED,
)

pytestmark = pytest.mark.django_db

GET_PRODUCT = "/internal/catalog/get_product/"
CREATE_PRODUCT = "/internal/catalog/create_product/"


def call(
    client: Client, path: str, body: object, *, audience: str = "catalog", headers: dict[str, str] | None = None
) -> object:
    token = (
        {} if audience == "" else {SERVICE_TOKEN_HEADER: current_credentials().headers(audience)[SERVICE_TOKEN_HEADER]}
    )
    return client.post(
        path,
        msgspec.json.encode(body),
        content_type="application/json",
        headers={**token, "X-Request-ID": "req-7", **(headers or {})},
    )


def a_product() -> ProductDTO:
    return catalog.create_product(
        sku=f"E-{uuid.uuid4().hex[:8]}",
        name="Bancha",
        description="",
        price=Money(amount=Decimal("3.00"), currency="EUR"),
    )


def problem(status: int, code: str, detail: str, instance: str, *, title: str, params: dict | None = None) -> dict:
    return {
        "type": f"urn:modulith:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "field_errors": {},
        "params": params or {},
        "correlation_id": "req-7",
    }


def test_a_call_answers_the_encoded_result(client: Client) -> None:
    product = a_product()

    response = call(client, GET_PRODUCT, {"product_id": str(product.id)})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert wire.loads(response.content, ProductDTO) == product
    assert response["X-Request-ID"] == "req-7"


def test_a_domain_error_is_a_problem_document_with_its_code_and_typed_params(client: Client) -> None:
    missing = uuid.uuid4()

    response = call(client, GET_PRODUCT, {"product_id": str(missing)})

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json() == problem(
        404,
        "catalog.product_not_found",
        f"Product {missing} does not exist. List products at /api/catalog/products/.",
        GET_PRODUCT,
        title="Product not found",
        params={"product_id": str(missing)},
    )


def test_a_call_without_a_service_token_is_refused_with_401(
    client: Client, unchanged_database: Callable[[], AbstractContextManager[None]]
) -> None:
    with unchanged_database():
        response = call(client, CREATE_PRODUCT, {"sku": "X", "name": "x", "description": "", "price": {}}, audience="")

    assert response.status_code == 401
    assert response.json() == problem(401, "auth.service_token_missing", MISSING, CREATE_PRODUCT, title="Unauthorized")


def forged(**changes: object) -> str:
    """A token like the deployment's own, signed by a key nobody trusts, or with other headers and claims."""
    key = generate_private_key("EdDSA")
    claims = {"iss": "intruder", "aud": "catalog", "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "j"}
    headers = {"kid": "unknown-kid", "typ": SERVICE_TOKEN_TYPE, **changes.pop("headers", {})}  # type: ignore[dict-item]
    return jwt.encode({**claims, **changes}, key, algorithm="EdDSA", headers=headers)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        pytest.param("Bearer not-a-jwt", "it is not a well-formed JWT", id="garbage"),
        pytest.param(f"Bearer {forged()}", UNKNOWN_KID.format(kid="unknown-kid"), id="untrusted-key"),
        pytest.param(
            f"Bearer {forged(headers={'typ': 'at+jwt'})}", WRONG_TYPE.format(typ="at+jwt"), id="an-access-token"
        ),
        pytest.param("Basic dXNlcjpwdw==", f"the {SERVICE_TOKEN_HEADER} header is not `Bearer <jwt>`", id="not-bearer"),
    ],
)
def test_a_token_that_does_not_verify_is_refused_with_401(client: Client, token: str, reason: str) -> None:
    response = call(
        client, GET_PRODUCT, {"product_id": str(uuid.uuid4())}, audience="", headers={SERVICE_TOKEN_HEADER: token}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "auth.service_token_invalid"
    assert response.json()["detail"] == INVALID.format(reason=reason)


def test_an_expired_token_of_a_trusted_key_is_refused_with_401(client: Client) -> None:
    credentials = current_credentials()
    stale = ServiceCredentials(
        service="monolith", key=credentials._key, lifetime_seconds=60, clock=lambda: time.time() - 3600
    )

    response = call(
        client, GET_PRODUCT, {"product_id": str(uuid.uuid4())}, audience="", headers=stale.headers("catalog")
    )

    assert response.status_code == 401
    assert response.json()["detail"] == INVALID.format(reason="it has expired")


def test_a_token_made_out_to_another_domain_is_refused_with_403(
    client: Client, unchanged_database: Callable[[], AbstractContextManager[None]]
) -> None:
    with unchanged_database():
        response = call(
            client,
            CREATE_PRODUCT,
            {"sku": "X-1", "name": "x", "description": "", "price": {"amount": "1.00", "currency": "EUR"}},
            audience="billing",
            headers={"X-Service-Request-ID": "r" * 16},
        )

    assert response.status_code == 403
    assert response.json() == problem(
        403,
        "auth.service_token_wrong_audience",
        WRONG_AUDIENCE.format(audience="billing", expected="catalog"),
        CREATE_PRODUCT,
        title="Forbidden",
    )


@pytest.mark.parametrize(
    ("path", "status", "code", "detail"),
    [
        pytest.param(
            "/internal/search/find/",
            404,
            "remote.no_such_operation",
            NO_SUCH_DOMAIN.format(domain="search", domains="billing, cart, catalog, identity, notifications, orders"),
            id="no-such-domain",
        ),
        pytest.param(
            "/internal/catalog/drop_tables/",
            404,
            "remote.no_such_operation",
            NO_SUCH_OPERATION.format(
                domain="catalog",
                operation="drop_tables",
                operations=", ".join(sorted(interface_of(catalog).meta.operations)),
            ),
            id="no-such-operation",
        ),
    ],
)
def test_what_does_not_exist_is_a_404_naming_what_does(
    client: Client, path: str, status: int, code: str, detail: str
) -> None:
    response = call(client, path, {})

    assert (response.status_code, response.json()["code"], response.json()["detail"]) == (status, code, detail)


def test_a_domain_placed_elsewhere_is_not_served_here_so_no_call_can_loop(client: Client) -> None:
    placement = parse_placement(
        "catalog=http://10.0.0.5:8000", domains=("identity", "catalog", "cart", "orders", "billing", "notifications")
    )

    with override_settings(DOMAIN_PLACEMENT=placement):
        response = call(client, GET_PRODUCT, {"product_id": str(uuid.uuid4())})

    assert response.status_code == 404
    assert response.json()["code"] == "remote.not_served_here"
    assert response.json()["detail"] == NOT_SERVED_HERE.format(domain="catalog", where="http://10.0.0.5:8000")


def test_only_post_is_allowed(client: Client) -> None:
    response = client.get(GET_PRODUCT)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["detail"] == METHOD_NOT_ALLOWED.format(path=GET_PRODUCT)


@pytest.mark.parametrize(
    ("body", "problem_text"),
    [
        pytest.param({"product_id": "nope"}, "Invalid UUID - at `$.product_id`", id="not-a-uuid"),
        pytest.param({}, "Object missing required field `product_id`", id="missing"),
        pytest.param(
            {"product_id": str(uuid.UUID(int=1)), "sku": "x"}, "Object contains unknown field `sku`", id="unknown"
        ),
        pytest.param([1], "Expected `object`, got `array`", id="not-an-object"),
    ],
)
def test_arguments_that_do_not_fit_the_signature_are_a_400_naming_the_field(
    client: Client, body: object, problem_text: str
) -> None:
    response = call(client, GET_PRODUCT, body)

    assert response.status_code == 400
    assert response.json()["code"] == "remote.arguments_invalid"
    assert response.json()["detail"] == ARGUMENTS_INVALID.format(
        operation="catalog.get_product", problem=f"catalog.get_product: {problem_text}"
    )


CREATE = {"sku": "", "name": "Hojicha", "description": "", "price": {"amount": "5.00", "currency": "EUR"}}


def test_a_creating_call_repeated_with_its_request_id_creates_once_and_answers_the_first_result(client: Client) -> None:
    body = {**CREATE, "sku": f"C-{uuid.uuid4().hex[:8]}"}
    request_id = {"X-Service-Request-ID": uuid.uuid4().hex}

    first = call(client, CREATE_PRODUCT, body, headers=request_id)
    again = call(client, CREATE_PRODUCT, body, headers=request_id)
    other = call(client, CREATE_PRODUCT, {**body, "name": "Kukicha"}, headers=request_id)

    assert (first.status_code, again.status_code) == (200, 200)
    assert wire.loads(again.content, ProductDTO) == wire.loads(first.content, ProductDTO)
    assert Product.objects.filter(sku=body["sku"]).count() == 1
    assert other.status_code == 422
    assert other.json()["detail"] == REQUEST_ID_REUSED.format(
        request_id=request_id["X-Service-Request-ID"], operation="catalog.create_product"
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("extra", "status"), [({}, 200), ({"category_id": str(uuid.uuid4())}, 404)], ids=["created", "refused"]
)
def test_a_creating_call_leaves_no_fence_behind_on_the_servers_connection(
    client: Client, extra: dict[str, str], status: int
) -> None:
    """The fence is a session lock, and the server's connection lives on after the request."""
    body = {**CREATE, "sku": f"HELD-{uuid.uuid4().hex[:8]}", **extra}
    held_before = advisory_locks_held("catalog")

    response = call(client, CREATE_PRODUCT, body, headers={"X-Service-Request-ID": uuid.uuid4().hex})

    assert response.status_code == status
    assert advisory_locks_held("catalog") == held_before


def advisory_locks_held(domain: str) -> int:
    """Advisory locks this process's connection to `domain`'s database holds (earlier tests' included)."""
    with connection_for(domain).cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
        )
        return cursor.fetchone()[0]


def test_a_creating_call_whose_first_attempt_failed_runs_again(client: Client) -> None:
    body = {**CREATE, "sku": f"F-{uuid.uuid4().hex[:8]}", "category_id": str(uuid.uuid4())}  # no such category
    request_id = {"X-Service-Request-ID": uuid.uuid4().hex}

    first = call(client, CREATE_PRODUCT, body, headers=request_id)
    again = call(client, CREATE_PRODUCT, body, headers=request_id)

    assert (first.status_code, again.status_code) == (404, 404)
    assert again.json()["code"] == "catalog.category_not_found"


def test_a_creating_call_without_a_request_id_is_refused(
    client: Client, unchanged_database: Callable[[], AbstractContextManager[None]]
) -> None:
    with unchanged_database():
        response = call(client, CREATE_PRODUCT, {**CREATE, "sku": "NO-ID"})

    assert response.status_code == 400
    assert response.json()["code"] == "remote.request_id_required"
    assert response.json()["detail"] == REQUEST_ID_REQUIRED.format(operation="catalog.create_product")
