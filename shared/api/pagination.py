"""The API's pagination: ?limit=&offset=, each an integer in its range or a 400 naming it.

DRF's LimitOffsetPagination reads a limit or offset it cannot use as if it were absent
(`?limit=-1&offset=abc` is the first page), so a client's mistake passes silently, and
passes any positive integer to the database, where one beyond 64 bits is a 500. Here a
value outside its range, or not a whole number, is a 400 `request.invalid` whose field
error names the parameter and the range; both are reported at once.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions, pagination
from rest_framework.request import Request

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000

LIMIT_INVALID = "Use a whole number from 1 to {max} (items per page; {default} when left out)."
OFFSET_INVALID = "Use a whole number from 0 to {max} (items to skip; 0 when left out)."

_DIGITS = re.compile(r"[0-9]{1,12}")


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any] | None:
        self.refuse_invalid_parameters(request)
        return super().paginate_queryset(queryset, request, view)

    def refuse_invalid_parameters(self, request: Request) -> None:
        """Raise ValidationError naming each of limit and offset that is given but not in its range."""
        bounds = {
            self.limit_query_param: (1, MAX_LIMIT, LIMIT_INVALID.format(max=MAX_LIMIT, default=self.default_limit)),
            self.offset_query_param: (0, MAX_OFFSET, OFFSET_INVALID.format(max=MAX_OFFSET)),
        }
        errors = {
            name: [message]
            for name, (low, high, message) in bounds.items()
            if name in request.query_params and not _whole_number_in(request.query_params[name], low, high)
        }
        if errors:
            raise exceptions.ValidationError(errors)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """DRF's parameters, with the ranges the API enforces."""
        parameters = super().get_schema_operation_parameters(view)
        ranges = {self.limit_query_param: (1, MAX_LIMIT), self.offset_query_param: (0, MAX_OFFSET)}
        for parameter in parameters:
            if parameter["name"] in ranges:
                low, high = ranges[parameter["name"]]
                parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
        return parameters


def _whole_number_in(given: str, low: int, high: int) -> bool:
    return bool(_DIGITS.fullmatch(given)) and low <= int(given) <= high
