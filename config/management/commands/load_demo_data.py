"""Load the demo shop: each domain running here loads its own part, in dependency order.

A domain placed elsewhere loads its demo data in its own service (its README says how);
its demo module is imported only where its app is installed, so this command runs in a
monolith without that domain's code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

LOADERS: list[Callable[[], list[str]]] = []
LOGIN_HINT_ACCOUNT: tuple[str, str] | None = None

if apps.is_installed("domains.identity"):
    from domains.identity import demo as identity_demo

    LOADERS.append(identity_demo.load_demo_data)
    LOGIN_HINT_ACCOUNT = (identity_demo.DEMO_ACCOUNTS[0].email, identity_demo.DEMO_PASSWORD)
if apps.is_installed("domains.catalog"):
    from domains.catalog import demo as catalog_demo

    LOADERS.append(catalog_demo.load_demo_data)

TOKEN_HINT = (
    "get a token: curl -s -X POST {base_url}/api/identity/token/ "
    '-H \'Content-Type: application/json\' -d \'{{"email": "{email}", "password": "{password}"}}\''
)


class Command(BaseCommand):
    help = "Load demo users and products. Safe to run again: it adds only what is missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the shop will be served, for the printed curl line (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for load in LOADERS:
            for line in load():
                self.stdout.write(line)
        if LOGIN_HINT_ACCOUNT is not None:
            email, password = LOGIN_HINT_ACCOUNT
            base_url = options["base_url"].rstrip("/")
            self.stdout.write(TOKEN_HINT.format(base_url=base_url, email=email, password=password))
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
