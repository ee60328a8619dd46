"""Test keys and token configurations: real keys, made once per test process and reused."""

from __future__ import annotations

import functools
from pathlib import Path

from domains.identity.access_tokens import IssuerConfig
from domains.identity.signing_keys import (
    PrivateKey,
    SigningKeys,
    generate_private_key,
    private_key_pem,
    public_key_pem,
    signing_key,
)
from shared.auth.keys import KeySet
from shared.auth.tokens import VerifierConfig

ISSUER = "https://id.example.test"
AUDIENCE = "https://api.example.test"


def private_key(name: str, algorithm: str = "RS256") -> PrivateKey:
    """The private key called `name`: the same object every time a test asks for it by name."""
    return _private_key(name, algorithm)


@functools.cache
def _private_key(name: str, algorithm: str) -> PrivateKey:
    return generate_private_key(algorithm)


def write_private_key(directory: Path, name: str, algorithm: str = "RS256") -> Path:
    path = directory / f"{name}.pem"
    path.write_bytes(private_key_pem(private_key(name, algorithm)))
    return path


def write_public_key(directory: Path, name: str, algorithm: str = "RS256") -> Path:
    path = directory / f"{name}.pub.pem"
    path.write_bytes(public_key_pem(private_key(name, algorithm)))
    return path


def key_set(*names: str, algorithm: str = "RS256") -> SigningKeys:
    """Identity's signing keys, the first signing."""
    return SigningKeys(signing_key(private_key(name, algorithm)) for name in names)


def issuer_config(
    keys: SigningKeys, *, issuer: str = ISSUER, audience: str = AUDIENCE, access_token_seconds: int = 900
) -> IssuerConfig:
    return IssuerConfig(keys=keys, issuer=issuer, audience=audience, access_token_seconds=access_token_seconds)


def verifier_config(keys: SigningKeys | KeySet, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> VerifierConfig:
    """A verifier trusting the public halves of `keys`, as any service would."""
    public = keys.public_key_set() if isinstance(keys, SigningKeys) else keys
    return VerifierConfig(keys=public, issuer=issuer, audience=audience, leeway_seconds=0)
