"""Floods of requests without valid credentials meet the rate limit on every /api/ endpoint.

Generated from the URL configuration (tests.endpoints), every method of every
endpoint, whatever its access class: a client that sends no token, or a forged one, is
counted against its IP like any anonymous client, and once over the limit gets 429 with
Retry-After, never another 401 (DRF alone checks permissions before rate limits).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from shared.api.errors import RATE_LIMITED_MESSAGE
from tests.endpoints import Endpoint, api_endpoints
from tests.security.callers import BAD_TOKENS

LIMIT = 2
RATES = {"anon": f"{LIMIT}/day", "user": f"{LIMIT}/day", "login": f"{LIMIT}/day"}
FIX = "derive the view from shared.api.views.APIView (or GenericAPIView)"

CASES = [
    pytest.param(endpoint, method, id=f"{method} /{endpoint.route}")
    for endpoint in api_endpoints()
    for method in endpoint.methods
]


@pytest.fixture(autouse=True)
def rates(settings: LazySettings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}


def send(client: Client, endpoint: Endpoint, method: str, token: str | None) -> Any:
    url = reverse(endpoint.name or "", kwargs=endpoint.sample_kwargs())
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.generic(method, url, data=json.dumps({}), content_type="application/json", **headers)


def test_every_endpoint_and_method_is_covered() -> None:
    assert len(CASES) == sum(len(e.methods) for e in api_endpoints()) > 20


@pytest.mark.django_db
@pytest.mark.parametrize("credentials", ["no-token", "forged-token"])
@pytest.mark.parametrize(("endpoint", "method"), CASES)
def test_a_flood_without_valid_credentials_meets_429_with_retry_after(
    client: Client, endpoint: Endpoint, method: str, credentials: str
) -> None:
    token = BAD_TOKENS["forged"]() if credentials == "forged-token" else None
    for _ in range(LIMIT):
        assert send(client, endpoint, method, token).status_code != 429

    response = send(client, endpoint, method, token)

    assert response.status_code == 429, f"{response.status_code} {response.content!r}: {FIX}"
    retry_after = int(response["Retry-After"])
    assert retry_after >= 1
    assert response.json()["code"] == "request.rate_limited"
    assert response.json()["detail"] == RATE_LIMITED_MESSAGE.format(wait=f"{retry_after} seconds")
