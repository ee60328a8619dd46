"""Issuing access tokens: identity signs, every service verifies (shared.auth.tokens).

The token format (header, claims, type) is the kernel's, so that verifiers need nothing
of this domain; what lives here is the private key and the decision to sign.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from django.conf import settings
from django.utils import timezone

from domains.identity.signing_keys import SigningKeys, development_signing_keys, load_signing_keys
from shared.auth.principal import Principal
from shared.auth.tokens import TOKEN_TYPE, principal_claims


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerConfig:
    """What signing needs; built from settings by `current_issuer()`."""

    keys: SigningKeys
    issuer: str
    audience: str
    access_token_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedAccessToken:
    token: str
    expires_in: int


def current_issuer() -> IssuerConfig:
    """The issuer of this process's settings (key files are read once per setting value)."""
    return _issuer(
        signing_keys=tuple(str(path) for path in settings.AUTH_SIGNING_KEYS),
        dev_key_file=str(settings.AUTH_DEV_KEY_FILE) if settings.AUTH_DEV_KEY_FILE else None,
        issuer=settings.AUTH_TOKEN_ISSUER,
        audience=settings.AUTH_TOKEN_AUDIENCE,
        access_token_seconds=settings.AUTH_ACCESS_TOKEN_SECONDS,
    )


@functools.lru_cache(maxsize=8)
def _issuer(
    *, signing_keys: tuple[str, ...], dev_key_file: str | None, issuer: str, audience: str, access_token_seconds: int
) -> IssuerConfig:
    if signing_keys or dev_key_file is None:
        keys = load_signing_keys(Path(path) for path in signing_keys)
    else:
        keys = development_signing_keys(Path(dev_key_file))
    return IssuerConfig(keys=keys, issuer=issuer, audience=audience, access_token_seconds=access_token_seconds)


def issue_access_token(
    principal: Principal, *, config: IssuerConfig | None = None, now: dt.datetime | None = None
) -> IssuedAccessToken:
    """Sign an access token for `principal` with the active key; `now` is for tests of expiry."""
    config = config or current_issuer()
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
