"""The base classes of every /api/ view: DRF's APIView and GenericAPIView, rate limited before they refuse.

    from shared.api.views import DomainAPIView, DomainGenericAPIView

DRF checks a request's credentials and permissions before its rate limits (APIView.initial:
authenticate, check permissions, check throttles), so a request it refuses with 401 or 403
never counts: a client may send bad tokens, or none, as fast as it likes and meet a 401
every time, never a 429, while each one costs a signature check. Here a refused request is
held to the rate limits first, as the caller it turned out to be: a bad or missing token
counts against its client IP (DRF leaves the request anonymous when authentication fails),
a valid token that lacks the permission against its user. A request that passes counts
once too, where DRF counts it.

Errors are rendered as JSON by every view, also by those that answer HTML or YAML on
success (the docs pages and the schema), so that their 401 and 429 carry the same stable
codes as any endpoint's rather than being re-rendered by the middleware without them.

Overriding `initial` in a base class, rather than a setting, because DRF has no setting for
the order. `tests.endpoints.classification_problems` names any /api/ view that does
not derive from these, and tests/security/test_refused_floods.py proves the 429 for every
endpoint and method.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, generics, views
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from shared.work_context import bind

REFUSALS = (exceptions.NotAuthenticated, exceptions.AuthenticationFailed, exceptions.PermissionDenied)
"""What DRF's initial raises for a caller it will not serve (401 and 403), before it counts the request."""


class DomainAPIView(views.APIView):
    """DRF's APIView, except that a request it refuses (401, 403) is first held to the rate limits."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except REFUSALS:
            self.check_throttles(request)  # raises Throttled (429) when over the limit; counts the request
            raise

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        if request.user.is_authenticated:
            bind(user_id=request.user.pk)  # every later line of this request names its user

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        renderer = JSONRenderer()
        self.request.accepted_renderer, self.request.accepted_media_type = renderer, renderer.media_type
        return response


class DomainGenericAPIView(DomainAPIView, generics.GenericAPIView):
    """DRF's GenericAPIView (pagination, get_object), rate limited before it refuses, as DomainAPIView."""
