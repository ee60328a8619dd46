"""API toolkit settings, read from Django settings at the moment they are used (so tests may override them)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ApiSettings:
    idempotency_key_ttl_seconds: float = 86_400.0
    """How long a stored response answers retries with its key; after that the key is free again."""
    idempotency_lease_seconds: float = 120.0
    """How long a request may hold its key in flight; past that its process is presumed dead."""

    @classmethod
    def from_django(cls) -> ApiSettings:
        return cls(
            idempotency_key_ttl_seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS,
            idempotency_lease_seconds=settings.IDEMPOTENCY_LEASE_SECONDS,
        )

    @property
    def idempotency_key_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.idempotency_key_ttl_seconds)

    @property
    def idempotency_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.idempotency_lease_seconds)
