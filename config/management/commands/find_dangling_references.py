"""Report rows that name another domain's entity which no longer exists."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.integrity import HOLDERS, find_dangling_references

LINE = "{source} {source_id} -> {target} {target_id}: not found"
FOUND = (
    "Found {count} dangling reference(s) (listed above). Each names an entity another domain no longer has: "
    "repair or remove the row in its own domain, never by writing to another domain's tables."
)
PAGE_SIZE_INVALID = "--page-size must be between 1 and 5000."
CLEAN = "No dangling references among {checked} checked (held by {holders})."


class Command(BaseCommand):
    help = (
        "Find cross-domain references whose target is gone (an order line naming a deleted product, a payment "
        "for an unknown order, a cart of an unknown customer, ...). Every check goes through the domains' "
        "interfaces. Prints one line per dangling reference with both ids; exits with status 1 if any are found, "
        "0 if none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--page-size",
            type=int,
            default=500,
            help="References read and checked per call (default 500, at most 5000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["page_size"] <= 5000:
            raise CommandError(PAGE_SIZE_INVALID)
        report = find_dangling_references(page_size=options["page_size"])
        for reference in report.dangling:
            self.stdout.write(
                LINE.format(
                    source=reference.source,
                    source_id=reference.source_id,
                    target=reference.target,
                    target_id=reference.target_id,
                )
            )
        if report.dangling:
            raise CommandError(FOUND.format(count=len(report.dangling)), returncode=1)
        holders = ", ".join(holder.name for holder in HOLDERS)
        self.stdout.write(self.style.SUCCESS(CLEAN.format(checked=report.checked, holders=holders)))
