"""The API toolkit: what a domain's HTTP layer builds on, in every process that serves an API.

A domain's views import from these modules, and only these (they are the public surface):

    shared.api.views          DomainAPIView, DomainGenericAPIView: the base of every /api/ view
    shared.api.access         Public, Authenticated, OwnerOnly, StaffOnly, by_method: who may call
    shared.api.serializers    StrictSerializer and strict fields: JSON types as declared, no extras
    shared.api.idempotency    @accepts_idempotency_key: safe retries of unsafe requests
    shared.api.errors         ApiError, for failures of the HTTP layer with their own code; @raises,
                              the domain errors a view's method declares (the schema documents them)

The rest is wired by configuration (config/settings.py, config/urls.py), never imported by
a domain: errors.py renders every failure as an RFC 9457 problem document, middleware.py
keeps /api/ free of HTML and oversized bodies, parsers.py, negotiation.py, pagination.py,
metadata.py and throttling.py are DRF's defaults made strict, schema.py and docs.py describe
the API.

This package is an app (label `api`) for its one table, the idempotency keys, so it imports
nothing here: an app's package is imported before models can be.
"""
