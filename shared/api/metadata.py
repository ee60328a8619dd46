"""What OPTIONS answers on an /api/ endpoint: its name, description, and the media types it renders and parses.

DRF's SimpleMetadata also describes the body of every method the caller may use, read from
the view's `serializer_class`. The views here name their serializers per method (input and
output apart, STYLE.md), so none has a `serializer_class`, and DRF's description failed
with a 500 on every endpoint whose POST or PUT the caller may use (a staff token on
/api/catalog/products/). The bodies are described once, in the OpenAPI schema at /api/schema/.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class Metadata(SimpleMetadata):
    """SimpleMetadata without the per-method `actions`: see /api/schema/ for request bodies."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}
