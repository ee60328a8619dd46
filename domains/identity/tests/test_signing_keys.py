"""Identity's signing keys: loading from PEM files, key ids, the published JWK set, and the development key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from domains.identity.signing_keys import (
    CANNOT_SIGN,
    NO_SIGNING_KEYS,
    SigningKeys,
    development_signing_keys,
    load_signing_key,
    load_signing_keys,
    private_key_pem,
)
from domains.identity.tests.keys import private_key, write_private_key, write_public_key
from shared.auth.keys import (
    KEY_DUPLICATE,
    KEY_NOT_PEM,
    KEY_TOO_SHORT,
    KEY_UNREADABLE,
    KEY_UNSUPPORTED,
    KeySetError,
    thumbprint,
)


@pytest.mark.parametrize(("algorithm", "kty"), [("RS256", "RSA"), ("EdDSA", "OKP")], ids=["rsa", "ed25519"])
def test_a_private_key_file_signs_and_verifies_with_the_algorithm_of_its_type(
    tmp_path: Path, algorithm: str, kty: str
) -> None:
    # given a private key file
    path = write_private_key(tmp_path, f"signer-{kty}", algorithm)

    # when it is loaded
    key = load_signing_key(path)

    # then it can sign, with the algorithm its type implies, under its thumbprint
    assert (key.algorithm, key.can_sign, key.kid) == (algorithm, True, thumbprint(key.public.public_key))
    assert key.public.jwk()["kty"] == kty


def test_a_public_key_file_is_published_but_cannot_sign(tmp_path: Path) -> None:
    # given only the public half of a key
    keys = load_signing_keys([write_public_key(tmp_path, "retired")])

    # when the set is asked for its signing key, then it says how to fix that
    with pytest.raises(KeySetError) as raised:
        _ = keys.signing_key
    assert str(raised.value) == CANNOT_SIGN.format(kid=keys.keys[0].kid)
    assert keys.keys[0].can_sign is False


def test_the_first_key_signs_and_every_key_is_published(tmp_path: Path) -> None:
    # given a new private key followed by a retired public key
    keys = load_signing_keys([write_private_key(tmp_path, "new"), write_public_key(tmp_path, "old")])
    new_kid = thumbprint(private_key("new").public_key())
    old_kid = thumbprint(private_key("old").public_key())

    # when the set is used
    jwks = keys.jwks()

    # then the first key signs, and both are in the JWK set with their ids, algorithm and use
    assert keys.signing_key.kid == new_kid
    assert [(jwk["kid"], jwk["alg"], jwk["use"], jwk["kty"]) for jwk in jwks["keys"]] == [
        (new_kid, "RS256", "sig", "RSA"),
        (old_kid, "RS256", "sig", "RSA"),
    ]
    assert all(set(jwk) == {"kid", "alg", "use", "kty", "n", "e"} for jwk in jwks["keys"])


def test_a_missing_key_file_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.pem"

    with pytest.raises(KeySetError) as raised:
        load_signing_keys([path])

    assert str(raised.value) == KEY_UNREADABLE.format(path=path, error="No such file or directory")


def test_a_file_that_is_not_a_pem_key_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "notes.pem"
    path.write_text("not a key")

    with pytest.raises(KeySetError) as raised:
        load_signing_key(path)

    assert str(raised.value) == KEY_NOT_PEM.format(path=path)


def test_a_short_rsa_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.pem"
    path.write_bytes(private_key_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))

    with pytest.raises(KeySetError) as raised:
        load_signing_key(path)

    assert str(raised.value) == KEY_TOO_SHORT.format(path=path, bits=1024, minimum=2048)


def test_a_key_of_another_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )

    with pytest.raises(KeySetError) as raised:
        load_signing_key(path)

    assert str(raised.value) == KEY_UNSUPPORTED.format(path=path, key_type=type(key).__name__)


def test_the_same_key_listed_twice_is_refused(tmp_path: Path) -> None:
    private, public = write_private_key(tmp_path, "twice"), write_public_key(tmp_path, "twice")

    with pytest.raises(KeySetError) as raised:
        load_signing_keys([private, public])

    assert str(raised.value) == KEY_DUPLICATE.format(path=public, kid=thumbprint(private_key("twice").public_key()))


def test_an_empty_key_set_says_what_to_set() -> None:
    with pytest.raises(KeySetError) as raised:
        SigningKeys(())

    assert str(raised.value) == NO_SIGNING_KEYS


def test_the_development_key_is_generated_once_with_a_warning_and_then_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given no key file yet
    path = tmp_path / "dev-keys" / "jwt.pem"

    # when the development key set is asked for twice (two starts of the server)
    with caplog.at_level(logging.DEBUG, logger="domains.identity.signing_keys"):
        first = development_signing_keys(path)
        second = development_signing_keys(path)

    # then the key was generated once, private to its owner, and the second start reused it silently
    kid = first.signing_key.kid
    assert second.signing_key.kid == kid
    assert path.stat().st_mode & 0o777 == 0o600
    assert [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records] == [
        ("WARNING", "AUTH_SIGNING_KEYS is not set"),
    ]
    assert "generated a development signing key" in caplog.records[0].getMessage()
    assert kid in caplog.records[0].getMessage()
    assert sorted(p.name for p in path.parent.iterdir()) == ["jwt.pem"]  # no temporary file left behind
