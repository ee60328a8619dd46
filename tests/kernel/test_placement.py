"""The placement map: one setting says where each domain runs; settings, binder, route table and checks read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from shared.boundaries.checks import (
    BAD_PLACEMENT_HINT,
    PLACED_ELSEWHERE_INSTALLED,
    PLACED_ELSEWHERE_INSTALLED_HINT,
    PLACED_HERE_NOT_INSTALLED,
    PLACED_HERE_NOT_INSTALLED_HINT,
    UNPLACED_DOMAIN_APP,
    placement_errors,
)
from shared.placement import (
    BAD_URL,
    ENTRY_MALFORMED,
    LOCAL,
    NOWHERE,
    PLACED_TWICE,
    UNKNOWN_DOMAIN,
    VIA_REGISTRY,
    AtUrls,
    PlacementError,
    current_placement,
    parse_placement,
)

DOMAINS = ("identity", "catalog", "cart", "orders", "billing", "notifications")
INSTALLED = {domain: f"domains.{domain}" for domain in DOMAINS}


def test_absent_means_every_domain_runs_here() -> None:
    placement = parse_placement("", domains=DOMAINS)

    assert placement.local_domains == DOMAINS
    assert dict(placement.remote) == {}
    assert [placement.where(domain) for domain in DOMAINS] == [LOCAL] * 6


def test_a_domain_can_be_placed_at_urls_or_in_the_registry() -> None:
    placement = parse_placement(
        " catalog=http://127.0.0.1:8011/ , billing=registry,cart=local,orders=http://a:1|http://b:2 ", domains=DOMAINS
    )

    assert placement.where("catalog") == AtUrls(("http://127.0.0.1:8011",))
    assert placement.where("billing") == VIA_REGISTRY
    assert placement.where("orders") == AtUrls(("http://a:1", "http://b:2"))
    assert placement.where("cart") == LOCAL
    assert placement.local_domains == ("identity", "cart", "notifications")
    assert list(placement.remote) == ["catalog", "billing", "orders"]
    assert placement.is_local("cart") is True
    assert placement.is_local("catalog") is False
    assert str(placement) == "catalog=http://127.0.0.1:8011,billing=registry,orders=http://a:1|http://b:2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("catalog", ENTRY_MALFORMED.format(entry="catalog"), id="no-equals"),
        pytest.param("=http://x", ENTRY_MALFORMED.format(entry="=http://x"), id="no-domain"),
        pytest.param(
            "search=http://x", UNKNOWN_DOMAIN.format(domain="search", domains=", ".join(DOMAINS)), id="unknown-domain"
        ),
        pytest.param("cart=local,cart=registry", PLACED_TWICE.format(domain="cart"), id="twice"),
        pytest.param("cart=", NOWHERE.format(domain="cart"), id="nowhere"),
        pytest.param("cart=|", NOWHERE.format(domain="cart"), id="only-separators"),
    ],
)
def test_text_that_cannot_be_read_stops_the_start_saying_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(PlacementError) as raised:
        parse_placement(text, domains=DOMAINS)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    "url",
    ["catalog:8000", "ftp://catalog", "http://", "http://user:pw@catalog", "http://catalog?x=1", "http://c:port"],
)
def test_a_malformed_url_is_a_problem_the_check_reports(url: str) -> None:
    placement = parse_placement(f"catalog={url}", domains=DOMAINS)

    assert placement.problems() == [BAD_URL.format(url=url, domain="catalog")]
    errors = placement_errors(placement, installed={d: a for d, a in INSTALLED.items() if d != "catalog"})
    assert [(e.id, e.msg, e.hint) for e in errors] == [
        ("modulith.E032", BAD_URL.format(url=url, domain="catalog"), BAD_PLACEMENT_HINT)
    ]


@pytest.mark.parametrize("url", ["http://catalog", "https://10.0.0.5:8443", "http://gw.internal/catalog-service"])
def test_usable_base_urls_pass(url: str) -> None:
    placement = parse_placement(f"catalog={url}", domains=DOMAINS)

    assert placement.problems() == []
    assert placement_errors(placement, installed={d: a for d, a in INSTALLED.items() if d != "catalog"}) == []


def test_e031_a_domain_placed_here_but_not_installed() -> None:
    errors = placement_errors(
        parse_placement("", domains=DOMAINS), installed={d: a for d, a in INSTALLED.items() if d != "billing"}
    )

    assert [(e.id, e.msg, e.hint) for e in errors] == [
        (
            "modulith.E031",
            PLACED_HERE_NOT_INSTALLED.format(domain="billing", app="domains.billing"),
            PLACED_HERE_NOT_INSTALLED_HINT.format(domain="billing"),
        )
    ]


def test_e031_a_domain_placed_elsewhere_but_installed() -> None:
    errors = placement_errors(parse_placement("billing=registry", domains=DOMAINS), installed=INSTALLED)

    assert [(e.id, e.msg, e.hint) for e in errors] == [
        (
            "modulith.E031",
            PLACED_ELSEWHERE_INSTALLED.format(domain="billing", where="registry", app="domains.billing"),
            PLACED_ELSEWHERE_INSTALLED_HINT.format(app="domains.billing"),
        )
    ]


def test_e031_a_domain_app_the_placement_does_not_know() -> None:
    errors = placement_errors(parse_placement("", domains=DOMAINS), installed={**INSTALLED, "search": "domains.search"})

    assert [(e.id, e.msg) for e in errors] == [
        (
            "modulith.E031",
            UNPLACED_DOMAIN_APP.format(app="domains.search", domain="search", domains=", ".join(DOMAINS)),
        )
    ]


def test_this_process_reads_its_placement_from_the_settings() -> None:
    assert current_placement() is settings.DOMAIN_PLACEMENT
    assert current_placement().domains == DOMAINS


PROBE = """
import json
import django
django.setup()
from django.apps import apps
from django.conf import settings
from shared.interfaces import registry
print(json.dumps({
    "installed": [a.label for a in apps.get_app_configs() if a.name.startswith("domains.")],
    "registered": [i.meta.name for i in registry.interfaces()],
    "local_targets": sorted(
        i.meta.name for i in registry.interfaces()
        if type(getattr(i.target, "service", i.target)).__name__.endswith("Service")
    ),
    "user_model": settings.AUTH_USER_MODEL,
    "errors_known": sorted({code.split(".")[0] for code in registry.error_types()}),
}))
"""


@pytest.mark.processes
def test_a_domain_placed_elsewhere_is_not_installed_but_its_interface_is_registered() -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DOMAIN_PLACEMENT": "identity=http://127.0.0.1:9,catalog=registry",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(result.stdout.splitlines()[-1]) == {
        "installed": ["cart", "orders", "billing", "notifications"],
        "registered": ["billing", "cart", "catalog", "identity", "notifications", "orders"],
        "local_targets": ["billing", "cart", "notifications", "orders"],
        "user_model": "auth.User",
        "errors_known": ["billing", "cart", "catalog", "identity", "kernel", "notifications", "orders"],
    }
