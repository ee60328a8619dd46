"""The API's pagination: ?limit=&offset=, bounded so no query string reaches the database
as a number it cannot hold.

DRF's LimitOffsetPagination passes any positive integer through, and a limit or offset
beyond 64 bits is a 500 from the database. Past the bounds, the bound is used: a limit
of a billion gets MAX_LIMIT items, an offset past the end an empty page, as any offset
past the end would.
"""

from __future__ import annotations

from typing import Any

from rest_framework import pagination

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
