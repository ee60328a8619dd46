"""The instances of a service and their circuit breakers: which one the next attempt goes to.

    pool = InstancePool("catalog", StaticInstances(("http://10.0.0.5:8000", "http://10.0.0.6:8000")), ...)
    for instance, breaker in pool.candidates(): ...   # round robin, open circuits left out

Where the instances come from is an InstanceSource: fixed URLs from DOMAIN_PLACEMENT
(`StaticInstances`, no Redis needed) or the live instances of the service registry
(shared/remote/discovery.py: only those whose heartbeat is recent).

Each instance has a circuit breaker (purgatory): after `failures` failures in a row
(connection refused, timeout, a 5xx that is not a domain error) it opens, and attempts
skip that instance without touching the network; after `reset_seconds` one attempt is
let through (half-open) and its outcome closes or reopens it. A domain error (a 4xx, or
any answer the service gives on purpose) is a success for the breaker.

Why purgatory and not pybreaker: pybreaker's CircuitBreaker.call holds the breaker's lock
for the whole guarded call, so a threaded server would send at most one call at a time
to each instance. purgatory's synchronous breaker is a context manager that takes no
lock around the call; it takes none around its own bookkeeping either (two threads that
fail at once could both pop its last state-change message), so `attempt()` holds a lock
of the pool's while purgatory counts, and never while the call runs.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from purgatory import SyncCircuitBreakerFactory
from purgatory.domain.model import OPENED

from shared.observability.metrics import BreakerState, set_breaker_state

Breaker = Any
"""purgatory's SyncCircuitBreaker: `with breaker:` guards one attempt (its module is private, so untyped here)."""

CLOSED_STATE = "closed"
OPEN_STATE = "open"
HALF_OPEN_STATE = "half-open"
_GAUGE_STATES = {
    CLOSED_STATE: BreakerState.CLOSED,
    HALF_OPEN_STATE: BreakerState.HALF_OPEN,
    OPEN_STATE: BreakerState.OPEN,
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Instance:
    """One process (or load-balanced address) serving a domain."""

    url: str
    id: str = ""
    version: str = ""
    health_url: str = ""


class InstanceSource(Protocol):
    def live(self) -> Sequence[Instance]:
        """The instances to try now; empty when none is known to be alive."""

    def describe(self) -> str:
        """Where the instances come from, for error messages."""


class StaticInstances:
    """Instances at fixed URLs (DOMAIN_PLACEMENT=catalog=http://a:8000|http://b:8000): no registry needed."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._instances = tuple(Instance(url=url, id=url) for url in urls)

    def live(self) -> Sequence[Instance]:
        return self._instances

    def describe(self) -> str:
        return " | ".join(instance.url for instance in self._instances)


class InstancePool:
    """A service's instances, offered round robin, those with an open circuit left out."""

    def __init__(
        self,
        domain: str,
        source: InstanceSource,
        *,
        failures: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.domain = domain
        self.source = source
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._factory = SyncCircuitBreakerFactory(default_threshold=failures, default_ttl=reset_seconds)
        self._breakers: dict[str, Breaker] = {}
        self._lock = threading.Lock()
        self._counting = threading.Lock()
        self._turn = itertools.count()
        self._reported: BreakerState | None = None

    def candidates(self) -> list[tuple[Instance, Breaker]]:
        """The live instances in this call's round-robin order, without those whose circuit is open."""
        instances = tuple(self.source.live())
        if not instances:
            return []
        start = next(self._turn) % len(instances)
        ordered = instances[start:] + instances[:start]
        offered = [
            (instance, breaker) for instance in ordered if not self._is_open(breaker := self.breaker(instance.url))
        ]
        self._report_state()  # an open circuit turns half-open with time, not with an attempt
        return offered

    def breaker(self, url: str) -> Breaker:
        breaker = self._breakers.get(url)
        if breaker is None:
            with self._lock:
                breaker = self._breakers.get(url) or self._factory.get_breaker(url)
                self._breakers[url] = breaker
        return breaker

    @contextmanager
    def attempt(self, breaker: Breaker) -> Iterator[None]:
        """Guard one attempt: raises purgatory's OpenedState when the circuit is open; a failure
        (any exception out of the block) counts against it, a normal exit closes it again."""
        with self._counting:
            breaker.__enter__()
        try:
            yield
        except BaseException as failure:
            with self._counting:
                breaker.__exit__(type(failure), failure, failure.__traceback__)
            self._report_state()
            raise
        with self._counting:
            breaker.__exit__(None, None, None)
        self._report_state()

    def state(self, url: str) -> str:
        """closed, open (failing fast) or half-open (the next attempt is a probe)."""
        context = self.breaker(url).context
        if context.state != OPENED:
            return HALF_OPEN_STATE if context.state == "half-opened" else CLOSED_STATE
        return OPEN_STATE if self._is_open(self.breaker(url)) else HALF_OPEN_STATE

    def _report_state(self) -> None:
        """Tell /metrics the worst state among this service's breakers, when it changed.

        One gauge per service (`modulith_circuit_breaker_state`): the alert "breaker open"
        asks whether calls to the service fail fast, whichever instance's circuit did it.
        """
        states = {self.state(url) for url in tuple(self._breakers)}
        worst = max((_GAUGE_STATES[state] for state in states), default=BreakerState.CLOSED)
        if worst != self._reported:
            self._reported = worst
            set_breaker_state(self.domain, worst)

    def _is_open(self, breaker: Breaker) -> bool:
        context = breaker.context
        return context.state == OPENED and self._clock() < (context.opened_at or 0.0) + self._reset_seconds
