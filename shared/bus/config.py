"""Bus settings, read from Django settings at the moment they are used."""

from __future__ import annotations

import dataclasses
import datetime as dt

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BusSettings:
    max_attempts: int = 5
    """Attempts per delivery before it is marked dead."""
    retry_base_seconds: float = 2.0
    """Delay after the first failure; doubles with every further attempt."""
    retry_max_seconds: float = 600.0
    """Cap on the delay between two attempts."""
    lease_seconds: float = 300.0
    """How long a delivery may stay in processing before a sweep takes it back."""

    @classmethod
    def from_django(cls) -> BusSettings:
        return cls(
            max_attempts=settings.BUS_MAX_ATTEMPTS,
            retry_base_seconds=settings.BUS_RETRY_BASE_SECONDS,
            retry_max_seconds=settings.BUS_RETRY_MAX_SECONDS,
            lease_seconds=settings.BUS_LEASE_SECONDS,
        )

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Exponential backoff after `attempts` failed attempts (no jitter: retries are per row)."""
        seconds = get_exponential_backoff_interval(
            factor=self.retry_base_seconds, retries=attempts - 1, maximum=self.retry_max_seconds, full_jitter=False
        )
        return dt.timedelta(seconds=seconds)

    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.lease_seconds)
