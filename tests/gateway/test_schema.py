"""The OpenAPI schema: valid without a warning, documents the error shape, auth and idempotency; docs offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER, KEY_PATTERN
from shared.api.schema import API_DESCRIPTION

ERROR_REF = {"$ref": "#/components/schemas/Problem"}
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it (it raises on any warning)."""
    path = Path(tmp_path_factory.mktemp("schema")) / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_the_schema_generates_valid_and_without_warnings_and_introduces_the_gateway(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["description"] == API_DESCRIPTION
    assert "/api/catalog/products/" in schema["paths"]


def test_the_error_shape_is_a_component_with_every_field(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Problem"]

    assert sorted(error["required"]) == [
        "code",
        "correlation_id",
        "detail",
        "field_errors",
        "instance",
        "params",
        "status",
        "title",
        "type",
    ]


def test_every_error_response_of_every_operation_is_the_error_shape(schema: dict[str, Any]) -> None:
    errors = {
        (path, method, status): response["content"]["application/problem+json"]["schema"]
        for path, method, op in operations(schema)
        for status, response in op["responses"].items()
        if int(status) >= 400
    }

    assert errors
    assert dict.fromkeys(errors, ERROR_REF) == errors
    assert all("429" in op["responses"] for _, _, op in operations(schema))


def test_public_operations_need_no_token_and_the_others_document_401(schema: dict[str, Any]) -> None:
    for path, method, op in operations(schema):
        public = {} in op.get("security", [])
        no_token = "`auth.not_authenticated`" in op["responses"].get("401", {}).get("description", "")
        assert no_token is not public, f"{method.upper()} {path}"


def test_a_public_operation_documents_the_401_its_view_declares(schema: dict[str, Any]) -> None:
    login = schema["paths"]["/api/identity/token/"]["post"]

    assert login["responses"]["401"]["description"] == "Domain error: `identity.invalid_credentials`."


def test_every_request_body_refuses_fields_it_does_not_declare(schema: dict[str, Any]) -> None:
    bodies = {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request") and component.get("type") == "object"
    }

    assert bodies
    assert {name: body.get("additionalProperties") for name, body in bodies.items()} == dict.fromkeys(bodies, False)


def test_every_operation_with_query_parameters_documents_400(schema: dict[str, Any]) -> None:
    with_query = [
        (path, method, op)
        for path, method, op in operations(schema)
        if any(p["in"] == "query" for p in op.get("parameters", []))
    ]

    assert ("/api/orders/", "get") in {(path, method) for path, method, _ in with_query}
    assert [f"{method} {path}" for path, method, op in with_query if "400" not in op["responses"]] == []


def test_an_amount_is_documented_with_the_exact_pattern_the_server_takes(schema: dict[str, Any]) -> None:
    pattern = re.compile(schema["components"]["schemas"]["MoneyRequest"]["properties"]["amount"]["pattern"])

    assert [text for text in ("0", "12.50", "999999.99", "1000000.00") if not pattern.search(text)] == []
    assert [text for text in ("", "-1", "1e3", "012", "1.505", "1000000.01") if pattern.search(text)] == []


def test_deletes_document_what_they_answer_and_an_order_its_history(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    order = schema["components"]["schemas"]["OrderDetailOutput"]

    assert "200" in paths["/api/cart/"]["delete"]["responses"]
    assert "200" in paths["/api/cart/items/{product_id}/"]["delete"]["responses"]
    assert "204" in paths["/api/catalog/products/{product_id}/"]["delete"]["responses"]
    assert paths["/api/orders/{order_id}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderDetailOutput"
    }
    assert "history" in order["required"]


def test_the_idempotency_key_header_is_documented_with_its_format(schema: dict[str, Any]) -> None:
    [header] = [p for p in schema["paths"]["/api/orders/checkout/"]["post"]["parameters"] if p["in"] == "header"]

    assert header["schema"] == {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN}


def test_a_view_that_accepts_an_idempotency_key_documents_the_header_409_and_422() -> None:
    generated = SchemaGenerator(urlconf="tests.gateway.urls").get_schema(request=None, public=True)

    operation = generated["paths"]["/api/test/groups/"]["post"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (header["name"], header.get("required", False)) == (IDEMPOTENCY_KEY_HEADER, False)
    assert {"409", "422"} <= operation["responses"].keys()
    assert "parameters" not in generated["paths"]["/api/test/whoami/"]["get"]


def test_the_schema_is_served_to_anyone(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == settings.SPECTACULAR_SETTINGS["TITLE"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"], ids=["swagger-ui", "redoc"])
def test_the_docs_pages_load_everything_from_our_own_static_files(client: Client, path: str) -> None:
    response = client.get(path)

    assets = ASSET.findall(response.content.decode())
    assert response.status_code == 200
    assert assets
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL) or asset.startswith(f"/{settings.STATIC_URL}"), asset
        assert finders.find(asset.split(settings.STATIC_URL, 1)[1]) is not None, asset
    assert "https://" not in response.content.decode()


def test_swagger_ui_does_not_call_the_online_validator(client: Client) -> None:
    assert '"validatorUrl": null' in client.get("/api/docs/").content.decode()
