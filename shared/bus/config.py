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
    relay_lease_seconds: float = 30.0
    """How long a relay may hold claimed rows between claiming and recording them sent."""
    relay_resend_seconds: float = 900.0
    """A row sent this long ago and still not picked up by a worker is sent again (its message was lost)."""
    relay_batch: int = 100
    """Rows one relay claims at a time."""
    feed_page: int = 100
    """Events one read of another service's feed asks for."""

    @classmethod
    def from_django(cls) -> BusSettings:
        return cls(
            max_attempts=settings.BUS_MAX_ATTEMPTS,
            retry_base_seconds=settings.BUS_RETRY_BASE_SECONDS,
            retry_max_seconds=settings.BUS_RETRY_MAX_SECONDS,
            lease_seconds=settings.BUS_LEASE_SECONDS,
            relay_lease_seconds=settings.BUS_RELAY_LEASE_SECONDS,
            relay_resend_seconds=settings.BUS_RELAY_RESEND_SECONDS,
            relay_batch=settings.BUS_RELAY_BATCH,
            feed_page=settings.BUS_FEED_PAGE,
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

    @property
    def relay_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.relay_lease_seconds)

    @property
    def relay_resend(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.relay_resend_seconds)
