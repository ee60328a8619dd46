"""Fixtures shared by the cross-domain tests: the second Django processes of tests/remote/fixtures.py."""

from tests.remote.fixtures import (
    _doomed_service,
    _fault_proxy,
    cart_service,
    dead_url,
    doomed_service,
    fault_proxy,
    limited_service,
    remote_logs,
    service_database_url,
    shop_service,
)

__all__ = [
    "_doomed_service",
    "_fault_proxy",
    "cart_service",
    "dead_url",
    "doomed_service",
    "fault_proxy",
    "limited_service",
    "remote_logs",
    "service_database_url",
    "shop_service",
]
