"""GET /metrics: the Prometheus text format, HTTP requests by route, breakers, and who may read it."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from shared.observability.exposition import METRICS_TOKEN_NOT_SET, METRICS_TOKEN_REQUIRED
from shared.observability.metrics import BreakerState, set_breaker_state
from tests.observability.samples import sample

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-metrics-token-of-some-length"


def scrape(client: Client, **headers: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """The families of one scrape: name -> {sorted labels: value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        family.name: {tuple(sorted(s.labels.items())): s.value for s in family.samples if s.name.endswith("_total")
                      or s.name == family.name}
        for family in text_string_to_metric_families(response.content.decode())
    }  # fmt: skip


def test_a_scrape_names_every_metric_the_alert_rules_use(client: Client) -> None:
    client.get("/api/catalog/categories/")

    families = scrape(client)

    assert {
        "modulith_interface_calls",
        "modulith_interface_call_duration_seconds",
        "modulith_http_requests",
        "modulith_http_request_duration_seconds",
        "modulith_outbox_up",
        "modulith_outbox_backlog",
        "modulith_outbox_oldest_unfinished_age_seconds",
        "modulith_circuit_breaker_state",
        "modulith_instance_heartbeat_timestamp_seconds",
        "modulith_events_published",
        "modulith_event_deliveries",
    } <= families.keys()
    assert families["modulith_outbox_up"] == {(): 1.0}


def test_requests_are_counted_by_route_name_method_and_status(client: Client) -> None:
    route = {"route": "catalog:category-list", "method": "GET", "status": "200"}
    before = sample("modulith_http_requests_total", **route)
    unmatched = sample("modulith_http_requests_total", route="unmatched", method="GET", status="404")

    client.get("/api/catalog/categories/")
    client.get("/api/catalog/categories/")
    client.get("/no/such/page/at/all")

    assert sample("modulith_http_requests_total", **route) == before + 2
    assert sample("modulith_http_requests_total", route="unmatched", method="GET", status="404") == unmatched + 1
    assert sample("modulith_http_request_duration_seconds_count", route="catalog:category-list", method="GET") >= 2


def test_a_breaker_state_set_by_a_remote_client_is_exported(client: Client) -> None:
    set_breaker_state("payments-provider", BreakerState.OPEN)
    opened = scrape(client)["modulith_circuit_breaker_state"][(("service", "payments-provider"),)]
    set_breaker_state("payments-provider", BreakerState.CLOSED)

    assert opened == 2.0
    assert scrape(client)["modulith_circuit_breaker_state"][(("service", "payments-provider"),)] == 0.0


@override_settings(METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("", id="none"),
        pytest.param(f"Bearer {TOKEN}x", id="wrong"),
        pytest.param(f"Basic {TOKEN}", id="other-scheme"),
    ],
)
def test_with_a_token_set_metrics_answer_only_that_token(client: Client, authorization: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    refused = client.get("/metrics", headers=headers)
    served = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert (refused.status_code, refused.content.decode()) == (401, METRICS_TOKEN_REQUIRED)
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"modulith_http_requests_total" not in refused.content
    assert served.status_code == 200


@override_settings(METRICS_TOKEN="", METRICS_PUBLIC=False)
def test_without_a_token_and_not_public_metrics_are_closed_and_say_how_to_open_them(client: Client) -> None:
    response = client.get("/metrics")

    assert (response.status_code, response.content.decode()) == (403, METRICS_TOKEN_NOT_SET)


def test_metrics_only_answer_get(client: Client) -> None:
    assert client.post("/metrics").status_code == 405
