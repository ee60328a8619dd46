"""Identity endpoints: registration, login and sessions, the caller's profile, the public key set.

Views are thin: validate the input, call one service or selector, render. Errors are
raised, never rendered here (shared.api.errors renders them). Registration, login,
refresh and the key set ignore any Authorization header (`authentication_classes = ()`):
they do not need a caller, and a client whose stale access token rides along on every
request must still be able to refresh it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from domains.identity import selectors, services, sessions
from domains.identity.access_tokens import current_issuer
from domains.identity.http.serializers import (
    ProfileOutputSerializer,
    ProfileUpdateSerializer,
    RefreshTokenInputSerializer,
    RegisterInputSerializer,
    TokenInputSerializer,
    TokenPairOutputSerializer,
    UserOutputSerializer,
)
from domains.identity.interface import (
    AddressDTO,
    EmailAlreadyRegisteredError,
    EmailInvalidError,
    InvalidCredentialsError,
    PasswordRejectedError,
    ProfileInvalidError,
    RefreshTokenInvalidError,
    RefreshTokenReusedError,
    UserNotFoundError,
)
from shared.api.access import Authenticated, Public
from shared.api.errors import raises
from shared.api.views import DomainAPIView

# RFC 6749 §5.1: responses carrying tokens must not be stored by any cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Verifiers may cache the key set this long; a new key is published at least this long before it signs.
JWKS_MAX_AGE_SECONDS = 300


def validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RegisterView(DomainAPIView):
    authentication_classes = ()
    permission_classes = (Public,)

    @extend_schema(request=RegisterInputSerializer, responses={201: UserOutputSerializer})
    @raises(EmailAlreadyRegisteredError, EmailInvalidError, PasswordRejectedError, ProfileInvalidError)
    def post(self, request: Request) -> Response:
        data = validated(RegisterInputSerializer, request)
        user = services.register_user(email=data["email"], password=data["password"], full_name=data["full_name"])
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(DomainAPIView):
    authentication_classes = ()
    permission_classes = (Public,)
    throttle_scope = "login"  # the gateway's stricter rate limit for password guessing

    @extend_schema(request=TokenInputSerializer, responses=TokenPairOutputSerializer)
    @raises(InvalidCredentialsError)
    def post(self, request: Request) -> Response:
        data = validated(TokenInputSerializer, request)
        pair = sessions.log_in(email=data["email"], password=data["password"])
        return Response(TokenPairOutputSerializer(pair).data, headers=NO_STORE)


class TokenRefreshView(DomainAPIView):
    authentication_classes = ()
    permission_classes = (Public,)

    @extend_schema(request=RefreshTokenInputSerializer, responses=TokenPairOutputSerializer)
    @raises(RefreshTokenInvalidError, RefreshTokenReusedError)
    def post(self, request: Request) -> Response:
        data = validated(RefreshTokenInputSerializer, request)
        pair = sessions.refresh_session(refresh_token=data["refresh_token"])
        return Response(TokenPairOutputSerializer(pair).data, headers=NO_STORE)


class LogoutView(DomainAPIView):
    permission_classes = (Authenticated,)

    @extend_schema(request=RefreshTokenInputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = validated(RefreshTokenInputSerializer, request)
        sessions.log_out(user_id=request.user.id, refresh_token=data["refresh_token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(DomainAPIView):
    permission_classes = (Authenticated,)

    @extend_schema(responses=ProfileOutputSerializer)
    @raises(UserNotFoundError)  # the account was deleted after the token was issued
    def get(self, request: Request) -> Response:
        profile = selectors.get_profile(user_id=request.user.id)
        return Response(ProfileOutputSerializer(profile).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=ProfileOutputSerializer)
    @raises(UserNotFoundError, ProfileInvalidError)
    def patch(self, request: Request) -> Response:
        changes = validated(ProfileUpdateSerializer, request)
        if "shipping_address" in changes and changes["shipping_address"] is not None:
            changes["shipping_address"] = AddressDTO(**changes["shipping_address"])
        profile = services.update_profile(user_id=request.user.id, **changes)
        return Response(ProfileOutputSerializer(profile).data)


class JwksView(DomainAPIView):
    """The public keys that verify access tokens (RFC 7517), for any service and gateway."""

    authentication_classes = ()
    permission_classes = (Public,)
    renderer_classes = (JSONRenderer,)

    @extend_schema(responses=OpenApiTypes.OBJECT, description="The public keys (RFC 7517 JWK Set).")
    def get(self, request: Request) -> Response:
        return Response(
            current_issuer().keys.jwks(), headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"}
        )
