"""Service tokens: who is calling, when the caller is one of our services rather than a user.

A service calling another domain's service (a remote interface call, or the gateway
forwarding a request) sends, besides the correlation id, a short-lived JWT its deployment
signed with its own private key (shared/remote/credentials.py signs it):

    X-Service-Authorization: Bearer <jwt>
    header   {"alg": "EdDSA", "typ": "svc+jwt", "kid": "<RFC 7638 thumbprint>"}
    claims   {"iss": "<calling service, SERVICE_NAME>", "aud": "<callee domain>",
              "iat": ..., "exp": ..., "jti": "..."}

The callee verifies it with public keys alone (SERVICE_TRUSTED_KEYS; by default the public
half of its own deployment's key), and answers a call with no token, or one that does not
verify, 401, and a token made out to another domain 403. The threat model is in the
README ("Service-to-service credentials").

    ServiceTokenError
    ├── ServiceTokenMissing        no X-Service-Authorization header (401)
    ├── ServiceTokenInvalid        malformed, forged, untrusted key, expired (401)
    └── ServiceTokenWrongAudience  genuine, but made out to another domain (403)

Verified tokens are cached until they expire: a caller reuses its token for minutes, so
each connection pays for one signature check, not one per call.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from pathlib import Path
from typing import Any

import jwt
from django.conf import settings

from shared.auth.keys import KeySet, load_key_set

SERVICE_TOKEN_HEADER = "X-Service-Authorization"
SERVICE_TOKEN_TYPE = "svc+jwt"
BEARER_PREFIX = "Bearer "
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
CACHE_SIZE = 4096

MISSING = (
    "This endpoint serves other services only: send a service token in the "
    f"{SERVICE_TOKEN_HEADER} header (`Bearer <jwt>`), signed with a key this service trusts."
)
INVALID = (
    "The service token was refused: {reason}. Sign it with a key listed in this service's "
    "SERVICE_TRUSTED_KEYS (by default the deployment's own SERVICE_SIGNING_KEY)."
)
WRONG_AUDIENCE = (
    "The service token is made out to {audience!r}, not to {expected!r}. Request a token for the "
    "domain you call: a token for one service is never accepted by another."
)
NOT_BEARER = f"the {SERVICE_TOKEN_HEADER} header is not `Bearer <jwt>`"
MALFORMED = "it is not a well-formed JWT"
WRONG_TYPE = "its type is {typ!r}, not a service token ('svc+jwt')"
UNKNOWN_KID = "it was signed with key {kid!r}, which this service does not trust"
WRONG_ALGORITHM = "its algorithm {alg!r} is not the one key {kid!r} signs with"
EXPIRED = "it has expired"
BAD_SIGNATURE = "its signature does not verify"
BAD_ISSUER = "it names no calling service (iss)"


class ServiceTokenError(Exception):
    """A service token that must not be accepted; the message says why and what to do."""


class ServiceTokenMissing(ServiceTokenError):
    pass


class ServiceTokenInvalid(ServiceTokenError):
    pass


class ServiceTokenWrongAudience(ServiceTokenError):
    pass


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ServiceCaller:
    """The service a verified token speaks for."""

    service: str
    audience: str
    expires_at: float


class ServiceTokenVerifier:
    """Verifies service tokens with a fixed set of trusted public keys, caching what verified."""

    def __init__(self, keys: KeySet | None, *, leeway_seconds: int = 30) -> None:
        self._keys = keys
        self._leeway = leeway_seconds
        self._verified: dict[str, ServiceCaller] = {}

    def verify_header(self, value: str | None, *, audience: str) -> ServiceCaller:
        """The caller of a request's X-Service-Authorization header, checked for `audience`."""
        if not value:
            raise ServiceTokenMissing(MISSING)
        if not value.startswith(BEARER_PREFIX):
            raise ServiceTokenInvalid(INVALID.format(reason=NOT_BEARER))
        return self.verify(value[len(BEARER_PREFIX) :], audience=audience)

    def verify(self, token: str, *, audience: str) -> ServiceCaller:
        caller = self._verified.get(token)
        if caller is None or caller.expires_at + self._leeway < time.time():
            caller = self._check(token)
            if len(self._verified) >= CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = caller
        if caller.audience != audience:
            raise ServiceTokenWrongAudience(WRONG_AUDIENCE.format(audience=caller.audience, expected=audience))
        return caller

    def _check(self, token: str) -> ServiceCaller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise ServiceTokenInvalid(INVALID.format(reason=MALFORMED)) from None
        if header.get("typ") != SERVICE_TOKEN_TYPE:
            raise ServiceTokenInvalid(INVALID.format(reason=WRONG_TYPE.format(typ=header.get("typ"))))
        kid = header.get("kid")
        key = self._keys.find(kid) if self._keys is not None and isinstance(kid, str) else None
        if key is None:
            raise ServiceTokenInvalid(INVALID.format(reason=UNKNOWN_KID.format(kid=kid)))
        if header.get("alg") != key.algorithm:
            raise ServiceTokenInvalid(INVALID.format(reason=WRONG_ALGORITHM.format(alg=header.get("alg"), kid=kid)))
        claims = self._decode(token, key.public_key, key.algorithm)
        issuer, audience = claims.get("iss"), claims.get("aud")
        if not isinstance(issuer, str) or not issuer or not isinstance(audience, str):
            raise ServiceTokenInvalid(INVALID.format(reason=BAD_ISSUER))
        return ServiceCaller(service=issuer, audience=audience, expires_at=float(claims["exp"]))

    def _decode(self, token: str, public_key: Any, algorithm: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                public_key,
                algorithms=[algorithm],
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise ServiceTokenInvalid(INVALID.format(reason=EXPIRED)) from None
        except jwt.InvalidSignatureError:
            raise ServiceTokenInvalid(INVALID.format(reason=BAD_SIGNATURE)) from None
        except jwt.PyJWTError as exc:
            raise ServiceTokenInvalid(INVALID.format(reason=f"{MALFORMED} ({exc})")) from None


def trusted_key_files() -> tuple[str, ...]:
    """SERVICE_TRUSTED_KEYS, or the deployment's own service key when none are listed."""
    if settings.SERVICE_TRUSTED_KEYS:
        return tuple(str(path) for path in settings.SERVICE_TRUSTED_KEYS)
    return (str(settings.SERVICE_KEY_FILE),) if settings.SERVICE_KEY_FILE else ()


def current_service_verifier() -> ServiceTokenVerifier:
    """This process's verifier (key files read once per setting value)."""
    return _verifier(trusted_key_files(), settings.AUTH_CLOCK_SKEW_SECONDS)


@functools.lru_cache(maxsize=8)
def _verifier(paths: tuple[str, ...], leeway_seconds: int) -> ServiceTokenVerifier:
    existing = [Path(path) for path in paths if Path(path).exists() or settings.SERVICE_TRUSTED_KEYS]
    keys = load_key_set(existing) if existing else None
    return ServiceTokenVerifier(keys, leeway_seconds=leeway_seconds)
