"""The schema and the docs pages under /api/: drf-spectacular's views on DomainAPIView.

A module of its own, not schema.py: importing drf_spectacular.views runs extend_schema on
them, which loads DEFAULT_SCHEMA_CLASS (schema.ApiAutoSchema), so schema.py cannot.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from shared.api.views import DomainAPIView


class SchemaView(DomainAPIView, SpectacularAPIView):
    """The OpenAPI schema (YAML, or JSON with ?format=json), rate limited like every /api/ view."""


class SwaggerView(DomainAPIView, SpectacularSwaggerView):
    """Swagger UI over the schema."""


class RedocView(DomainAPIView, SpectacularRedocView):
    """ReDoc over the schema."""
