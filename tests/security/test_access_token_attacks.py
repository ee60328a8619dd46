"""Forged, tampered, misdirected and expired access tokens: every one is a 401 at the API.

The tests call a real endpoint (GET /api/identity/me/) with the process's real key set.
None of them may touch the database (no django_db mark: pytest-django would fail the
test on the first query), which proves a token is refused before anything else runs.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import uuid
from typing import Any

import jwt
import pytest
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient

from domains.identity.access_tokens import IssuerConfig, current_issuer, issue_access_token
from domains.identity.signing_keys import public_key_pem, signing_key
from domains.identity.tests.keys import private_key
from shared.api.errors import NOT_AUTHENTICATED_MESSAGE
from shared.auth.authentication import BEARER_CHALLENGE, MALFORMED_HEADER, TOKEN_EXPIRED, TOKEN_INVALID
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal
from shared.auth.tokens import NO_KID, UNKNOWN_KID, WRONG_ALGORITHM, WRONG_TYPE, current_verifier, principal_claims

ME = "/api/identity/me/"
CUSTOMER = Principal(id=uuid.uuid4(), email="casey@example.com", scopes=frozenset({CUSTOMER_SCOPE}))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def valid_claims(config: IssuerConfig) -> dict[str, Any]:
    now = int(timezone.now().timestamp())
    return {
        **principal_claims(CUSTOMER),
        "iss": config.issuer,
        "aud": config.audience,
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }


def call_me(token: str) -> Response:
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_refused(response: Response, *, code: str, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == BEARER_CHALLENGE
    body = response.json()
    assert (body["status"], body["code"], body["detail"], body["field_errors"]) == (401, code, message, {})


def assert_invalid(response: Response, reason: str) -> None:
    assert_refused(response, code="auth.token_invalid", message=TOKEN_INVALID.format(reason=reason))


def test_a_token_for_another_audience_is_refused() -> None:
    config = dataclasses.replace(current_issuer(), audience="https://another-api.example.com")

    response = call_me(issue_access_token(CUSTOMER, config=config).token)

    assert_invalid(response, "it is meant for another audience")


def test_a_token_from_another_issuer_is_refused() -> None:
    config = dataclasses.replace(current_issuer(), issuer="https://evil.example.com")

    response = call_me(issue_access_token(CUSTOMER, config=config).token)

    assert_invalid(response, "it was issued by another issuer")


def test_an_expired_token_is_refused_and_the_client_is_told_to_refresh() -> None:
    config = current_issuer()
    issued_at = timezone.now() - dt.timedelta(
        seconds=config.access_token_seconds + current_verifier().leeway_seconds + 1
    )

    response = call_me(issue_access_token(CUSTOMER, config=config, now=issued_at).token)

    assert_refused(response, code="auth.token_expired", message=TOKEN_EXPIRED)


def test_a_token_signed_by_another_key_under_the_trusted_key_id_is_refused() -> None:
    # given an attacker's own key, presented under the id of the key we trust
    config = current_issuer()
    token = jwt.encode(
        valid_claims(config),
        private_key("attacker"),
        algorithm="RS256",
        headers={"kid": config.keys.signing_key.kid, "typ": "at+jwt"},
    )

    response = call_me(token)

    assert_invalid(response, "its signature does not verify")


def test_a_token_signed_by_an_unknown_key_is_refused() -> None:
    attacker = signing_key(private_key("attacker"))
    token = jwt.encode(
        valid_claims(current_issuer()),
        attacker.private_key,
        algorithm="RS256",
        headers={"kid": attacker.kid, "typ": "at+jwt"},
    )

    response = call_me(token)

    assert_invalid(response, UNKNOWN_KID.format(kid=attacker.kid))


def test_an_unsigned_token_with_alg_none_is_refused() -> None:
    config = current_issuer()
    kid = config.keys.signing_key.kid
    token = f"{segment({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{segment(valid_claims(config))}."

    response = call_me(token)

    assert_invalid(response, WRONG_ALGORITHM.format(alg="none", kid=kid))


def test_a_token_signed_with_hs256_using_the_public_key_as_secret_is_refused() -> None:
    # given the classic algorithm confusion: HMAC keyed with the (public!) verification key
    config = current_issuer()
    key = config.keys.signing_key
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'at+jwt', 'kid': key.kid})}.{segment(valid_claims(config))}"
    signature = hmac.new(public_key_pem(key.public.public_key), signing_input.encode(), hashlib.sha256).digest()

    response = call_me(f"{signing_input}.{b64(signature)}")

    assert_invalid(response, WRONG_ALGORITHM.format(alg="HS256", kid=key.kid))


def test_a_token_whose_payload_was_tampered_with_is_refused() -> None:
    # given a genuine customer token whose payload is edited to claim the staff scope
    header, payload, signature = issue_access_token(CUSTOMER).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_payload = segment({**claims, "scope": f"{CUSTOMER_SCOPE} {STAFF_SCOPE}"})

    response = call_me(f"{header}.{forged_payload}.{signature}")

    assert_invalid(response, "its signature does not verify")


def test_a_signed_jwt_that_is_not_an_access_token_is_refused() -> None:
    # given a token signed by our own key but typed as some other JWT (an ID token, say)
    config = current_issuer()
    key = config.keys.signing_key
    token = jwt.encode(valid_claims(config), key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})

    response = call_me(token)

    assert_invalid(response, WRONG_TYPE.format(typ="JWT"))


def test_a_token_without_a_key_id_is_refused() -> None:
    config = current_issuer()
    key = config.keys.signing_key
    token = jwt.encode(valid_claims(config), key.private_key, algorithm=key.algorithm, headers={"typ": "at+jwt"})

    response = call_me(token)

    assert_invalid(response, NO_KID)


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer two tokens", "bearer  a b c", "Bearer caf\u00e9"],
    ids=["empty", "two", "three", "latin1"],
)
def test_a_malformed_bearer_header_is_refused(header: str) -> None:
    response = APIClient().get(ME, HTTP_AUTHORIZATION=header)

    assert_refused(response, code="auth.token_invalid", message=MALFORMED_HEADER)


def test_a_garbage_bearer_token_is_refused() -> None:
    response = call_me("not-a-jwt")

    assert_invalid(response, "it is not a well-formed JWT")


@pytest.mark.parametrize("header", [None, "Basic YWxpY2U6c2VjcmV0", "Token abc"], ids=["absent", "basic", "other"])
def test_a_request_without_a_bearer_token_is_unauthenticated(header: str | None) -> None:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}

    response = APIClient().get(ME, **extra)

    assert_refused(response, code="auth.not_authenticated", message=NOT_AUTHENTICATED_MESSAGE)
