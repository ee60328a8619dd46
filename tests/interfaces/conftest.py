"""Each domain's contract suite, run three ways with identical expectations.

Every test here runs once per transport, calling the domain under test only through its
interface proxy, and touching no domain's models:

    local    the domain's own service, called directly
    wire     the same service behind the wire loopback (every call through JSON, in process)
    remote   the shop service, a second Django process on loopback, over HTTP

The same assertions pass all three ways, so a caller cannot tell where the domain runs.
The other domains stay local; in the remote runs the service and the test share the test
database, so what one side commits the other reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from shared.interfaces import interface_of
from shared.interfaces.loopback import wire_loopback
from shared.interfaces.registry import registry
from tests.remote.fixtures import REMOTE_TESTS, remote

TRANSPORTS = [
    pytest.param("local", marks=pytest.mark.django_db(transaction=True), id="local"),
    pytest.param("wire", marks=pytest.mark.django_db(transaction=True), id="wire"),
    pytest.param("remote", marks=REMOTE_TESTS, id="remote"),
]

Serve = Callable[[object], None]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def serve(transport: str, request: pytest.FixtureRequest) -> Iterator[Serve]:
    """`serve(catalog)`: answer the domain's calls through this test's transport, for the rest of the test."""
    with ExitStack() as stack:

        def through_transport(proxy: object) -> None:
            interface = interface_of(proxy)
            service = getattr(interface.target, "service", interface.target)  # a wire run binds the loopback
            if transport == "local":
                implementation = service
            elif transport == "wire":
                implementation = wire_loopback(interface.meta, service, known_errors=registry.error_types)
            else:
                implementation = remote(proxy, request.getfixturevalue("shop_service").url).client
            stack.enter_context(registry.override(proxy, implementation))

        yield through_transport
