"""GET /.well-known/jwks.json: the public keys, and key rotation seen from outside."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from domains.identity.access_tokens import current_issuer, issue_access_token
from domains.identity.models import User
from domains.identity.signing_keys import generate_private_key, signing_key
from domains.identity.tests.factories import bearer, principal_of, write_key_file

JWKS = "/.well-known/jwks.json"


def test_the_key_set_is_public_cacheable_and_lists_the_configured_keys(api: APIClient) -> None:
    response = api.get(JWKS, HTTP_AUTHORIZATION="Bearer stale.or.broken")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.json() == current_issuer().keys.jwks()
    assert all("d" not in key and "p" not in key for key in response.json()["keys"])  # nothing private


def test_a_service_verifies_a_token_with_the_published_key_set_alone(api: APIClient) -> None:
    # given an access token, and only the JSON a remote service would fetch
    config = current_issuer()
    token = issue_access_token(principal_of(User(email="ada@example.com")), config=config).token
    jwks = jwt.PyJWKSet.from_dict(api.get(JWKS).json())

    # when the service verifies it with PyJWT and the key named by the token's kid
    key = jwks[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience=config.audience, issuer=config.issuer)

    # then the token is genuine and says who the caller is
    assert claims["email"] == "ada@example.com"


@pytest.mark.django_db
def test_after_rotation_old_tokens_work_while_the_old_key_is_listed_and_both_keys_are_published(
    api: APIClient, user: User, tmp_path: Path
) -> None:
    # given a token signed before the rotation, by the old key
    old_key, new_key = generate_private_key(), generate_private_key("EdDSA")
    old_path, new_path = write_key_file(tmp_path, "old", old_key), write_key_file(tmp_path, "new", new_key)
    with override_settings(AUTH_SIGNING_KEYS=[str(old_path)]):
        old_token = issue_access_token(principal_of(user)).token

    # when the new key signs and the old key still verifies
    with override_settings(AUTH_SIGNING_KEYS=[str(new_path), str(old_path)]):
        published = [key["kid"] for key in api.get(JWKS).json()["keys"]]
        old_token_works = api.get("/api/identity/me/", **bearer(old_token)).status_code
        new_kid = jwt.get_unverified_header(issue_access_token(principal_of(user)).token)["kid"]

    # and finally the old key is removed
    with override_settings(AUTH_SIGNING_KEYS=[str(new_path)]):
        old_token_after_removal = api.get("/api/identity/me/", **bearer(old_token)).json()["code"]

    # then both keys were published, new tokens came from the new key, and the old token lasted as long as its key
    assert published == [signing_key(new_key).kid, signing_key(old_key).kid]
    assert new_kid == signing_key(new_key).kid
    assert old_token_works == 200
    assert old_token_after_removal == "auth.token_invalid"
