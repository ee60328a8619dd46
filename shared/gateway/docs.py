"""The schema and the docs pages under /api/: drf-spectacular's views on the gateway's base view.

A module of its own, not schema.py: importing drf_spectacular.views runs extend_schema on
them, which loads DEFAULT_SCHEMA_CLASS (schema.GatewayAutoSchema), so schema.py cannot.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from shared.gateway.views import APIView


class SchemaView(APIView, SpectacularAPIView):
    """The OpenAPI schema (YAML, or JSON with ?format=json), rate limited like every /api/ view."""


class SwaggerView(APIView, SpectacularSwaggerView):
    """Swagger UI over the schema."""


class RedocView(APIView, SpectacularRedocView):
    """ReDoc over the schema."""
