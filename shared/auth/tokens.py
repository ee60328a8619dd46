"""Verifying access tokens: JWTs any service checks with the identity provider's public keys alone.

An access token is a JWT (RFC 9068 profile) signed by the identity provider's active key:

    header   {"alg": "RS256", "typ": "at+jwt", "kid": "<RFC 7638 thumbprint>"}
    claims   {"iss": AUTH_TOKEN_ISSUER, "aud": AUTH_TOKEN_AUDIENCE, "sub": "<user uuid>",
              "email": "...", "scope": "customer staff", "iat": ..., "exp": ..., "jti": "..."}

Verification trusts nothing in the token before the signature checks out: the key is
found by `kid` among the trusted keys, the algorithm is the one that key was made for
(so `alg: none` and HS256-signed-with-the-public-key are refused, whatever the header
says), then signature, issuer, audience, expiry and the required claims are checked by
PyJWT. Every failure is an InvalidTokenError, ExpiredTokenError when only the time is
wrong, so a client knows to refresh rather than log in again.

    TokenError
    ├── InvalidTokenError     forged, tampered, malformed, for another issuer or audience
    └── ExpiredTokenError     genuine but past its exp; refresh it

Where the keys come from (settings, first that is set): AUTH_JWKS_URL (the identity
provider's key set over HTTP), AUTH_VERIFYING_KEYS, AUTH_SIGNING_KEYS (PEM files; only the
public halves are used), and in development the development key file's public half.

Verified tokens are remembered (`VerifiedTokens`): a client sends the same token with every
request for its whole life, and an RS256 check costs more than the rest of the gateway
together. A token is remembered by a digest of its exact text, so any change to it is a
miss and a full check; at most AUTH_VERIFIED_TOKEN_CACHE_SECONDS (60 by default) and never
past its expiry, so a key removed from the trusted set stops working within that time.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cachetools import TTLCache
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from shared.auth.keys import JwksKeySet, KeySource, load_key_set
from shared.auth.principal import Principal

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


class VerifiedTokens:
    """Principals of recently verified tokens, by a digest of the token: at most `seconds` old, never expired.

    Thread-safe (gunicorn's threads share it); bounded to `size` tokens, least recently
    used first out.
    """

    def __init__(self, *, size: int = 10_000, seconds: float = 60.0) -> None:
        self._entries: TTLCache[bytes, tuple[Principal, float]] = TTLCache(maxsize=size, ttl=seconds)
        self._lock = threading.Lock()

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.blake2b(token.encode(), digest_size=16).digest()

    def get(self, token: str, *, now: float) -> Principal | None:
        digest = self._digest(token)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            principal, expires_at = entry
            if now >= expires_at:
                del self._entries[digest]
                return None
        return principal

    def put(self, token: str, principal: Principal, *, expires_at: float) -> None:
        with self._lock:
            self._entries[self._digest(token)] = (principal, expires_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifierConfig:
    """What verifying needs; built from settings by `current_verifier()`."""

    keys: KeySource
    issuer: str
    audience: str
    leeway_seconds: int
    verified: VerifiedTokens | None = dataclasses.field(default=None, compare=False)
    """Remembered verifications (None: check every token in full)."""


_current: VerifierConfig | None = None
"""The verifier of the settings as they are: built once, dropped when an AUTH_ setting changes (tests)."""


def current_verifier() -> VerifierConfig:
    """The verifier of this process's settings (key files are read once per setting value).

    Asked on every authenticated request; reading seven settings and hashing them into the
    cache key of `_verifier` each time cost more than the remembered token's lookup.
    """
    global _current
    if _current is None:
        _current = _verifier_of_settings()
    return _current


@receiver(setting_changed)
def _forget_current_verifier(*, setting: str, **kwargs: Any) -> None:
    global _current
    if setting.startswith("AUTH_"):
        _current = None


def _verifier_of_settings() -> VerifierConfig:
    return _verifier(
        jwks_url=settings.AUTH_JWKS_URL,
        key_files=tuple(str(path) for path in settings.AUTH_VERIFYING_KEYS or settings.AUTH_SIGNING_KEYS),
        dev_key_file=str(settings.AUTH_DEV_KEY_FILE) if settings.AUTH_DEV_KEY_FILE else None,
        issuer=settings.AUTH_TOKEN_ISSUER,
        audience=settings.AUTH_TOKEN_AUDIENCE,
        leeway_seconds=settings.AUTH_CLOCK_SKEW_SECONDS,
        cache_seconds=settings.AUTH_VERIFIED_TOKEN_CACHE_SECONDS,
    )


@functools.lru_cache(maxsize=8)
def _verifier(
    *,
    jwks_url: str,
    key_files: tuple[str, ...],
    dev_key_file: str | None,
    issuer: str,
    audience: str,
    leeway_seconds: int,
    cache_seconds: float,
) -> VerifierConfig:
    keys: KeySource
    if jwks_url:
        keys = JwksKeySet(jwks_url)
    else:
        paths = key_files or ((dev_key_file,) if dev_key_file else ())
        keys = load_key_set(Path(path) for path in paths)
    verified = VerifiedTokens(seconds=cache_seconds) if cache_seconds > 0 else None
    return VerifierConfig(keys=keys, issuer=issuer, audience=audience, leeway_seconds=leeway_seconds, verified=verified)


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


# -- verify ------------------------------------------------------------------------------


def verify_access_token(token: str, *, config: VerifierConfig | None = None) -> Principal:
    """The principal a genuine, current access token speaks for; TokenError otherwise."""
    config = config or current_verifier()
    now = time.time()
    if config.verified is not None and (known := config.verified.get(token, now=now)) is not None:
        return known
    claims = verified_claims(token, config=config)
    principal = principal_from_claims(claims)
    if config.verified is not None:
        config.verified.put(token, principal, expires_at=float(claims["exp"]) + config.leeway_seconds)
    return principal


def verified_claims(token: str, *, config: VerifierConfig) -> dict[str, Any]:
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
