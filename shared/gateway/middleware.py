"""Correlation at the door: the gateway's middleware, outermost in MIDDLEWARE so that it sees every request whole.

Every request runs under one correlation id, taken from the client's X-Request-ID when it
is well formed, created otherwise, and returned in the response's X-Request-ID.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.http.request import HttpHeaders
from django.utils.log import log_response

from shared.correlation import REQUEST_ID_HEADER, correlation_scope, is_valid_correlation_id, new_correlation_id

logger = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponseBase]

REQUEST_ID_META = HttpHeaders.to_wsgi_name(REQUEST_ID_HEADER)
REPLACED_REQUEST_ID = "Ignored a malformed %s header (%d characters); serving the request as %s."


class CorrelationIdMiddleware:
    """Runs the request under its correlation id and returns the id in X-Request-ID."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # META, not request.headers, which copies every header on first use: this runs on every request.
        incoming = request.META.get(REQUEST_ID_META, "")
        correlation_id = incoming if incoming and is_valid_correlation_id(incoming) else new_correlation_id()
        with correlation_scope(correlation_id):
            if incoming and incoming != correlation_id:
                logger.info(REPLACED_REQUEST_ID, REQUEST_ID_HEADER, len(incoming), correlation_id)
            response = self.get_response(request)
            if response.status_code >= 400:
                # Django logs each error response once the middleware chain has returned, out
                # of this scope; logged here, the line carries the id (and Django skips it).
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        response[REQUEST_ID_HEADER] = correlation_id
        return response
