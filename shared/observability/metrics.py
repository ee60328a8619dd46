"""The Prometheus metrics of every process, by name. Each says what it counts and who updates it.

    modulith_interface_calls_total{domain,operation,placement,outcome}      calls through an interface
    modulith_interface_call_duration_seconds{domain,operation,placement}    their latency (histogram)
    modulith_events_published_total{event}                                  events committed to the outbox
    modulith_event_deliveries_total{event,subscriber,outcome}               attempts ended: done, failed, dead
    modulith_outbox_backlog{subscriber,status}                              deliveries not done (scrape time)
    modulith_outbox_oldest_unfinished_age_seconds{subscriber}               age of the oldest one unfinished
    modulith_outbox_up                                                      1 if the backlog could be read
    modulith_circuit_breaker_state{service}                                 0 closed, 1 half-open, 2 open
    modulith_instance_heartbeat_timestamp_seconds{service,instance}         last heartbeat of an instance
    modulith_http_requests_total{route,method,status}                       requests answered
    modulith_http_request_duration_seconds{route,method}                    their latency (histogram)

Interface calls are tallied by the proxy in plain Python (shared.interfaces.observation)
and copied into the two interface metrics by `flush_interface_calls`: when /metrics is
scraped, and after every request and Celery task when several processes share
PROMETHEUS_MULTIPROC_DIR (each must write its own tallies to the shared files).

Multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set before the process starts,
prometheus_client keeps every value in files there, and /metrics adds up all the
processes that wrote to it (gunicorn's workers: see config/gunicorn.conf.py). Gauges say
how: the breaker state is the worst among live processes, a heartbeat the latest.
"""

from __future__ import annotations

import enum
import os
import threading
from collections.abc import Sequence

from prometheus_client import Counter, Gauge, Histogram

from shared.interfaces import observation

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def is_multiprocess() -> bool:
    """Whether values go to the shared directory (decided by prometheus_client when it was imported)."""
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


class _TalliedHistogram(Histogram):
    """A Histogram that also takes counts already sorted into its buckets (a tally), not only one observation.

    `observe()` one call at a time would cost the proxy's hot path more than the call it
    measures; a tally is added in one go. It writes the same values `observe` writes (the
    parent's bucket and sum values), so exposition and multiprocess files are unchanged;
    tests/observability/test_metrics.py holds the two to the same output.
    """

    def add_tally(self, per_bucket: Sequence[int], seconds: float) -> None:
        """Add `per_bucket[i]` observations to bucket i (not cumulative; the last is +Inf) and `seconds` to the sum."""
        self._raise_if_not_observable()
        for value, count in zip(self._buckets, per_bucket, strict=True):
            if count:
                value.inc(count)
        self._sum.inc(seconds)


INTERFACE_CALLS = Counter(
    "modulith_interface_calls",
    "Calls through a domain's interface, by outcome: ok, domain_error (the domain refused, as designed) or error.",
    ("domain", "operation", "placement", "outcome"),
)
INTERFACE_CALL_SECONDS = _TalliedHistogram(
    "modulith_interface_call_duration_seconds",
    "Seconds a call through a domain's interface took, as the caller saw it.",
    ("domain", "operation", "placement"),
    buckets=observation.BUCKETS,
)
EVENTS_PUBLISHED = Counter(
    "modulith_events_published", "Events committed to the outbox (counted when the transaction commits).", ("event",)
)
EVENT_DELIVERIES = Counter(
    "modulith_event_deliveries",
    "Delivery attempts that ended: done, failed (will be retried) or dead (out of attempts; needs an operator).",
    ("event", "subscriber", "outcome"),
)


class BreakerState(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


CIRCUIT_BREAKER_STATE = Gauge(
    "modulith_circuit_breaker_state",
    "State of the circuit breaker in front of a service this process calls: 0 closed, 1 half-open, 2 open.",
    ("service",),
    multiprocess_mode="livemax",
)
INSTANCE_HEARTBEAT = Gauge(
    "modulith_instance_heartbeat_timestamp_seconds",
    "Unix time of the last heartbeat an instance of a service sent to the service registry.",
    ("service", "instance"),
    multiprocess_mode="max",
)
HTTP_REQUESTS = Counter(
    "modulith_http_requests",
    "HTTP requests answered, by route name (unmatched: no route), method and status.",
    ("route", "method", "status"),
)
HTTP_REQUEST_SECONDS = Histogram(
    "modulith_http_request_duration_seconds",
    "Seconds from a request's arrival to its response, by route name and method.",
    ("route", "method"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def set_breaker_state(service: str, state: BreakerState) -> None:
    """What a remote client's circuit breaker calls on every change of state."""
    CIRCUIT_BREAKER_STATE.labels(service).set(int(state))


def record_heartbeat(service: str, instance: str, at: float) -> None:
    """What the service registry reports for each instance it knows, with the Unix time of its last heartbeat."""
    INSTANCE_HEARTBEAT.labels(service, instance).set(at)


_flushed: dict[observation.CallSeries, tuple[tuple[int, ...], tuple[int, ...], float]] = {}
_flush_lock = threading.Lock()


def flush_interface_calls() -> None:
    """Copy what the proxies tallied since the last flush into the interface metrics."""
    with _flush_lock:
        for tally in observation.all_series():
            buckets, outcomes, seconds = tally.snapshot()
            before = _flushed.get(tally)
            if before is not None and before[1] == outcomes:
                continue  # no call since the last flush
            old_buckets, old_outcomes, old_seconds = before or ((0,) * len(buckets), (0,) * len(outcomes), 0.0)
            for outcome, now, then in zip(observation.Outcome, outcomes, old_outcomes, strict=True):
                if now > then:
                    INTERFACE_CALLS.labels(tally.domain, tally.operation, tally.placement, outcome.label).inc(
                        now - then
                    )
            INTERFACE_CALL_SECONDS.labels(tally.domain, tally.operation, tally.placement).add_tally(
                [now - then for now, then in zip(buckets, old_buckets, strict=True)], seconds - old_seconds
            )
            _flushed[tally] = (buckets, outcomes, seconds)
