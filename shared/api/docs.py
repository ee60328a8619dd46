"""The schema and the docs pages under /api/: drf-spectacular's views on DomainAPIView.

A module of its own, not schema.py: importing drf_spectacular.views runs extend_schema on
them, which loads DEFAULT_SCHEMA_CLASS (schema.ApiAutoSchema), so schema.py cannot.
"""

from __future__ import annotations

import threading
from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from shared.api.views import DomainAPIView

_generating = threading.Lock()


class SchemaView(DomainAPIView, SpectacularAPIView):
    """The OpenAPI schema (YAML, or JSON with ?format=json), rate limited like every /api/ view.

    One generation at a time per process: drf-spectacular imports its extensions' target classes
    on first use without a lock, and two first requests at once (gunicorn's threads) raced into
    a 500 (AttributeError in plumbing._load_class). The schemathesis runs of
    tests/api/test_schema_conformance.py load the schema from a fresh server at the same moment.
    """

    def _get_schema_response(self, request: Any) -> Any:
        with _generating:
            return super()._get_schema_response(request)


class SwaggerView(DomainAPIView, SpectacularSwaggerView):
    """Swagger UI over the schema."""


class RedocView(DomainAPIView, SpectacularRedocView):
    """ReDoc over the schema."""
