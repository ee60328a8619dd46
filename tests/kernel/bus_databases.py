"""Three real databases (SQLite files with the bus's and auth's tables) standing for three domains' own.

The sample domain publishes into PUBLISHER; subscribers of "orders" and "notifications"
receive in ORDERS and NOTIFICATIONS. `Effects` handlers write their effect (a Group row) in
their own domain's database, so that effect and completion are seen committing together.
Used by tests/kernel/test_bus_databases.py and tests/admin/test_bus_admin.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from extract.copying.databases import close_database, open_database
from shared.bus.placement import domain_of
from shared.bus.subscriptions import Subscription
from shared.db import database_for
from tests.kernel.sample import Pinged

PUBLISHER, ORDERS, NOTIFICATIONS = "bus_db_sample", "bus_db_orders", "bus_db_notifications"
ALIASES = (PUBLISHER, ORDERS, NOTIFICATIONS)
PLACED = {"sample": PUBLISHER, "orders": ORDERS, "notifications": NOTIFICATIONS}
CLEARED = ("bus_delivery", "bus_storedevent", "bus_feedcursor", "bus_outboxhead", "auth_group")
LOCK_WAIT_MS = 200
"""How long SQLite waits for a locked database here: a locked subscriber database fails its pull at once."""


@pytest.fixture(scope="session")
def database_files(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker) -> dict:
    """One SQLite file per alias, with the bus's tables and auth's (where the handlers write their effects)."""
    directory = tmp_path_factory.mktemp("bus-databases")
    files = {alias: directory / f"{alias}.sqlite3" for alias in ALIASES}
    with django_db_blocker.unblock():
        for alias, path in files.items():
            open_database(f"sqlite:///{path}", alias=alias)
            call_command("migrate", "bus", database=alias, verbosity=0)
            call_command("migrate", "auth", database=alias, verbosity=0)
            close_database(alias)
    return files


@pytest.fixture
def databases(database_files: dict[str, Path]) -> Iterator[dict[str, Path]]:
    """The three databases, empty, opened as aliases, and DOMAIN_DATABASES placing the domains in them."""
    for alias, path in database_files.items():
        open_database(f"sqlite:///{path}", alias=alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
            for table in CLEARED:
                cursor.execute(f"DELETE FROM {table}")
    try:
        # The other domains stay where the run put them (identity's users, for the admin's logins).
        with override_settings(DOMAIN_DATABASES={**settings.DOMAIN_DATABASES, **PLACED}):
            yield database_files
    finally:
        for alias in ALIASES:
            close_database(alias)


@dataclasses.dataclass
class Effects:
    """Handlers that record what they saw and write a row in their own domain's database."""

    seen: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    failures_left: int = 0

    def subscription(self, subscriber: str) -> Subscription:
        def handle(event: Pinged) -> None:
            self.seen.append((subscriber, event.n))
            Group.objects.using(database_for(domain_of(subscriber))).create(name=f"{subscriber} {event.n}")
            if self.failures_left:
                self.failures_left -= 1
                raise RuntimeError("handler failed on purpose")

        return Subscription(id=subscriber, event=Pinged, handler=handle)
