"""Load the demo shop: each domain loads its own part, in dependency order."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from domains.catalog import demo as catalog_demo
from domains.identity import demo as identity_demo

LOADERS = (identity_demo.load_demo_data, catalog_demo.load_demo_data)

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
        hint = TOKEN_HINT.format(
            base_url=options["base_url"].rstrip("/"),
            email=identity_demo.DEMO_ACCOUNTS[0].email,
            password=identity_demo.DEMO_PASSWORD,
        )
        self.stdout.write(hint)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
