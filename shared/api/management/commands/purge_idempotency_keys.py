"""`manage.py purge_idempotency_keys`: delete the idempotency keys whose time is up."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from shared.api.idempotency import purge_expired_keys

PURGED = "Deleted {count} expired idempotency key(s)."


class Command(BaseCommand):
    help = (
        "Delete the Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_SECONDS. Expired keys are "
        "already free for reuse; this only keeps the table small. Run it daily, e.g. from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired_keys(now=timezone.now())
        self.stdout.write(PURGED.format(count=count))
