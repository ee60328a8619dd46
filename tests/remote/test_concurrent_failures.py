"""Many threads failing against one dead instance at once: each call gets the unavailable error, nothing else."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from domains.catalog.interface import catalog
from shared.errors import ServiceUnavailableError
from shared.remote.instances import OPEN_STATE
from tests.remote.fixtures import remote


def test_concurrent_failures_open_the_circuit_and_every_caller_sees_only_unavailable(dead_url: str) -> None:
    far = remote(catalog, dead_url, breaker_failures=5, breaker_reset_seconds=60)

    def call(_: int) -> str:
        with pytest.raises(ServiceUnavailableError) as raised:
            far.client.get_product(product_id=uuid.uuid4())  # type: ignore[attr-defined]
        return type(raised.value).__name__

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(call, range(64)))

    assert outcomes == ["ServiceUnavailableError"] * 64
    assert far.service.pool.state(dead_url) == OPEN_STATE
    assert far.service.stats.get("catalog.get_product", "calls") == 64
    assert far.service.stats.get("catalog.get_product", "unavailable") == 64
