"""The public surface of the API, pinned: what anyone may call without a token.

Read from the URL configuration (tests.endpoints), so that a view marked Public
by mistake, or a new public route, fails here until PUBLIC_SURFACE is changed on purpose.
The key set (/.well-known/jwks.json) is public too, but outside /api/: not the gateway's.
"""

from __future__ import annotations

from shared.api.access import Access
from tests.endpoints import api_endpoints

PUBLIC_SURFACE = {
    # Browsing the catalog.
    ("api/catalog/categories/", "GET"),
    ("api/catalog/products/", "GET"),
    ("api/catalog/products/<uuid:product_id>/", "GET"),
    # Becoming a customer and signing in.
    ("api/identity/register/", "POST"),
    ("api/identity/token/", "POST"),
    ("api/identity/token/refresh/", "POST"),
    # The API's documentation.
    ("api/schema/", "GET"),
    ("api/docs/", "GET"),
    ("api/redoc/", "GET"),
}

CHANGED = (
    "The public surface changed: {added} now answer anyone without a token, {removed} no longer do. "
    "If that is deliberate, update PUBLIC_SURFACE in tests/security/test_public_surface.py; if not, "
    "declare the view's access (shared.api.access) as it should be."
)


def test_exactly_the_intended_routes_and_methods_are_public() -> None:
    public = {(e.route, m) for e in api_endpoints() for m in e.methods if e.access(m) == (Access.PUBLIC,)}

    added, removed = sorted(public - PUBLIC_SURFACE), sorted(PUBLIC_SURFACE - public)
    assert public == PUBLIC_SURFACE, CHANGED.format(added=added or "none", removed=removed or "none")
