"""Authorization tests generated from the URL configuration: no /api/ endpoint escapes them.

The endpoints come from walking the project's resolver (shared.gateway.endpoints), not
from a list kept by hand, and each is held to the access its view declares:

    every endpoint      declares exactly one of Public, Authenticated, OwnerOnly, StaffOnly
    Public              answers without a token (never 401 or 403)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shared.gateway.access import Access
from shared.gateway.endpoints import Endpoint, api_endpoints, classification_problems

ENDPOINTS = api_endpoints()
CLASSIFIED = [e for e in ENDPOINTS if not classification_problems([e])]


def cases(*accesses: Access) -> list[Any]:
    """One case per (endpoint, method) of the endpoints declaring one of `accesses`."""
    return [
        pytest.param(endpoint, method, id=f"{method} /{endpoint.route}")
        for endpoint in CLASSIFIED
        for method in endpoint.methods
        if endpoint.access(method)[0] in accesses
    ]


def call(client: Client, endpoint: Endpoint, method: str, *, token: str | None = None, **kwargs: Any) -> Any:
    """Send `method` to the endpoint's URL (sample ids unless given), with an empty JSON body."""
    url = reverse(endpoint.name or "", kwargs=endpoint.sample_kwargs(**kwargs))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.generic(method, url, data=b"{}", content_type="application/json", **headers)


def test_every_api_endpoint_declares_exactly_one_access_class() -> None:
    assert classification_problems(ENDPOINTS) == []


def test_the_generated_cases_cover_every_method_of_every_endpoint() -> None:
    covered = {(case.values[0].route, case.values[1]) for case in cases(*Access)}

    assert covered == {(e.route, m) for e in ENDPOINTS for m in e.methods}
    assert len(covered) > 0


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), cases(Access.PUBLIC))
def test_a_public_endpoint_answers_without_a_token(client: Client, endpoint: Endpoint, method: str) -> None:
    response = call(client, endpoint, method)

    assert response.status_code not in (401, 403), response.content
