"""Calls through interface proxies are counted and timed per domain, operation, placement and outcome."""

from __future__ import annotations

import uuid
from typing import Protocol

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from shared.errors import DomainError, ErrorKind, ServiceUnavailableError
from shared.interfaces import Interface, Registry, observation
from shared.observability.metrics import _TalliedHistogram
from tests.kernel.sample import ThingNotFoundError
from tests.observability.samples import sample


class GaugeApi(Protocol):
    def read(self, *, fail: str) -> int: ...


class LocalGauge:
    def read(self, *, fail: str) -> int:
        if fail == "domain":
            raise ThingNotFoundError(thing_id=uuid.UUID(int=7), places=("shelf",))
        if fail == "unavailable":
            raise ServiceUnavailableError(domain="gauge", operation="read", reason="down")
        if fail == "bug":
            raise ZeroDivisionError("a bug")
        return 42


class RemoteGauge(LocalGauge):
    __modulith_placement__ = observation.REMOTE


def test_measuring_is_on_once_the_project_has_started() -> None:
    assert observation.is_enabled()  # METRICS_ENABLED defaults to on; the observability app reads it


def bound(name: str, target: object) -> GaugeApi:
    proxy = Interface(name, GaugeApi)
    Registry().bind(proxy, target)
    return proxy  # type: ignore[return-value]


def test_calls_are_counted_by_outcome_and_timed_with_their_domain_operation_and_placement() -> None:
    gauge = bound("gauge_local", LocalGauge())
    labels = {"domain": "gauge_local", "operation": "read", "placement": "local"}

    results = [gauge.read(fail="no"), gauge.read(fail="no")]
    for fail, error in (("domain", DomainError), ("unavailable", ServiceUnavailableError), ("bug", ZeroDivisionError)):
        with pytest.raises(error):
            gauge.read(fail=fail)

    assert results == [42, 42]
    assert {
        outcome: sample("modulith_interface_calls_total", **labels, outcome=outcome)
        for outcome in ("ok", "domain_error", "error")
    } == {"ok": 2.0, "domain_error": 1.0, "error": 2.0}
    assert sample("modulith_interface_call_duration_seconds_count", **labels) == 5.0
    assert sample("modulith_interface_call_duration_seconds_bucket", **labels, le="+Inf") == 5.0
    assert 0 < sample("modulith_interface_call_duration_seconds_sum", **labels) < 1.0


def test_a_target_that_says_it_is_remote_is_labelled_remote() -> None:
    gauge = bound("gauge_remote", RemoteGauge())

    gauge.read(fail="no")

    assert sample("modulith_interface_calls_total", domain="gauge_remote", operation="read", placement="remote",
                  outcome="ok") == 1.0  # fmt: skip
    assert sample("modulith_interface_calls_total", domain="gauge_remote", operation="read", placement="local",
                  outcome="ok") == 0.0  # fmt: skip


def test_a_client_outside_any_proxy_records_its_calls_through_the_same_series() -> None:
    tally = observation.series("gauge_client", "read", observation.REMOTE)

    tally.record(0.003, observation.OK)
    tally.record(0.2, observation.outcome_of(ServiceUnavailableError(domain="g", operation="read", reason="x")))

    labels = {"domain": "gauge_client", "operation": "read", "placement": "remote"}
    assert sample("modulith_interface_calls_total", **labels, outcome="ok") == 1.0
    assert sample("modulith_interface_calls_total", **labels, outcome="error") == 1.0
    assert sample("modulith_interface_call_duration_seconds_bucket", **labels, le="0.005") == 1.0
    assert sample("modulith_interface_call_duration_seconds_bucket", **labels, le="0.25") == 2.0


def test_with_measuring_off_the_proxy_holds_the_targets_own_method() -> None:
    """Not timed: only entered as the domain's work (shared.work_context.entering), which the table guard reads."""
    target = LocalGauge()
    observation.disable()
    try:
        gauge = bound("gauge_off", target)
    finally:
        observation.enable()

    assert vars(gauge)["read"].__wrapped__ == target.read
    assert vars(gauge)["read"].__qualname__ == "entering.<locals>.call"
    gauge.read(fail="no")
    assert sample("modulith_interface_calls_total", domain="gauge_off", operation="read", placement="local",
                  outcome="ok") == 0.0  # fmt: skip


def test_an_outcome_is_an_error_only_when_the_domain_did_not_do_its_job() -> None:
    assert observation.outcome_of(ThingNotFoundError(thing_id=uuid.UUID(int=1), places=())) is observation.DOMAIN_ERROR
    assert observation.outcome_of(ServiceUnavailableError(domain="d", operation="o", reason="r")) is observation.ERROR
    assert observation.outcome_of(KeyError("x")) is observation.ERROR
    assert ThingNotFoundError.kind is ErrorKind.NOT_FOUND


def test_a_tally_added_in_one_go_exposes_exactly_what_observing_each_call_would() -> None:
    durations = [0.00005, 0.0003, 0.0003, 0.004, 0.07, 0.9, 3.0, 42.0]
    one_by_one, tallied = CollectorRegistry(), CollectorRegistry()
    observed = Histogram("calls_seconds", "h", ("op",), buckets=observation.BUCKETS, registry=one_by_one)
    added = _TalliedHistogram("calls_seconds", "h", ("op",), buckets=observation.BUCKETS, registry=tallied)
    tally = observation.CallSeries("d", "op", "local")

    for seconds in durations:
        observed.labels("read").observe(seconds)
        tally.record(seconds)
    per_bucket, _, total = tally.snapshot()
    added.labels("read").add_tally(per_bucket, total)

    def without_created(text: bytes) -> list[str]:
        return [line for line in text.decode().splitlines() if "_created" not in line]

    assert without_created(generate_latest(tallied)) == without_created(generate_latest(one_by_one))
