"""Private key files: made for development on first use, read in production from where the settings say.

Two kinds of key are kept so: identity's token signing keys (domains/identity/signing_keys.py)
and each deployment's service key that signs its calls to other services
(shared/remote/credentials.py). Both read PEM files; in development, when none is
configured, a key is generated once at a fixed path and reused, so restarts keep what it
signed valid.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

DEV_RSA_BITS = 2048

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


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


def public_key_pem(key: Any) -> bytes:
    """The PEM of a public key, or of a private key's public half."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else key
    return public.public_bytes(  # type: ignore[no-any-return]
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
    )


def create_key_file(path: Path, *, algorithm: str = "RS256") -> bool:
    """Write a new private key at `path` unless one is there; False if another process won the race.

    Creation is atomic (written aside, then linked into place), so processes starting
    together (test workers, runserver's reloader, a service beside the monolith) end up
    with the same key.
    """
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-key-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(private_key_pem(generate_private_key(algorithm)))
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True
