"""The architecture described from the code: domains, operations, imports, event flows, placement, readiness."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import grimp
import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from config.architecture import PLANNER
from domains.identity.models import User
from extract.planning import plan
from shared.architecture import readiness
from shared.architecture.description import Readiness
from shared.architecture.readiness import BOUNDARY_CHECKS, PRIVATE_IMPORT, private_imports
from shared.architecture.survey import dependencies
from shared.architecture.views import STAFF_ONLY
from shared.boundaries.domains import domain_apps
from shared.bus.runtime import default_bus
from shared.bus.subscriptions import Subscription
from shared.interfaces import registry

pytestmark = pytest.mark.django_db  # the extraction planner counts the rows of the tables that would move

DOT_NEWLINE = "\\n"
"""A line break inside a DOT label: backslash, n."""
DOMAINS = sorted(app.label for app in domain_apps())


def described(output: str = "json") -> str:
    out = io.StringIO()
    call_command("architecture", "--format", output, stdout=out)
    return out.getvalue()


def test_every_domain_is_described_with_the_operations_its_interface_declares() -> None:
    description = json.loads(described())

    assert [d["name"] for d in description["domains"]] == DOMAINS
    for domain in description["domains"]:
        declared = sorted(registry.get(domain["name"]).meta.operations)
        assert [op["name"] for op in domain["operations"]] == declared
        assert domain["placement"] == "local"
        assert domain["readiness"]["ready"] is True
    catalog = next(d for d in description["domains"] if d["name"] == "catalog")
    get_product = next(op for op in catalog["operations"] if op["name"] == "get_product")
    assert get_product["signature"] == "(*, product_id: UUID) -> ProductDTO"
    assert "catalog.ProductPriceChanged.v1" in catalog["publishes"]
    assert "catalog.product_not_found" in catalog["errors"]


def subscriptions_of(subscriber: str, *, to: str) -> list[Subscription]:
    """What the bus wires: `subscriber`'s subscriptions to events of domain `to`."""
    return [s for s in default_bus().router if s.id.startswith(f"{subscriber}.") and s.wire_id.startswith(f"{to}.")]


def test_dependencies_come_from_the_imports_and_event_flows_from_the_subscriptions() -> None:
    description = json.loads(described())

    calls = {(d["source"], d["target"]) for d in description["dependencies"]}
    flows = {(f["publisher"], f["subscriber"]): f for f in description["event_flows"]}
    wired = subscriptions_of("catalog", to="orders")
    assert ("cart", "catalog") in calls
    assert ("orders", "catalog") in calls
    assert ("catalog", "orders") not in calls  # catalog's handlers import orders' events: an event flow, not a call
    assert "orders.OrderConfirmed.v1" in flows[("orders", "catalog")]["events"]
    assert flows[("orders", "catalog")]["events"] == sorted({s.wire_id for s in wired})
    assert flows[("orders", "catalog")]["subscriptions"] == sorted(s.id for s in wired)


def test_mermaid_and_dot_draw_a_node_per_domain_and_an_arrow_per_dependency_and_flow() -> None:
    mermaid, dot = described("mermaid"), described("dot")
    events = sorted({s.wire_id.split(".")[1] for s in subscriptions_of("catalog", to="orders")})

    assert mermaid.startswith("flowchart LR\n")
    assert dot.startswith("digraph architecture {\n")
    assert dot.endswith("}\n")
    for domain in DOMAINS:
        assert f'  {domain}["{domain}<br/><small>local</small>"]' in mermaid
        assert f'  {domain} [label="{domain}\\nlocal"];' in dot
    assert "  cart -->|imports| catalog" in mermaid
    mermaid_label, dot_label = ", ".join(events), DOT_NEWLINE.join(events)
    assert f'  orders -.->|"{mermaid_label}"| catalog' in mermaid
    assert f'  orders -> catalog [style=dashed, label="{dot_label}"];' in dot
    assert "click" not in mermaid


def test_a_domain_served_elsewhere_is_placed_at_its_services_url() -> None:
    with override_settings(GATEWAY_REMOTE_DOMAINS={"catalog": "http://catalog.internal:8000"}):
        description = json.loads(described())

    assert {d["name"]: d["placement"] for d in description["domains"]}["catalog"] == "http://catalog.internal:8000"


