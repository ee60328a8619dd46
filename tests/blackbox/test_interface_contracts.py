"""Each domain's contract suite (tests/interfaces/) against the deployed shop, wherever its domains run.

The contract tests call domains only through their interface proxies. Here every proxy of
this test process is bound to a remote client of the process that runs the domain in the
placement (the monolith, or the domain's own service, with its own database), signed with
the deployment's service key, so the same assertions that hold in process must hold
against real processes over HTTP:

    local      every contract, each domain served by the monolith
    <domain>   that domain's contracts, served by its extracted service
    all        every contract, each domain served by its own service

A placement's contracts run in one test and its failures are reported together, each with
its contract's name, so one broken operation does not hide another.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from django.test import override_settings

from shared.interfaces.binding import domain_interface
from shared.interfaces.registry import registry
from shared.placement import AtUrls
from shared.remote.binding import build_service_client
from shared.remote.client import remote_client
from tests.blackbox.deployments import DOMAINS, Deployment, Suite
from tests.interfaces import (
    test_billing_contract,
    test_cart_contract,
    test_catalog_contract,
    test_identity_contract,
    test_notifications_contract,
    test_orders_contract,
)

pytestmark = [pytest.mark.processes, pytest.mark.postgres, pytest.mark.xdist_group("blackbox")]

CONTRACT_SUITES: dict[str, ModuleType] = {
    "identity": test_identity_contract,
    "catalog": test_catalog_contract,
    "cart": test_cart_contract,
    "orders": test_orders_contract,
    "billing": test_billing_contract,
    "notifications": test_notifications_contract,
}
"""Each domain's contract module: its `test_*` functions take no arguments and touch only interfaces."""


def contracts_of(domain: str) -> list[Callable[[], None]]:
    """The domain's contract tests, in the order they are written."""
    return [value for name, value in vars(CONTRACT_SUITES[domain]).items() if name.startswith("test_")]


def domains_under_test(deployment: Deployment) -> tuple[str, ...]:
    """The domains a placement moved; every domain when it moved none (all served by the monolith)."""
    return deployment.placement.extracted or DOMAINS


@contextmanager
def served_by(deployment: Deployment, key_file: Path) -> Iterator[None]:
    """This process's interfaces answered by the deployment: each domain by whichever process runs it."""
    with override_settings(SERVICE_KEY_FILE=key_file), ExitStack() as stack:
        for domain in DOMAINS:
            interface = domain_interface(domain)
            where = AtUrls((deployment.service_urls.get(domain, deployment.url),))
            client = remote_client(interface, build_service_client(domain, where))
            stack.enter_context(registry.override(interface, client))
        yield


def test_the_contracts_of_the_domains_a_placement_moved_hold_against_the_deployed_shop(
    deployment: Deployment, blackbox_suite: Suite
) -> None:
    domains = domains_under_test(deployment)
    contracts = [(domain, contract) for domain in domains for contract in contracts_of(domain)]
    failures = []
    with served_by(deployment, Path(blackbox_suite.shared["SERVICE_DEV_KEY_FILE"])):
        for domain, contract in contracts:
            try:
                contract()
            except Exception:
                failures.append(f"{domain}: {contract.__name__}\n{traceback.format_exc(limit=-3)}")

    assert len(contracts) == sum(len(contracts_of(domain)) for domain in domains) > 0
    assert not failures, f"{len(failures)} of {len(contracts)} contracts failed:\n\n" + "\n".join(failures)
