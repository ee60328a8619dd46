"""Every identity endpoint against input a client can get wrong: 400 with field messages, nothing changed.

One table describes each endpoint's fields; the tests below run every kind of wrong
input against every field of every endpoint, so a new field or endpoint added to the
table is covered at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from domains.identity.models import User
from domains.identity.tests.factories import PASSWORD, bearer, identity_state, make_user
from shared.api.parsers import MALFORMED
from shared.api.serializers import NOT_A_STRING, UNKNOWN_FIELD

pytestmark = pytest.mark.django_db


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    path: str
    method: str
    authenticated: bool
    valid: dict[str, Any]  # a body that would succeed, field by field
    max_lengths: dict[str, int]
    required: bool = True  # whether the fields of `valid` are required

    def call(self, api: APIClient, user: User, body: Any, *, raw: bool = False) -> Any:
        headers = bearer(user) if self.authenticated else {}
        send = getattr(api, self.method)
        if raw:
            return send(self.path, body, content_type="application/json", **headers)
        return send(self.path, body, format="json", **headers)


ENDPOINTS = {
    "register": Endpoint(
        path="/api/identity/register/",
        method="post",
        authenticated=False,
        valid={"email": "new@example.com", "password": PASSWORD, "full_name": "New Person"},
        max_lengths={"email": 254, "password": 128, "full_name": 200},
    ),
    "token": Endpoint(
        path="/api/identity/token/",
        method="post",
        authenticated=False,
        valid={"email": "ada@example.com", "password": PASSWORD},
        max_lengths={"email": 254, "password": 128},
    ),
    "refresh": Endpoint(
        path="/api/identity/token/refresh/",
        method="post",
        authenticated=False,
        valid={"refresh_token": "x" * 43},
        max_lengths={"refresh_token": 128},
    ),
    "logout": Endpoint(
        path="/api/identity/logout/",
        method="post",
        authenticated=True,
        valid={"refresh_token": "x" * 43},
        max_lengths={"refresh_token": 128},
    ),
    "me": Endpoint(
        path="/api/identity/me/",
        method="patch",
        authenticated=True,
        valid={"full_name": "Ada King", "phone": "+4930123456"},
        max_lengths={"full_name": 200, "phone": 32},
        required=False,
    ),
}

FIELDS = [(name, field) for name, endpoint in ENDPOINTS.items() for field in endpoint.valid]
WRONG_TYPES = {"number": 42, "boolean": True, "list": ["text"], "object": {"text": "x"}, "decimal": 1.5}


def oversized(field: str, length: int) -> str:
    """A value one character too long that is otherwise fine (an email stays an email)."""
    if field == "email":
        return "a" * (length + 1 - len("@example.com")) + "@example.com"
    return "x" * (length + 1)


def assert_refused(response: Any, *, code: str, field_errors: dict[str, list[str]]) -> None:
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"], body["field_errors"]) == (400, code, field_errors)


@pytest.fixture
def caller(db: None) -> User:
    return make_user(email="ada@example.com")


@pytest.mark.parametrize(("endpoint", "field"), [f for f in FIELDS if ENDPOINTS[f[0]].required])
def test_a_missing_field_is_named(api: APIClient, caller: User, endpoint: str, field: str) -> None:
    spec = ENDPOINTS[endpoint]
    body = {name: value for name, value in spec.valid.items() if name != field}
    before = identity_state()

    response = spec.call(api, caller, body)

    assert_refused(response, code="request.invalid", field_errors={field: ["This field is required."]})
    assert identity_state() == before


@pytest.mark.parametrize("wrong", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
@pytest.mark.parametrize(("endpoint", "field"), FIELDS)
def test_a_value_of_the_wrong_type_is_named(
    api: APIClient, caller: User, endpoint: str, field: str, wrong: Any
) -> None:
    spec = ENDPOINTS[endpoint]
    before = identity_state()

    response = spec.call(api, caller, {**spec.valid, field: wrong})

    assert_refused(response, code="request.invalid", field_errors={field: [NOT_A_STRING]})
    assert identity_state() == before


@pytest.mark.parametrize(("endpoint", "field"), FIELDS)
def test_null_is_refused(api: APIClient, caller: User, endpoint: str, field: str) -> None:
    spec = ENDPOINTS[endpoint]
    before = identity_state()

    response = spec.call(api, caller, {**spec.valid, field: None})

    assert_refused(response, code="request.invalid", field_errors={field: ["This field may not be null."]})
    assert identity_state() == before


@pytest.mark.parametrize(("endpoint", "field"), FIELDS)
def test_an_oversized_value_is_refused_with_its_limit(api: APIClient, caller: User, endpoint: str, field: str) -> None:
    spec = ENDPOINTS[endpoint]
    limit = spec.max_lengths[field]
    before = identity_state()

    response = spec.call(api, caller, {**spec.valid, field: oversized(field, limit)})

    message = f"Ensure this field has no more than {limit} characters."
    assert_refused(response, code="request.invalid", field_errors={field: [message]})
    assert identity_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_unknown_field_is_refused_with_the_fields_the_endpoint_knows(
    api: APIClient, caller: User, endpoint: str
) -> None:
    spec = ENDPOINTS[endpoint]
    before = identity_state()

    response = spec.call(api, caller, {**spec.valid, "is_staff": True, "nickname": "x"})

    known = ", ".join(sorted(spec.max_lengths if endpoint != "me" else [*spec.max_lengths, "shipping_address"]))
    message = UNKNOWN_FIELD.format(fields=known)
    assert_refused(response, code="request.invalid", field_errors={"is_staff": [message], "nickname": [message]})
    assert identity_state() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "Invalid data. Expected a dictionary, but got list."),
        ('"text"', "Invalid data. Expected a dictionary, but got str."),
        ("42", "Invalid data. Expected a dictionary, but got int."),
        ("null", "No data provided"),
    ],
    ids=["list", "string", "number", "null"],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_body_that_is_not_an_object_is_refused(
    api: APIClient, caller: User, endpoint: str, body: str, message: str
) -> None:
    before = identity_state()

    response = ENDPOINTS[endpoint].call(api, caller, body, raw=True)

    assert_refused(response, code="request.invalid", field_errors={"non_field_errors": [message]})
    assert identity_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_malformed_json_is_refused(api: APIClient, caller: User, endpoint: str) -> None:
    before = identity_state()

    response = ENDPOINTS[endpoint].call(api, caller, '{"email": ', raw=True)

    assert_refused(response, code="request.malformed", field_errors={})
    assert response.json()["detail"] == MALFORMED.format(problem="Expecting value: line 1 column 11 (char 10)")
    assert identity_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_huge_body_is_413_and_changes_nothing(api: APIClient, caller: User, endpoint: str) -> None:
    before = identity_state()

    response = ENDPOINTS[endpoint].call(api, caller, '{"padding": "' + "x" * 3_000_000 + '"}', raw=True)

    assert response.status_code == 413
    assert response.json()["code"] == "request.too_large"
    assert identity_state() == before


@pytest.mark.parametrize("endpoint", [name for name, spec in ENDPOINTS.items() if spec.required])
def test_an_empty_object_names_every_required_field(api: APIClient, caller: User, endpoint: str) -> None:
    spec = ENDPOINTS[endpoint]
    before = identity_state()

    response = spec.call(api, caller, {})

    assert_refused(
        response, code="request.invalid", field_errors={field: ["This field is required."] for field in spec.valid}
    )
    assert identity_state() == before
