"""The key set that verifies access tokens: public keys from PEM files or the identity provider's JWK set."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.test import override_settings
from jwt.algorithms import RSAAlgorithm

from domains.identity.access_tokens import current_issuer, issue_access_token
from domains.identity.tests.keys import private_key, write_private_key, write_public_key
from shared.auth.keys import (
    KEY_DUPLICATE,
    NO_KEYS,
    JwksKeySet,
    KeySet,
    KeySetError,
    VerifyingKey,
    load_key_set,
    thumbprint,
)
from shared.auth.principal import CUSTOMER_SCOPE, Principal
from shared.auth.tokens import current_verifier, verify_access_token

# RFC 7638 §3.1: this key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
RFC7638_KEY = {
    "kty": "RSA",
    "e": "AQAB",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjh"
        "Mstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvR"
        "L5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqD"
        "Kgw"
    ),
}
CASEY = Principal(id=uuid.uuid4(), email="casey@example.com", scopes=frozenset({CUSTOMER_SCOPE}))


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    # given the example key of RFC 7638
    public_key = RSAAlgorithm.from_jwk(RFC7638_KEY)

    # when its thumbprint is taken, then it is the one the RFC computes
    assert thumbprint(public_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_of_a_private_key_file_only_the_public_half_is_kept(tmp_path: Path) -> None:
    # given the identity provider's private key file, shared with a verifier
    keys = load_key_set([write_private_key(tmp_path, "shared-file")])

    # when the verifier reads it, then it holds a public key only, under the key's id
    (key,) = keys.keys
    assert isinstance(key, VerifyingKey)
    assert not hasattr(key, "private_key")
    assert key.kid == thumbprint(private_key("shared-file").public_key())
    assert key.public_key.public_numbers() == private_key("shared-file").public_key().public_numbers()


def test_public_key_files_form_the_key_set_in_order(tmp_path: Path) -> None:
    keys = load_key_set([write_public_key(tmp_path, "newer", "EdDSA"), write_public_key(tmp_path, "older")])

    assert [(key.kid, key.algorithm) for key in keys.keys] == [
        (thumbprint(private_key("newer", "EdDSA").public_key()), "EdDSA"),
        (thumbprint(private_key("older").public_key()), "RS256"),
    ]


def test_the_same_key_listed_twice_is_refused(tmp_path: Path) -> None:
    private, public = write_private_key(tmp_path, "twice"), write_public_key(tmp_path, "twice")

    with pytest.raises(KeySetError) as raised:
        load_key_set([private, public])

    assert str(raised.value) == KEY_DUPLICATE.format(path=public, kid=thumbprint(private_key("twice").public_key()))


def test_no_keys_at_all_says_where_to_find_them() -> None:
    with pytest.raises(KeySetError) as raised:
        KeySet(())

    assert str(raised.value) == NO_KEYS


def test_a_verifier_configured_with_public_keys_alone_accepts_the_providers_tokens(tmp_path: Path) -> None:
    # given a service that holds only the public half of the provider's key
    issuer_key = write_private_key(tmp_path, "provider")
    with override_settings(AUTH_SIGNING_KEYS=[str(issuer_key)]):
        token = issue_access_token(CASEY).token

    # when it verifies with AUTH_VERIFYING_KEYS, then the caller is known
    with override_settings(AUTH_SIGNING_KEYS=[], AUTH_VERIFYING_KEYS=[str(write_public_key(tmp_path, "provider"))]):
        assert verify_access_token(token) == CASEY


@pytest.mark.django_db
def test_a_verifier_reads_the_providers_published_key_set_over_http(live_server: object) -> None:
    # given a service configured with nothing but the identity provider's JWKS URL
    token = issue_access_token(CASEY).token
    url = f"{live_server}/.well-known/jwks.json"

    # when it verifies a token, then it fetched the keys and knows the caller
    with override_settings(AUTH_JWKS_URL=url, AUTH_SIGNING_KEYS=[], AUTH_VERIFYING_KEYS=[]):
        assert isinstance(current_verifier().keys, JwksKeySet)
        assert verify_access_token(token) == CASEY

    # and a key the provider does not publish is not found (after one refetch), nor one at an unreachable URL
    published = JwksKeySet(url)
    assert published.find(current_issuer().keys.signing_key.kid) is not None
    assert published.find("no-such-kid") is None
    assert JwksKeySet("http://127.0.0.1:9/.well-known/jwks.json", timeout=1).find("any") is None
