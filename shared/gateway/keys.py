"""Signing keys for access tokens: loaded from PEM files, published as a JWK set.

A key's algorithm follows from its type, never from a token's header: RSA keys (2048
bits or more) sign RS256, Ed25519 keys sign EdDSA. A key's id (`kid`) is its RFC 7638
thumbprint, so it changes exactly when the key does and two keys can never share one.

    KeySet((new, previous))   the first key signs; every key verifies
    KeySet((public_only,))    a service that verifies but never issues

Rotation is a change of configuration: add the new key after the current one (it is
published in the JWKS and verifies, but signs nothing yet), move it to the front once
every verifier has fetched it, and drop the old one when the last token it signed has
expired (AUTH_ACCESS_TOKEN_SECONDS later).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core.exceptions import ImproperlyConfigured
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

logger = logging.getLogger(__name__)

MIN_RSA_BITS = 2048
DEV_RSA_BITS = 2048

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

KEY_UNREADABLE = "Cannot read the signing key file {path} ({error}). Check the path in AUTH_SIGNING_KEYS."
KEY_NOT_PEM = (
    "{path} is not an unencrypted PEM private or public key. Create one with "
    "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out {path}`, or export the "
    "public half of a retired key with `openssl pkey -in old.pem -pubout -out {path}`."
)
KEY_UNSUPPORTED = (
    "{path} holds a {key_type} key. Access tokens are signed with RSA (RS256, at least "
    f"{MIN_RSA_BITS} bits) or Ed25519 (EdDSA) keys; generate one of those."
)
KEY_TOO_SHORT = "{path} is a {bits}-bit RSA key; use at least {minimum} bits (3072 recommended)."
KEY_DUPLICATE = "{path} is the same key as another entry of AUTH_SIGNING_KEYS (kid {kid}). List each key once."
NO_KEYS = "No signing keys are configured. Set AUTH_SIGNING_KEYS to the PEM file(s) of the key(s), first one signing."
CANNOT_SIGN = (
    "The first key in AUTH_SIGNING_KEYS (kid {kid}) is a public key, so this process can verify "
    "tokens but not issue them. Put a private key first where tokens are issued."
)
DEV_KEY_GENERATED = (
    "AUTH_SIGNING_KEYS is not set: generated a development signing key at %s (kid %s). Tokens it "
    "signs are valid only here. Set AUTH_SIGNING_KEYS before deploying (DJANGO_ENV=production requires it)."
)
DEV_KEY_IN_USE = "AUTH_SIGNING_KEYS is not set: signing with the development key at %s (kid %s)."


class SigningKeyError(ImproperlyConfigured):
    """The signing key configuration is unusable; the message says what to set or fix."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningKey:
    """One key of the set: its id, its algorithm, its public half and, if held here, its private half."""

    kid: str
    algorithm: str
    public_key: PublicKey
    private_key: PrivateKey | None

    @property
    def can_sign(self) -> bool:
        return self.private_key is not None

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK (RFC 7517) with its kid, algorithm and use."""
        return {**public_jwk(self.public_key), "kid": self.kid, "alg": self.algorithm, "use": "sig"}


class KeySet:
    """The keys this process knows. The first signs; all of them verify."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self._keys = tuple(keys)
        if not self._keys:
            raise SigningKeyError(NO_KEYS)
        self._by_kid = {key.kid: key for key in self._keys}

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        return self._keys

    @property
    def signing_key(self) -> SigningKey:
        """The key new tokens are signed with; SigningKeyError if this process holds only public keys."""
        key = self._keys[0]
        if not key.can_sign:
            raise SigningKeyError(CANNOT_SIGN.format(kid=key.kid))
        return key

    def find(self, kid: str) -> SigningKey | None:
        """The verifying key with this id, or None when the id is not (or no longer) configured."""
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public JWK set every verifier fetches from /.well-known/jwks.json."""
        return {"keys": [key.jwk() for key in self._keys]}


# -- building keys --------------------------------------------------------------------


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


def signing_key(key: PrivateKey | PublicKey, *, source: str = "key") -> SigningKey:
    """Wrap a private or public key object, refusing types and sizes tokens must not use."""
    private = key if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else None
    public = key.public_key() if private is not None else key
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < MIN_RSA_BITS:
            raise SigningKeyError(KEY_TOO_SHORT.format(path=source, bits=public.key_size, minimum=MIN_RSA_BITS))
        algorithm = "RS256"
    elif isinstance(public, ed25519.Ed25519PublicKey):
        algorithm = "EdDSA"
    else:
        raise SigningKeyError(KEY_UNSUPPORTED.format(path=source, key_type=type(key).__name__))
    return SigningKey(kid=thumbprint(public), algorithm=algorithm, public_key=public, private_key=private)


def load_key_file(path: Path) -> SigningKey:
    """Read a PEM private key (signs and verifies) or public key (verifies only)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(KEY_UNREADABLE.format(path=path, error=exc.strerror or exc)) from None
    key: Any
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError):
            raise SigningKeyError(KEY_NOT_PEM.format(path=path)) from None
    return signing_key(key, source=str(path))


def load_key_set(paths: Iterable[Path]) -> KeySet:
    """The key set of AUTH_SIGNING_KEYS, in order; each path is a PEM file."""
    keys: list[SigningKey] = []
    for path in paths:
        key = load_key_file(path)
        if any(known.kid == key.kid for known in keys):
            raise SigningKeyError(KEY_DUPLICATE.format(path=path, kid=key.kid))
        keys.append(key)
    return KeySet(keys)


# -- development key ----------------------------------------------------------------


def generate_private_key(algorithm: str = "RS256") -> PrivateKey:
    """A fresh private key for `algorithm` (RS256 or EdDSA): development keys and tests."""
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=DEV_RSA_BITS)


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def public_key_pem(key: PrivateKey | PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else key
    return public.public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
    )


def development_key_set(path: Path) -> KeySet:
    """The development key at `path`, generated on first use and kept so restarts keep sessions valid.

    Creation is atomic (written aside, then linked into place), so processes starting
    together (test workers, runserver's reloader) end up with the same key.
    """
    if not path.exists():
        _write_new_key(path)
        key = load_key_file(path)
        logger.warning(DEV_KEY_GENERATED, path, key.kid)
    else:
        key = load_key_file(path)
        logger.info(DEV_KEY_IN_USE, path, key.kid)
    return KeySet((key,))


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-key-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(private_key_pem(generate_private_key()))
        os.link(temporary, path)  # fails if another process won the race: its key is used
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
