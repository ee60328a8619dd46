"""Remote call settings, read from Django settings when a client is built (tests build their own)."""

from __future__ import annotations

import dataclasses

from django.conf import settings


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RemoteSettings:
    connect_timeout_seconds: float = 0.5
    """How long to wait for a connection: a dead host costs this, not the call's whole budget."""
    call_timeout_seconds: float = 5.0
    """The budget of one call, retries included; each attempt gets what is left of it."""
    retry_attempts: int = 3
    """Attempts per call of a retry-safe operation (@idempotent or @creates); others are sent once."""
    retry_backoff_seconds: float = 0.05
    """The wait before the second attempt; it doubles for each further one, with jitter."""
    breaker_failures: int = 5
    """Failures in a row after which an instance's circuit opens (4xx domain errors are no failures)."""
    breaker_reset_seconds: float = 10.0
    """How long an open circuit fails fast before it lets a probe through (half-open)."""
    pool_connections: int = 20
    """Keep-alive connections kept per service."""

    @classmethod
    def from_django(cls) -> RemoteSettings:
        return cls(
            connect_timeout_seconds=settings.REMOTE_CONNECT_TIMEOUT_SECONDS,
            call_timeout_seconds=settings.REMOTE_CALL_TIMEOUT_SECONDS,
            retry_attempts=settings.REMOTE_RETRY_ATTEMPTS,
            retry_backoff_seconds=settings.REMOTE_RETRY_BACKOFF_SECONDS,
            breaker_failures=settings.REMOTE_BREAKER_FAILURES,
            breaker_reset_seconds=settings.REMOTE_BREAKER_RESET_SECONDS,
            pool_connections=settings.REMOTE_POOL_CONNECTIONS,
        )
