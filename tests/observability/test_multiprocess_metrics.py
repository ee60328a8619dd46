"""Under gunicorn with two workers, one scrape adds up what every worker counted."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from conftest import principal
from domains.identity.access_tokens import issue_access_token
from tests.observability.conftest import SERVER_TESTS
from tests.observability.servers import Gunicorn, get, send

pytestmark = SERVER_TESTS

REQUESTS = 24
CLIENTS = 6


def scrape(server: Gunicorn) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = get(f"{server.url}/metrics")
    assert status == 200, body
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def pids_that_counted(multiprocess_dir: Path) -> int:
    """How many processes wrote counters (prometheus_client keeps one file per process: counter_<pid>.db)."""
    return len(list(multiprocess_dir.glob("counter_*.db")))


def test_a_scrape_counts_the_requests_and_interface_calls_of_every_worker(
    shop_server: Gunicorn, multiprocess_dir: Path
) -> None:
    route = ("route", "cart:item-list"), ("method", "POST"), ("status", "404")
    call = ("domain", "catalog"), ("operation", "get_product"), ("outcome", "domain_error"), ("placement", "local")
    before = scrape(shop_server)
    authorization = {"Authorization": f"Bearer {issue_access_token(principal()).token}"}

    def add_a_missing_product(_: int) -> int:
        # the cart asks the catalog for it (an interface call), which says it does not exist (404)
        body = {"product_id": str(uuid.uuid4()), "quantity": 1}
        return send(f"{shop_server.url}/api/cart/items/", body=body, headers=authorization)[0]

    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:  # at once, so that both workers serve
        statuses = list(clients.map(add_a_missing_product, range(REQUESTS)))

    after = scrape(shop_server)
    assert statuses == [404] * REQUESTS
    assert pids_that_counted(multiprocess_dir) == 2
    requests = ("modulith_http_requests_total", tuple(sorted(route)))
    calls = ("modulith_interface_calls_total", tuple(sorted(call)))
    assert after[requests] - before.get(requests, 0) == REQUESTS
    assert after[calls] - before.get(calls, 0) == REQUESTS
