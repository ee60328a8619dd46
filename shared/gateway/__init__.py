"""The API gateway inside the monolith: what every request to /api/ goes through.

    middleware.py    correlation id in and out; no HTML or oversized bodies under /api/
    errors.py        the one JSON error shape, DRF's exception handler, Django's handlers
    access.py        Public, Authenticated, OwnerOnly, StaffOnly: who may call an endpoint
    views.py         APIView and GenericAPIView, the base of every /api/ view: refusals are rate limited
    endpoints.py     every /api/ endpoint from the URL configuration, and what it declares
    throttling.py    rate limits per client, counted in Django's cache (Redis when shared)
    idempotency.py   Idempotency-Key on unsafe requests a client may retry
    routing.py       the route table: each domain's API served here or by its service
    schema.py        the OpenAPI schema's gateway parts (error responses, auth, headers)
    docs.py          the schema and the docs pages, on the gateway's base view
    principal.py     the authenticated caller, built from a token

Domain views stay thin and raise; the gateway authenticates, limits, renders.
"""
