"""Access tokens: what identity signs, what the kernel verifies, and rotation across key sets."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from domains.identity.access_tokens import current_issuer, issue_access_token
from domains.identity.signing_keys import SigningKeys, signing_key
from domains.identity.tests.keys import (
    AUDIENCE,
    ISSUER,
    issuer_config,
    key_set,
    private_key,
    verifier_config,
    write_private_key,
    write_public_key,
)
from shared.auth.keys import KeySet, KeySetError
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal
from shared.auth.tokens import BAD_CLAIMS, UNKNOWN_KID, ExpiredTokenError, InvalidTokenError, verify_access_token

ALICE = Principal(id=uuid.UUID("6f1c0a52-3a57-4d0e-9a43-4b1f1b2c9d10"), email="alice@example.com", scopes=frozenset())
STAFF = Principal(id=uuid.uuid4(), email="sam@example.com", scopes=frozenset({CUSTOMER_SCOPE, STAFF_SCOPE}))


def kid_of(name: str) -> str:
    return signing_key(private_key(name)).kid


def key_set_of_public_key(name: str) -> SigningKeys:
    return SigningKeys([signing_key(private_key(name).public_key())])


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_a_token_verifies_back_to_the_principal_it_was_issued_for(algorithm: str) -> None:
    # given a key set with one key
    keys = key_set("round-trip", algorithm=algorithm)

    # when a token is issued for a staff principal and verified
    issued = issue_access_token(STAFF, config=issuer_config(keys))
    principal = verify_access_token(issued.token, config=verifier_config(keys))

    # then the same principal comes back, and the token lives as long as configured
    assert principal == STAFF
    assert issued.expires_in == 900


def test_a_token_carries_issuer_audience_expiry_and_the_signing_key_id() -> None:
    # given a fixed issue time
    config = issuer_config(key_set("claims"))
    now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

    # when a token is issued
    token = issue_access_token(ALICE, config=config, now=now).token

    # then its header names the key and the access-token type, and its claims say who, for whom, until when
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "at+jwt", "kid": kid_of("claims")}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {name: value for name, value in claims.items() if name != "jti"} == {
        "sub": "6f1c0a52-3a57-4d0e-9a43-4b1f1b2c9d10",
        "email": "alice@example.com",
        "scope": "",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 900,
    }
    assert len(claims["jti"]) == 32


def test_a_token_signed_by_the_previous_key_verifies_while_that_key_is_configured() -> None:
    # given a token signed before a rotation
    token = issue_access_token(ALICE, config=issuer_config(key_set("previous"))).token

    # when the new key signs and the previous one is still listed
    after = key_set("next", "previous")

    # then the old token still verifies, and new tokens are signed by the new key
    assert verify_access_token(token, config=verifier_config(after)) == ALICE
    new_token = issue_access_token(ALICE, config=issuer_config(after)).token
    assert jwt.get_unverified_header(new_token)["kid"] == kid_of("next")


def test_a_token_of_a_retired_key_is_refused_once_the_key_is_removed() -> None:
    token = issue_access_token(ALICE, config=issuer_config(key_set("retired"))).token

    with pytest.raises(InvalidTokenError) as raised:
        verify_access_token(token, config=verifier_config(key_set("successor")))

    assert raised.value.reason == UNKNOWN_KID.format(kid=kid_of("retired"))


def test_a_public_key_alone_verifies_tokens_from_the_service_that_signs() -> None:
    # given the issuer's key set and a verifier that holds only its public half
    issuer = issuer_config(key_set("issuer"))
    verifier = verifier_config(KeySet([signing_key(private_key("issuer").public_key()).public]))

    # when a token from the issuer reaches the verifier, then it verifies
    assert verify_access_token(issue_access_token(ALICE, config=issuer).token, config=verifier) == ALICE
    # and a retired key, published but not private, cannot issue tokens
    with pytest.raises(KeySetError):
        issue_access_token(ALICE, config=issuer_config(key_set_of_public_key("issuer")))


def test_an_expired_token_is_told_apart_from_a_forged_one() -> None:
    keys = key_set("expiry")
    token = issue_access_token(ALICE, config=issuer_config(keys), now=timezone.now() - dt.timedelta(seconds=901)).token

    with pytest.raises(ExpiredTokenError):
        verify_access_token(token, config=verifier_config(keys))


def test_a_token_whose_subject_is_not_a_user_id_is_refused() -> None:
    # given a correctly signed token whose sub is not a UUID
    keys = key_set("claims-check")
    key = keys.signing_key
    now = int(timezone.now().timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "admin", "email": "a@example.com", "scope": "staff"}
    token = jwt.encode(
        {**claims, "iat": now, "exp": now + 60, "jti": "x"},
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )

    with pytest.raises(InvalidTokenError) as raised:
        verify_access_token(token, config=verifier_config(keys))

    assert raised.value.reason == BAD_CLAIMS


@given(st.text(max_size=300) | st.from_regex(r"\A[A-Za-z0-9_\-]{0,40}\.[A-Za-z0-9_\-]{0,40}\.[A-Za-z0-9_\-]{0,40}\Z"))
def test_no_string_is_ever_anything_but_an_invalid_token(text: str) -> None:
    with pytest.raises(InvalidTokenError):
        verify_access_token(text, config=verifier_config(key_set("fuzz")))


def test_the_configured_key_files_form_the_key_set_in_order(tmp_path: Path) -> None:
    # given settings that list a new private key and a retired public key
    paths = [str(write_private_key(tmp_path, "settings-new")), str(write_public_key(tmp_path, "settings-old"))]

    # when the configuration is read
    with override_settings(AUTH_SIGNING_KEYS=paths, AUTH_TOKEN_ISSUER="iss", AUTH_TOKEN_AUDIENCE="aud"):
        config = current_issuer()

    # then both keys verify, the first signs, and issuer and audience come from settings
    assert [key.kid for key in config.keys.keys] == [kid_of("settings-new"), kid_of("settings-old")]
    assert (config.keys.signing_key.kid, config.issuer, config.audience) == (kid_of("settings-new"), "iss", "aud")


def run_django_setup(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh interpreter, as a server would, with exactly these variables."""
    keep = {name: os.environ[name] for name in ("PATH", "DATABASE_URL") if name in os.environ}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=settings.BASE_DIR,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "shop.example.com"}


@pytest.mark.processes
def test_production_without_a_signing_key_does_not_start_and_says_what_to_set() -> None:
    started = run_django_setup(PRODUCTION)

    assert started.returncode == 1
    assert started.stdout == ""
    assert (
        "ImproperlyConfigured: AUTH_SIGNING_KEYS is not set, and DJANGO_ENV=production needs it to sign access tokens."
        in started.stderr
    )


@pytest.mark.processes
def test_production_with_an_unreadable_signing_key_does_not_start(tmp_path: Path) -> None:
    started = run_django_setup({**PRODUCTION, "AUTH_SIGNING_KEYS": str(tmp_path / "missing.pem")})

    assert started.returncode == 1
    assert f"Cannot read the key file {tmp_path / 'missing.pem'}" in started.stderr


@pytest.mark.processes
def test_production_with_a_signing_key_starts(tmp_path: Path) -> None:
    started = run_django_setup({**PRODUCTION, "AUTH_SIGNING_KEYS": str(write_private_key(tmp_path, "production"))})

    assert (started.returncode, started.stdout) == (0, "started\n")
