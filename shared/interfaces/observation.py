"""The one hook through which interface calls are measured, local or remote.

Every call through an interface proxy is counted and timed per domain, operation and
placement (local or remote), once something turns measuring on (shared.observability
does, unless METRICS_ENABLED is off). Measuring lives here, in plain Python, because it
sits on the hot path of every cross-domain call: a Prometheus histogram costs more than
the call it measures (bench/kernel.py), so calls are tallied in memory and the metrics
exporter copies the tallies out when it is asked (`all_series`).

The hook, whole:

    enable() / disable()                   turn measuring on or off for proxies bound from now on
    series(domain, operation, placement)   the tally of one operation: .record(seconds, outcome)
    measured(method, domain=, operation=, placement=, enters=)
                                           `method`, timed into its series (or as is while disabled),
                                           and with `enters` run as the domain's work
    outcome_of(error)                      how an exception counts: DOMAIN_ERROR or ERROR

The proxy calls `measured` when it binds a target (shared.interfaces.proxy). A target
declares where it runs with a class attribute, `__modulith_placement__ = REMOTE` (a remote
client), and is then measured as remote with no code of its own. A client that is not
bound through a proxy records each call itself:

    tally = series("catalog", "get_product", REMOTE)
    started = time.perf_counter()
    ...                                    # the HTTP call
    tally.record(time.perf_counter() - started, OK)   # or outcome_of(error) in an except

Outcomes: OK; DOMAIN_ERROR, a DomainError the caller may act on (not found, conflict: the
domain did its job); ERROR, anything else, and ServiceUnavailableError (the call could not
complete). Alert on ERROR, not on DOMAIN_ERROR.
"""

from __future__ import annotations

import enum
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any, TypeVar

from shared.errors import DomainError, ErrorKind
from shared.work_context import domain_variable, entering

F = TypeVar("F", bound=Callable[..., Any])

LOCAL = "local"
REMOTE = "remote"
PLACEMENT_ATTRIBUTE = "__modulith_placement__"

BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds in seconds of the latency histogram: from a local call (tens of µs) to a slow remote one."""


class Outcome(enum.IntEnum):
    OK = 0
    DOMAIN_ERROR = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()


OK, DOMAIN_ERROR, ERROR = Outcome.OK, Outcome.DOMAIN_ERROR, Outcome.ERROR


class CallSeries:
    """Running totals of one operation at one placement: calls by outcome, a latency histogram, total seconds.

    Totals only grow; readers take a `snapshot` and work with differences. A lock keeps
    counts exact when threads call at once (it costs less than a dictionary lookup).
    """

    __slots__ = ("_lock", "buckets", "domain", "operation", "outcomes", "placement", "seconds")

    def __init__(self, domain: str, operation: str, placement: str) -> None:
        self.domain, self.operation, self.placement = domain, operation, placement
        self.buckets = [0] * (len(BUCKETS) + 1)
        """Calls per latency bucket (not cumulative); the last counts calls above the largest bound."""
        self.outcomes = [0, 0, 0]
        self.seconds = 0.0
        self._lock = threading.Lock()

    def record(self, seconds: float, outcome: Outcome = OK) -> None:
        index = bisect_left(BUCKETS, seconds)
        with self._lock:
            self.buckets[index] += 1
            self.outcomes[outcome] += 1
            self.seconds += seconds

    def snapshot(self) -> tuple[tuple[int, ...], tuple[int, ...], float]:
        """(calls per bucket, calls per outcome, total seconds), consistent with each other."""
        with self._lock:
            return tuple(self.buckets), tuple(self.outcomes), self.seconds


_series: dict[tuple[str, str, str], CallSeries] = {}
_series_lock = threading.Lock()
_enabled = False


def series(domain: str, operation: str, placement: str) -> CallSeries:
    """The tally of `domain.operation` at `placement`, created on first use and kept for the process's life."""
    key = (domain, operation, placement)
    found = _series.get(key)
    if found is None:
        with _series_lock:
            found = _series.setdefault(key, CallSeries(domain, operation, placement))
    return found


def all_series() -> list[CallSeries]:
    with _series_lock:
        return list(_series.values())


def enable() -> None:
    """Measure calls through proxies bound from now on (the observability app calls it before domains bind)."""
    global _enabled
    _enabled = True


def disable() -> None:
    global _enabled
    _enabled = False


def is_enabled() -> bool:
    return _enabled


def placement_of(target: object) -> str:
    return str(getattr(target, PLACEMENT_ATTRIBUTE, LOCAL))


def outcome_of(error: BaseException) -> Outcome:
    if isinstance(error, DomainError) and error.kind is not ErrorKind.UNAVAILABLE:
        return DOMAIN_ERROR
    return ERROR


def measured(method: F, *, domain: str, operation: str, placement: str, enters: bool = False) -> F:
    """`method`, timed into its series on every call; `method` itself while measuring is off.

    With `enters`, each call also runs as `domain`'s work (shared.work_context.entering), in
    the same frame: a local call then pays for one wrapper, not two (bench/kernel.py).
    """
    if not _enabled:
        return entering(domain, method) if enters else method
    tally = series(domain, operation, placement)
    buckets, outcomes, lock, clock = tally.buckets, tally.outcomes, tally._lock, time.perf_counter
    working_on = domain_variable()

    def call(*args: Any, **kwargs: Any) -> Any:
        entered = working_on.set(domain) if enters and working_on.get() != domain else None
        started = clock()
        try:
            result = method(*args, **kwargs)
        except Exception as error:
            tally.record(clock() - started, outcome_of(error))
            raise
        finally:
            if entered is not None:
                working_on.reset(entered)
        # record(), inlined: this path runs on every successful cross-domain call.
        elapsed = clock() - started
        index = bisect_left(BUCKETS, elapsed)
        with lock:
            buckets[index] += 1
            outcomes[0] += 1
            tally.seconds += elapsed
        return result

    call.__name__ = operation
    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]
