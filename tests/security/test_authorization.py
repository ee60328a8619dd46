"""Authorization tests generated from the URL configuration: no /api/ endpoint escapes them.

The endpoints come from walking the project's resolver (tests.endpoints), not
from a list kept by hand, and each is held to the access its view declares:

    every endpoint      declares exactly one of Public, Authenticated, OwnerOnly, StaffOnly
    Public              answers without a token (never 401 or 403)
    all the others      no token: 401; an expired, forged or wrong-key token: 401, before any
                        database query (these tests have no database)
    StaffOnly           a customer's token: 403 saying a staff token is needed; a staff token gets through
    OwnerOnly           another customer's token on the owner's object: 404, and the object
                        is unchanged (tests/security/objects.py makes one per endpoint)

Every method the view handles is sent, with an empty JSON body (a valid one on an object).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shared.api.access import STAFF_ONLY_MESSAGE, Access
from shared.auth.authentication import BEARER_CHALLENGE
from tests.endpoints import Endpoint, api_endpoints, classification_problems
from tests.security.callers import BAD_TOKENS, SOMEONE, SOMEONE_ON_STAFF, registered_customer, token_for
from tests.security.objects import OBJECT_FACTORIES

ENDPOINTS = api_endpoints()
CLASSIFIED = [e for e in ENDPOINTS if not classification_problems([e])]
NOT_PUBLIC = (Access.AUTHENTICATED, Access.OWNER, Access.STAFF)


def cases(*accesses: Access) -> list[Any]:
    """One case per (endpoint, method) of the endpoints declaring one of `accesses`."""
    return [
        pytest.param(endpoint, method, id=f"{method} /{endpoint.route}")
        for endpoint in CLASSIFIED
        for method in endpoint.methods
        if endpoint.access(method)[0] in accesses
    ]


def call(
    client: Client, endpoint: Endpoint, method: str, *, token: str | None = None, body: Any = None, **kwargs: Any
) -> Any:
    """Send `method` to the endpoint's URL (sample ids unless given) with a JSON body (empty unless given)."""
    url = reverse(endpoint.name or "", kwargs=endpoint.sample_kwargs(**kwargs))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = json.dumps(body if body is not None else {})
    return client.generic(method, url, data=data, content_type="application/json", **headers)


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


@pytest.mark.parametrize(("endpoint", "method"), cases(*NOT_PUBLIC))
def test_without_a_token_an_endpoint_that_is_not_public_answers_401(
    client: Client, endpoint: Endpoint, method: str
) -> None:
    response = call(client, endpoint, method)

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == BEARER_CHALLENGE
    assert response.json()["code"] == "auth.not_authenticated"


@pytest.mark.parametrize("bad", sorted(BAD_TOKENS))
@pytest.mark.parametrize(("endpoint", "method"), cases(*NOT_PUBLIC))
def test_an_expired_forged_or_wrong_key_token_answers_401(
    client: Client, endpoint: Endpoint, method: str, bad: str
) -> None:
    response = call(client, endpoint, method, token=BAD_TOKENS[bad]())

    assert response.status_code == 401, response.content
    assert response.json()["code"] == ("auth.token_expired" if bad == "expired" else "auth.token_invalid")


@pytest.mark.parametrize(("endpoint", "method"), cases(Access.STAFF))
def test_a_customer_on_a_staff_only_endpoint_gets_403(client: Client, endpoint: Endpoint, method: str) -> None:
    response = call(client, endpoint, method, token=token_for(SOMEONE))

    assert response.status_code == 403, response.content
    assert (response.json()["code"], response.json()["detail"]) == ("auth.permission_denied", STAFF_ONLY_MESSAGE)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), cases(Access.STAFF))
def test_staff_get_through_a_staff_only_endpoint(client: Client, endpoint: Endpoint, method: str) -> None:
    response = call(client, endpoint, method, token=token_for(SOMEONE_ON_STAFF))

    assert response.status_code not in (401, 403), response.content


def test_every_object_endpoint_has_an_owned_object_factory() -> None:
    object_endpoints = {e.name for e in CLASSIFIED for m in e.methods if e.access(m) == (Access.OWNER,)}

    assert object_endpoints - OBJECT_FACTORIES.keys() == set()
    assert OBJECT_FACTORIES.keys() - object_endpoints == set(), "factories for endpoints that are gone"


@pytest.mark.django_db(transaction=True)  # the checkout saga runs after commit
@pytest.mark.parametrize(("endpoint", "method"), cases(Access.OWNER))
def test_another_customers_object_answers_404_and_stays_as_it_was(
    client: Client, endpoint: Endpoint, method: str
) -> None:
    owner, stranger = registered_customer(client), registered_customer(client)
    owned = OBJECT_FACTORIES[endpoint.name or ""](client, owner)
    before = owned.read()

    body = owned.bodies.get(method)
    response = call(client, endpoint, method, token=stranger.token, body=body, **owned.url_kwargs)

    assert response.status_code == 404, response.content
    assert owned.read() == before
