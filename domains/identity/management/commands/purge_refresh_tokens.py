"""Delete refresh tokens past their expiry: run it daily (cron), or the table only grows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from domains.identity.sessions import purge_expired_refresh_tokens


class Command(BaseCommand):
    help = (
        "Delete refresh tokens whose expiry (AUTH_REFRESH_TOKEN_SECONDS after issue) has passed. They can no "
        "longer be used, so nothing a user holds stops working. Safe to run at any time, and repeatedly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_expired_refresh_tokens()
        self.stdout.write(f"Deleted {deleted} expired refresh tokens.")
