"""Reading metric values the way Prometheus would see them, from this process's registry."""

from __future__ import annotations

from prometheus_client import REGISTRY

from shared.observability.metrics import flush_interface_calls


def sample(name: str, **labels: str) -> float:
    """The current value of one sample (0 when it was never recorded), after flushing the proxies' tallies."""
    flush_interface_calls()
    return REGISTRY.get_sample_value(name, labels) or 0.0
