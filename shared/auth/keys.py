"""The key set that verifies access tokens: public keys only, from PEM files or the issuer's JWK set.

A key's algorithm follows from its type, never from a token's header: RSA keys (2048
bits or more) verify RS256, Ed25519 keys verify EdDSA. A key's id (`kid`) is its RFC
7638 thumbprint, so it changes exactly when the key does and two keys can never share one.

    load_key_set(paths)        PEM files; of a private key file only the public half is kept
    JwksKeySet(url)            the identity provider's /.well-known/jwks.json, cached, refetched
                               when a token names a key it has not seen (rotation)

Nothing here signs: the identity domain holds the private keys and issues tokens
(domains/identity/signing_keys.py); every other process verifies with what this module reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core.exceptions import ImproperlyConfigured
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

MIN_RSA_BITS = 2048

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

KEY_UNREADABLE = (
    "Cannot read the key file {path} ({error}). Check the path in AUTH_SIGNING_KEYS or AUTH_VERIFYING_KEYS."
)
KEY_NOT_PEM = (
    "{path} is not an unencrypted PEM private or public key. Create one with "
    "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out {path}`, or export the "
    "public half of a key with `openssl pkey -in key.pem -pubout -out {path}`."
)
KEY_UNSUPPORTED = (
    "{path} holds a {key_type} key. Access tokens are signed with RSA (RS256, at least "
    f"{MIN_RSA_BITS} bits) or Ed25519 (EdDSA) keys; generate one of those."
)
KEY_TOO_SHORT = "{path} is a {bits}-bit RSA key; use at least {minimum} bits (3072 recommended)."
KEY_DUPLICATE = "{path} is the same key as another entry of the list (kid {kid}). List each key once."
NO_KEYS = (
    "No keys to verify access tokens with. Set AUTH_JWKS_URL to the identity provider's "
    "/.well-known/jwks.json, or AUTH_VERIFYING_KEYS (or AUTH_SIGNING_KEYS) to PEM key files."
)


class KeySetError(ImproperlyConfigured):
    """The key configuration is unusable; the message says what to set or fix."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyingKey:
    """One public key: its id, the one algorithm it verifies, and the key itself."""

    kid: str
    algorithm: str
    public_key: PublicKey

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK (RFC 7517) with its kid, algorithm and use."""
        return {**public_jwk(self.public_key), "kid": self.kid, "alg": self.algorithm, "use": "sig"}


class KeySource(Protocol):
    """Where a verifier finds the key a token names."""

    def find(self, kid: str) -> VerifyingKey | None:
        """The key with this id, or None when it is not (or no longer) trusted."""


class KeySet:
    """A fixed list of verifying keys (from PEM files, or a JWK set read once)."""

    def __init__(self, keys: Iterable[VerifyingKey]) -> None:
        self._keys = tuple(keys)
        if not self._keys:
            raise KeySetError(NO_KEYS)
        self._by_kid = {key.kid: key for key in self._keys}

    @property
    def keys(self) -> tuple[VerifyingKey, ...]:
        return self._keys

    def find(self, kid: str) -> VerifyingKey | None:
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public JWK set (RFC 7517 §5)."""
        return {"keys": [key.jwk() for key in self._keys]}


class JwksKeySet:
    """The identity provider's published keys, fetched over HTTP and cached for `lifespan` seconds.

    A token naming an unknown kid triggers one refetch (at most every 30 s), which is how a
    verifier learns of a rotation without a restart. An unreachable endpoint finds no key, so
    the token is refused as unverifiable rather than the request failing with a 500.
    """

    def __init__(self, url: str, *, lifespan: float = 300.0, timeout: float = 5.0) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=lifespan, timeout=timeout)

    def find(self, kid: str) -> VerifyingKey | None:
        try:
            found = self._client.get_signing_key(kid)
        except jwt.PyJWKClientError:
            return None
        try:
            key = verifying_key(found.key, source=f"the JWK set's key {kid!r}")
        except KeySetError:
            return None
        return key if key.kid == kid and key.algorithm == found.algorithm_name else None


# -- reading keys ----------------------------------------------------------------------


def public_jwk(public_key: PublicKey) -> dict[str, Any]:
    """The key's JWK members; `key_ops` dropped, as RFC 7517 §4.3 advises beside `use`."""
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return {name: value for name, value in jwk.items() if name != "key_ops"}


# RFC 7638 §3.2: the members that identify a key, per key type.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}


def thumbprint(public_key: PublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url): a kid that is unique by construction."""
    jwk = public_jwk(public_key)
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verifying_key(key: Any, *, source: str = "key") -> VerifyingKey:
    """Wrap a public key (or take a private key's public half), refusing types and sizes tokens must not use."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else key
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < MIN_RSA_BITS:
            raise KeySetError(KEY_TOO_SHORT.format(path=source, bits=public.key_size, minimum=MIN_RSA_BITS))
        algorithm = "RS256"
    elif isinstance(public, ed25519.Ed25519PublicKey):
        algorithm = "EdDSA"
    else:
        raise KeySetError(KEY_UNSUPPORTED.format(path=source, key_type=type(key).__name__))
    return VerifyingKey(kid=thumbprint(public), algorithm=algorithm, public_key=public)


def read_key_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeySetError(KEY_UNREADABLE.format(path=path, error=exc.strerror or exc)) from None


def parse_public_pem(data: bytes, *, source: str) -> PublicKey:
    """The public key in a PEM file: a public key, or the public half of a private one."""
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        try:
            return serialization.load_pem_public_key(data)  # type: ignore[return-value]
        except (ValueError, TypeError):
            raise KeySetError(KEY_NOT_PEM.format(path=source)) from None
    return private.public_key()  # type: ignore[return-value]


def load_verifying_key(path: Path) -> VerifyingKey:
    return verifying_key(parse_public_pem(read_key_file(path), source=str(path)), source=str(path))


def load_key_set(paths: Iterable[Path]) -> KeySet:
    """The verifying keys of these PEM files, in order; the same key twice is a configuration error."""
    keys: list[VerifyingKey] = []
    for path in paths:
        key = load_verifying_key(path)
        refuse_duplicate(key.kid, keys, source=path)
        keys.append(key)
    return KeySet(keys)


def refuse_duplicate(kid: str, known: Iterable[VerifyingKey], *, source: Path) -> None:
    if any(other.kid == kid for other in known):
        raise KeySetError(KEY_DUPLICATE.format(path=source, kid=kid))
