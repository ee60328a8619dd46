"""`manage.py api_error_codes`: every error code the API answers with, as the Markdown table in README.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.urls import get_resolver

from shared.api.codes import api_error_codes, markdown_table
from shared.interfaces import registry


class Command(BaseCommand):
    help = (
        "Print every error code the API answers with (the API layer's, idempotency's, the gateway's and every "
        "registered domain's), its status and where it comes from, as README.md's Markdown table."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        get_resolver().url_patterns  # noqa: B018 - imports every view module, and with them their ApiErrors
        self.stdout.write(markdown_table(api_error_codes(domain_errors=registry.error_types())))