def test_an_import_of_another_domains_private_module_blocks_both_domains_and_is_no_dependency_edge() -> None:
    graph = grimp.ImportGraph()
    modules = ("domains.orders.services", "domains.catalog.models", "domains.catalog.interface",
               "domains.cart.services", "domains.catalog.tests.factories", "domains.cart.tests.test_x")  # fmt: skip
    for module in modules:
        graph.add_module(module)
    graph.add_import(importer="domains.orders.services", imported="domains.catalog.models")
    graph.add_import(importer="domains.cart.services", imported="domains.catalog.interface")
    graph.add_import(importer="domains.cart.tests.test_x", imported="domains.catalog.tests.factories")

    blocked = PRIVATE_IMPORT.format(
        importer="domains.orders.services", imported="domains.catalog.models", owner="catalog"
    )
    assert private_imports(graph, "orders") == [blocked]
    assert private_imports(graph, "catalog") == [blocked]
    assert private_imports(graph, "cart") == []
    assert [(d.source, d.target) for d in dependencies(graph, subscribed=set())] == [
        ("cart", "catalog"),
        ("orders", "catalog"),
    ]


@pytest.fixture
def planner() -> Iterator[None]:
    def plan(domain: str) -> Readiness:
        return Readiness(ready=domain != "orders", blockers=("a saga spans domains",) if domain == "orders" else (),
                         notes=(), source="extraction planner")  # fmt: skip

    previous = readiness.use_assessor(plan)
    yield
    readiness.use_assessor(previous)


def test_readiness_is_judged_by_the_extraction_planner() -> None:
    description = json.loads(described())

    orders = next(d for d in description["domains"] if d["name"] == "orders")
    assert orders["readiness"]["source"] == PLANNER
    assert orders["readiness"]["ready"] is plan("orders").ready
    assert orders["readiness"]["notes"][0].startswith(f"{len(plan('orders').calls)} interface calls would cross")


def test_without_a_planner_the_boundary_checks_judge() -> None:
    previous = readiness.use_assessor(readiness.boundary_readiness)
    try:
        description = json.loads(described())
    finally:
        readiness.use_assessor(previous)

    assert {d["readiness"]["source"] for d in description["domains"]} == {BOUNDARY_CHECKS}
    assert all(d["readiness"]["ready"] for d in description["domains"])


def test_another_planner_plugs_into_the_readiness_hook(planner: None) -> None:
    description = json.loads(described())

    verdicts = {d["name"]: (d["readiness"]["ready"], d["readiness"]["source"]) for d in description["domains"]}
    assert verdicts["orders"] == (False, "extraction planner")
    assert verdicts["catalog"] == (True, "extraction planner")


def test_the_page_and_its_json_are_for_staff_only(client: Client) -> None:
    customer = User.objects.create_user("ann@example.com", "a-long-passw0rd!")
    anonymous_page = client.get("/architecture/")
    client.force_login(customer)
    customer_page, customer_json = client.get("/architecture/"), client.get("/architecture/description.json")

    assert (anonymous_page.status_code, anonymous_page["Location"]) == (302, "/admin/login/?next=/architecture/")
    assert (customer_page.status_code, customer_page["Location"]) == (302, "/admin/login/?next=/architecture/")
    assert (customer_json.status_code, customer_json.json()) == (403, {"detail": STAFF_ONLY})


def test_staff_see_every_domain_with_live_health_and_numbers(client: Client) -> None:
    client.force_login(User.objects.create_superuser("ops@example.com", "a-long-passw0rd!"))
    client.get("/api/catalog/categories/")

    page = client.get("/architecture/")
    description = client.get("/architecture/description.json").json()

    assert page.status_code == 200
    for domain in DOMAINS:
        assert f'<section class="domain" id="domain-{domain}" data-domain="{domain}" hidden>' in page.content.decode()
    assert description["health"]["status"] == "ok"
    assert description["health"]["checks"]["database:default"]["status"] == "up"
    assert sorted(description["headlines"]) == DOMAINS
    assert description["headlines"]["catalog"]["requests"] >= 1
