"""X-Request-ID: taken or created, returned, set while the request runs, on every log line, passed on."""

from __future__ import annotations

import io
import logging
import re
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client

from shared.bus.models import StoredEvent
from shared.correlation import (
    MAX_CORRELATION_ID_LENGTH,
    REQUEST_ID_HEADER,
    CorrelationIdFilter,
    correlation_scope,
    current_correlation_id,
    is_valid_correlation_id,
    outgoing_headers,
)
from shared.db import database_for
from tests.gateway.views import LOGGED_LINE

pytestmark = [pytest.mark.urls("tests.gateway.urls"), pytest.mark.django_db]

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_request_without_an_id_gets_a_new_one_back(client: Client) -> None:
    response = client.get("/api/test/echo/")

    assert GENERATED.fullmatch(response[REQUEST_ID_HEADER])
    assert response.json() == {"correlation_id": response[REQUEST_ID_HEADER]}


def test_a_well_formed_id_from_the_client_is_used_and_returned(client: Client) -> None:
    response = client.get("/api/test/echo/", HTTP_X_REQUEST_ID="checkout-7f3a:retry.2")

    assert response[REQUEST_ID_HEADER] == "checkout-7f3a:retry.2"
    assert response.json() == {"correlation_id": "checkout-7f3a:retry.2"}


@pytest.mark.parametrize(
    "incoming",
    [
        pytest.param("a" * (MAX_CORRELATION_ID_LENGTH + 1), id="too-long"),
        pytest.param("two words", id="space"),
        pytest.param("id\r\nSet-Cookie: x=1", id="header-injection"),
        pytest.param("<script>", id="markup"),
        pytest.param("-rf", id="leading-dash"),
        pytest.param("caf\u00e9", id="non-ascii"),
    ],
)
def test_a_malformed_id_is_replaced_by_a_new_one(client: Client, incoming: str) -> None:
    response = client.get("/api/test/echo/", HTTP_X_REQUEST_ID=incoming)

    assert GENERATED.fullmatch(response[REQUEST_ID_HEADER])
    assert response.json() == {"correlation_id": response[REQUEST_ID_HEADER]}


def test_the_longest_id_accepted_is_the_longest_the_event_table_stores() -> None:
    assert is_valid_correlation_id("a" * MAX_CORRELATION_ID_LENGTH)
    assert not is_valid_correlation_id("a" * (MAX_CORRELATION_ID_LENGTH + 1))
    assert not is_valid_correlation_id("")


def test_error_responses_carry_the_id_in_header_and_body(client: Client) -> None:
    response = client.get("/api/nowhere/", HTTP_X_REQUEST_ID="req-404")

    assert response[REQUEST_ID_HEADER] == "req-404"
    assert response.json()["correlation_id"] == "req-404"


@pytest.mark.django_db(transaction=True)  # events are delivered after commit
def test_an_event_published_while_serving_a_request_carries_its_id(client: Client) -> None:
    body = {"email": "casey@example.com"}

    response = client.post(
        "/api/test/register/", data=body, content_type="application/json", HTTP_X_REQUEST_ID="req-bus"
    )

    assert response.status_code == 201
    event = StoredEvent.objects.using(database_for("identity")).get(name="identity.UserRegistered")
    assert (event.payload["user_id"], event.correlation_id) == (response.json()["id"], "req-bus")


def test_the_id_does_not_outlive_its_request(client: Client) -> None:
    client.get("/api/test/echo/", HTTP_X_REQUEST_ID="req-1")

    assert current_correlation_id() == ""


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the console handler configured by settings.LOGGING writes, captured from its stream."""
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, CorrelationIdFilter) for f in h.filters)]
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    yield stream
    handler.setStream(previous)  # type: ignore[attr-defined]


def test_every_log_line_of_a_request_names_its_id(client: Client, console: io.StringIO) -> None:
    client.get("/api/test/echo/", HTTP_X_REQUEST_ID="req-log")
    client.get("/api/nowhere/", HTTP_X_REQUEST_ID="req-log-404")

    lines = console.getvalue().splitlines()
    assert [line.split(" ", 3)[3] for line in lines] == [
        f"[req-log] tests.gateway {LOGGED_LINE}",
        "[req-log-404] django.request Not Found: /api/nowhere/ status_code=404",
    ]


def test_a_log_line_outside_any_request_shows_a_dash(console: io.StringIO) -> None:
    logging.getLogger("tests.gateway").warning("between requests")

    assert console.getvalue().split(" ", 3)[3] == "[-] tests.gateway between requests\n"


def test_outgoing_headers_carry_the_current_id_and_keep_the_callers() -> None:
    with correlation_scope("req-out"):
        inside = outgoing_headers({"Accept": "application/json"})
    outside = outgoing_headers({"Accept": "application/json"})

    assert inside == {"Accept": "application/json", REQUEST_ID_HEADER: "req-out"}
    assert outside == {"Accept": "application/json"}


def test_a_call_to_another_service_sends_the_id_over_the_wire() -> None:
    seen: list[str | None] = []

    class RecordingHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get(REQUEST_ID_HEADER))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), RecordingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/orders"
        with correlation_scope("req-wire"):
            urllib.request.urlopen(urllib.request.Request(url, headers=outgoing_headers()), timeout=10).close()
    finally:
        server.shutdown()
        server.server_close()

    assert seen == ["req-wire"]
