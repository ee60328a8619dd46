"""The API's JSON parser: whatever the body, a 4xx in the error shape, never a 500."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from shared.api.errors import TOO_LARGE
from shared.api.parsers import MALFORMED

pytestmark = pytest.mark.urls("tests.kernel.probe_urls")


def post(body: bytes | str, content_type: str = "application/json") -> tuple[int, dict]:
    response = APIClient().post("/token-blind/", body, content_type=content_type)
    return response.status_code, response.json()


def test_a_json_object_is_parsed() -> None:
    assert post('{"name": "caf\u00e9", "n": [1, 2.5, null]}') == (
        200,
        {"data": {"name": "caf\u00e9", "n": [1, 2.5, None]}, "authenticated": False},
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ('{"a": NaN}', "Out of range float values are not JSON compliant: 'NaN'"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"\\ud800": 1}', "a string holds an unpaired surrogate"),
        ('{"a": ["\\udfff"]}', "a string holds an unpaired surrogate"),
        (b'{"a": "\xff"}', "not encoded as utf-8"),
    ],
    ids=["truncated", "nan", "deep", "surrogate-key", "surrogate-value", "not-utf8"],
)
def test_a_body_that_is_not_valid_json_is_400_malformed(body: bytes | str, problem: str) -> None:
    status, error = post(body)

    assert (status, error["code"], error["detail"]) == (400, "request.malformed", MALFORMED.format(problem=problem))


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_body_over_the_size_limit_is_413() -> None:
    status, error = post('{"a": "' + "x" * 100 + '"}')

    assert (status, error["status"], error["code"], error["detail"]) == (
        413,
        413,
        "request.too_large",
        TOO_LARGE.format(limit=100),
    )


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_body_at_the_size_limit_is_parsed() -> None:
    body = '{"a": "' + "x" * 91 + '"}'
    assert len(body) == 100

    assert post(body)[0] == 200


def test_a_form_body_is_415_the_api_speaks_json() -> None:
    status, error = post("a=1", content_type="application/x-www-form-urlencoded")

    assert (status, error["code"]) == (415, "request.unsupported_media_type")
