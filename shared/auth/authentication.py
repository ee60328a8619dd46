"""DRF authentication by `Authorization: Bearer <access token>`, without the identity database.

    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["shared.auth.BearerTokenAuthentication"]}

A request without an Authorization header stays anonymous (a view's permissions then
decide: 401 for IsAuthenticated). A Bearer header with a token that does not verify is
401 at once, even on public endpoints, so a client never silently acts anonymously
with a broken token; endpoints that must work with a stale token in the header (login,
refresh, the key set) opt out with `authentication_classes = ()`. Other schemes
(`Basic ...`) are left to other authentication classes.
"""

from __future__ import annotations

import logging

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from shared.auth.principal import Principal
from shared.auth.tokens import ExpiredTokenError, TokenError, verify_access_token

logger = logging.getLogger(__name__)

BEARER_CHALLENGE = 'Bearer realm="api"'
SCHEME = b"bearer"

MALFORMED_HEADER = (
    "The Authorization header is malformed. Send `Authorization: Bearer <access_token>` with the "
    "access_token from POST /api/identity/token/."
)
TOKEN_EXPIRED = "The access token has expired. Get a new one from POST /api/identity/token/refresh/ and retry."
TOKEN_INVALID = "The access token was refused: {reason}. Log in again at POST /api/identity/token/."


class AccessTokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"


class AccessTokenInvalid(exceptions.AuthenticationFailed):
    default_code = "token_invalid"


class BearerTokenAuthentication(BaseAuthentication):
    """Sets request.user to the token's Principal and request.auth to the raw token."""

    def authenticate(self, request: Request) -> tuple[Principal, str] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != SCHEME:
            return None
        if len(parts) != 2:
            raise AccessTokenInvalid(MALFORMED_HEADER)
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AccessTokenInvalid(MALFORMED_HEADER) from None
        try:
            principal = verify_access_token(token)
        except ExpiredTokenError:
            raise AccessTokenExpired(TOKEN_EXPIRED) from None
        except TokenError as exc:
            logger.info("Refused an access token: %s", exc.reason)
            raise AccessTokenInvalid(TOKEN_INVALID.format(reason=exc.reason)) from None
        return principal, token

    def authenticate_header(self, request: Request) -> str:
        """The challenge sent with every 401, which also keeps DRF from turning 401s into 403s."""
        return BEARER_CHALLENGE
