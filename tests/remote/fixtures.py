"""Real second processes for the remote tests, started once per session on the test database.

    shop_service      gunicorn serving every domain: what a remote client calls
    doomed_service    another one, for the tests that kill it (each test finds it running)
    cart_service      one with catalog placed at a dead address, whose cart calls fail over HTTP
    limited_service   one with tight rate limits, for the tests that count requests
    fault_proxy       the shop service behind a proxy that fails on request (tests/remote/faults.py)

Tests that use them carry REMOTE_TESTS (or the "remote" transport of tests/interfaces/),
which puts them on one xdist worker (xdist_group "remote"), so each server starts once per
run. tests/conftest.py makes these fixtures visible to every test module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import DjangoDbBlocker

from shared.interfaces import Interface, interface_of
from shared.placement import VIA_REGISTRY, AtUrls, Remote
from shared.remote.binding import build_service_client
from shared.remote.client import ServiceClient, remote_client
from shared.remote.config import RemoteSettings
from tests.reliability.processes import database_url, free_port
from tests.remote.faults import FaultProxy
from tests.remote.servers import DjangoServer, new_server

REMOTE_TESTS = [
    pytest.mark.django_db(transaction=True),  # the service must see what the test commits, and the test its writes
    pytest.mark.postgres,
    pytest.mark.processes,
    pytest.mark.xdist_group("remote"),
]

FAST_FAILING = RemoteSettings(
    connect_timeout_seconds=0.5,
    call_timeout_seconds=5.0,
    retry_attempts=3,
    retry_backoff_seconds=0.02,
    breaker_failures=5,
    breaker_reset_seconds=10.0,
)


@dataclasses.dataclass
class RemoteUnderTest:
    """A remote client of one domain's service, and the ServiceClient under it (its stats and pool)."""

    client: object
    service: ServiceClient


def remote(proxy: object, *urls: str, settings: RemoteSettings = FAST_FAILING, **changes: object) -> RemoteUnderTest:
    """A fresh client of `proxy`'s domain at `urls` (its own breakers and counts)."""
    return _remote(proxy, AtUrls(urls), dataclasses.replace(settings, **changes))


def remote_via(proxy: object, word: str) -> RemoteUnderTest:
    """A fresh client of `proxy`'s domain as `DOMAIN_PLACEMENT=<domain>=<word>` places it (`registry`)."""
    assert word == "registry", word
    return _remote(proxy, VIA_REGISTRY, FAST_FAILING)


def _remote(proxy: object, where: Remote, settings: RemoteSettings) -> RemoteUnderTest:
    interface: Interface = interface_of(proxy)
    service = build_service_client(interface.meta.name, where, remote_settings=settings)
    return RemoteUnderTest(client=remote_client(interface, service), service=service)


@pytest.fixture(scope="session")
def remote_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("remote-services")


@pytest.fixture(scope="session")
def service_database_url(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> str:
    with django_db_blocker.unblock():
        return database_url(connection)


def serving(name: str, database_url: str, log_dir: Path, extra: dict[str, str] | None = None) -> Iterator[DjangoServer]:
    """A session's server: started before the first test that needs it, stopped at the end."""
    server = new_server(name, database_url=database_url, log_dir=log_dir, extra=extra)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def shop_service(service_database_url: str, remote_logs: Path) -> Iterator[DjangoServer]:
    yield from serving("shop", service_database_url, remote_logs)


@pytest.fixture(scope="session")
def _doomed_service(service_database_url: str, remote_logs: Path) -> Iterator[DjangoServer]:
    yield from serving("doomed", service_database_url, remote_logs)


@pytest.fixture
def doomed_service(_doomed_service: DjangoServer) -> DjangoServer:
    """A service the test may kill; it is running when the test starts."""
    _doomed_service.ensure_running()
    return _doomed_service


@pytest.fixture(scope="session")
def dead_url() -> str:
    """A loopback URL nothing listens at: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def cart_service(service_database_url: str, remote_logs: Path, dead_url: str) -> Iterator[DjangoServer]:
    """Runs every domain but catalog, which it places at a dead address."""
    extra = {"DOMAIN_PLACEMENT": f"catalog={dead_url}", "REMOTE_RETRY_BACKOFF_SECONDS": "0.01"}
    yield from serving("cart-without-catalog", service_database_url, remote_logs, extra)


@pytest.fixture(scope="session")
def limited_service(service_database_url: str, remote_logs: Path) -> Iterator[DjangoServer]:
    """Serves every domain with tight rate limits of its own, for the tests that count requests."""
    extra = {"RATE_LIMIT_ANON": "2/hour", "RATE_LIMIT_USER": "2/hour", "RATE_LIMIT_LOGIN": "1/hour"}
    yield from serving("limited", service_database_url, remote_logs, extra)


@pytest.fixture(scope="session")
def _fault_proxy(shop_service: DjangoServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream=shop_service.url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def fault_proxy(_fault_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The shop service behind a proxy that fails on request; passes everything unless told otherwise."""
    _fault_proxy.reset()
    yield _fault_proxy
    _fault_proxy.reset()
