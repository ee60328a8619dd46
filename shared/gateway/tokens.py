"""Access tokens: JWTs any service can verify with the public keys alone.

An access token is a JWT (RFC 9068 profile) signed by the identity provider's active key:

    header   {"alg": "RS256", "typ": "at+jwt", "kid": "<RFC 7638 thumbprint>"}
    claims   {"iss": AUTH_TOKEN_ISSUER, "aud": AUTH_TOKEN_AUDIENCE, "sub": "<user uuid>",
              "email": "...", "scope": "customer staff", "iat": ..., "exp": ..., "jti": "..."}

Verification trusts nothing in the token before the signature checks out: the key is
found by `kid` among the configured keys, the algorithm is the one that key was made
for (so `alg: none` and HS256-signed-with-the-public-key are refused, whatever the
header says), then signature, issuer, audience, expiry and the required claims are
checked by PyJWT. Every failure is an InvalidTokenError, ExpiredTokenError when only
the time is wrong, so a client knows to refresh rather than log in again.

    TokenError
    ├── InvalidTokenError     forged, tampered, malformed, for another issuer or audience
    └── ExpiredTokenError     genuine but past its exp; refresh it
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone

from shared.gateway.keys import KeySet, development_key_set, load_key_set
from shared.gateway.principal import Principal

TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token, not an ID token or any other JWT
REQUIRED_CLAIMS = ("iss", "aud", "sub", "exp", "iat", "jti")

MALFORMED = "it is not a well-formed JWT"
WRONG_TYPE = "its type is {typ!r}, not an access token ('at+jwt')"
NO_KID = "its header names no key id (kid)"
UNKNOWN_KID = "it was signed with key {kid!r}, which is not (or no longer) trusted"
WRONG_ALGORITHM = "its algorithm {alg!r} is not the one key {kid!r} signs with"
BAD_CLAIMS = "its claims do not describe a user (sub, email, scope)"


class TokenError(Exception):
    """An access token that must not be accepted; `reason` says why, for logs and clients."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidTokenError(TokenError):
    """Not a token this system issued for this audience: log in again."""


class ExpiredTokenError(TokenError):
    """A genuine token past its expiry: get a new one with the refresh token."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenConfig:
    """Everything signing and verifying need; built from settings by `current_config()`."""

    keys: KeySet
    issuer: str
    audience: str
    access_token_seconds: int
    leeway_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedAccessToken:
    token: str
    expires_in: int


def current_config() -> TokenConfig:
    """The token configuration of this process's settings (key files are read once per setting value)."""
    return _config(
        signing_keys=tuple(str(path) for path in settings.AUTH_SIGNING_KEYS),
        dev_key_file=str(settings.AUTH_DEV_KEY_FILE) if settings.AUTH_DEV_KEY_FILE else None,
        issuer=settings.AUTH_TOKEN_ISSUER,
        audience=settings.AUTH_TOKEN_AUDIENCE,
        access_token_seconds=settings.AUTH_ACCESS_TOKEN_SECONDS,
        leeway_seconds=settings.AUTH_CLOCK_SKEW_SECONDS,
    )


@functools.lru_cache(maxsize=8)
def _config(
    *,
    signing_keys: tuple[str, ...],
    dev_key_file: str | None,
    issuer: str,
    audience: str,
    access_token_seconds: int,
    leeway_seconds: int,
) -> TokenConfig:
    if signing_keys or dev_key_file is None:
        keys = load_key_set(Path(path) for path in signing_keys)
    else:
        keys = development_key_set(Path(dev_key_file))
    return TokenConfig(
        keys=keys,
        issuer=issuer,
        audience=audience,
        access_token_seconds=access_token_seconds,
        leeway_seconds=leeway_seconds,
    )


# -- claims <-> principal ---------------------------------------------------------------


def principal_claims(principal: Principal) -> dict[str, str]:
    """The claims that describe who the caller is; `principal_from_claims` reads them back."""
    return {"sub": str(principal.id), "email": principal.email, "scope": " ".join(sorted(principal.scopes))}


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    subject, email, scope = claims.get("sub"), claims.get("email"), claims.get("scope")
    if not (isinstance(subject, str) and isinstance(email, str) and isinstance(scope, str)):
        raise InvalidTokenError(BAD_CLAIMS)
    try:
        user_id = uuid.UUID(subject)
    except ValueError:
        raise InvalidTokenError(BAD_CLAIMS) from None
    return Principal(id=user_id, email=email, scopes=frozenset(scope.split()))


# -- sign and verify ------------------------------------------------------------------


def issue_access_token(
    principal: Principal, *, config: TokenConfig | None = None, now: dt.datetime | None = None
) -> IssuedAccessToken:
    """Sign an access token for `principal` with the active key; `now` is for tests of expiry."""
    config = config or current_config()
    key = config.keys.signing_key
    issued_at = now or timezone.now()
    claims = {
        **principal_claims(principal),
        "iss": config.issuer,
        "aud": config.audience,
        "iat": int(issued_at.timestamp()),
        "exp": int(issued_at.timestamp()) + config.access_token_seconds,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": TOKEN_TYPE})
    return IssuedAccessToken(token=token, expires_in=config.access_token_seconds)


def verify_access_token(token: str, *, config: TokenConfig | None = None) -> Principal:
    """The principal a genuine, current access token speaks for; TokenError otherwise."""
    return principal_from_claims(verified_claims(token, config=config or current_config()))


def verified_claims(token: str, *, config: TokenConfig) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidTokenError(MALFORMED) from None
    if header.get("typ") != TOKEN_TYPE:
        raise InvalidTokenError(WRONG_TYPE.format(typ=header.get("typ")))
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidTokenError(NO_KID)
    key = config.keys.find(kid)
    if key is None:
        raise InvalidTokenError(UNKNOWN_KID.format(kid=kid))
    if header.get("alg") != key.algorithm:
        raise InvalidTokenError(WRONG_ALGORITHM.format(alg=header.get("alg"), kid=kid))
    try:
        return jwt.decode(
            token,
            key.public_key,
            algorithms=[key.algorithm],
            issuer=config.issuer,
            audience=config.audience,
            leeway=config.leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS), "strict_aud": True},
        )
    except jwt.ExpiredSignatureError:
        raise ExpiredTokenError("it has expired") from None
    except jwt.InvalidIssuerError:
        raise InvalidTokenError("it was issued by another issuer") from None
    except jwt.InvalidAudienceError:
        raise InvalidTokenError("it is meant for another audience") from None
    except jwt.InvalidSignatureError:
        raise InvalidTokenError("its signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(f"{MALFORMED} ({exc})") from None
