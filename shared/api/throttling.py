"""Rate limits per client: DRF throttles counting in Django's cache, answered with 429 and Retry-After.

    AnonymousRateThrottle   callers without a token, per client IP       rate "anon"
    UserRateThrottle        callers with a token, per user id            rate "user"
    ScopedRateThrottle      views with `throttle_scope = "login"` (etc.), per user or IP, on top

Rates are DRF's REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("10/min"), read on every request.
Counts live in the cache alias `rate_limit`: local memory by default (per process), Redis
when RATE_LIMIT_CACHE_URL points at one (shared by every process and host of the API).

Why not DRF's own SimpleRateThrottle.allow_request: it reads a list of timestamps, appends,
and writes the list back, so concurrent requests in several processes overwrite each other's
counts and all get through. Here each window has one counter, raised with the cache's atomic
increment (Redis INCR), so N concurrent requests against a limit of L let exactly L through.
Windows are fixed (aligned to the epoch): at worst a client gets 2L across a window edge.
Every request counts against each limit that applies to it, even one another limit refused,
and one refused for its credentials or permissions (shared.api.views checks the limits
before such a refusal is answered).

The client IP is REMOTE_ADDR unless REST_FRAMEWORK["NUM_PROXIES"] says how many proxies of
ours append to X-Forwarded-For; it is 0 by default, because DRF's default (None) trusts the
whole header, and a client could then pick a fresh IP for every request.

A request the edge forwarded to this service (shared/api/forwarded.py, vouched for by a
service token) is counted under the client address the edge names, and not again in the
scopes the edge already counted it in: every limit counts every request once.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from redis import exceptions as redis_exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from shared.api.forwarded import forwarded_by_edge

RATE_LIMIT_CACHE = "rate_limit"
"""The CACHES alias that holds the counters."""

NO_RATE = "REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] has no rate for scope {scope!r}; add one, e.g. '60/min'."

COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
"""A window's counter raised, with its time to live set when it is new: one command, atomic."""

COUNT_SCRIPT_SHA = hashlib.sha1(COUNT_SCRIPT.encode()).hexdigest()  # Redis names a script by its SHA-1


class RedisWindowCounter:
    """The counting script, sent on one Redis connection that this counter keeps for itself.

    Why not the cache's redis-py client: every command through a client checks a connection
    out of the pool and back in (a lock, a poll of the socket to see it is clean, the
    pool's bookkeeping), which costs more CPU than sending the command and reading its
    answer (bench/gateway.py measures the gateway; `python -m bench.gateway`). A counter
    belongs to one cache object, and Django's cache objects are per thread, so the
    connection is never shared; it goes back to the pool when the cache object is dropped.

    A connection Redis closed (a restart, an idle timeout) is opened again, and the command
    sent once more, once; a script Redis no longer knows (restarted empty) is sent whole.
    """

    def __init__(self, cache: RedisCache) -> None:
        pool = cache._cache.get_client(write=True).connection_pool
        self._connection = pool.get_connection()
        weakref.finalize(self, pool.release, self._connection)

    def count(self, key: str, *, timeout: int) -> int:
        """Add one to the counter at `key` (created with `timeout` seconds to live) and return it."""
        try:
            return self._run(key, timeout)
        except (redis_exceptions.ConnectionError, redis_exceptions.TimeoutError):
            self._connection.disconnect()
            return self._run(key, timeout)

    def _run(self, key: str, timeout: int) -> int:
        connection = self._connection
        connection.send_command("EVALSHA", COUNT_SCRIPT_SHA, 1, key, timeout)
        try:
            return int(connection.read_response())
        except redis_exceptions.NoScriptError:
            connection.send_command("EVAL", COUNT_SCRIPT, 1, key, timeout)
            return int(connection.read_response())


_counters: weakref.WeakKeyDictionary[RedisCache, RedisWindowCounter] = weakref.WeakKeyDictionary()


def _redis_counter(cache: RedisCache) -> RedisWindowCounter:
    """The counter of `cache`, this thread's cache object (Django keeps one per thread)."""
    counter = _counters.get(cache)
    if counter is None:
        counter = _counters[cache] = RedisWindowCounter(cache)
    return counter


class FixedWindowRateThrottle(SimpleRateThrottle):
    """One atomic counter per (scope, caller, window) in the rate-limit cache."""

    cache_format = "rate-limit:%(scope)s:%(ident)s"

    def __init__(self) -> None:
        # The rate is resolved per request (get_rate reads the settings then), so that it
        # follows setting changes and ScopedRateThrottle can pick it from the view.
        self.rate: str | None = None
        self.num_requests: int | None = None
        self.duration: int | None = None
        self.retry_after: float | None = None

    @property
    def cache(self) -> BaseCache:  # type: ignore[override]
        return caches[RATE_LIMIT_CACHE]

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(NO_RATE.format(scope=self.scope))
        return rates[self.scope]

    def allow_request(self, request: Request, view: Any) -> bool:
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        forwarded = forwarded_by_edge(request)
        if forwarded is not None and self.scope in forwarded.counted:
            return True  # the edge that forwarded it counted it in this scope already
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.num_requests is None or self.duration is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        count = self._count(key=f"{ident}:{window}", timeout=self.duration + 1)
        if count <= self.num_requests:
            return True
        self.retry_after = (window + 1) * self.duration - now
        return False

    def _count(self, *, key: str, timeout: int) -> int:
        """Add one to the window's counter and return it; the counter outlives its window.

        On Redis this is one command and one round trip (a Lua script: INCR, and EXPIRE when
        the counter is new), not the three that Django's add() and incr() cost (SET NX, then
        EXISTS and INCR): the check runs on every request, once per limit that applies to it.
        """
        cache = self.cache
        if isinstance(cache, RedisCache):
            # make_key, not make_and_validate_key: the validation only warns about keys memcached
            # would refuse, one character at a time, on every request; these keys are ids and addresses.
            return _redis_counter(cache).count(cache.make_key(key), timeout=timeout)
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr: start the count again
            cache.add(key, 1, timeout=timeout)
            return 1

    def wait(self) -> float | None:
        """Seconds until the window ends and the caller may try again (DRF sends it as Retry-After)."""
        return self.retry_after

    def caller_ident(self, request: Request) -> str:
        user = request.user
        if user and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"

    def get_ident(self, request: Request) -> str:
        """The client's address: the edge's word for a request it forwarded, else REMOTE_ADDR (and NUM_PROXIES)."""
        forwarded = forwarded_by_edge(request)
        return forwarded.client_ip if forwarded is not None else super().get_ident(request)


class AnonymousRateThrottle(FixedWindowRateThrottle):
    """Callers without a token, counted per client IP."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.caller_ident(request)}


class UserRateThrottle(FixedWindowRateThrottle):
    """Callers with a token, counted per user id, wherever they call from."""

    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.caller_ident(request)}


class ScopedRateThrottle(FixedWindowRateThrottle):
    """A stricter limit for the views that declare `throttle_scope` (login: "login"), per caller.

    It counts on top of the anonymous or user limit, in a counter of its own.
    """

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.caller_ident(request)}
