"""A URLconf of probe views for kernel tests of the gateway pieces (authentication, parsing)."""

from __future__ import annotations

from django.urls import path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class WhoAmI(APIView):
    """Answers with the caller's Principal: needs a valid token and nothing else."""

    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        user = request.user
        return Response({"id": str(user.id), "email": user.email, "scopes": sorted(user.scopes)})


class PublicEcho(APIView):
    """A public endpoint that still authenticates a token when one is sent, and echoes the body."""

    permission_classes = (AllowAny,)

    def post(self, request: Request) -> Response:
        return Response({"data": request.data, "authenticated": request.user.is_authenticated})


class TokenBlindEcho(PublicEcho):
    """A public endpoint that ignores the Authorization header altogether (login, refresh)."""

    authentication_classes = ()


urlpatterns = [
    path("whoami/", WhoAmI.as_view()),
    path("public/", PublicEcho.as_view()),
    path("token-blind/", TokenBlindEcho.as_view()),
]
