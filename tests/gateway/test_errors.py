"""One JSON error shape under /api/, whoever fails: DRF views, Django itself, the gateway."""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory, override_settings
from rest_framework import exceptions

from shared.api.errors import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE_MESSAGE,
    FORBIDDEN_MESSAGE,
    METHOD_NOT_ALLOWED_MESSAGE,
    NOT_FOUND_MESSAGE,
    SERVER_ERROR_MESSAGE,
    SLASH_MISSING_MESSAGE,
    TOO_LARGE,
    VALIDATION_MESSAGE,
    api_exception_handler,
    handler400,
)
from shared.api.negotiation import UNKNOWN_FORMAT
from shared.api.parsers import MALFORMED
from shared.correlation import correlation_scope
from tests.gateway.views import Script

pytestmark = [pytest.mark.urls("tests.gateway.urls"), pytest.mark.django_db]

RID = "req-1"


def shape(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str,
    title: str | None = None,
    field_errors: dict | None = None,
    params: dict | None = None,
) -> dict:
    """The problem document (RFC 9457) the API answers with; the title is the status phrase unless given."""
    return {
        "type": f"urn:modulith:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "field_errors": field_errors or {},
        "params": params or {},
        "correlation_id": RID,
    }


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_unknown_api_path_is_a_json_404_even_with_debug_pages_on(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get("/api/nowhere/", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == shape(
        status=404,
        code="request.not_found",
        detail=NOT_FOUND_MESSAGE.format(path="/api/nowhere/"),
        instance="/api/nowhere/",
    )


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET", "HEAD", "OPTIONS"])
def test_an_api_url_without_its_trailing_slash_is_a_json_404_naming_the_url_to_use(
    client: Client, script: Script, method: str, debug: bool
) -> None:
    client.raise_request_exception = False  # a 500 must show as one, not as a raised exception

    with override_settings(DEBUG=debug):
        response = client.generic(
            method, "/api/test/echo?x=1", data=b'{"a": 1}', content_type="application/json", HTTP_X_REQUEST_ID=RID
        )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert not response.has_header("Location")
    if method != "HEAD":
        assert json.loads(response.content) == shape(
            status=404,
            code="request.not_found",
            detail=SLASH_MISSING_MESSAGE.format(path="/api/test/echo"),
            instance="/api/test/echo",
        )
    assert script.calls == 0


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_the_login_url_without_its_slash_names_the_login_url(client: Client, debug: bool) -> None:
    body = {"email": "casey@example.com", "password": "guess"}

    with override_settings(DEBUG=debug):
        response = client.post("/api/identity/token", data=body, content_type="application/json", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 404
    assert response.json()["detail"] == (
        "Nothing at /api/identity/token: the API's URLs end with a slash. Use /api/identity/token/ "
        "(with the trailing slash)."
    )


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_the_api_root_with_or_without_its_slash_is_a_json_404(client: Client, path: str, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get(path, HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == shape(
        status=404, code="request.not_found", detail=NOT_FOUND_MESSAGE.format(path=path), instance=path
    )


def test_a_path_that_only_starts_like_the_api_keeps_djangos_html_page(client: Client) -> None:
    response = client.get("/apiary")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_outside_the_api_django_keeps_its_html_pages(client: Client) -> None:
    response = client.get("/nowhere/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_domain_error_answers_with_its_kind_code_and_typed_params(client: Client) -> None:
    product_id = uuid.uuid4()

    response = client.get(f"/api/catalog/products/{product_id}/", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 404
    assert response.json() == shape(
        status=404,
        code="catalog.product_not_found",
        title="Product not found",
        detail=f"Product {product_id} does not exist. List products at /api/catalog/products/.",
        instance=f"/api/catalog/products/{product_id}/",
        params={"product_id": str(product_id)},
    )


def test_a_method_a_drf_view_lacks_is_405_with_allow(client: Client) -> None:
    response = client.delete("/api/test/echo/", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert response.json() == shape(
        status=405,
        code="request.method_not_allowed",
        detail=METHOD_NOT_ALLOWED_MESSAGE.format(method="DELETE", path="/api/test/echo/"),
        instance="/api/test/echo/",
    )


def test_a_method_a_plain_django_view_lacks_is_405_in_the_shape_with_allow(client: Client) -> None:
    response = client.delete("/api/test/plain/", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert response.json() == shape(
        status=405,
        code="request.method_not_allowed",
        detail=METHOD_NOT_ALLOWED_MESSAGE.format(method="DELETE", path="/api/test/plain/"),
        instance="/api/test/plain/",
    )


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_plain_django_404_under_the_api_is_json(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get("/api/test/plain/?missing", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 404
    assert response.json() == shape(
        status=404,
        code="request.not_found",
        detail=NOT_FOUND_MESSAGE.format(path="/api/test/plain/"),
        instance="/api/test/plain/",
    )


def test_malformed_json_is_400_with_a_stable_code(client: Client, script: Script) -> None:
    response = client.post("/api/test/echo/", data=b'{"name": ', content_type="application/json", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 400
    assert response.json() == shape(
        status=400,
        code="request.malformed",
        detail=MALFORMED.format(problem="Expecting value: line 1 column 10 (char 9)"),
        instance="/api/test/echo/",
    )


def test_invalid_fields_are_listed_per_field_with_nested_paths(client: Client) -> None:
    body = {"email": "nope", "lines": [{"quantity": 1}, {"quantity": 0}]}

    response = client.post("/api/test/validate/", data=body, content_type="application/json", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 400
    assert response.json() == shape(
        status=400,
        code="request.invalid",
        detail=VALIDATION_MESSAGE,
        instance="/api/test/validate/",
        field_errors={
            "email": ["Enter a valid email address."],
            "lines.1.quantity": ["Ensure this value is greater than or equal to 1."],
        },
    )


def test_an_unsupported_media_type_is_415(client: Client) -> None:
    response = client.post("/api/test/echo/", data="a=1", content_type="text/plain", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 415
    assert response.json() == shape(
        status=415,
        code="request.unsupported_media_type",
        detail='Unsupported media type "text/plain" in request.',
        instance="/api/test/echo/",
    )


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_body_over_the_limit_is_413_and_never_reaches_the_view(client: Client, script: Script) -> None:
    body = {"text": "x" * 100}

    response = client.post("/api/test/echo/", data=body, content_type="application/json", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 413
    assert response.json() == shape(
        status=413, code="request.too_large", detail=TOO_LARGE.format(limit=100), instance="/api/test/echo/"
    )
    assert script.calls == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_body_at_the_limit_is_accepted(client: Client) -> None:
    body = '{"text": "' + "x" * 88 + '"}'
    assert len(body) == 100

    response = client.post("/api/test/echo/", data=body, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"data": {"text": "x" * 88}}


def test_django_refusing_a_body_it_reads_is_413_not_its_default_400(rf: RequestFactory) -> None:
    # Unreachable through the middleware, which refuses by Content-Length first; this is the
    # handler Django calls when code reads request.body past DATA_UPLOAD_MAX_MEMORY_SIZE.
    with correlation_scope(RID):
        response = handler400(rf.post("/api/test/plain/"), RequestDataTooBig())

    assert response.status_code == 413
    assert json.loads(response.content) == shape(
        status=413,
        code="request.too_large",
        detail=TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        instance="/api/test/plain/",
    )


def test_a_database_that_went_away_is_a_503_saying_retry_and_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.WARNING, logger="shared.api.errors"):
        response = client.get("/api/test/database-gone/", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response.json() == shape(
        status=503,
        code="server.unavailable",
        detail=DATABASE_UNAVAILABLE_MESSAGE,
        instance="/api/test/database-gone/",
    )
    assert "administrator command" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "shared.api.errors"]
    assert record.exc_info is not None


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", ["/api/test/crash/", "/api/test/plain/?crash"], ids=["drf-view", "django-view"])
def test_a_crash_is_a_500_that_leaks_nothing_and_is_logged_with_its_traceback(
    path: str, debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(raise_request_exception=False)

    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(path, HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == shape(
        status=500, code="server.error", detail=SERVER_ERROR_MESSAGE, instance=path.split("?")[0]
    )
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
    assert str(record.exc_info[1]).startswith("secret internals")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_the_docs_pages_and_the_schema_answer_errors_in_the_shape_with_their_codes(client: Client, path: str) -> None:
    response = client.get(path, HTTP_AUTHORIZATION="Bearer not.a.token", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "auth.token_invalid"


@pytest.mark.parametrize(
    ("path", "given", "formats"),
    [
        pytest.param("/api/catalog/products/", "api", "json", id="browsable-api"),
        pytest.param("/api/test/echo/", "xml", "json", id="xml"),
        pytest.param("/api/schema/", "api", "json or yaml", id="schema"),
    ],
)
def test_a_format_the_endpoint_does_not_answer_in_is_a_400_naming_the_parameter(
    client: Client, path: str, given: str, formats: str
) -> None:
    response = client.get(f"{path}?format={given}", HTTP_X_REQUEST_ID=RID)

    assert response.status_code == 400
    assert response.json() == shape(
        status=400,
        code="request.invalid",
        detail=VALIDATION_MESSAGE,
        instance=path,
        field_errors={"format": [UNKNOWN_FORMAT.format(given=given, formats=formats)]},
    )


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/test/echo/?format=json", "application/json"),
        ("/api/schema/?format=json", "application/vnd.oai.openapi+json"),
    ],
)
def test_a_format_the_endpoint_answers_in_is_served(client: Client, path: str, content_type: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        pytest.param(exceptions.PermissionDenied(), FORBIDDEN_MESSAGE, id="drf-default-replaced"),
        pytest.param(exceptions.PermissionDenied("Only on Sundays."), "Only on Sundays.", id="own-text-kept"),
        pytest.param(exceptions.NotFound(), NOT_FOUND_MESSAGE.format(path="/api/test/echo/"), id="not-found"),
    ],
)
def test_drfs_default_texts_are_replaced_by_ones_that_say_what_to_do(
    rf: RequestFactory, exc: exceptions.APIException, message: str
) -> None:
    response = api_exception_handler(exc, {"request": rf.get("/api/test/echo/")})

    assert response is not None
    assert response.data["detail"] == message
