"""Service tokens: signed once per audience and reused, verified once and remembered until they expire."""

from __future__ import annotations

import jwt
import pytest

from shared.auth.keys import KeySet, verifying_key
from shared.auth.service_tokens import (
    INVALID,
    SERVICE_TOKEN_TYPE,
    UNKNOWN_KID,
    WRONG_AUDIENCE,
    ServiceTokenInvalid,
    ServiceTokenVerifier,
    ServiceTokenWrongAudience,
)
from shared.keyfiles import generate_private_key
from shared.remote.credentials import ServiceCredentials


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_made_out_to_its_audience_and_reused_until_half_its_life_is_gone() -> None:
    key, clock = generate_private_key("EdDSA"), Clock()
    credentials = ServiceCredentials(service="monolith", key=key, lifetime_seconds=300, clock=clock)

    first = credentials.token_for("catalog")
    clock.now += 149
    same = credentials.token_for("catalog")
    other = credentials.token_for("billing")
    clock.now += 2
    renewed = credentials.token_for("catalog")

    assert same == first
    assert renewed != first
    assert other != first
    header = jwt.get_unverified_header(first)
    claims = jwt.decode(
        first,
        key.public_key(),
        algorithms=["EdDSA"],
        options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
    )
    assert (header["typ"], header["kid"], header["alg"]) == (SERVICE_TOKEN_TYPE, credentials.kid, "EdDSA")
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == ("monolith", "catalog", 300)


def test_a_verified_token_is_remembered_until_it_expires_and_its_audience_still_checked() -> None:
    key = generate_private_key("EdDSA")
    credentials = ServiceCredentials(service="monolith", key=key, lifetime_seconds=300)
    verifier = ServiceTokenVerifier(KeySet([verifying_key(key)]))
    token = credentials.token_for("catalog")

    caller = verifier.verify(token, audience="catalog")
    verifier._keys = None  # the keys are gone: only what was verified before can pass now
    again = verifier.verify(token, audience="catalog")
    with pytest.raises(ServiceTokenWrongAudience) as elsewhere:
        verifier.verify(token, audience="billing")
    with pytest.raises(ServiceTokenInvalid) as fresh:
        verifier.verify(credentials.token_for("cart"), audience="cart")

    assert again == caller
    assert (caller.service, caller.audience) == ("monolith", "catalog")
    assert str(elsewhere.value) == WRONG_AUDIENCE.format(audience="catalog", expected="billing")
    assert str(fresh.value) == INVALID.format(reason=UNKNOWN_KID.format(kid=credentials.kid))
