"""This deployment's service credentials: the short-lived tokens it signs for the services it calls.

Every call to another domain's service (remote interface calls, the gateway's forwarding)
carries a token made out to that domain (`aud`), naming this service (`iss`,
SERVICE_NAME), signed with the deployment's private key (SERVICE_SIGNING_KEY, PEM; in
development a key generated once at .dev-keys/service.pem). shared.auth.service_tokens
describes the token and verifies it on the far side.

A token is reused until half its life (SERVICE_TOKEN_SECONDS) is gone, so signing costs
one signature per audience every few minutes, not one per call.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shared.auth.keys import read_key_file, verifying_key
from shared.auth.service_tokens import BEARER_PREFIX, SERVICE_TOKEN_HEADER, SERVICE_TOKEN_TYPE
from shared.keyfiles import PrivateKey

NO_SERVICE_KEY = (
    "This service has no key to sign its calls to other services with. Create one with "
    "`openssl genpkey -algorithm ed25519 -out /run/secrets/service.pem`, set SERVICE_SIGNING_KEY to it, "
    "and list its public half in SERVICE_TRUSTED_KEYS of the services it calls."
)
NOT_PRIVATE = (
    "SERVICE_SIGNING_KEY ({path}) is not an unencrypted PEM private key; it must sign, so give the private key."
)


class ServiceCredentials:
    """Signs and caches this service's tokens, one per audience."""

    def __init__(
        self, *, service: str, key: PrivateKey, lifetime_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.service = service
        self._key = key
        self._public = verifying_key(key)
        self._lifetime = lifetime_seconds
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @property
    def kid(self) -> str:
        return self._public.kid

    def token_for(self, audience: str) -> str:
        """A token for calling `audience`: the cached one while more than half its life is left."""
        now = self._clock()
        cached = self._tokens.get(audience)
        if cached is not None and cached[1] - now > self._lifetime / 2:
            return cached[0]
        with self._lock:
            token = self._sign(audience, now)
            self._tokens[audience] = (token, now + self._lifetime)
        return token

    def headers(self, audience: str) -> dict[str, str]:
        return {SERVICE_TOKEN_HEADER: f"{BEARER_PREFIX}{self.token_for(audience)}"}

    def _sign(self, audience: str, now: float) -> str:
        claims = {
            "iss": self.service,
            "aud": audience,
            "iat": int(now),
            "exp": int(now) + self._lifetime,
            "jti": uuid.uuid4().hex,
        }
        headers = {"kid": self._public.kid, "typ": SERVICE_TOKEN_TYPE}
        return jwt.encode(claims, self._key, algorithm=self._public.algorithm, headers=headers)


def load_private_key(path: Path) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(read_key_file(path), password=None)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(NOT_PRIVATE.format(path=path)) from None
    verifying_key(key, source=str(path))  # refuses key types and sizes tokens must not use
    return key  # type: ignore[return-value]


def current_credentials() -> ServiceCredentials:
    """This process's credentials (the key file read once per setting value)."""
    if not settings.SERVICE_KEY_FILE:
        raise ImproperlyConfigured(NO_SERVICE_KEY)
    return _credentials(settings.SERVICE_NAME, str(settings.SERVICE_KEY_FILE), settings.SERVICE_TOKEN_SECONDS)


@functools.lru_cache(maxsize=8)
def _credentials(service: str, path: str, lifetime_seconds: int) -> ServiceCredentials:
    return ServiceCredentials(service=service, key=load_private_key(Path(path)), lifetime_seconds=lifetime_seconds)
