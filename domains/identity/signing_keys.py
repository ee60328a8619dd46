"""Identity's signing keys: the private keys access tokens are signed with, and the JWK set it publishes.

Only this domain holds private keys. Every verifier (the gateway, each domain, each
extracted service) reads public keys through shared.auth: the same PEM files' public
halves, or this domain's /.well-known/jwks.json.

    SigningKeys((new, previous))   the first key signs; every key is published and verifies
    SigningKeys((public_only,))    a retired key kept for verification: publishes, signs nothing

Rotation is a change of configuration: add the new key after the current one (it is
published in the JWKS and verifies, but signs nothing yet), move it to the front once
every verifier has fetched it, and drop the old one when the last token it signed has
expired (AUTH_ACCESS_TOKEN_SECONDS later).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from shared.auth.keys import (
    KeySet,
    KeySetError,
    PublicKey,
    VerifyingKey,
    parse_public_pem,
    read_key_file,
    refuse_duplicate,
    verifying_key,
)

logger = logging.getLogger(__name__)

DEV_RSA_BITS = 2048

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

NO_SIGNING_KEYS = (
    "No signing keys are configured. Set AUTH_SIGNING_KEYS to the PEM file(s) of the key(s), first one signing."
)
CANNOT_SIGN = (
    "The first key in AUTH_SIGNING_KEYS (kid {kid}) is a public key, so this process can verify "
    "tokens but not issue them. Put a private key first where tokens are issued."
)
DEV_KEY_GENERATED = (
    "AUTH_SIGNING_KEYS is not set: generated a development signing key at %s (kid %s). Tokens it "
    "signs are valid only here. Set AUTH_SIGNING_KEYS before deploying (DJANGO_ENV=production requires it)."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningKey:
    """A published key and, when this process holds it, its private half."""

    public: VerifyingKey
    private_key: PrivateKey | None

    @property
    def kid(self) -> str:
        return self.public.kid

    @property
    def algorithm(self) -> str:
        return self.public.algorithm

    @property
    def can_sign(self) -> bool:
        return self.private_key is not None


class SigningKeys:
    """The keys of AUTH_SIGNING_KEYS, in order. The first signs; all are published."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self._keys = tuple(keys)
        if not self._keys:
            raise KeySetError(NO_SIGNING_KEYS)

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        return self._keys

    @property
    def signing_key(self) -> SigningKey:
        """The key new tokens are signed with; KeySetError if the first key is only a public one."""
        key = self._keys[0]
        if not key.can_sign:
            raise KeySetError(CANNOT_SIGN.format(kid=key.kid))
        return key

    def public_key_set(self) -> KeySet:
        """What verifiers may trust: every key's public half."""
        return KeySet(key.public for key in self._keys)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWK set served at /.well-known/jwks.json."""
        return self.public_key_set().jwks()


def signing_key(key: PrivateKey | PublicKey, *, source: str = "key") -> SigningKey:
    """Wrap a private key (signs) or a public key (published only), refusing types and sizes tokens must not use."""
    private = key if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else None
    return SigningKey(public=verifying_key(key, source=source), private_key=private)


def load_signing_key(path: Path) -> SigningKey:
    """Read a PEM private key (signs and is published) or public key (a retired key: published only)."""
    data = read_key_file(path)
    try:
        key: Any = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = parse_public_pem(data, source=str(path))
    return signing_key(key, source=str(path))


def load_signing_keys(paths: Iterable[Path]) -> SigningKeys:
    keys: list[SigningKey] = []
    for path in paths:
        key = load_signing_key(path)
        refuse_duplicate(key.kid, (known.public for known in keys), source=path)
        keys.append(key)
    return SigningKeys(keys)


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


def development_signing_keys(path: Path) -> SigningKeys:
    """The development key at `path`, generated on first use and kept so restarts keep sessions valid.

    Creation is atomic (written aside, then linked into place), so processes starting
    together (test workers, runserver's reloader) end up with the same key. Only the
    first start says so (a WARNING); later ones are silent, so `manage.py --help` prints
    nothing about keys.
    """
    created = not path.exists() and _write_new_key(path)
    key = load_signing_key(path)
    if created:
        logger.warning(DEV_KEY_GENERATED, path, key.kid)
    return SigningKeys((key,))


def _write_new_key(path: Path) -> bool:
    """Write a new key at `path`; False if another process won the race (its key is used)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-key-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(private_key_pem(generate_private_key()))
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True
